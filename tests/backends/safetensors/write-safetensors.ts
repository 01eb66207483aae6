/**
 * Test-only safetensors writer: encodes tensors (F32, F16, BF16 with round-to-nearest-even, or raw bytes under any
 * dtype name) and lays out Hugging Face Llama checkpoints, single-file or sharded, with their config.json.
 */
import { LLAMA_LINEARS, linearShape, llamaConfigToHf } from '../../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { bytesSource } from '../../../src/backends/safetensors/byte-source.ts'
import type { ByteSource } from '../../../src/backends/safetensors/byte-source.ts'
import { float16ToNumber } from '../../../src/backends/safetensors/safetensors-file.ts'

/** Float dtypes the writer converts to. */
export type FloatDtype = 'F32' | 'F16' | 'BF16'

/** One tensor to write. */
export interface TensorToWrite {
  /** tensor name */
  name: string
  /** dimensions */
  shape: number[]
  /** float values (converted to `dtype`), or raw bytes written as they are */
  data: Float32Array | Uint8Array
  /** dtype name in the header; default F32 */
  dtype?: string
}

/** Options of `llamaCheckpointFiles`. */
export interface CheckpointOptions {
  /** dtype of every tensor; default F32 */
  dtype?: FloatDtype
  /** number of shards (1 = one model.safetensors); default 1 */
  shards?: number
  /** fields merged over llamaConfigToHf's config.json (model_type, attention_bias, …) */
  config?: Record<string, unknown>
  /** tensor names to leave out */
  omit?: string[]
}

const f32 = new Float32Array(1)
const u32 = new Uint32Array(f32.buffer)

/** float32 → float16 bits, rounding to nearest even; overflow gives ±Infinity. */
export function float16Bits(x: number): number {
  f32[0] = x
  const b = u32[0]!
  const sign = (b >>> 16) & 0x8000
  const exp = (b >>> 23) & 0xff
  const mant = b & 0x7fffff
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0)
  const e = exp - 112
  if (e >= 31) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    const full = mant | 0x800000
    const shift = 14 - e
    const rem = full & ((1 << shift) - 1)
    const half = 1 << (shift - 1)
    let m = full >>> shift
    if (rem > half || (rem === half && (m & 1))) m++
    return sign | m
  }
  let h = (e << 10) | (mant >>> 13)
  const rem = mant & 0x1fff
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++
  return sign | h
}

/** float32 → bfloat16 bits, rounding to nearest even. */
export function bfloat16Bits(x: number): number {
  f32[0] = x
  const b = u32[0]!
  if ((b & 0x7fffffff) > 0x7f800000) return ((b >>> 16) & 0x8000) | 0x7fc0
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff
}

/** The float32 values a tensor has after a round trip through `dtype`. */
export function roundTo(data: Float32Array, dtype: FloatDtype): Float32Array {
  if (dtype === 'F32') return Float32Array.from(data)
  const out = new Float32Array(data.length)
  const bits = new Uint32Array(out.buffer)
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'BF16') bits[i] = bfloat16Bits(data[i]!) << 16
    else out[i] = float16ToNumber(float16Bits(data[i]!))
  }
  return out
}

/** Little-endian bytes of float values in a float dtype. */
export function floatBytes(data: Float32Array, dtype: FloatDtype): Uint8Array {
  const width = dtype === 'F32' ? 4 : 2
  const out = new Uint8Array(data.length * width)
  const view = new DataView(out.buffer)
  for (let i = 0; i < data.length; i++) {
    if (dtype === 'F32') view.setFloat32(i * 4, data[i]!, true)
    else view.setUint16(i * 2, dtype === 'F16' ? float16Bits(data[i]!) : bfloat16Bits(data[i]!), true)
  }
  return out
}

/** Encodes tensors as one safetensors file; the header is space-padded so the data starts 8-byte aligned. */
export function encodeSafetensors(tensors: readonly TensorToWrite[], metadata?: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {}
  const blobs: Uint8Array[] = []
  let offset = 0
  for (const t of tensors) {
    const dtype = t.dtype ?? 'F32'
    const bytes = t.data instanceof Float32Array ? floatBytes(t.data, dtype as FloatDtype) : t.data
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + bytes.length] }
    blobs.push(bytes)
    offset += bytes.length
  }
  let json = JSON.stringify(header)
  json += ' '.repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8)
  const headerBytes = new TextEncoder().encode(json)
  const out = new Uint8Array(8 + headerBytes.length + offset)
  new DataView(out.buffer).setUint32(0, headerBytes.length, true)
  out.set(headerBytes, 8)
  let at = 8 + headerBytes.length
  for (const b of blobs) {
    out.set(b, at)
    at += b.length
  }
  return out
}

/** Every tensor of a Llama in Hugging Face names and shapes, in HF's save order (lm_head only when untied). */
export function llamaTensors(c: LlamaConfig, w: LlamaWeights): { name: string, shape: number[], data: Float32Array }[] {
  const out = [{ name: 'model.embed_tokens.weight', shape: [c.vocabSize, c.hiddenSize], data: w.embedTokens }]
  w.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`
    out.push({ name: `${p}.input_layernorm.weight`, shape: [c.hiddenSize], data: layer.inputLayernorm })
    for (const [key, path] of LLAMA_LINEARS) {
      const lin = layer[key]
      const [outDim, inDim] = linearShape(c, key)
      out.push({ name: `${p}.${path}.weight`, shape: [outDim, inDim], data: lin.weight })
      if (lin.bias) out.push({ name: `${p}.${path}.bias`, shape: [outDim], data: lin.bias })
    }
    out.push({ name: `${p}.post_attention_layernorm.weight`, shape: [c.hiddenSize], data: layer.postAttentionLayernorm })
  })
  out.push({ name: 'model.norm.weight', shape: [c.hiddenSize], data: w.norm })
  if (w.lmHead) out.push({ name: 'lm_head.weight', shape: [c.vocabSize, c.hiddenSize], data: w.lmHead })
  return out
}

/** The files of a Hugging Face checkpoint: config.json plus model.safetensors or N shards and their index. */
export function llamaCheckpointFiles(c: LlamaConfig, w: LlamaWeights, opts: CheckpointOptions = {}): Map<string, Uint8Array> {
  const dtype = opts.dtype ?? 'F32'
  const tensors = llamaTensors(c, w).filter((t) => !opts.omit?.includes(t.name)).map((t) => ({ ...t, dtype }))
  const files = new Map<string, Uint8Array>([['config.json', jsonBytes({ ...llamaConfigToHf(c), ...opts.config })]])
  const shards = opts.shards ?? 1
  if (shards === 1) {
    files.set('model.safetensors', encodeSafetensors(tensors, { format: 'pt' }))
    return files
  }
  const per = Math.ceil(tensors.length / shards)
  const weightMap: Record<string, string> = {}
  let total = 0
  for (let s = 0; s < shards; s++) {
    const name = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`
    const part = tensors.slice(s * per, (s + 1) * per)
    for (const t of part) {
      weightMap[t.name] = name
      total += t.data.length * (dtype === 'F32' ? 4 : 2)
    }
    files.set(name, encodeSafetensors(part, { format: 'pt' }))
  }
  files.set('model.safetensors.index.json', jsonBytes({ metadata: { total_size: total }, weight_map: weightMap }))
  return files
}

/** JSON text as UTF-8 bytes. */
export function jsonBytes(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value, null, 2))
}

/** Read log of `filesOpener`: file name and byte length of every read. */
export type ReadLog = { file: string, length: number }[]

/** A file opener over in-memory files; every read is appended to `log` when given. */
export function filesOpener(files: ReadonlyMap<string, Uint8Array>, log?: ReadLog): (name: string) => Promise<ByteSource | undefined> {
  return async (name) => {
    const bytes = files.get(name)
    if (!bytes) return undefined
    const src = bytesSource(bytes)
    return { size: src.size, read: async (offset, length) => {
      log?.push({ file: name, length })
      return src.read(offset, length)
    } }
  }
}
