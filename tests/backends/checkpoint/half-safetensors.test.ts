import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import { convertCheckpoint, parameters } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import type { CheckpointConversion } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import { CONVERTER_VERSION } from '../../../src/backends/checkpoint/model-folder.ts'
import { bfloat16Shift, float16Bits, transposed16 } from '../../../src/backends/checkpoint/half-safetensors.ts'
import { DataType, readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { float16ToNumber } from '../../../src/backends/safetensors/safetensors-file.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { HarnessError } from '../../../src/core/errors.ts'
import { bfloat16Bits, filesOpener, llamaCheckpointFiles } from '../safetensors/write-safetensors.ts'
import { TINY, loraAdapter, memorySink, tinyWeights, writeFiles } from './convert-files.ts'
import { halfFolder, roundedWeights, shrunkWeights } from './half-files.ts'

const IDS = [[5, 77, 300, 12, 9, 401, 3], [100, 0, 511, 42, 42, 7, 250]]
/** relative tolerance on a loglikelihood, as the checkpoint CLI tests use against the reference */
const REL = 2e-3
const IDENTITY = { format: 'safetensors' as const, base_sha256: 'b'.repeat(64) }

const tmp = mkdtempSync(join(tmpdir(), 'evalz-half-'))
const models: PreTrainedModel[] = []
let dirs = 0
beforeAll(() => configureTransformers({ allowRemote: false, logLevel: 'error' }))
afterAll(async () => {
  for (const m of models) await m.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

function conversion(files: Map<string, Uint8Array>, adapter?: Map<string, Uint8Array>): CheckpointConversion {
  return {
    source: { format: 'safetensors', open: filesOpener(files), name: 'tiny' },
    ...(adapter ? { adapter: { open: filesOpener(adapter), name: 'my-lora' } } : {}),
    identity: adapter ? { ...IDENTITY, adapter_sha256: 'a'.repeat(64) } : IDENTITY,
  }
}

/** Converts, writes the folder, loads it in transformers.js (onnxruntime-node, cpu). */
async function convertAndLoad(conv: CheckpointConversion) {
  const { sink, files } = memorySink()
  const result = await convertCheckpoint(conv, sink)
  const dir = join(tmp, `m${dirs++}`)
  writeFiles(dir, files)
  const model = await AutoModelForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'fp32' })
  models.push(model)
  const config = JSON.parse(new TextDecoder().decode(files.get('config.json')))
  const bytes = [...files].filter(([p]) => p.startsWith('onnx/')).reduce((n, [, b]) => n + b.length, 0)
  return { result, files, model, config, bytes }
}

/** Log-probability of each next token (positions 0..n-2 predicting 1..n-1), per sequence, flattened. */
async function tokenLogprobs(model: PreTrainedModel): Promise<number[]> {
  const n = IDS[0]!.length
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(IDS.flat(), BigInt), [IDS.length, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(IDS.length * n).fill(1n), [IDS.length, n]),
  })
  const logits = (out.logits as Tensor).data as Float32Array
  const v = TINY.vocabSize
  const lp: number[] = []
  IDS.forEach((ids, b) => {
    for (let t = 0; t + 1 < n; t++) {
      const row = logits.subarray((b * n + t) * v, (b * n + t + 1) * v)
      const max = row.reduce((m, x) => Math.max(m, x), -Infinity)
      const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0))
      lp.push(row[ids[t + 1]!]! - lse)
    }
  })
  return lp
}

function maxRel(a: readonly number[], b: readonly number[]): number {
  expect(a.length).toBe(b.length)
  return a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!) / Math.max(1e-6, Math.abs(b[i]!))), 0)
}

describe('float16Bits', () => {
  it('round-trips every finite float16 and rounds halfway cases to even', () => {
    for (let h = 0; h < 0x10000; h++) {
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) continue // NaN
      expect(float16Bits(float16ToNumber(h))).toBe(h)
    }
    // halfway between 1 and 1 + 2^-10 → 1 (even); between 1 + 2^-10 and 1 + 2^-9 → 1 + 2^-9
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00)
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02)
    expect(float16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01)
    expect(float16Bits(65520)).toBe(0x7c00) // rounds up past 65504
    expect(float16Bits(65519)).toBe(0x7bff)
    expect(float16Bits(2 ** -25)).toBe(0) // halfway to the smallest subnormal → even (0)
    expect(float16Bits(-(2 ** -25) * 1.5)).toBe(0x8001)
    expect(float16Bits(Number.NaN) & 0x7e00).toBe(0x7e00)
  })

  it('bfloat16Shift: the power of two that makes every value a float16 number, 0 when none is needed', () => {
    expect(bfloat16Shift(Uint16Array.of(0x3f80, 0xbc00, 0))).toBe(0) // 1, -2^-7, 0
    expect(bfloat16Shift(Uint16Array.of(0x2f81))).toBe(15) // 129·2^-39: lowest bit 2^-39 → 2^-24
    expect(bfloat16Shift(Uint16Array.of(0x4780))).toBe(-1) // 2^16 → 2^15
    expect(bfloat16Shift(Uint16Array.of(0x4780, 0x2f81))).toBeUndefined() // 2^16 … 2^-39: 56 binades
    expect(bfloat16Shift(Uint16Array.of(0x0001))).toBe(109) // the smallest bfloat16 subnormal, 2^-133
    expect(bfloat16Shift(Uint16Array.of(0x7f80))).toBeUndefined() // Infinity
    expect(bfloat16Shift(Uint16Array.of(0x7fc0))).toBeUndefined() // NaN
    // every value × 2^k round-trips through float16 exactly
    const bits = Uint16Array.from({ length: 1000 }, (_, i) => 0x3000 + i * 3) // 2^-31 … 2^-8, odd and even mantissas
    const k = bfloat16Shift(bits)!
    expect(k).toBe(14) // lowest bit: an odd mantissa at 2^-31 is 2^-38
    const f = new Float32Array(1)
    const u = new Uint32Array(f.buffer)
    for (const b of bits) {
      u[0] = b << 16
      expect(float16ToNumber(float16Bits(f[0]! * 2 ** k)) * 2 ** -k).toBe(f[0])
    }
  })

  it('transposed16 transposes row-major 16-bit matrices', () => {
    expect([...transposed16(Uint16Array.from([1, 2, 3, 4, 5, 6]), 2, 3)]).toEqual([1, 4, 2, 5, 3, 6])
  })
})

describe('F16 / BF16 safetensors keep 16-bit weights', () => {
  const w = tinyWeights()

  const small = shrunkWeights
  const cases = [
    { dtype: 'F16', weights: w, note: 'F16 matrices stored as float16' },
    { dtype: 'BF16', weights: w, note: 'BF16 matrices stored as float16' },
    { dtype: 'BF16', weights: small(w), note: 'BF16 matrices stored as float16' },
  ] as const
  for (const [i, c] of cases.entries()) {
    it(`${c.dtype}${i === 2 ? ' (embedding needing a shift)' : ''}: matrices stored as FLOAT16 (half the bytes), numbers equal to the float32 conversion`, async () => {
      if (i === 2) {
        for (const m of [c.weights.embedTokens, c.weights.lmHead!, c.weights.layers[0]!.qProj.weight]) {
          expect(bfloat16Shift(Uint16Array.from(m, bfloat16Bits))).toBeGreaterThan(0)
        }
      }
      const half = await convertAndLoad(conversion(halfFolder(c.weights, c.dtype)))
      // today's path: the same values, stored F32 (the float32 conversion)
      const full = await convertAndLoad(conversion(halfFolder(roundedWeights(c.weights, c.dtype), 'F32')))
      expect(half.config.evalz).toMatchObject({ weight_dtype: 'float16', converter_version: CONVERTER_VERSION })
      expect(full.config.evalz.weight_dtype).toBe('float32')
      expect(half.config['transformers.js_config']).toEqual({ dtype: 'fp32', use_external_data_format: { 'model.onnx': 1 } })
      expect(half.result.description).toBe(`tiny: safetensors llama, ${parameters(TINY)} parameters (${c.note})`)
      expect(half.result.files).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'])
      const graph = readOnnxModel(half.files.get('onnx/model.onnx')!)
      const types = new Map(graph.initializers.map((t) => [t.name, t.dataType]))
      expect(types.get('model.embed_tokens.weight')).toBe(DataType.FLOAT16)
      expect(types.get('lm_head.weight')).toBe(DataType.FLOAT16)
      expect(types.get('model.layers.1.mlp.down_proj.weight')).toBe(DataType.FLOAT16)
      expect(types.get('model.layers.0.input_layernorm.weight')).toBe(DataType.FLOAT)
      // matrices in 2 bytes, norms in 4: just over half the float32 weights (the tiny graph itself is not negligible here)
      expect(half.result.weightBytes / full.result.weightBytes).toBeGreaterThan(0.5)
      expect(half.result.weightBytes / full.result.weightBytes).toBeLessThan(0.51)
      expect(half.bytes).toBeLessThan(full.bytes)
      const got = await tokenLogprobs(half.model)
      const ref = await tokenLogprobs(full.model)
      expect(maxRel(got, ref)).toBeLessThan(1e-6)
    })
  }

  it('a sharded F16 checkpoint converts to the same bytes as a single file, in external data chunks of the asked size', async () => {
    const single = memorySink()
    await convertCheckpoint(conversion(halfFolder(w, 'F16')), single.sink)
    const files = llamaCheckpointFiles(TINY, w, { dtype: 'F16', shards: 3, config: { bos_token_id: 0, eos_token_id: 0 } })
    for (const [k, v] of halfFolder(w, 'F16')) if (k.startsWith('tokenizer')) files.set(k, v)
    const sharded = memorySink()
    await convertCheckpoint(conversion(files), sharded.sink)
    expect(sharded.files.get('onnx/model.onnx_data')).toEqual(single.files.get('onnx/model.onnx_data'))
    expect(sharded.files.get('onnx/model.onnx')).toEqual(single.files.get('onnx/model.onnx'))
    const chunked = memorySink()
    const result = await convertCheckpoint(conversion(files), chunked.sink, { maxChunkBytes: 8_000 })
    expect(result.externalChunks).toBeGreaterThan(2)
    const config = JSON.parse(new TextDecoder().decode(chunked.files.get('config.json')))
    expect(config['transformers.js_config'].use_external_data_format).toEqual({ 'model.onnx': result.externalChunks })
  })

  it('BF16: a matrix whose values span more than float16 can hold exactly is stored as float32, the rest as float16', async () => {
    const wide = structuredClone(w)
    wide.layers[0]!.upProj.weight[0] = 2 ** 20
    wide.layers[0]!.upProj.weight[1] = 3 * 2 ** -30
    const half = await convertAndLoad(conversion(halfFolder(wide, 'BF16')))
    const full = await convertAndLoad(conversion(halfFolder(roundedWeights(wide, 'BF16'), 'F32')))
    expect(half.config.evalz.weight_dtype).toBe('float16+float32')
    expect(half.result.description).toMatch(/\(BF16 matrices stored as float16, 1 of 16 as float32\)$/)
    const types = new Map(readOnnxModel(half.files.get('onnx/model.onnx')!).initializers.map((t) => [t.name, t.dataType]))
    expect(types.get('model.layers.0.mlp.up_proj.weight')).toBe(DataType.FLOAT)
    expect(types.get('model.layers.1.mlp.up_proj.weight')).toBe(DataType.FLOAT16)
    expect(maxRel(await tokenLogprobs(half.model), await tokenLogprobs(full.model))).toBeLessThan(1e-6)
  })

  it('a LoRA adapter on BF16 weights stores the merged matrices in float32: the float32 merge exactly', async () => {
    const adapter = loraAdapter()
    const half = await convertAndLoad(conversion(halfFolder(w, 'BF16'), adapter.files))
    const full = await convertAndLoad(conversion(halfFolder(roundedWeights(w, 'BF16'), 'F32'), adapter.files))
    expect(half.config.evalz.weight_dtype).toBe('float16+float32')
    const types = new Map(readOnnxModel(half.files.get('onnx/model.onnx')!).initializers.map((t) => [t.name, t.dataType]))
    expect(types.get('model.layers.0.self_attn.q_proj.weight')).toBe(DataType.FLOAT)
    expect(types.get('model.layers.0.self_attn.k_proj.weight')).toBe(DataType.FLOAT16)
    expect(maxRel(await tokenLogprobs(half.model), await tokenLogprobs(full.model))).toBeLessThan(1e-6)
  })

  it('a LoRA adapter merges into F16 weights (merge in float32, store float16) with the float32 merge\'s loglikelihoods', async () => {
    const adapter = loraAdapter()
    const base = roundedWeights(w, 'F16')
    const half = await convertAndLoad(conversion(halfFolder(w, 'F16'), adapter.files))
    const full = await convertAndLoad(conversion(halfFolder(base, 'F32'), adapter.files))
    const plain = await convertAndLoad(conversion(halfFolder(base, 'F32')))
    expect(half.config.evalz).toMatchObject({ weight_dtype: 'float16', adapter_sha256: 'a'.repeat(64) })
    expect(half.result.description).toMatch(/^tiny: safetensors llama, .* parameters \(F16 matrices stored as float16\) \+ LoRA my-lora \(r 2, alpha 6, q_proj, v_proj; 4 matrices merged\)$/)
    const types = new Map(readOnnxModel(half.files.get('onnx/model.onnx')!).initializers.map((t) => [t.name, t.dataType]))
    expect(types.get('model.layers.0.self_attn.q_proj.weight')).toBe(DataType.FLOAT16)
    const got = await tokenLogprobs(half.model)
    const ref = await tokenLogprobs(full.model)
    expect(maxRel(got, ref)).toBeLessThan(REL)
    // and the adapter did change the numbers, by far more than the float16 rounding
    expect(maxRel(await tokenLogprobs(plain.model), ref)).toBeGreaterThan(100 * maxRel(got, ref))
  })

  it('refuses, in one line, a merge that leaves float16\'s range', async () => {
    const big = roundedWeights(w, 'F16')
    big.layers[0]!.qProj.weight[0] = 60000
    const adapter = loraAdapter()
    const files = adapter.files
    // scale the adapter so W + s·B·A passes 65504 somewhere in q_proj of layer 0: B·A entries are ≤ 2·0.16
    const cfg = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')))
    files.set('adapter_config.json', new TextEncoder().encode(JSON.stringify({ ...cfg, lora_alpha: 2e6 })))
    const err = await convertCheckpoint(conversion(halfFolder(big, 'F16'), files), memorySink().sink).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HarnessError)
    expect((err as HarnessError).message).toMatch(/^model\.layers\.0\.self_attn\.q_proj\.weight after the LoRA merge holds -?[\d.e+]+, beyond float16's ±65504; the merged model cannot be stored in float16$/)
  })
})
