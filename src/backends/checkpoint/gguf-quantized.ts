/**
 * A quantised GGUF checkpoint as an ONNX model that keeps its weights quantised: every linear layer (and the
 * embedding and output head) stored in a ggml type with a MatMulNBits form (gguf-nbits.ts) stays in codes and
 * scales; F16 matrices stay float16 (widened by a Cast in the graph, see llama-graph.ts `halfWeights`), BF16 ones
 * too where a power-of-two shift makes them exact (see half-safetensors.ts); norms, biases and other float-stored
 * matrices are float32. Weights are read from the GGUF one tensor at a time, when the
 * writer asks for them.
 */
import { HarnessError } from '../../core/errors.ts'
import { ggmlTypeName, requireDequantizable, dequantize, SUPPORTED_GGML_TYPES } from '../gguf/gguf-dequant.ts'
import { readTensorBytes } from '../gguf/gguf-file.ts'
import type { ByteSource, GgufFile, GgufTensorInfo } from '../gguf/gguf-file.ts'
import { expectedTensor, ggufArchitecture, unpermuteRotary } from '../gguf/gguf-llama.ts'
import { NBITS_GGML_TYPES, ggmlToNBits, mapNBitsRows, nbitsForm, splitNibbles } from '../gguf/gguf-nbits.ts'
import type { NBitsMatrix } from '../gguf/gguf-nbits.ts'
import { LLAMA_LINEARS, linearShape } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaLinear, LlamaLinearKey, LlamaWeights } from '../onnx/llama-config.ts'
import type { LlamaQuantLayout } from '../onnx/llama-graph.ts'
import { nbitsInitializerNames } from '../onnx/nbits-graph.ts'
import type { NBitsSpec } from '../onnx/nbits-graph.ts'
import { transposed } from './llama-onnx-writer.ts'
import { bfloat16Shift, hostUint16, shiftedBfloat16, transposed16, uint16Bytes } from './half-safetensors.ts'
import { float32Bytes } from './streamed-onnx-writer.ts'
import type { TensorData } from './streamed-onnx-writer.ts'

/** How a quantised GGUF becomes an ONNX graph and its weight data. */
export interface GgufQuantizedPlan {
  /** which matrices stay quantised (accuracy level left to the caller) */
  layout: Omit<LlamaQuantLayout, 'accuracyLevel'>
  /** weights of the right structure with empty arrays (for buildLlamaOnnx's shapesOnly) */
  shapes: LlamaWeights
  /** the bytes of each weight initializer, read from the GGUF on demand */
  data: TensorData
  /** F16/BF16 matrices kept float16: initializer name → k (see llama-graph.ts `halfWeights`) */
  halfWeights: Map<string, number>
  /** the ggml types of those matrices ('F16', 'BF16') */
  halfTypes: string[]
}

/** Where an ONNX matrix comes from in the GGUF. */
interface Source {
  /** GGUF tensor name without '.weight' / '.bias' */
  gguf: string
  /** rotary heads whose rows llama.cpp permuted (llama Q/K); absent = rows in order */
  heads?: number
  /** [rows, cols] in Hugging Face layout */
  shape: [number, number]
}

/** ggml type ids of IEEE float16 and bfloat16 tensors. */
const GGML_F16 = 1
const GGML_BF16 = 30

const GGUF_LINEAR: Record<LlamaLinearKey, string> = {
  qProj: 'attn_q', kProj: 'attn_k', vProj: 'attn_v', oProj: 'attn_output', gateProj: 'ffn_gate', upProj: 'ffn_up', downProj: 'ffn_down',
}

/** Types a quantised conversion reads: kept quantised, or read as float. */
export function supportedGgufTypes(): string[] {
  return [...new Set([...SUPPORTED_GGML_TYPES, ...NBITS_GGML_TYPES])]
}

function invalid(message: string, detail: Record<string, unknown>): HarnessError {
  return new HarnessError('MODEL_INVALID', message, detail)
}

/** The plan for a GGUF whose matrices are (at least partly) quantised or 16-bit; undefined when none is. */
export async function quantizedGgufPlan(src: ByteSource, file: GgufFile, c: LlamaConfig): Promise<GgufQuantizedPlan | undefined> {
  const arch = ggufArchitecture(file)
  const tensors = new Map(file.tensors.map((t) => [t.name, t]))
  const unexpected = file.tensors.map((t) => t.name).filter((name) => !expectedTensor(name, c.numLayers))
  if (unexpected.length > 0) {
    throw invalid(`gguf: tensors ${unexpected.slice(0, 5).join(', ')} are not part of a plain ${arch} decoder; this variant is not supported`, { unexpected })
  }
  for (const t of file.tensors) {
    if (nbitsForm(t.type) !== undefined) continue
    try {
      requireDequantizable(t.type, t.name)
    } catch {
      throw invalid(`gguf: ${t.name} has ggml type ${ggmlTypeName(t.type)}, which evalz cannot read; supported: ${supportedGgufTypes().join(', ')}`, { name: t.name, type: ggmlTypeName(t.type) })
    }
  }
  const tensor = (name: string, dims: number[]): GgufTensorInfo => {
    const t = tensors.get(name)
    if (!t) throw invalid(`gguf: tensor ${name} is missing; a ${arch} checkpoint needs it`, { tensor: name })
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw invalid(`gguf: tensor ${name} is [${t.dims.join(', ')}]; expected [${dims.join(', ')}] (ggml order, fastest-varying first)`, { tensor: name, dims: t.dims })
    }
    return t
  }
  const sources = new Map<string, Source>() // ONNX matrix name → GGUF source
  const linears = new Map<string, NBitsSpec>()
  const halfWeights = new Map<string, number>()
  const bf16: [string, GgufTensorInfo][] = []
  const halfTypes = new Set<string>()
  const specOf = (t: GgufTensorInfo, rows: number, cols: number, base: string): NBitsSpec | undefined => {
    if (t.type === GGML_F16) {
      halfWeights.set(`${base}.weight`, 0)
      halfTypes.add('F16')
    }
    if (t.type === GGML_BF16) bf16.push([`${base}.weight`, t])
    const form = nbitsForm(t.type)
    if (!form) return undefined
    return { rows, cols, bits: form.bits, blockSize: form.blockSize, mins: form.offset === 'min', ...(form.packed ? { packed: form.packed } : {}) }
  }
  const empty = new Float32Array(0)
  const layers: LlamaLayerWeights[] = []
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`
    tensor(`blk.${i}.attn_norm.weight`, [c.hiddenSize])
    tensor(`blk.${i}.ffn_norm.weight`, [c.hiddenSize])
    sources.set(`${p}.input_layernorm`, { gguf: `blk.${i}.attn_norm`, shape: [c.hiddenSize, 1] })
    sources.set(`${p}.post_attention_layernorm`, { gguf: `blk.${i}.ffn_norm`, shape: [c.hiddenSize, 1] })
    const lin = {} as Record<LlamaLinearKey, LlamaLinear>
    for (const [key, path] of LLAMA_LINEARS) {
      const [rows, cols] = linearShape(c, key)
      const gguf = `blk.${i}.${GGUF_LINEAR[key]}`
      const heads = arch === 'llama' && key === 'qProj' ? c.numHeads : arch === 'llama' && key === 'kProj' ? c.numKvHeads : undefined
      const spec = specOf(tensor(`${gguf}.weight`, [cols, rows]), rows, cols, `${p}.${path}`)
      if (spec) linears.set(`${p}.${path}`, spec)
      sources.set(`${p}.${path}`, { gguf, shape: [rows, cols], ...(heads ? { heads } : {}) })
      const bias = tensors.has(`${gguf}.bias`)
      if (bias) tensor(`${gguf}.bias`, [rows])
      lin[key] = bias ? { weight: empty, bias: empty } : { weight: empty }
    }
    layers.push({ inputLayernorm: empty, postAttentionLayernorm: empty, ...lin })
  }
  tensor('output_norm.weight', [c.hiddenSize])
  sources.set('model.norm', { gguf: 'output_norm', shape: [c.hiddenSize, 1] })
  const embed = specOf(tensor('token_embd.weight', [c.hiddenSize, c.vocabSize]), c.vocabSize, c.hiddenSize, 'model.embed_tokens')
  sources.set('model.embed_tokens', { gguf: 'token_embd', shape: [c.vocabSize, c.hiddenSize] })
  const lmHead = c.tieWordEmbeddings ? undefined : specOf(tensor('output.weight', [c.hiddenSize, c.vocabSize]), c.vocabSize, c.hiddenSize, 'lm_head')
  if (!c.tieWordEmbeddings) sources.set('lm_head', { gguf: 'output', shape: [c.vocabSize, c.hiddenSize] })
  // a BF16 matrix is float16 where a shift makes every value exact (scanned here, read again when written)
  for (const [name, t] of bf16) {
    const k = bfloat16Shift(hostUint16(await readTensorBytes(src, file, t)))
    if (k === undefined) continue
    halfWeights.set(name, k)
    halfTypes.add('BF16')
  }
  if (linears.size === 0 && !embed && !lmHead && halfWeights.size === 0) return undefined
  const shapes: LlamaWeights = { embedTokens: empty, layers, norm: empty, ...(c.tieWordEmbeddings ? {} : { lmHead: empty }) }
  const layout = { linears, ...(embed ? { embed } : {}), ...(lmHead ? { lmHead } : {}) }
  return { layout, shapes, halfWeights, halfTypes: [...halfTypes], data: tensorData(src, file, tensors, sources, layout, halfWeights) }
}

/** Serves initializer bytes: float tensors dequantised (and transposed for MatMul), quantised ones in MatMulNBits parts. */
function tensorData(
  src: ByteSource, file: GgufFile, tensors: ReadonlyMap<string, GgufTensorInfo>, sources: ReadonlyMap<string, Source>,
  layout: GgufQuantizedPlan['layout'], halfWeights: ReadonlyMap<string, number>,
): TensorData {
  const specs = new Map<string, NBitsSpec>(layout.linears)
  if (layout.embed) specs.set('model.embed_tokens', layout.embed)
  if (layout.lmHead) specs.set('lm_head', layout.lmHead)
  const parts = new Map<string, { base: string, part: 'codes' | 'codesHigh' | 'scales' | 'd' | 'sc' | 'mins' }>()
  for (const [base, spec] of specs) {
    for (const [part, name] of Object.entries(nbitsInitializerNames(base, spec))) parts.set(name, { base, part: part as 'codes' })
  }
  let cached: { base: string, matrix: NBitsMatrix, halves?: ReturnType<typeof splitNibbles> } | undefined
  const read = async (name: string) => {
    const t = tensors.get(name)!
    return { t, bytes: await readTensorBytes(src, file, t) }
  }
  const quantized = async (base: string): Promise<NBitsMatrix> => {
    if (cached?.base === base) return cached.matrix
    const s = sources.get(base)!
    const { t, bytes } = await read(`${s.gguf}.weight`)
    let m = ggmlToNBits(t.type, bytes, s.shape[0], s.shape[1], t.name)
    if (s.heads) m = mapNBitsRows(m, rotaryRowMap(s.heads, s.shape[0]))
    cached = { base, matrix: m }
    return m
  }
  const floats = async (s: Source, suffix: 'weight' | 'bias'): Promise<Float32Array> => {
    const { t, bytes } = await read(`${s.gguf}.${suffix}`)
    const v = dequantize(t.type, bytes, t.elements, t.name)
    return s.heads ? unpermuteRotary(v, s.heads, suffix === 'bias' ? 1 : s.shape[1]) : v
  }
  return async (name) => {
    const part = parts.get(name)
    if (part) {
      const m = await quantized(part.base)
      if (part.part === 'codes' || part.part === 'codesHigh') {
        if (m.bits === 4) return m.codes
        // 8-bit codes go to the graph as two 4-bit halves (see nbits-graph.ts matMulNBits)
        cached!.halves ??= splitNibbles(m.codes)
        const halves = cached!.halves
        return part.part === 'codes' ? halves.low : halves.high
      }
      if (part.part === 'mins') return float32Bytes(transposed(m.mins!, m.rows, m.cols / m.blockSize))
      if (part.part === 'sc') return m.packed!.sc
      if (part.part === 'd') return halfBytes(m.packed!.d)
      return float32Bytes(m.scales)
    }
    const dot = name.lastIndexOf('.')
    const base = name.slice(0, dot)
    const suffix = name.slice(dot + 1)
    const s = sources.get(base)
    if (!s || (suffix !== 'weight' && suffix !== 'bias')) throw new Error(`gguf conversion: no source for initializer ${name}`)
    // linear weights and an untied head are stored [in, out] for MatMul; the embedding and norms as they are
    const matmul = suffix === 'weight' && s.shape[1] > 1 && base !== 'model.embed_tokens'
    if (halfWeights.has(name)) {
      const [rows, cols] = s.shape
      const { t, bytes } = await read(`${s.gguf}.weight`)
      let bits = t.type === GGML_BF16 ? shiftedBfloat16(hostUint16(bytes), halfWeights.get(name)!) : hostUint16(bytes)
      if (s.heads) bits = permutedRows16(bits, rows, cols, rotaryRowMap(s.heads, rows))
      return uint16Bytes(matmul ? transposed16(bits, rows, cols) : bits)
    }
    const v = await floats(s, suffix)
    return float32Bytes(matmul ? transposed(v, s.shape[0], s.shape[1]) : v)
  }
}

/** Row r of the result is row `from(r)` of `a` (row-major [rows, cols] 16-bit values). */
function permutedRows16(a: Uint16Array, rows: number, cols: number, from: (row: number) => number): Uint16Array {
  const out = new Uint16Array(a.length)
  for (let r = 0; r < rows; r++) out.set(a.subarray(from(r) * cols, (from(r) + 1) * cols), r * cols)
  return out
}

/** Target row → source row of llama.cpp's rotary permutation undone (see unpermuteRotary), for `heads` heads. */
function rotaryRowMap(heads: number, rows: number): (row: number) => number {
  const D = rows / heads
  return (row) => {
    const h = Math.floor(row / D)
    const local = row % D
    const j = Math.floor(local / (D / 2))
    const i = local % (D / 2)
    return h * D + 2 * i + j
  }
}

/** The little-endian bytes of float16 bits. */
function halfBytes(halves: Uint16Array): Uint8Array {
  const out = new Uint8Array(halves.length * 2)
  const view = new DataView(out.buffer)
  halves.forEach((h, i) => view.setUint16(i * 2, h, true))
  return out
}
