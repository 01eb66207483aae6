import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { bytesSource, readGgufHeader } from '../../../src/backends/gguf/gguf-file.ts'
import type { ByteSource } from '../../../src/backends/gguf/gguf-file.ts'
import { llamaConfigFromGguf, permuteRotary, readGgufLlamaWeights, unpermuteRotary } from '../../../src/backends/gguf/gguf-llama.ts'
import type { GgufProgress } from '../../../src/backends/gguf/gguf-llama.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { meta } from './fixtures/gguf-writer.ts'
import { converterPermute, llamaGguf } from './fixtures/llama-gguf.ts'
import type { LlamaGgufOptions } from './fixtures/llama-gguf.ts'

const CONFIG: LlamaConfig = {
  vocabSize: 40, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 8,
  ropeTheta: 10000, rmsNormEps: Math.fround(1e-5), tieWordEmbeddings: false, maxPositionEmbeddings: 256,
}

async function convert(c: LlamaConfig, w: LlamaWeights, options: LlamaGgufOptions = {}, src?: (u8: Uint8Array) => ByteSource) {
  const { bytes, stored } = llamaGguf(c, w, options)
  const source = (src ?? bytesSource)(bytes)
  const file = await readGgufHeader(source)
  const config = llamaConfigFromGguf(file)
  const progress: GgufProgress[] = []
  const weights = await readGgufLlamaWeights(source, file, config, { onProgress: (p) => progress.push(p) })
  return { config, weights, stored, progress, bytes }
}

async function failure(p: () => Promise<unknown>): Promise<{ code: string, message: string }> {
  try {
    await p()
  } catch (e) {
    if (isHarnessError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected a HarnessError')
}

function withBiases(w: LlamaWeights, c: LlamaConfig, seed: number): LlamaWeights {
  let s = seed
  const next = (): number => {
    s = (s * 69069 + 1) % 65536
    return s / 65536
  }
  const vec = (n: number) => Float32Array.from({ length: n }, () => (next() - 0.5) * 0.2)
  return {
    ...w,
    layers: w.layers.map((l) => ({
      ...l,
      qProj: { ...l.qProj, bias: vec(c.numHeads * c.headDim) },
      kProj: { ...l.kProj, bias: vec(c.numKvHeads * c.headDim) },
      vProj: { ...l.vProj, bias: vec(c.numKvHeads * c.headDim) },
    })),
  }
}

describe('rotary row permutation', () => {
  it('undoes llama.cpp\'s Q/K permutation: within a head GGUF rows are [h0, h2, h1, h3] for D = 4', () => {
    const hf = Float32Array.from([10, 11, 12, 13, 20, 21, 22, 23]) // 2 heads × 4 rows × 1 column
    const gguf = converterPermute(hf, 2, 1)
    expect(Array.from(gguf)).toEqual([10, 12, 11, 13, 20, 22, 21, 23])
    expect(Array.from(unpermuteRotary(gguf, 2, 1))).toEqual(Array.from(hf))
    expect(Array.from(permuteRotary(hf, 2, 1))).toEqual(Array.from(gguf))
    const wide = Float32Array.from({ length: 2 * 8 * 3 }, (_, i) => i)
    expect(unpermuteRotary(converterPermute(wide, 2, 3), 2, 3)).toEqual(wide)
  })
})

describe('llama GGUF → LlamaConfig + LlamaWeights', () => {
  const hf = randomLlamaWeights(CONFIG, 5, 0.1)

  it('reads the config and returns the original Hugging Face weights exactly, tensor by tensor', async () => {
    const { config, weights, progress } = await convert(CONFIG, hf)
    expect(config).toEqual(CONFIG)
    expect(weights).toEqual(hf)
    expect(progress.length).toBe(3 + 2 * 9)
    expect(progress.at(-1)).toEqual({ done: 21, total: 21, name: 'output.weight' })
  })

  it('gives the same logits as the Hugging Face weights in the reference forward', async () => {
    const { config, weights } = await convert(CONFIG, hf)
    const ids = [[3, 17, 9, 30, 1, 22]]
    expect(llamaForward(config, weights, { inputIds: ids }).logits).toEqual(llamaForward(CONFIG, hf, { inputIds: ids }).logits)
  })

  it('without output.weight the head is tied; F16 and Q8_0 tensors are dequantised', async () => {
    const tied = { ...CONFIG, tieWordEmbeddings: true }
    const w = randomLlamaWeights(tied, 6, 0.1)
    const storage = { 'blk.0.ffn_up.weight': 'Q8_0', 'blk.1.attn_v.weight': 'F16', 'blk.1.attn_q.weight': 'Q8_0' } as const
    const { config, weights, stored } = await convert(tied, w, { storage })
    expect(config.tieWordEmbeddings).toBe(true)
    expect(weights.lmHead).toBeUndefined()
    expect(weights.layers[0]!.upProj.weight).toEqual(stored.get('blk.0.ffn_up.weight'))
    expect(weights.layers[1]!.vProj.weight).toEqual(stored.get('blk.1.attn_v.weight'))
    expect(weights.layers[1]!.qProj.weight).toEqual(unpermuteRotary(stored.get('blk.1.attn_q.weight')!, 4, 32))
    // quantisation moved values, but only a little
    const diff = weights.layers[0]!.upProj.weight.reduce((m, v, i) => Math.max(m, Math.abs(v - w.layers[0]!.upProj.weight[i]!)), 0)
    expect(diff).toBeGreaterThan(0)
    expect(diff).toBeLessThan(0.01)
  })

  it('reads the header, then each tensor with one read of exactly its bytes', async () => {
    const reads: [number, number][] = []
    const recording = (u8: Uint8Array): ByteSource => ({
      size: u8.length,
      read: async (offset, length) => {
        reads.push([offset, length])
        return u8.subarray(offset, offset + length)
      },
    })
    const { bytes } = await convert(CONFIG, hf, {}, recording)
    const file = await readGgufHeader(bytesSource(bytes))
    const ranges = file.tensors.map((t) => [file.dataOffset + t.offset, t.byteLength])
    expect(reads[0]![0]).toBe(0) // the header
    expect(reads.slice(1).sort((a, b) => a[0] - b[0])).toEqual(ranges)
  })

  it('qwen2: Q/K stored unpermuted, biases kept, rope base from metadata', async () => {
    const c = { ...CONFIG, ropeTheta: 1_000_000, tieWordEmbeddings: true }
    const w = withBiases(randomLlamaWeights(c, 7, 0.1), c, 3)
    const { config, weights } = await convert(c, w, { architecture: 'qwen2' })
    expect(config).toEqual(c)
    expect(weights).toEqual(w)
  })

  it('llama with Q/K biases permutes the biases with their rows', async () => {
    const w = withBiases(hf, CONFIG, 9)
    const { weights } = await convert(CONFIG, w)
    expect(weights).toEqual(w)
  })

  it('rejects what the graph cannot run, with one-line MODEL_INVALID messages naming the value', async () => {
    const cases: [LlamaGgufOptions, string][] = [
      [{ architecture: 'gemma' }, 'gguf: general.architecture "gemma" is not supported; supported: llama, qwen2 (Mistral-7B-style models convert as llama)'],
      [{ metadata: { 'llama.rope.scaling.type': meta.str('linear') } }, 'gguf: llama.rope.scaling.type is "linear"; only plain rotary embeddings (none) are supported'],
      [{ extraTensors: [{ name: 'rope_freqs.weight', dims: [4], values: [1, 1, 2, 4] }] }, 'gguf: tensor rope_freqs.weight (Llama 3.1-style rope scaling) is not supported; only plain rotary embeddings are'],
      [{ metadata: { 'llama.expert_count': meta.u32(8) } }, 'gguf: llama.expert_count is 8; mixture-of-experts models are not supported'],
      [{ metadata: { 'llama.rope.dimension_count': meta.u32(4) } }, 'gguf: llama.rope.dimension_count 4 differs from the head size 8; partial rotary embeddings are not supported'],
      [{ metadata: { 'llama.attention.head_count_kv': meta.u32(3) } }, 'llama config: num_key_value_heads 3 must divide num_attention_heads 4'],
      [{ omit: ['blk.1.ffn_down.weight'] }, 'gguf: tensor blk.1.ffn_down.weight is missing; a llama checkpoint needs it'],
      [{ extraTensors: [{ name: 'blk.0.attn_q_norm.weight', dims: [8], values: [1, 1, 1, 1, 1, 1, 1, 1] }] }, 'gguf: tensors blk.0.attn_q_norm.weight are not part of a plain llama decoder; this variant is not supported'],
      [{ metadata: { 'llama.feed_forward_length': meta.u32(48) } }, 'gguf: tensor blk.0.ffn_gate.weight is [32, 64]; expected [32, 48] (ggml order, fastest-varying first)'],
    ]
    for (const [options, message] of cases) {
      const got = await failure(() => convert(CONFIG, hf, options))
      expect(got).toEqual({ code: 'MODEL_INVALID', message })
    }
    // an unreadable tensor type fails before any tensor is read
    let tensorReads = 0
    const counting = (u8: Uint8Array): ByteSource => ({ size: u8.length, read: async (o, n) => { if (o > 0) tensorReads++; return u8.subarray(o, o + n) } })
    expect(await failure(() => convert(CONFIG, hf, { storage: { 'blk.1.ffn_up.weight': 'MXFP4' } }, counting))).toEqual({
      code: 'MODEL_INVALID',
      message: 'gguf: blk.1.ffn_up.weight has ggml type MXFP4, which evalz cannot read; supported: F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_NL (re-quantise or convert the model to one of them)',
    })
    expect(tensorReads).toBe(0)
    const noEps = llamaGguf(CONFIG, hf)
    const file = await readGgufHeader(bytesSource(noEps.bytes))
    file.metadata.delete('llama.attention.layer_norm_rms_epsilon')
    expect((await failure(async () => llamaConfigFromGguf(file))).message).toBe('gguf: metadata llama.attention.layer_norm_rms_epsilon is missing; expected a number')
  })
})
