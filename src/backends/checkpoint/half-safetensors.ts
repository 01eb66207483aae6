/**
 * A safetensors checkpoint whose matrices are F16, written as an ONNX model that keeps them in 16 bits: each linear
 * weight, the embedding and an untied head is stored as a FLOAT16 initializer with its bits unchanged, widened by a
 * Cast to float32 in the graph (see llama-graph.ts `halfWeights`). Norms and biases, and matrices stored in F32 or
 * BF16, are float32. The converted file is half the float32 size and the numbers are the float32 graph's:
 * onnxruntime folds each Cast into a float32 constant when the session is created (so in memory the model is float32
 * again).
 *
 * A LoRA adapter is merged per matrix as the float path merges it (W + s·B·A summed in float64, rounded to float32),
 * then stored as float16 (rounded to nearest even), as PEFT's merge_and_unload stores it in a float16 model.
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
  /** stored type of the weight matrices: 'float16', 'bfloat16', or several joined by '+' ('float16+float32') */
  weightDtype: string
  /** the merged adapter; absent without one */
  adapter?: LoraMergeSummary
}

/** One matrix of the graph: where it comes from and how it is stored. */
interface Matrix {
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
export function halfSafetensorsPlan(hf: HfModelConfig, checkpoint: SafetensorsCheckpoint, adapter?: PlannedAdapter): HalfSafetensorsPlan | undefined {
  const c = hf.config
  const merged = new Map((adapter?.plan ?? []).map((m) => [`${m.module}.weight`, m]))
  const matrices = new Map<string, Matrix>()
  const add = (name: string, shape: [number, number], transpose: boolean) => {
    const dtype = checkpoint.info(name)!.dtype
    const lora = merged.get(name)
    const dataType = dtype === 'F16' ? DataType.FLOAT16 : DataType.FLOAT
    matrices.set(name, { shape, transpose, dataType, ...(lora ? { lora } : {}) })
  }
  add('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], false)
  const biased = new Set(hf.biasedLinears)
  const layers: LlamaLayerWeights[] = []
  for (let i = 0; i < c.numLayers; i++) {
    const lin = {} as Record<LlamaLinearKey, LlamaLinear>
    for (const [key, path] of LLAMA_LINEARS) {
      add(`model.layers.${i}.${path}.weight`, linearShape(c, key), true)
      lin[key] = biased.has(key) ? { weight: EMPTY, bias: EMPTY } : { weight: EMPTY }
    }
    layers.push({ inputLayernorm: EMPTY, postAttentionLayernorm: EMPTY, ...lin })
  }
  if (!c.tieWordEmbeddings) add('lm_head.weight', [c.vocabSize, c.hiddenSize], true)
  const halfWeights = new Map([...matrices].filter(([, m]) => m.dataType === DataType.FLOAT16).map(([name]) => [name, 0]))
  if (halfWeights.size === 0) return undefined
  const shapes: LlamaWeights = { embedTokens: EMPTY, layers, norm: EMPTY, ...(c.tieWordEmbeddings ? {} : { lmHead: EMPTY }) }
  const types = new Set([...matrices.values()].map((m) => m.dataType))
  const weightDtype = [DataType.FLOAT16, DataType.FLOAT].filter((t) => types.has(t)).map((t) => TYPE_NAME[t]).join('+')
  return {
    shapes,
    halfWeights,
    data: tensorData(c, checkpoint, matrices, adapter),
    weightDtype,
    ...(adapter ? { adapter: loraMergeSummary(adapter.lora, adapter.plan) } : {}),
  }
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
      if (m.dataType === DataType.FLOAT) return float32Bytes(m.transpose ? transposed32(w, rows, cols) : w)
      const bits = float16Array(w, name)
      return uint16Bytes(m.transpose ? transposed16(bits, rows, cols) : bits)
    }
    if (m.dataType === DataType.FLOAT) {
      const w = await checkpoint.read(name)
      return float32Bytes(m.transpose ? transposed32(w, rows, cols) : w)
    }
    const { bytes } = await checkpoint.readBytes(name)
    if (!m.transpose) return bytes
    return uint16Bytes(transposed16(hostUint16(bytes), rows, cols))
  }
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

/** Row-major [rows, cols] → [cols, rows] of 16-bit values, in 64×64 tiles. */
export function transposed16(a: Uint16Array, rows: number, cols: number): Uint16Array {
  const out = new Uint16Array(rows * cols)
  transposeInto(a, out, rows, cols)
  return out
}

function transposed32(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols)
  transposeInto(a, out, rows, cols)
  return out
}

function transposeInto(a: Uint16Array | Float32Array, out: Uint16Array | Float32Array, rows: number, cols: number): void {
  const tile = 64
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile)
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile)
      for (let r = r0; r < r1; r++) {
        const src = r * cols
        for (let col = c0; col < c1; col++) out[col * rows + r] = a[src + col]!
      }
    }
  }
}

/** 16-bit values of little-endian bytes, in host order (a copy, so it is aligned). */
function hostUint16(bytes: Uint8Array): Uint16Array {
  const out = new Uint16Array(bytes.length / 2)
  if (LITTLE_ENDIAN_HOST) new Uint8Array(out.buffer).set(bytes)
  else for (let i = 0; i < out.length; i++) out[i] = bytes[2 * i]! | (bytes[2 * i + 1]! << 8)
  return out
}

/** Little-endian bytes of 16-bit values (a view on little-endian hosts). */
function uint16Bytes(values: Uint16Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const out = new Uint8Array(values.length * 2)
  for (let i = 0; i < values.length; i++) {
    out[2 * i] = values[i]! & 0xff
    out[2 * i + 1] = values[i]! >>> 8
  }
  return out
}
