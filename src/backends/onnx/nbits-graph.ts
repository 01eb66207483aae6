/**
 * Graph pieces for weights kept quantised in onnxruntime's MatMulNBits form (com.microsoft, see gguf-nbits.ts):
 * a linear layer as MatMulNBits, and an embedding lookup that gathers the codes of the requested rows and
 * dequantises only those (standard ONNX ops, so every execution provider runs it).
 */
import { attr } from './graph-builder.ts'
import type { GraphBuilder } from './graph-builder.ts'
import { DataType } from './onnx-proto.ts'
import type { OnnxTensor } from './onnx-proto.ts'

/** The shape of a quantised matrix, enough to declare its initializers. */
export interface NBitsSpec {
  /** output features N (for an embedding: the vocabulary) */
  rows: number
  /** input features K (for an embedding: the hidden size) */
  cols: number
  /** 4 or 8; 8-bit codes are stored as two 4-bit halves (gguf-nbits.ts splitNibbles) */
  bits: 4 | 8
  /** elements per block along K */
  blockSize: number
  /** per-block minimums present (4-bit codes then count from 0, not 8) */
  mins: boolean
  /** scales stored as ggml's parts (d per 256 weights, float16; sc per block, int8 when `signed`, else uint8) */
  packed?: { signed: boolean }
}

/** Domain of MatMulNBits. */
export const MS_DOMAIN = 'com.microsoft'

/** Initializer names of a quantised matrix `name` (e.g. 'model.layers.0.mlp.up_proj'), in storage order. */
export function nbitsInitializerNames(name: string, spec: NBitsSpec): { codes: string, codesHigh?: string, scales: string, d?: string, sc?: string, mins?: string } {
  return {
    codes: spec.bits === 8 ? `${name}.weight_q8_low` : `${name}.weight_q4`,
    ...(spec.bits === 8 ? { codesHigh: `${name}.weight_q8_high` } : {}),
    scales: `${name}.weight_scales`,
    ...(spec.packed ? { d: `${name}.weight_d`, sc: `${name}.weight_sc` } : {}),
    ...(spec.mins ? { mins: `${name}.weight_mins` } : {}),
  }
}

/** Placeholder initializers (dims and type, no data) of a quantised matrix, in storage order. */
export function nbitsInitializers(name: string, spec: NBitsSpec): OnnxTensor[] {
  const n = nbitsInitializerNames(name, spec)
  const kBlocks = spec.cols / spec.blockSize
  const empty = new Uint8Array(0)
  const codes = (codeName: string): OnnxTensor => ({ name: codeName, dataType: DataType.UINT8, dims: [spec.rows, kBlocks, spec.blockSize / 2], rawData: empty })
  const out: OnnxTensor[] = [codes(n.codes)]
  if (n.codesHigh) out.push(codes(n.codesHigh))
  if (spec.packed) {
    // [N, superblocks, 1] and [N, superblocks, blocks per superblock]: their product needs no reshaping before the Mul
    const supers = spec.cols / 256
    out.push({ name: n.d!, dataType: DataType.FLOAT16, dims: [spec.rows, supers, 1], rawData: empty })
    out.push({ name: n.sc!, dataType: spec.packed.signed ? DataType.INT8 : DataType.UINT8, dims: [spec.rows, supers, kBlocks / supers], rawData: empty })
  } else {
    out.push({ name: n.scales, dataType: DataType.FLOAT, dims: [spec.rows, kBlocks], rawData: empty })
  }
  // the minimums are stored transposed, [k_blocks, rows], ready for MatMul
  if (n.mins) out.push({ name: n.mins, dataType: DataType.FLOAT, dims: [kBlocks, spec.rows], rawData: empty })
  return out
}

/** Declares the initializers of `name` once (an embedding shared with a tied head is declared by its first user). */
function declare(g: GraphBuilder, name: string, spec: NBitsSpec): ReturnType<typeof nbitsInitializerNames> {
  const names = nbitsInitializerNames(name, spec)
  if (g.has(names.codes)) return names
  for (const t of nbitsInitializers(name, spec)) g.initializer(t)
  if (names.d && names.sc) {
    // scales = d·sc in float32 (exact: an 11-bit by 8-bit product), folded into a constant when the session loads
    const float = (t: string) => g.op('Cast', [t], { to: attr.int(DataType.FLOAT) })
    const product = g.op('Mul', [float(names.d), float(names.sc)])
    g.op('Reshape', [product, g.int64([spec.rows, spec.cols / spec.blockSize])], {}, names.scales)
  }
  return names
}

/**
 * x [..., K] → x · Wᵀ [..., N] with W quantised. `accuracyLevel` 0 computes in float32 from the codes; 4 lets the
 * CPU kernel quantise x to int8 per block. Only 4-bit codes with no or uint8 zero points are used: the forms
 * onnxruntime's CPU kernels run without dequantising B on every call. The derived inputs (zero zero-points, 16·scale)
 * depend only on initializers, so onnxruntime folds them into constants when the session is created.
 */
export function matMulNBits(g: GraphBuilder, x: string, name: string, spec: NBitsSpec, accuracyLevel: number): string {
  const n = declare(g, name, spec)
  const kBlocks = spec.cols / spec.blockSize
  const nbits = (codes: string, scales: string, zeroPoints?: string) => g.op('MatMulNBits', [x, codes, scales, ...(zeroPoints ? [zeroPoints] : [])], {
    K: attr.int(spec.cols), N: attr.int(spec.rows), bits: attr.int(4), block_size: attr.int(spec.blockSize),
    accuracy_level: attr.int(accuracyLevel),
  }, undefined, MS_DOMAIN)
  // zero points 0 for every block: uint8, two per byte along the blocks
  const zeros = () => g.op('ConstantOfShape', [g.int64([spec.rows, Math.ceil(kBlocks / 2)])], {
    value: attr.tensor({ name: 'value', dataType: DataType.UINT8, dims: [1], rawData: new Uint8Array(1) }),
  })
  let y: string
  if (n.codesHigh) {
    // (low + 16·high − 128)·s = low·s + (high − 8)·16s
    y = g.op('Add', [nbits(n.codes, n.scales, zeros()), nbits(n.codesHigh, g.op('Mul', [n.scales, g.float32(16)]))])
  } else {
    y = nbits(n.codes, n.scales, spec.mins ? zeros() : undefined)
  }
  if (!n.mins) return y
  const blocks = g.op('Reshape', [x, g.int64([0, 0, kBlocks, spec.blockSize])])
  const sums = g.op('ReduceSum', [blocks, g.int64([-1])], { keepdims: attr.int(0) })
  return g.op('Sub', [y, g.op('MatMul', [sums, n.mins])])
}

/** Rows `ids` [B, S] of a quantised [rows, cols] matrix, dequantised to float32 [B, S, cols]. */
export function gatherNBits(g: GraphBuilder, ids: string, name: string, spec: NBitsSpec): string {
  const n = declare(g, name, spec)
  const kBlocks = spec.cols / spec.blockSize
  const gather = (t: string) => g.op('Gather', [t, ids], { axis: attr.int(0) })
  // the 4-bit codes of the gathered rows, as floats [B, S, kb, block]
  const unpack = (t: string) => {
    const packed = g.op('Cast', [gather(t)], { to: attr.int(DataType.FLOAT) }) // [B, S, kb, block/2]
    const high = g.op('Floor', [g.op('Div', [packed, g.float32(16)])])
    const low = g.op('Sub', [packed, g.op('Mul', [high, g.float32(16)])])
    const last = g.int64([-1])
    const pairs = g.op('Concat', [g.op('Unsqueeze', [low, last]), g.op('Unsqueeze', [high, last])], { axis: attr.int(-1) })
    return g.op('Reshape', [pairs, g.int64([0, 0, kBlocks, spec.blockSize])])
  }
  const codes = n.codesHigh ? g.op('Add', [unpack(n.codes), g.op('Mul', [unpack(n.codesHigh), g.float32(16)])]) : unpack(n.codes)
  const perBlock = (t: string) => g.op('Unsqueeze', [gather(t), g.int64([-1])]) // [B, S, kb, 1]
  const zp = g.float32(spec.bits === 8 ? 128 : spec.mins ? 0 : 8)
  let values = g.op('Mul', [g.op('Sub', [codes, zp]), perBlock(n.scales)])
  if (n.mins) {
    const minsByRow = g.op('Transpose', [n.mins], { perm: attr.ints([1, 0]) })
    values = g.op('Sub', [values, g.op('Unsqueeze', [gather(minsByRow), g.int64([-1])])])
  }
  return g.op('Reshape', [values, g.int64([0, 0, spec.cols])])
}
