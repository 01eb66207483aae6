/**
 * A safetensors checkpoint whose matrices are F16 or BF16, written as an ONNX model that keeps them in 16 bits: each
 * linear weight, the embedding and an untied head is stored as a FLOAT16 initializer, widened by a Cast to float32
 * in the graph (see llama-graph.ts `halfWeights`). F16 matrices keep their bits. A BF16 matrix becomes float16 only
 * where that is exact: its values times a power of two 2^k (chosen per matrix, undone by an exact Mul after the
 * Cast) must all be float16 numbers — bfloat16's 8 significant bits fit float16's 11 when the matrix's values span
 * at most float16's exact range; a matrix spanning more (or holding Inf/NaN) is stored as float32. Checking needs
 * the values first, so BF16 matrices are read twice (a scan, then the write). onnxruntime-web has no Cast from
 * BFLOAT16 (nor INT16/UINT16), so float16 is the one 16-bit form every device reads. Norms and biases, and matrices
 * stored in F32, are float32. The numbers are the float32 graph's: onnxruntime folds each Cast (and Mul) into a
 * float32 constant when the session is created (so in memory the model is float32 again).
 *
 * A LoRA adapter is merged per matrix as the float path merges it (W + s·B·A summed in float64, rounded to float32),
 * then stored as float16 (rounded to nearest even) when the base matrix is F16, as PEFT's merge_and_unload leaves it
 * in a float16 model, or as float32 when it is BF16 (bfloat16 would lose most of the update; float16's range does not
 * cover bfloat16's).
 *
 * Weights are read from the checkpoint one tensor at a time, when the writer asks for them.
 */
import { HarnessError } from '../../core/errors.ts'
import { LLAMA_LINEARS, linearShape } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaLinear, LlamaLinearKey, LlamaWeights } from '../onnx/llama-config.ts'
import { DataType } from '../onnx/onnx-proto.ts'
import type { HfModelConfig } from '../safetensors/hf-model-config.ts'
import { addLoraDelta, loraMergeSummary } from '../safetensors/lora-adapter.ts'
import type { LoraConfig, LoraMergeSummary, LoraModule } from '../safetensors/lora-adapter.ts'
import type { SafetensorsCheckpoint } from '../safetensors/safetensors-checkpoint.ts'
import { transposed } from './llama-onnx-writer.ts'
import { float32Bytes } from './streamed-onnx-writer.ts'
import type { TensorData } from './streamed-onnx-writer.ts'

/** A LoRA adapter opened and planned against the base (see safetensors-model.ts `openLoraAdapter`). */
export interface PlannedAdapter {
  /** adapter_config.json */
  lora: LoraConfig
  /** adapter_model.safetensors */
  checkpoint: SafetensorsCheckpoint
  /** the linears it changes */
  plan: LoraModule[]
}

/** How a 16-bit checkpoint becomes an ONNX graph and its weight data. */
export interface HalfSafetensorsPlan {
  /** weights of the right structure with empty arrays (for buildLlamaOnnx's shapesOnly) */
  shapes: LlamaWeights
  /** initializer name → k of the matrices stored as float16 (values × 2^k; see llama-graph.ts `halfWeights`) */
  halfWeights: Map<string, number>
  /** the bytes of each weight initializer, read from the checkpoint on demand */
  data: TensorData
  /** stored type of the weight matrices: 'float16', or both joined by '+' ('float16+float32') */
  weightDtype: string
  /** for the description: 'F16 matrices stored as float16', 'BF16 matrices stored as float16, 2 of 15 as float32' */
  note: string
  /** the merged adapter; absent without one */
  adapter?: LoraMergeSummary
}

/** One matrix of the graph: where it comes from and how it is stored. */
interface Matrix {
  /** checkpoint dtype */
  source: string
  /** stored values are the source's × 2^k (BF16 shifted into float16's exact range; 0 otherwise) */
  k: number
  /** [rows, cols] in Hugging Face layout; stored transposed ([cols, rows]) when `transpose` */
  shape: [number, number]
  /** stored as [in, out] for MatMul (linears and an untied head; not the embedding) */
  transpose: boolean
  /** ONNX data type of the stored initializer */
  dataType: number
  /** the adapter's A/B for this linear; absent = not merged */
  lora?: LoraModule
}

const EMPTY = new Float32Array(0)
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const TYPE_NAME: Record<number, string> = { [DataType.FLOAT]: 'float32', [DataType.FLOAT16]: 'float16' }

/**
 * The plan for a checkpoint whose linear weights, embedding or head are F16/BF16; undefined when all are F32 (then
 * the float32 path converts it). The tensors must have been checked (safetensors-model.ts `checkLlamaTensors`).
 */
export async function halfSafetensorsPlan(hf: HfModelConfig, checkpoint: SafetensorsCheckpoint, adapter?: PlannedAdapter): Promise<HalfSafetensorsPlan | undefined> {
  const c = hf.config
  const merged = new Map((adapter?.plan ?? []).map((m) => [`${m.module}.weight`, m]))
  const matrices = new Map<string, Matrix>()
  const add = async (name: string, shape: [number, number], transpose: boolean) => {
    const source = checkpoint.info(name)!.dtype
    const lora = merged.get(name)
    // a BF16 matrix is scanned for the shift that makes it exact in float16 (none: float32)
    const k = source === 'BF16' && !lora ? bfloat16Shift(hostUint16((await checkpoint.readBytes(name)).bytes)) : 0
    const dataType = source === 'F16' || k !== undefined && source === 'BF16' && !lora ? DataType.FLOAT16 : DataType.FLOAT
    matrices.set(name, { source, k: k ?? 0, shape, transpose, dataType, ...(lora ? { lora } : {}) })
  }
  await add('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], false)
  const biased = new Set(hf.biasedLinears)
  const layers: LlamaLayerWeights[] = []
  for (let i = 0; i < c.numLayers; i++) {
    const lin = {} as Record<LlamaLinearKey, LlamaLinear>
    for (const [key, path] of LLAMA_LINEARS) {
      await add(`model.layers.${i}.${path}.weight`, linearShape(c, key), true)
      lin[key] = biased.has(key) ? { weight: EMPTY, bias: EMPTY } : { weight: EMPTY }
    }
    layers.push({ inputLayernorm: EMPTY, postAttentionLayernorm: EMPTY, ...lin })
  }
  if (!c.tieWordEmbeddings) await add('lm_head.weight', [c.vocabSize, c.hiddenSize], true)
  const halfWeights = new Map([...matrices].filter(([, m]) => m.dataType === DataType.FLOAT16).map(([name, m]) => [name, m.k]))
  if (halfWeights.size === 0) return undefined
  const shapes: LlamaWeights = { embedTokens: EMPTY, layers, norm: EMPTY, ...(c.tieWordEmbeddings ? {} : { lmHead: EMPTY }) }
  const types = new Set([...matrices.values()].map((m) => m.dataType))
  const weightDtype = [DataType.FLOAT16, DataType.FLOAT].filter((t) => types.has(t)).map((t) => TYPE_NAME[t]).join('+')
  const half = [...matrices.values()].filter((m) => m.dataType === DataType.FLOAT16)
  const sources = [...new Set(half.map((m) => m.source))].sort().join('/')
  const wide = matrices.size - half.length
  const note = `${sources} matrices stored as float16${wide > 0 ? `, ${wide} of ${matrices.size} as float32` : ''}`
  return {
    shapes,
    halfWeights,
    data: tensorData(c, checkpoint, matrices, adapter),
    weightDtype,
    note,
    ...(adapter ? { adapter: loraMergeSummary(adapter.lora, adapter.plan) } : {}),
  }
}

/**
 * The power of two k such that every bfloat16 value of `bits` times 2^k is a float16 number (0 when it can be;
 * else the one nearest 0), or undefined when no k makes all of them exact (their exponents span more than
 * float16's exact range, or a value is Inf/NaN).
 * @example
 * bfloat16Shift(Uint16Array.of(0x3f80, 0x3c00)) // 0 (1.0 and 2^-7 are float16 numbers)
 * bfloat16Shift(Uint16Array.of(0x2f81)) // 15 (129 · 2^-39: shifted so its lowest bit lands on float16's 2^-24)
 * bfloat16Shift(Uint16Array.of(0x4780, 0x2f81)) // undefined (2^16 and 2^-39 are too far apart)
 */
export function bfloat16Shift(bits: Uint16Array): number | undefined {
  const seen = new Uint8Array(0x8000)
  for (let i = 0; i < bits.length; i++) seen[bits[i]! & 0x7fff] = 1
  let top = -Infinity // largest binary exponent of a value
  let low = Infinity // exponent of the lowest set bit of any value
  for (let u = 1; u < 0x8000; u++) {
    if (!seen[u]) continue
    const e = u >>> 7
    const m = u & 0x7f
    if (e === 0xff) return undefined
    // value = (e ? 128 + m : m) · 2^(max(e, 1) − 134)
    const mant = e ? 128 + m : m
    const scale = Math.max(e, 1) - 134
    top = Math.max(top, scale + 31 - Math.clz32(mant))
    low = Math.min(low, scale + 31 - Math.clz32(mant & -mant))
  }
  if (top === -Infinity) return 0
  // float16 holds v·2^k exactly when its top exponent ≤ 15 and its lowest bit ≥ 2^-24
  const min = -24 - low
  const max = 15 - top
  if (min > max) return undefined
  // 0 when allowed (no Mul in the graph), else the allowed k nearest 0
  return Math.min(Math.max(0, min), max)
}

/** Serves initializer bytes: 16-bit matrices as stored (transposed for MatMul), merged or F32 ones as float32/16. */
function tensorData(c: LlamaConfig, checkpoint: SafetensorsCheckpoint, matrices: ReadonlyMap<string, Matrix>, adapter?: PlannedAdapter): TensorData {
  return async (name) => {
    const m = matrices.get(name)
    // norms and biases: float32
    if (!m) return float32Bytes(await checkpoint.read(name))
    const [rows, cols] = m.shape
    if (m.lora) {
      const [out, inp] = linearShape(c, m.lora.key)
      const w = await checkpoint.read(name)
      addLoraDelta(w, out, inp, await adapter!.checkpoint.read(m.lora.a), await adapter!.checkpoint.read(m.lora.b), adapter!.lora.r, adapter!.lora.scale)
      if (m.dataType === DataType.FLOAT) return float32Bytes(m.transpose ? transposed(w, rows, cols) : w)
      const bits = float16Array(w, name)
      return uint16Bytes(m.transpose ? transposed16(bits, rows, cols) : bits)
    }
    if (m.dataType === DataType.FLOAT) {
      const w = await checkpoint.read(name)
      return float32Bytes(m.transpose ? transposed(w, rows, cols) : w)
    }
    const { bytes } = await checkpoint.readBytes(name)
    if (m.source === 'F16' && !m.transpose) return bytes
    const bits = m.source === 'F16' ? hostUint16(bytes) : shiftedBfloat16(hostUint16(bytes), m.k)
    return uint16Bytes(m.transpose ? transposed16(bits, rows, cols) : bits)
  }
}

/** float16 bits of bfloat16 values × 2^k (exact for the k `bfloat16Shift` chose), in place. */
export function shiftedBfloat16(bits: Uint16Array, k: number): Uint16Array {
  const table = new Uint16Array(0x10000)
  const f = new Float32Array(1)
  const u = new Uint32Array(f.buffer)
  for (let b = 0; b < 0x10000; b++) {
    u[0] = b << 16
    table[b] = float16Bits(f[0]! * 2 ** k)
  }
  for (let i = 0; i < bits.length; i++) bits[i] = table[bits[i]!]!
  return bits
}

/** float16 bits of float32 values, rounded to nearest even; a value beyond float16's range is refused in one line. */
function float16Array(values: Float32Array, name: string): Uint16Array {
  const out = new Uint16Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const h = float16Bits(values[i]!)
    if ((h & 0x7c00) === 0x7c00 && Number.isFinite(values[i]!)) {
      throw new HarnessError('MODEL_INVALID', `${name} after the LoRA merge holds ${values[i]}, beyond float16's ±65504; the merged model cannot be stored in float16`, { tensor: name, value: values[i] })
    }
    out[i] = h
  }
  return out
}

const F32 = new Float32Array(1)
const U32 = new Uint32Array(F32.buffer)

/**
 * The float16 bit pattern nearest to `x` (ties to even), as numpy's `astype(float16)`: overflow gives ±Infinity,
 * NaN stays NaN, values below half the smallest subnormal give ±0.
 * @example
 * float16Bits(1) // 0x3c00
 * float16Bits(65520) // 0x7c00 (Infinity)
 */
export function float16Bits(x: number): number {
  F32[0] = x
  const b = U32[0]!
  const sign = (b >>> 16) & 0x8000
  const exponent = (b >>> 23) & 0xff
  let mantissa = b & 0x7fffff
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0)
  const e = exponent - 112 // float16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00
  if (e <= 0) {
    if (e < -10) return sign
    mantissa |= 0x800000
    const shift = 14 - e
    const half = mantissa >>> shift
    const rest = mantissa & ((1 << shift) - 1)
    const mid = 1 << (shift - 1)
    return sign | (rest > mid || (rest === mid && (half & 1)) ? half + 1 : half)
  }
  const h = (e << 10) | (mantissa >>> 13)
  const rest = mantissa & 0x1fff
  // a carry out of the mantissa raises the exponent, up to Infinity, as it should
  return sign | (rest > 0x1000 || (rest === 0x1000 && (h & 1)) ? h + 1 : h)
}

/** Row-major [rows, cols] → [cols, rows] of 16-bit values (llama-onnx-writer's tiled transpose). */
export function transposed16(a: Uint16Array, rows: number, cols: number): Uint16Array {
  return transposed(a, rows, cols)
}

/** 16-bit values of little-endian bytes, in host order (a copy, so it is aligned). */
export function hostUint16(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length / 2)
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes)
  else for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8)
  return out
}

/** Little-endian bytes of 16-bit values (a view on little-endian hosts). */
export function uint16Bytes(values: Uint16Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const out = new Uint8Array(values.length * 2)
  for (let i = 0; i < values.length; i++) {
    out[2 * i] = values[i]! & 0xff
    out[2 * i + 1] = values[i]! >>> 8
  }
  return out
}
