import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { llamaConfigFromHf, llamaConfigToHf, validateLlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig } from '../../../src/backends/onnx/llama-config.ts'
import { encodeLlamaOnnx, llamaWeightsFromOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import { DataType, readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'

const CONFIG: LlamaConfig = {
  vocabSize: 33, hiddenSize: 24, intermediateSize: 40, numLayers: 2, numHeads: 3, numKvHeads: 1, headDim: 8,
  ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: true, maxPositionEmbeddings: 128,
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f()
  } catch (e) {
    return isHarnessError(e) ? e.code : 'not a HarnessError'
  }
  return undefined
}

describe('buildLlamaOnnx', () => {
  const weights = randomLlamaWeights(CONFIG, 11, 0.1)
  const bytes = encodeLlamaOnnx(CONFIG, weights)
  const summary = readOnnxModel(bytes)

  it('declares opset 17, IR 8 and transformers.js input/output names, types and dims', () => {
    expect(summary.irVersion).toBe(8)
    expect(summary.opsets).toEqual([{ domain: '', version: 17 }])
    const io = (v: { name: string, elemType: number, shape: (number | string)[] }) => [v.name, v.elemType, v.shape]
    expect(summary.inputs.map(io)).toEqual([
      ['input_ids', DataType.INT64, ['batch_size', 'sequence_length']],
      ['attention_mask', DataType.INT64, ['batch_size', 'total_sequence_length']],
      ['position_ids', DataType.INT64, ['batch_size', 'sequence_length']],
      ['past_key_values.0.key', DataType.FLOAT, ['batch_size', 1, 'past_sequence_length', 8]],
      ['past_key_values.0.value', DataType.FLOAT, ['batch_size', 1, 'past_sequence_length', 8]],
      ['past_key_values.1.key', DataType.FLOAT, ['batch_size', 1, 'past_sequence_length', 8]],
      ['past_key_values.1.value', DataType.FLOAT, ['batch_size', 1, 'past_sequence_length', 8]],
      ['num_logits_to_keep', DataType.INT64, []],
    ])
    expect(summary.outputs.map((o) => o.name)).toEqual(['logits', 'present.0.key', 'present.0.value', 'present.1.key', 'present.1.value'])
    expect(summary.outputs[0]!.shape).toEqual(['batch_size', 'num_logits', 33])
    expect(summary.outputs[1]!.shape).toEqual(['batch_size', 1, 'total_sequence_length', 8])
  })

  it('stores weights under Hugging Face names and reads them back exactly', () => {
    const names = summary.initializers.map((t) => t.name)
    expect(names).toContain('model.embed_tokens.weight')
    expect(names).toContain('model.layers.1.mlp.down_proj.weight')
    expect(names).not.toContain('lm_head.weight')
    const kProj = summary.initializers.find((t) => t.name === 'model.layers.0.self_attn.k_proj.weight')!
    expect(kProj.dims).toEqual([24, 8]) // [in, out]
    const back = llamaWeightsFromOnnx(CONFIG, summary.initializers)
    expect(back.embedTokens).toEqual(weights.embedTokens)
    expect(back.norm).toEqual(weights.norm)
    back.layers.forEach((l, i) => {
      for (const key of ['qProj', 'kProj', 'vProj', 'oProj', 'gateProj', 'upProj', 'downProj'] as const) {
        expect(l[key].weight).toEqual(weights.layers[i]![key].weight)
      }
    })
  })

  it('is deterministic and small (one float32 copy of the weights plus the graph)', () => {
    expect(encodeLlamaOnnx(CONFIG, weights)).toEqual(bytes)
    const paramBytes = 4 * (33 * 24 + 2 * (24 * 24 + 2 * 24 * 8 + 24 * 24 + 3 * 24 * 40 + 2 * 24) + 24)
    expect(bytes.length).toBeGreaterThan(paramBytes)
    expect(bytes.length).toBeLessThan(paramBytes + 40_000)
  })

  it('can leave out num_logits_to_keep', async () => {
    const plain = encodeLlamaOnnx(CONFIG, weights, { numLogitsToKeep: false })
    const session = await ort.InferenceSession.create(plain)
    expect(session.inputNames).not.toContain('num_logits_to_keep')
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([4n, 5n]), [1, 2]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n, 1n]), [1, 2]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([0n, 1n]), [1, 2]),
    }
    for (let i = 0; i < 2; i++) {
      for (const k of ['key', 'value']) feeds[`past_key_values.${i}.${k}`] = new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 8])
    }
    const out = await session.run(feeds)
    expect(out.logits!.dims).toEqual([1, 2, 33])
    const ref = llamaForward(CONFIG, weights, { inputIds: [[4, 5]] })
    const got = out.logits!.data as Float32Array
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - ref.logits[i]!)).toBeLessThan(1e-4)
  })

  it('rejects weights that do not fit the config', () => {
    const bad = randomLlamaWeights(CONFIG, 1)
    bad.layers[1]!.vProj.weight = new Float32Array(5)
    expect(codeOf(() => encodeLlamaOnnx(CONFIG, bad))).toBe('MODEL_INVALID')
    expect(codeOf(() => validateLlamaWeights({ ...CONFIG, tieWordEmbeddings: false }, randomLlamaWeights(CONFIG, 1)))).toBe('MODEL_INVALID')
  })
})

describe('llamaConfigFromHf', () => {
  it('reads HF fields with HF defaults (head_dim, kv heads, untied, theta, eps)', () => {
    const c = llamaConfigFromHf({ vocab_size: 100, hidden_size: 32, intermediate_size: 64, num_hidden_layers: 2, num_attention_heads: 4 })
    expect(c).toEqual({
      vocabSize: 100, hiddenSize: 32, intermediateSize: 64, numLayers: 2, numHeads: 4, numKvHeads: 4, headDim: 8,
      ropeTheta: 10000, rmsNormEps: 1e-6, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
    })
  })

  it('round-trips through llamaConfigToHf', () => {
    expect(llamaConfigFromHf(llamaConfigToHf(CONFIG))).toEqual(CONFIG)
  })

  it('rejects missing sizes, bad head splits and rope scaling', () => {
    const base = llamaConfigToHf(CONFIG)
    expect(codeOf(() => llamaConfigFromHf({ ...base, hidden_size: undefined }))).toBe('MODEL_INVALID')
    expect(codeOf(() => llamaConfigFromHf({ ...base, num_key_value_heads: 2 }))).toBe('MODEL_INVALID')
    expect(codeOf(() => llamaConfigFromHf({ ...base, head_dim: 7 }))).toBe('MODEL_INVALID')
    expect(codeOf(() => llamaConfigFromHf({ ...base, rope_scaling: { rope_type: 'llama3', factor: 8 } }))).toBe('MODEL_INVALID')
  })
})
