import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { llamaConfigFromHf } from '../../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { llamaWeightsFromOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import { readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { readSafetensorsModel } from '../../../src/backends/safetensors/safetensors-model.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { encodeSafetensors, filesOpener, jsonBytes, llamaCheckpointFiles, llamaTensors, roundTo } from './write-safetensors.ts'
import type { FloatDtype, ReadLog } from './write-safetensors.ts'
import { harnessFailure as errorOf } from '../../rejection.ts'

const DEMO = join(import.meta.dirname, '../../../public/models/demo')

/** 2 layers, hidden 16, 4 query heads sharing 2 kv heads, untied head. */
const SMALL: LlamaConfig = {
  vocabSize: 29, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4,
  ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 64,
}
const WEIGHTS = randomLlamaWeights(SMALL, 17, 0.3)
const IDS = [[3, 14, 15, 9, 2, 6], [28, 0, 1, 1, 7, 20]]


function logits(c: LlamaConfig, w: LlamaWeights): Float64Array {
  return llamaForward(c, w, { inputIds: IDS }).logits
}

function withBiases(c: LlamaConfig, w: LlamaWeights): LlamaWeights {
  const copy = structuredClone(w)
  const bias = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + seed) * 0.2)
  copy.layers.forEach((l, i) => {
    l.qProj.bias = bias(c.numHeads * c.headDim, i)
    l.kProj.bias = bias(c.numKvHeads * c.headDim, i + 5)
    l.vProj.bias = bias(c.numKvHeads * c.headDim, i + 9)
  })
  return copy
}

describe('safetensors checkpoint → Llama', () => {
  it('reads back a float32 checkpoint exactly, with the same reference logits', async () => {
    const model = await readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS)))
    expect(model.modelType).toBe('llama')
    expect(model.config).toEqual(SMALL)
    expect(model.weights).toEqual(WEIGHTS)
    expect(model.adapter).toBeUndefined()
    expect(logits(model.config, model.weights)).toEqual(logits(SMALL, WEIGHTS))
  })

  it.each([['F16', 2 ** -11, 2 ** -25], ['BF16', 2 ** -8, 0]] as const)('reads %s weights as the exactly rounded values, within the dtype precision', async (dtype: FloatDtype, rel: number, abs: number) => {
    const model = await readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS, { dtype })))
    const got = llamaTensors(SMALL, model.weights)
    const want = llamaTensors(SMALL, WEIGHTS)
    expect(got.map((t) => t.name)).toEqual(want.map((t) => t.name))
    got.forEach((t, i) => {
      const original = want[i]!.data
      expect(t.data, t.name).toEqual(roundTo(original, dtype))
      const outside = Array.from(original).filter((x, j) => !(Math.abs(t.data[j]! - x) <= Math.max(Math.abs(x) * rel, abs)))
      expect(outside, t.name).toEqual([])
    })
    expect(got.some((t, i) => t.data.some((x, j) => x !== want[i]!.data[j]))).toBe(true)
  })

  it('reads a sharded checkpoint tensor by tensor, every byte once', async () => {
    const files = llamaCheckpointFiles(SMALL, WEIGHTS, { shards: 3 })
    expect([...files.keys()]).toEqual(['config.json', 'model-00001-of-00003.safetensors', 'model-00002-of-00003.safetensors', 'model-00003-of-00003.safetensors', 'model.safetensors.index.json'])
    const log: ReadLog = []
    const model = await readSafetensorsModel(filesOpener(files, log))
    expect(model.weights).toEqual(WEIGHTS)
    const shardReads = log.filter((r) => r.file.startsWith('model-'))
    const tensorCount = llamaTensors(SMALL, WEIGHTS).length
    expect(shardReads.length).toBe(2 * 3 + tensorCount)
    for (const [name, bytes] of files) {
      if (name.startsWith('model-')) expect(shardReads.filter((r) => r.file === name).reduce((a, r) => a + r.length, 0)).toBe(bytes.length)
    }
  })

  it('reads a tied model without lm_head, and ignores an lm_head copy and rotary inv_freq buffers', async () => {
    const tied = { ...SMALL, tieWordEmbeddings: true }
    const weights = randomLlamaWeights(tied, 3, 0.3)
    expect((await readSafetensorsModel(filesOpener(llamaCheckpointFiles(tied, weights)))).weights).toEqual(weights)
    const tensors = [
      ...llamaTensors(tied, weights),
      { name: 'lm_head.weight', shape: [29, 16], data: new Float32Array(29 * 16) },
      { name: 'model.layers.0.self_attn.rotary_emb.inv_freq', shape: [2], data: Float32Array.of(1, 0.01) },
    ]
    const files = llamaCheckpointFiles(tied, weights)
    files.set('model.safetensors', encodeSafetensors(tensors))
    const model = await readSafetensorsModel(filesOpener(files))
    expect(model.weights).toEqual(weights)
    expect(model.weights.lmHead).toBeUndefined()
  })

  it('reads qwen2 q/k/v biases and a mistral sliding window', async () => {
    const weights = withBiases(SMALL, WEIGHTS)
    const qwen = await readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, weights, { config: { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] } })))
    expect(qwen.modelType).toBe('qwen2')
    expect(qwen.weights).toEqual(weights)
    expect(logits(qwen.config, qwen.weights)).toEqual(logits(SMALL, weights))
    expect(logits(qwen.config, qwen.weights)).not.toEqual(logits(SMALL, WEIGHTS))
    const mistral = await readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS, { config: { model_type: 'mistral', sliding_window: 32 } })))
    expect([mistral.modelType, mistral.slidingWindow]).toEqual(['mistral', 32])
  })

  it('reads the demo model (weights recovered from public/models/demo/onnx/model.onnx) back unchanged', async () => {
    const configJson = JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8')) as Record<string, unknown>
    const config = llamaConfigFromHf(configJson)
    const weights = llamaWeightsFromOnnx(config, readOnnxModel(new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))).initializers)
    const files = llamaCheckpointFiles(config, weights, { shards: 2 })
    files.set('config.json', jsonBytes(configJson))
    const model = await readSafetensorsModel(filesOpener(files))
    expect(model.config).toEqual(config)
    expect(model.weights).toEqual(weights)
  })

  it('refuses a bad checkpoint in one line naming what it found and what it supports', async () => {
    const cases: [Map<string, Uint8Array>, string, RegExp][] = [
      [llamaCheckpointFiles(SMALL, WEIGHTS, { config: { model_type: 'phi3' } }), 'MODEL_INVALID', /model_type "phi3" \(LlamaForCausalLM\) is not supported; supported model types: llama, mistral, qwen2/],
      [llamaCheckpointFiles(SMALL, WEIGHTS, { omit: ['model.layers.1.mlp.up_proj.weight'] }), 'MODEL_INVALID', /checkpoint has no tensor model\.layers\.1\.mlp\.up_proj\.weight; found model\.embed_tokens\.weight, .* \(\d+ in all\); a llama checkpoint needs model\.embed_tokens\.weight, model\.layers\.N\.\*, model\.norm\.weight, lm_head\.weight/],
      [llamaCheckpointFiles(SMALL, WEIGHTS, { config: { model_type: 'qwen2' } }), 'MODEL_INVALID', /checkpoint has no tensor model\.layers\.0\.self_attn\.q_proj\.bias \(and 5 more missing\)/],
      [llamaCheckpointFiles(SMALL, withBiases(SMALL, WEIGHTS)), 'MODEL_INVALID', /unexpected tensors model\.layers\.0\.self_attn\.q_proj\.bias, .* \(6 in all\) for a llama model with 2 layers/],
      [llamaCheckpointFiles(SMALL, WEIGHTS, { config: { intermediate_size: 20 } }), 'MODEL_INVALID', /tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[24, 16\]; config\.json implies \[20, 16\]/],
      [new Map([['model.safetensors', new Uint8Array(8)]]), 'MODEL_NOT_FOUND', /config\.json is not in the model folder/],
      [new Map([['config.json', llamaCheckpointFiles(SMALL, WEIGHTS).get('config.json')!]]), 'MODEL_NOT_FOUND', /no model\.safetensors or model\.safetensors\.index\.json/],
    ]
    for (const [files, code, message] of cases) {
      const e = await errorOf(readSafetensorsModel(filesOpener(files)))
      expect([e.code, e.message]).toEqual([code, expect.stringMatching(message)])
    }
  })

  it('refuses a tensor in an unsupported dtype, naming it and the supported dtypes', async () => {
    const files = llamaCheckpointFiles(SMALL, WEIGHTS)
    const tensors = llamaTensors(SMALL, WEIGHTS).map((t) => (t.name === 'model.norm.weight' ? { ...t, dtype: 'I32', data: new Uint8Array(t.data.buffer.slice(0)) } : t))
    files.set('model.safetensors', encodeSafetensors(tensors))
    const e = await errorOf(readSafetensorsModel(filesOpener(files)))
    expect(e.message).toBe('model.safetensors: tensor model.norm.weight has dtype I32; supported dtypes are F32, F16, BF16 (convert the checkpoint to one of them)')
  })
})

describe('safetensors checkpoint + LoRA adapter', () => {
  const PEFT = 'base_model.model.model.layers'
  const a = Float32Array.from({ length: 16 }, (_, i) => (i % 4) - 1.5)
  const b = Float32Array.from({ length: 24 }, (_, i) => (i % 3) * 0.5)

  function adapterFiles(config: Record<string, unknown>): Map<string, Uint8Array> {
    return new Map([
      ['adapter_config.json', jsonBytes({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 1, lora_alpha: 2, bias: 'none', use_dora: false, use_rslora: false, fan_in_fan_out: false, modules_to_save: null, target_modules: ['up_proj'], ...config })],
      ['adapter_model.safetensors', encodeSafetensors([
        { name: `${PEFT}.1.mlp.up_proj.lora_A.weight`, shape: [1, 16], data: a },
        { name: `${PEFT}.1.mlp.up_proj.lora_B.weight`, shape: [24, 1], data: b },
      ])],
    ])
  }

  it('merges W + (alpha / r)·B·A into the read weights and reports it', async () => {
    const model = await readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS, { dtype: 'BF16' })), { adapter: { open: filesOpener(adapterFiles({})) } })
    const base = roundTo(WEIGHTS.layers[1]!.upProj.weight, 'BF16')
    const want = base.map((w, k) => w + 2 * b[Math.floor(k / 16)]! * a[k % 16]!)
    expect(model.weights.layers[1]!.upProj.weight).toEqual(want)
    expect(model.weights.layers[0]!.upProj.weight).toEqual(roundTo(WEIGHTS.layers[0]!.upProj.weight, 'BF16'))
    expect(model.adapter).toEqual({ r: 1, alpha: 2, scale: 2, useRslora: false, targetModules: ['up_proj'], modules: ['up_proj'], merged: 1, warnings: [] })
  })

  it('refuses DoRA and a missing adapter file before reading any base tensor', async () => {
    const log: ReadLog = []
    const e = await errorOf(readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS), log), { adapter: { open: filesOpener(adapterFiles({ use_dora: true })) } }))
    expect([e.code, e.message]).toEqual(['MODEL_INVALID', 'adapter_config.json: use_dora is true (DoRA adapters are not supported); only plain LoRA on the decoder linears can be merged'])
    expect(log.filter((r) => r.file === 'model.safetensors').length).toBe(2)
    const files = adapterFiles({})
    files.delete('adapter_model.safetensors')
    const missing = await errorOf(readSafetensorsModel(filesOpener(llamaCheckpointFiles(SMALL, WEIGHTS)), { adapter: { open: filesOpener(files) } }))
    expect([missing.code, missing.message]).toEqual(['MODEL_NOT_FOUND', expect.stringMatching(/adapter_model\.safetensors is not in the adapter folder/)])
  })
})
