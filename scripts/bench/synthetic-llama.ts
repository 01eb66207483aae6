/**
 * Synthetic Llama checkpoints for benchmarks: a Hugging Face safetensors folder (config.json, model.safetensors with
 * seeded xorshift weights in ±0.05, a tokenizer) written tensor by tensor, so multi-GB checkpoints never sit in memory.
 */
import { readFileSync } from 'node:fs'
import { mkdir, open, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { LLAMA_LINEARS, linearShape, llamaConfigToHf } from '../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig } from '../../src/backends/onnx/llama-config.ts'
import { bytesSource, GgufMetadata, readGgufHeader } from '../../src/backends/gguf/gguf-file.ts'
import { ggufTokenizerFiles } from '../../src/backends/gguf/gguf-tokenizer.ts'

/** tokenizer.json and tokenizer_config.json objects. */
export interface TokenizerFiles {
  /** tokenizer.json */
  readonly tokenizerJson: Record<string, unknown>
  /** tokenizer_config.json */
  readonly tokenizerConfig: Record<string, unknown>
}

/**
 * SmolLM2-135M's body (hidden 576, 30 layers, 9 heads, 3 KV heads, MLP 1536, RoPE θ 100000) with an untied
 * head over `vocabSize` tokens: 143M parameters with Llama-2's 32,000-token vocabulary.
 */
export function smolLm2Shape(vocabSize: number): LlamaConfig {
  return {
    vocabSize, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64,
    ropeTheta: 100000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
  }
}

/** Tensor names and shapes in Hugging Face order. */
export function tensorList(c: LlamaConfig): { name: string, shape: number[] }[] {
  const out = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hiddenSize] }]
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`
    out.push({ name: `${p}.input_layernorm.weight`, shape: [c.hiddenSize] })
    for (const [key, path] of LLAMA_LINEARS) out.push({ name: `${p}.${path}.weight`, shape: linearShape(c, key) })
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [c.hiddenSize] })
  }
  out.push({ name: 'model.norm.weight', shape: [c.hiddenSize] })
  if (!c.tieWordEmbeddings) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.hiddenSize] })
  return out
}

/** Parameters of a config (every tensor's elements). */
export function parameterCount(c: LlamaConfig): number {
  return tensorList(c).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0)
}

/** The demo model's tokenizer files (512-token byte-level BPE). */
export function demoTokenizer(root: string): TokenizerFiles {
  const read = (f: string) => JSON.parse(readFileSync(join(root, 'public/models/demo', f), 'utf8')) as Record<string, unknown>
  return { tokenizerJson: read('tokenizer.json'), tokenizerConfig: read('tokenizer_config.json') }
}

/** A real tokenizer converted from a (vocab-only) GGUF file by evalz's GGUF tokenizer converter. */
export async function ggufTokenizer(path: string, modelMaxLength: number): Promise<TokenizerFiles> {
  const file = await readGgufHeader(bytesSource(new Uint8Array(readFileSync(path))))
  return ggufTokenizerFiles(new GgufMetadata(file.metadata), { modelMaxLength })
}

/**
 * Writes `dir`/model.safetensors (F32, F16 or BF16), config.json and the tokenizer; returns the weight file's data bytes.
 * Special token ids in config.json come from the tokenizer config's bos/eos when it names them.
 */
export async function writeCheckpoint(dir: string, c: LlamaConfig, dtype: 'F32' | 'F16' | 'BF16', tokenizer: TokenizerFiles): Promise<number> {
  await mkdir(dir, { recursive: true })
  const width = dtype === 'F32' ? 4 : 2
  const tensors = tensorList(c)
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } }
  let offset = 0
  for (const t of tensors) {
    const bytes = t.shape.reduce((a, b) => a * b, 1) * width
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes] }
    offset += bytes
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8)
  const file = await open(join(dir, 'model.safetensors'), 'w')
  const len = new Uint8Array(8)
  new DataView(len.buffer).setUint32(0, json.length, true)
  await file.write(len)
  await file.write(new TextEncoder().encode(json))
  let state = 0x9e3779b9
  for (const t of tensors) {
    const n = t.shape.reduce((a, b) => a * b, 1)
    const values = new Float32Array(n)
    const norm = t.shape.length === 1
    for (let i = 0; i < n; i++) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5
      values[i] = norm ? 1 : ((state >>> 0) / 4294967296 - 0.5) * 0.1
    }
    if (dtype === 'F32') await file.write(new Uint8Array(values.buffer))
    else {
      const halves = new Uint16Array(n)
      const bits = new Uint32Array(values.buffer)
      // bfloat16: the top 16 bits, rounded to nearest even
      for (let i = 0; i < n; i++) halves[i] = dtype === 'F16' ? toHalf(values[i]!) : (bits[i]! + 0x7fff + ((bits[i]! >>> 16) & 1)) >>> 16
      await file.write(new Uint8Array(halves.buffer))
    }
  }
  await file.close()
  const ids = specialIds(tokenizer)
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ...llamaConfigToHf(c), bos_token_id: ids.bos ?? 0, eos_token_id: ids.eos ?? 0 }))
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizer.tokenizerJson))
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizer.tokenizerConfig))
  return offset
}

/** bos/eos ids named by the tokenizer config, looked up in tokenizer.json's added tokens or vocabulary. */
function specialIds(t: TokenizerFiles): { bos?: number, eos?: number } {
  const model = t.tokenizerJson['model'] as { vocab?: Record<string, number> | [string, number][] } | undefined
  const added = (t.tokenizerJson['added_tokens'] as { id: number, content: string }[] | undefined) ?? []
  const lookup = (key: string): number | undefined => {
    const raw = t.tokenizerConfig[key]
    const name = typeof raw === 'string' ? raw : (raw as { content?: string } | undefined)?.content
    if (name === undefined) return undefined
    const hit = added.find((a) => a.content === name)
    if (hit) return hit.id
    const vocab = model?.vocab
    if (Array.isArray(vocab)) {
      const i = vocab.findIndex(([piece]) => piece === name)
      return i >= 0 ? i : undefined
    }
    return vocab?.[name]
  }
  return { bos: lookup('bos_token'), eos: lookup('eos_token') }
}

/** float32 → float16 bits (truncating; the values here are small normals). */
const HALF_F32 = new Float32Array(1)
const HALF_U32 = new Uint32Array(HALF_F32.buffer)
function toHalf(x: number): number {
  HALF_F32[0] = x
  const b = HALF_U32[0]!
  const sign = (b >>> 16) & 0x8000
  const e = ((b >>> 23) & 0xff) - 112
  if (e <= 0) return sign
  return sign | (e << 10) | ((b >>> 13) & 0x3ff)
}
