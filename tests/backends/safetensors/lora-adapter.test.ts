import { describe, expect, it } from 'vitest'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { addLoraDelta, loraConfigFromPeft, mergeLoraAdapter, planLoraMerge } from '../../../src/backends/safetensors/lora-adapter.ts'
import { openSafetensorsCheckpoint } from '../../../src/backends/safetensors/safetensors-checkpoint.ts'
import type { SafetensorsCheckpoint } from '../../../src/backends/safetensors/safetensors-checkpoint.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { encodeSafetensors, filesOpener } from './write-safetensors.ts'
import type { TensorToWrite } from './write-safetensors.ts'
import { harnessThrow as errorOf } from '../../rejection.ts'

/** hidden 2, one head of size 2, MLP width 4: every linear is 2×2, 4×2 or 2×4. */
const TINY: LlamaConfig = {
  vocabSize: 5, hiddenSize: 2, intermediateSize: 4, numLayers: 2, numHeads: 1, numKvHeads: 1, headDim: 2,
  ropeTheta: 10000, rmsNormEps: 1e-6, tieWordEmbeddings: true, maxPositionEmbeddings: 16,
}

const PEFT = 'base_model.model.model.layers'


function adapterOf(tensors: TensorToWrite[]): Promise<SafetensorsCheckpoint> {
  return openSafetensorsCheckpoint(filesOpener(new Map([['adapter_model.safetensors', encodeSafetensors(tensors)]])), 'adapter_model')
}

function baseWeights(): LlamaWeights {
  const w = randomLlamaWeights(TINY, 5, 1)
  w.layers[0]!.qProj.weight = Float32Array.of(1, 2, 3, 4)
  return w
}

describe('LoRA merge', () => {
  it('adds scale · B · A to a weight (hand-checked, r = 1)', () => {
    const w = Float32Array.of(1, 2, 3, 4)
    addLoraDelta(w, 2, 2, Float32Array.of(0.5, -1), Float32Array.of(2, 4), 1, 4)
    // B·A = [[1, -2], [2, -4]]; × 4 = [[4, -8], [8, -16]]
    expect(Array.from(w)).toEqual([5, -6, 11, -12])
  })

  it('merges q_proj of layer 0 with alpha / r and leaves every other weight alone', async () => {
    const lora = loraConfigFromPeft({ peft_type: 'LORA', r: 1, lora_alpha: 4, target_modules: ['q_proj', 'v_proj'], bias: 'none', use_dora: false, modules_to_save: null })
    expect(lora.scale).toBe(4)
    const adapter = await adapterOf([
      { name: `${PEFT}.0.self_attn.q_proj.lora_A.weight`, shape: [1, 2], data: Float32Array.of(0.5, -1) },
      { name: `${PEFT}.0.self_attn.q_proj.lora_B.weight`, shape: [2, 1], data: Float32Array.of(2, 4), dtype: 'BF16' },
    ])
    const w = baseWeights()
    const before = structuredClone(w)
    const summary = await mergeLoraAdapter(TINY, w, lora, adapter)
    expect(Array.from(w.layers[0]!.qProj.weight)).toEqual([5, -6, 11, -12])
    w.layers[0]!.qProj.weight = before.layers[0]!.qProj.weight
    expect(w).toEqual(before)
    expect(summary).toEqual({ r: 1, alpha: 4, scale: 4, useRslora: false, targetModules: ['q_proj', 'v_proj'], modules: ['q_proj'], merged: 1, warnings: [] })
  })

  it('scales by alpha / √r with use_rslora', async () => {
    const lora = loraConfigFromPeft({ r: 4, lora_alpha: 4, use_rslora: true, target_modules: ['o_proj'] })
    expect(lora.scale).toBe(2)
    const adapter = await adapterOf([
      { name: `${PEFT}.1.self_attn.o_proj.lora_A.weight`, shape: [4, 2], data: Float32Array.of(1, 0, 0, 1, 1, 1, 0, 0) },
      { name: `${PEFT}.1.self_attn.o_proj.lora_B.weight`, shape: [2, 4], data: Float32Array.of(1, 0, 0, 0, 0, 0, 1, 0) },
    ])
    const w = baseWeights()
    const o = Array.from(w.layers[1]!.oProj.weight)
    await mergeLoraAdapter(TINY, w, lora, adapter)
    // B·A = [[1, 0], [1, 1]]; × 2
    expect(Array.from(w.layers[1]!.oProj.weight)).toEqual([o[0]! + 2, o[1]!, o[2]! + 2, o[3]! + 2].map(Math.fround))
  })

  it('selects modules with a regular-expression target_modules (full match of the module name)', async () => {
    const lora = loraConfigFromPeft({ r: 1, lora_alpha: 1, target_modules: '.*\\.(q_proj|down_proj)' })
    const pair = (module: string, inp: number, out: number): TensorToWrite[] => [
      { name: `${PEFT}.${module}.lora_A.weight`, shape: [1, inp], data: new Float32Array(inp).fill(1) },
      { name: `${PEFT}.${module}.lora_B.weight`, shape: [out, 1], data: new Float32Array(out).fill(1) },
    ]
    const ok = await adapterOf([...pair('1.self_attn.q_proj', 2, 2), ...pair('0.mlp.down_proj', 4, 2)])
    expect(planLoraMerge(TINY, lora, ok).map((m) => m.module)).toEqual(['model.layers.0.mlp.down_proj', 'model.layers.1.self_attn.q_proj'])
    const w = baseWeights()
    const down = Array.from(w.layers[0]!.downProj.weight)
    const summary = await mergeLoraAdapter(TINY, w, lora, ok)
    expect(Array.from(w.layers[0]!.downProj.weight)).toEqual(down.map((x) => Math.fround(x + 1)))
    expect(summary).toMatchObject({ targetModules: ['.*\\.(q_proj|down_proj)'], modules: ['down_proj', 'q_proj'], merged: 2 })
    const stray = await adapterOf(pair('0.self_attn.v_proj', 2, 2))
    expect(errorOf(() => planLoraMerge(TINY, lora, stray)).message).toMatch(/adapts model\.layers\.0\.self_attn\.v_proj, which target_modules ".*" does not select/)
  })

  it('refuses unsupported adapter settings in one line each', () => {
    const base = { r: 8, lora_alpha: 16, target_modules: ['q_proj'] }
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ use_dora: true }, /use_dora is true \(DoRA adapters are not supported\)/],
      [{ bias: 'all' }, /bias is "all"/],
      [{ modules_to_save: ['lm_head'] }, /modules_to_save \["lm_head"\] is not supported/],
      [{ rank_pattern: { q_proj: 4 } }, /rank_pattern .* is not supported/],
      [{ peft_type: 'IA3' }, /peft_type "IA3" is not LORA/],
      [{ r: 0 }, /r is 0; expected a positive integer/],
      [{ target_modules: null }, /target_modules is missing/],
      [{ target_modules: '(' }, /target_modules "\(" is not a valid regular expression/],
    ]
    for (const [patch, message] of cases) {
      const e = errorOf(() => loraConfigFromPeft({ ...base, ...patch }))
      expect(e.code).toBe('MODEL_INVALID')
      expect(e.message).toMatch(message)
    }
    expect(loraConfigFromPeft({ ...base, fan_in_fan_out: true }).warnings).toEqual(['fan_in_fan_out is true but the targets are nn.Linear; ignored, as PEFT does'])
  })

  it('refuses targets and tensors the base model does not have, DoRA magnitudes, wrong shapes and half pairs', async () => {
    const lora = loraConfigFromPeft({ r: 1, lora_alpha: 1, target_modules: ['q_proj'] })
    const A = { name: `${PEFT}.0.self_attn.q_proj.lora_A.weight`, shape: [1, 2], data: Float32Array.of(1, 1) }
    const B = { name: `${PEFT}.0.self_attn.q_proj.lora_B.weight`, shape: [2, 1], data: Float32Array.of(1, 1) }
    const refuse = async (tensors: TensorToWrite[], message: RegExp, cfg = lora) => {
      const adapter = await adapterOf(tensors)
      const e = errorOf(() => planLoraMerge(TINY, cfg, adapter))
      expect(e.code).toBe('MODEL_INVALID')
      expect(e.message).toMatch(message)
    }
    expect(planLoraMerge(TINY, lora, await adapterOf([A, B])).length).toBe(1)
    await refuse([A, B], /target_modules entry "c_attn" is not a linear of the base model's decoder layers; supported: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj/, loraConfigFromPeft({ target_modules: ['q_proj', 'c_attn'] }))
    await refuse([A, B], /target_modules entry "lm_head" is not a linear/, loraConfigFromPeft({ target_modules: ['lm_head'] }))
    await refuse([A, B, { name: `${PEFT}.0.self_attn.q_proj.lora_magnitude_vector`, shape: [2], data: Float32Array.of(1, 1) }], /lora_magnitude_vector is a DoRA magnitude/)
    await refuse([{ ...A, name: 'base_model.model.lm_head.lora_A.weight' }], /adapts lm_head, which is not a linear of a decoder layer/)
    await refuse([{ ...A, name: `${PEFT}.7.self_attn.q_proj.lora_A.weight` }], /adapts layer 7, but the base model has 2 layers/)
    await refuse([{ ...A, shape: [2, 1] }, B], /lora_A\.weight has shape \[2, 1\]; expected \[1, 2\] \(r × in_features of model\.layers\.0\.self_attn\.q_proj\)/)
    await refuse([A], /model\.layers\.0\.self_attn\.q_proj has lora_A but no lora_B/)
    await refuse([{ name: 'base_model.model.model.embed_tokens.weight', shape: [1], data: Float32Array.of(1) }], /is not a LoRA weight/)
  })
})
