/**
 * Test helpers for checkpoint conversion: in-memory sinks, a folder writer, a small Llama with the demo
 * tokenizer written as a Hugging Face safetensors folder, and a PEFT adapter with known A/B.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { FileSink } from '../../../src/backends/checkpoint/llama-onnx-writer.ts'
import type { LlamaConfig, LlamaLinearKey, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { LLAMA_LINEARS, linearShape } from '../../../src/backends/onnx/llama-config.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { encodeSafetensors, jsonBytes, llamaCheckpointFiles } from '../safetensors/write-safetensors.ts'

/** The committed demo model folder (its tokenizer files are reused). */
export const DEMO = join(import.meta.dirname, '../../../public/models/demo')

/** 2 layers, hidden 16, GQA 4:2, the demo tokenizer's 512 ids, untied head. */
export const TINY: LlamaConfig = {
  vocabSize: 512, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4,
  ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 128,
}

/** Seeded weights large enough that the decoder layers move the logits. */
export function tinyWeights(seed = 11): LlamaWeights {
  return randomLlamaWeights(TINY, seed, 0.3)
}

/** A memory sink and the files it collected (parts copied, so released weights do not matter). */
export function memorySink(): { sink: FileSink, files: Map<string, Uint8Array> } {
  const parts = new Map<string, Uint8Array[]>()
  const files = new Map<string, Uint8Array>()
  const sink: FileSink = async (path, part) => {
    const list = [...(parts.get(path) ?? []), part.slice()]
    parts.set(path, list)
    files.set(path, Buffer.concat(list))
  }
  return { sink, files }
}

/** Writes files (relative paths) under `dir`. */
export function writeFiles(dir: string, files: ReadonlyMap<string, Uint8Array>): void {
  for (const [rel, bytes] of files) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true })
    writeFileSync(join(dir, rel), bytes)
  }
}

/** A safetensors checkpoint folder of TINY with the demo tokenizer (tokenizer.json, tokenizer_config.json). */
export function safetensorsFolder(w: LlamaWeights, opts: { tokenizer?: boolean } = {}): Map<string, Uint8Array> {
  const files = llamaCheckpointFiles(TINY, w, { config: { bos_token_id: 0, eos_token_id: 0 } })
  if (opts.tokenizer ?? true) {
    files.set('tokenizer.json', readFileSync(join(DEMO, 'tokenizer.json')))
    files.set('tokenizer_config.json', readFileSync(join(DEMO, 'tokenizer_config.json')))
  }
  return files
}

/** A LoRA adapter on q_proj and v_proj of every layer with seeded A/B; `merged` applies W + (alpha/r)·B·A to a copy. */
export function loraAdapter(seed = 5): { files: Map<string, Uint8Array>, merged: (w: LlamaWeights) => LlamaWeights } {
  const r = 2
  const alpha = 6
  const targets: LlamaLinearKey[] = ['qProj', 'vProj']
  const tensors: { name: string, shape: number[], data: Float32Array }[] = []
  const ab = new Map<string, { a: Float32Array, b: Float32Array }>()
  let s = seed
  const next = () => { s = (s * 16807) % 2147483647; return (s / 2147483647 - 0.5) * 0.8 }
  for (let i = 0; i < TINY.numLayers; i++) {
    for (const key of targets) {
      const [out, inp] = linearShape(TINY, key)
      const path = LLAMA_LINEARS.find(([k]) => k === key)![1]
      const a = Float32Array.from({ length: r * inp }, next)
      const b = Float32Array.from({ length: out * r }, next)
      ab.set(`${i}.${key}`, { a, b })
      tensors.push({ name: `base_model.model.model.layers.${i}.${path}.lora_A.weight`, shape: [r, inp], data: a })
      tensors.push({ name: `base_model.model.model.layers.${i}.${path}.lora_B.weight`, shape: [out, r], data: b })
    }
  }
  const files = new Map<string, Uint8Array>([
    ['adapter_config.json', jsonBytes({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r, lora_alpha: alpha, target_modules: ['q_proj', 'v_proj'], bias: 'none' })],
    ['adapter_model.safetensors', encodeSafetensors(tensors)],
  ])
  const merged = (w: LlamaWeights) => {
    const copy = structuredClone(w)
    copy.layers.forEach((layer, i) => {
      for (const key of targets) {
        const [out, inp] = linearShape(TINY, key)
        const { a, b } = ab.get(`${i}.${key}`)!
        const wt = layer[key].weight
        for (let o = 0; o < out; o++) {
          for (let j = 0; j < inp; j++) {
            let sum = 0
            for (let k = 0; k < r; k++) sum += b[o * r + k]! * a[k * inp + j]!
            wt[o * inp + j] = wt[o * inp + j]! + (alpha / r) * sum
          }
        }
      }
    })
    return copy
  }
  return { files, merged }
}
