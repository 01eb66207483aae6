/**
 * Test helpers for 16-bit checkpoints: TINY written as a F16 or BF16 safetensors folder with the demo tokenizer, and
 * the float32 values such a checkpoint holds.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LlamaLayerWeights, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { llamaCheckpointFiles, roundTo } from '../safetensors/write-safetensors.ts'
import type { FloatDtype } from '../safetensors/write-safetensors.ts'
import { DEMO, TINY } from './convert-files.ts'

/** TINY in `dtype` with the demo tokenizer (tokenizer.json, tokenizer_config.json). */
export function halfFolder(w: LlamaWeights, dtype: FloatDtype): Map<string, Uint8Array> {
  const files = llamaCheckpointFiles(TINY, w, { dtype, config: { bos_token_id: 0, eos_token_id: 0 } })
  files.set('tokenizer.json', readFileSync(join(DEMO, 'tokenizer.json')))
  files.set('tokenizer_config.json', readFileSync(join(DEMO, 'tokenizer_config.json')))
  return files
}

/** The weights a checkpoint in `dtype` holds: every tensor rounded through it. */
export function roundedWeights(w: LlamaWeights, dtype: FloatDtype): LlamaWeights {
  const r = (a: Float32Array) => roundTo(a, dtype)
  const layer = (l: LlamaLayerWeights): LlamaLayerWeights => {
    const out = { ...l, inputLayernorm: r(l.inputLayernorm), postAttentionLayernorm: r(l.postAttentionLayernorm) }
    for (const key of ['qProj', 'kProj', 'vProj', 'oProj', 'gateProj', 'upProj', 'downProj'] as const) {
      const lin = l[key]
      out[key] = { weight: r(lin.weight), ...(lin.bias ? { bias: r(lin.bias) } : {}) }
    }
    return out
  }
  return { embedTokens: r(w.embedTokens), norm: r(w.norm), ...(w.lmHead ? { lmHead: r(w.lmHead) } : {}), layers: w.layers.map(layer) }
}

/** The weights with the embedding, the head and layer 0's q_proj shrunk by 1e-4: a BF16 copy needs shifts (k ≠ 0). */
export function shrunkWeights(x: LlamaWeights): LlamaWeights {
  const y = structuredClone(x)
  y.embedTokens = y.embedTokens.map((v) => v * 1e-4)
  y.lmHead = y.lmHead!.map((v) => v * 1e-4)
  y.layers[0]!.qProj.weight = y.layers[0]!.qProj.weight.map((v) => v * 1e-4)
  return y
}
