/**
 * ggml quantised blocks → onnxruntime's MatMulNBits layout (com.microsoft), without re-quantising: every weight the
 * graph computes with equals ggml's dequantised value up to one float rounding.
 *
 * MatMulNBits stores B as uint8 [N, k_blocks, block·bits/8] (4-bit codes two per byte, element 2i in the low nibble),
 * scales [N, k_blocks] and optional zero points; weight = (code − zp)·scale. ggml's forms map as:
 * - symmetric blocks (value = d·(q − z)): Q4_0 → 4-bit, zero code 8; Q8_0, Q5_0, Q6_K, Q3_K and IQ4_NL (its table
 *   values) → 8-bit codes shifted so that z lands on 128.
 * - blocks with a minimum (value = s·q − m): Q4_1, Q4_K and Q2_K → 4-bit codes q (zero code 0); Q5_1 and Q5_K →
 *   8-bit codes q + 128; both with a separate minimum per block, applied in the graph as (x summed per block) · min.
 * Neither a float zero point nor 8-bit codes reach onnxruntime's fast CPU kernels at accuracy level 0 (both fall
 * back to dequantising B on every call, 10–30× slower), so the graph (onnx/nbits-graph.ts) runs 8-bit codes as two
 * 4-bit halves (splitNibbles) and minimums as a separate term: every form stays exact and fast.
 */
import { HarnessError } from '../../core/errors.ts'
import { GGML_TYPE, ggmlTypeName, halfToFloat, scaleMinK4 } from './gguf-dequant.ts'

/** A weight matrix in MatMulNBits form; rows are output features (N), columns input features (K). */
export interface NBitsMatrix {
  /** output features N */
  rows: number
  /** input features K */
  cols: number
  /** bits per code: 4 or 8 */
  bits: 4 | 8
  /** elements per quantisation block along K (16 or 32) */
  blockSize: number
  /** uint8 [rows, cols / blockSize, blockSize·bits/8] */
  codes: Uint8Array
  /** float32 [rows, cols / blockSize] */
  scales: Float32Array
  /** float32 [rows, cols / blockSize]: subtracted from every weight of the block; absent = none */
  mins?: Float32Array
  /** ggml's compact parts of `scales` (Q4_K, Q6_K), which the converter stores instead; absent for other types */
  packed?: PackedScales
}

/** ggml's parts of a K-quant matrix's scales: scale = d·sc per sub-block (exact in float32). */
export interface PackedScales {
  /** float16 bits of each 256-weight super-block's d, [rows, cols / 256] */
  d: Uint16Array
  /** sub-block scales [rows, cols / blockSize]: 6-bit unsigned (Q4_K) or int8 bits (Q6_K) */
  sc: Uint8Array
}

/** The MatMulNBits form a ggml type maps to. */
export interface NBitsForm {
  /** bits per code */
  bits: 4 | 8
  /** elements per MatMulNBits block */
  blockSize: 16 | 32
  /** 'none' = symmetric; 'min' = a separate minimum per block */
  offset: 'none' | 'min'
  /** scales stored as ggml's parts (PackedScales): sub-block scales signed (int8, Q6_K) or unsigned (6-bit, Q4_K) */
  packed?: { signed: boolean }
}

/** Decodes ggml block `b` of `bytes`: unsigned codes for the form (sub-block order), scales and minimums per sub-block. */
type BlockDecoder = (bytes: Uint8Array, dv: DataView, b: number, codes: Uint8Array, c: number, scales: Float32Array, mins: Float32Array, s: number) => void

interface TypeMapping {
  form: NBitsForm
  /** elements per ggml block */
  elements: number
  /** bytes per ggml block */
  blockBytes: number
  decode: BlockDecoder
}

const IQ4_NL_VALUES = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

const f16 = (dv: DataView, o: number) => halfToFloat(dv.getUint16(o, true))

/** 32-element blocks of d (f16), optional m (f16), optional qh (u32) and 16 bytes of nibbles; low nibbles first. */
function legacy(blockBytes: number, hasMin: boolean, hasHigh: boolean, shift: number, table?: number[]): BlockDecoder {
  return (bytes, dv, b, codes, c, scales, mins, s) => {
    const o = b * blockBytes
    scales[s] = f16(dv, o)
    if (hasMin) mins[s] = -f16(dv, o + 2)
    const qsAt = o + (hasMin ? 4 : 2) + (hasHigh ? 4 : 0)
    const qh = hasHigh ? dv.getUint32(o + (hasMin ? 4 : 2), true) : 0
    for (let j = 0; j < 16; j++) {
      const q = bytes[qsAt + j]!
      const lo = (q & 0xf) | (((qh >> j) & 1) << 4)
      const hi = (q >> 4) | (((qh >> (j + 16)) & 1) << 4)
      codes[c + j] = table ? table[lo]! + 128 : lo + shift
      codes[c + j + 16] = table ? table[hi]! + 128 : hi + shift
    }
  }
}

const MAPPINGS: Partial<Record<number, TypeMapping>> = {
  [GGML_TYPE.Q4_0]: { form: { bits: 4, blockSize: 32, offset: 'none' }, elements: 32, blockBytes: 18, decode: legacy(18, false, false, 0) },
  [GGML_TYPE.Q4_1]: { form: { bits: 4, blockSize: 32, offset: 'min' }, elements: 32, blockBytes: 20, decode: legacy(20, true, false, 0) },
  [GGML_TYPE.Q5_0]: { form: { bits: 8, blockSize: 32, offset: 'none' }, elements: 32, blockBytes: 22, decode: legacy(22, false, true, 112) },
  [GGML_TYPE.Q5_1]: { form: { bits: 8, blockSize: 32, offset: 'min' }, elements: 32, blockBytes: 24, decode: legacy(24, true, true, 128) },
  [GGML_TYPE.IQ4_NL]: { form: { bits: 8, blockSize: 32, offset: 'none' }, elements: 32, blockBytes: 18, decode: legacy(18, false, false, 0, IQ4_NL_VALUES) },
  [GGML_TYPE.Q8_0]: {
    form: { bits: 8, blockSize: 32, offset: 'none' }, elements: 32, blockBytes: 34,
    decode: (bytes, dv, b, codes, c, scales, _m, s) => {
      scales[s] = f16(dv, b * 34)
      for (let j = 0; j < 32; j++) codes[c + j] = bytes[b * 34 + 2 + j]! ^ 0x80 // int8 q → q + 128
    },
  },
  [GGML_TYPE.Q4_K]: { form: { bits: 4, blockSize: 32, offset: 'min', packed: { signed: false } }, elements: 256, blockBytes: 144, decode: kQuant(144, 16, undefined, 0) },
  [GGML_TYPE.Q5_K]: { form: { bits: 8, blockSize: 32, offset: 'min' }, elements: 256, blockBytes: 176, decode: kQuant(176, 48, 16, 128) },
  [GGML_TYPE.Q6_K]: {
    form: { bits: 8, blockSize: 16, offset: 'none', packed: { signed: true } }, elements: 256, blockBytes: 210,
    decode: (bytes, dv, b, codes, c, scales, _m, s) => {
      const o = b * 210
      const d = f16(dv, o + 208)
      for (let j = 0; j < 16; j++) scales[s + j] = d * dv.getInt8(o + 192 + j)
      for (let n = 0; n < 2; n++) {
        const ql = o + n * 64
        const qh = o + 128 + n * 32
        const y = c + n * 128
        for (let l = 0; l < 32; l++) {
          const h = bytes[qh + l]!
          // q − 32 + 128
          codes[y + l] = ((bytes[ql + l]! & 0xf) | ((h & 3) << 4)) + 96
          codes[y + l + 32] = ((bytes[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) + 96
          codes[y + l + 64] = ((bytes[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) + 96
          codes[y + l + 96] = ((bytes[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) + 96
        }
      }
    },
  },
  [GGML_TYPE.Q3_K]: {
    form: { bits: 8, blockSize: 16, offset: 'none' }, elements: 256, blockBytes: 110,
    decode: (bytes, dv, b, codes, c, scales, _m, s) => {
      const o = b * 110
      const d = f16(dv, o + 108)
      const sc = (j: number) => { // 6-bit scales: low 4 bits from bytes 0–7, high 2 bits from bytes 8–11
        const low = j < 8 ? bytes[o + 96 + j]! & 0xf : bytes[o + 96 + j - 8]! >> 4
        const high = (bytes[o + 96 + 8 + (j % 4)]! >> (2 * Math.floor(j / 4))) & 3
        return (low | (high << 4)) - 32
      }
      for (let j = 0; j < 16; j++) scales[s + j] = d * sc(j)
      let y = c
      for (let n = 0; n < 2; n++) {
        for (let shift = 0; shift < 8; shift += 2) {
          const m = 1 << (n * 4 + shift / 2)
          for (let half = 0; half < 2; half++) {
            for (let l = 0; l < 16; l++) {
              const i = half * 16 + l
              const q = (bytes[o + 32 + n * 32 + i]! >> shift) & 3
              codes[y++] = q - (bytes[o + i]! & m ? 0 : 4) + 128
            }
          }
        }
      }
    },
  },
  [GGML_TYPE.Q2_K]: {
    form: { bits: 4, blockSize: 16, offset: 'min' }, elements: 256, blockBytes: 84,
    decode: (bytes, dv, b, codes, c, scales, mins, s) => {
      const o = b * 84
      const d = f16(dv, o + 80)
      const dmin = f16(dv, o + 82)
      for (let j = 0; j < 16; j++) {
        scales[s + j] = d * (bytes[o + j]! & 0xf)
        mins[s + j] = dmin * (bytes[o + j]! >> 4)
      }
      let y = c
      for (let n = 0; n < 2; n++) {
        for (let shift = 0; shift < 8; shift += 2) {
          for (let half = 0; half < 2; half++) {
            for (let l = 0; l < 16; l++) codes[y++] = (bytes[o + 16 + n * 32 + half * 16 + l]! >> shift) & 3
          }
        }
      }
    },
  },
}

/** Q4_K / Q5_K: 8 sub-blocks of 32 with 6-bit scales and minimums; value = d·sc·q − dmin·m. */
function kQuant(blockBytes: number, qsAt: number, qhAt: number | undefined, shift: number): BlockDecoder {
  return (bytes, dv, b, codes, c, scales, mins, s) => {
    const o = b * blockBytes
    const d = f16(dv, o)
    const dmin = f16(dv, o + 2)
    for (let j = 0; j < 8; j++) {
      const [sc, m] = scaleMinK4(j, bytes, o + 4)
      scales[s + j] = d * sc
      mins[s + j] = dmin * m
    }
    for (let j = 0; j < 4; j++) {
      for (let l = 0; l < 32; l++) {
        const q = bytes[o + qsAt + j * 32 + l]!
        const h = qhAt === undefined ? 0 : bytes[o + qhAt + l]!
        codes[c + j * 64 + l] = (q & 0xf) + ((h >> (2 * j)) & 1) * 16 + shift
        codes[c + j * 64 + 32 + l] = (q >> 4) + ((h >> (2 * j + 1)) & 1) * 16 + shift
      }
    }
  }
}

/** ggml types that map onto MatMulNBits, by name. */
export const NBITS_GGML_TYPES = Object.keys(MAPPINGS).map((t) => ggmlTypeName(Number(t)))

/** The MatMulNBits form of a ggml type; undefined for types kept as float (F32, F16, BF16) or not mapped. */
export function nbitsForm(type: number): NBitsForm | undefined {
  return MAPPINGS[type]?.form
}

/**
 * A GGUF matrix (`rows` rows of `cols` values, ggml type `type`) in MatMulNBits form.
 * @example
 * const m = ggmlToNBits(GGML_TYPE.Q4_0, bytes, 64, 256) // m.bits 4, m.blockSize 32, no zero points
 */
export function ggmlToNBits(type: number, bytes: Uint8Array, rows: number, cols: number, name = 'tensor'): NBitsMatrix {
  const map = MAPPINGS[type]
  if (!map) {
    throw new HarnessError('MODEL_INVALID', `gguf: ${name} has ggml type ${ggmlTypeName(type)}, which has no MatMulNBits form; supported: ${NBITS_GGML_TYPES.join(', ')}`, { name, type: ggmlTypeName(type) })
  }
  const { form, elements, blockBytes } = map
  const blocks = (rows * cols) / elements
  if (cols % elements !== 0 || bytes.length !== blocks * blockBytes) {
    throw new HarnessError('MODEL_INVALID', `gguf: ${name} (${ggmlTypeName(type)}) has ${bytes.length} bytes for [${rows}, ${cols}]; expected ${blocks * blockBytes} with rows a multiple of ${elements}`, { name })
  }
  const n = rows * cols
  const kBlocks = cols / form.blockSize
  if (type === GGML_TYPE.Q4_0 || type === GGML_TYPE.Q4_K) return packedQ4(type, bytes, rows, cols, blocks)
  const codes = new Uint8Array(n)
  const scales = new Float32Array(rows * kBlocks)
  const mins = new Float32Array(form.offset === 'none' ? 0 : rows * kBlocks)
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const perBlock = elements / form.blockSize
  for (let b = 0; b < blocks; b++) map.decode(bytes, dv, b, codes, b * elements, scales, mins, b * perBlock)
  const out: NBitsMatrix = { rows, cols, bits: form.bits, blockSize: form.blockSize, codes, scales }
  if (form.offset === 'min') out.mins = mins
  if (type === GGML_TYPE.Q6_K) {
    const packed = { d: new Uint16Array(blocks), sc: new Uint8Array(rows * kBlocks) }
    for (let b = 0; b < blocks; b++) {
      packed.d[b] = dv.getUint16(b * 210 + 208, true)
      packed.sc.set(bytes.subarray(b * 210 + 192, b * 210 + 208), b * 16)
    }
    out.packed = packed
  }
  if (form.bits === 4) out.codes = packNibbles(codes)
  return out
}

/**
 * Q4_0 and Q4_K (most of a Q4_K_M file) straight into packed MatMulNBits codes, without the one-byte-per-weight
 * detour of the generic path: their nibbles only move, runs of `run` bytes holding elements l (low) and run + l (high).
 */
function packedQ4(type: number, bytes: Uint8Array, rows: number, cols: number, blocks: number): NBitsMatrix {
  const q40 = type === GGML_TYPE.Q4_0
  const codes = new Uint8Array((rows * cols) / 2)
  const scales = new Float32Array(q40 ? blocks : blocks * 8)
  const mins = q40 ? undefined : new Float32Array(blocks * 8)
  const packed = q40 ? undefined : { d: new Uint16Array(blocks), sc: new Uint8Array(blocks * 8) }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const nibbles = (at: number, to: number, run: number) => {
    const half = run >> 1
    for (let i = 0; i < half; i++) codes[to + i] = (bytes[at + 2 * i]! & 0xf) | ((bytes[at + 2 * i + 1]! & 0xf) << 4)
    for (let i = 0; i < half; i++) codes[to + half + i] = (bytes[at + 2 * i]! >> 4) | (bytes[at + 2 * i + 1]! & 0xf0)
  }
  for (let b = 0; b < blocks; b++) {
    if (q40) {
      scales[b] = f16(dv, b * 18)
      nibbles(b * 18 + 2, b * 16, 16)
      continue
    }
    const o = b * 144
    const d = f16(dv, o)
    const dmin = f16(dv, o + 2)
    packed!.d[b] = dv.getUint16(o, true)
    for (let j = 0; j < 8; j++) {
      const [sc, m] = scaleMinK4(j, bytes, o + 4)
      scales[b * 8 + j] = d * sc
      mins![b * 8 + j] = dmin * m
      packed!.sc[b * 8 + j] = sc
    }
    for (let j = 0; j < 4; j++) nibbles(o + 16 + j * 32, b * 128 + j * 32, 32)
  }
  const out: NBitsMatrix = { rows, cols, bits: 4, blockSize: 32, codes, scales }
  if (mins) out.mins = mins
  if (packed) out.packed = packed
  return out
}

/** The float32 scales of packed parts as the graph computes them (nbits-graph.ts): d·sc, an exact product. */
export function unpackScales(p: PackedScales, signed: boolean): Float32Array {
  const per = p.sc.length / p.d.length
  return Float32Array.from(p.sc, (sc, i) => halfToFloat(p.d[Math.floor(i / per)]!) * (signed ? (sc << 24) >> 24 : sc))
}

/** The code that stands for 0: 8 for 4-bit codes without minimums, 0 for 4-bit codes with them, 128 for 8-bit. */
export function zeroCode(m: { bits: 4 | 8, mins?: unknown }): number {
  return m.bits === 8 ? 128 : m.mins ? 0 : 8
}

/**
 * 8-bit codes as two packed 4-bit halves: code = low + 16·high. MatMulNBits(low; scale, zero point 0) +
 * MatMulNBits(high; 16·scale, zero point 8) = (code − 128)·scale, computed by the fast 4-bit kernels.
 */
export function splitNibbles(codes: Uint8Array): { low: Uint8Array, high: Uint8Array } {
  const low = new Uint8Array(codes.length / 2)
  const high = new Uint8Array(codes.length / 2)
  for (let i = 0; i < low.length; i++) {
    const a = codes[2 * i]!
    const b = codes[2 * i + 1]!
    low[i] = (a & 0xf) | ((b & 0xf) << 4)
    high[i] = (a >> 4) | (b & 0xf0)
  }
  return { low, high }
}

/** Two 4-bit codes per byte, element 2i in the low nibble. */
function packNibbles(codes: Uint8Array): Uint8Array {
  const out = new Uint8Array(codes.length / 2)
  for (let i = 0; i < out.length; i++) out[i] = codes[2 * i]! | (codes[2 * i + 1]! << 4)
  return out
}

/** The float weights an NBitsMatrix stands for, row-major [rows, cols] (what MatMulNBits computes with). */
export function dequantizeNBits(m: NBitsMatrix): Float32Array {
  const out = new Float32Array(m.rows * m.cols)
  const zp = zeroCode(m)
  for (let i = 0; i < out.length; i++) {
    const block = Math.floor(i / m.blockSize)
    const code = m.bits === 8 ? m.codes[i]! : (m.codes[i >> 1]! >> ((i & 1) * 4)) & 0xf
    out[i] = Math.fround((code - zp) * m.scales[block]!) - (m.mins ? m.mins[block]! : 0)
  }
  return out
}

/** Moves whole rows of an NBitsMatrix: `rowMap(r)` gives the source row of target row r (e.g. the rotary un-permute). */
export function mapNBitsRows(m: NBitsMatrix, rowMap: (row: number) => number): NBitsMatrix {
  const move = <T extends Uint8Array | Uint16Array | Float32Array>(a: T | undefined): T | undefined => {
    if (!a) return undefined
    const width = a.length / m.rows
    const out = new (a.constructor as new (n: number) => T)(a.length)
    for (let r = 0; r < m.rows; r++) out.set(a.subarray(rowMap(r) * width, (rowMap(r) + 1) * width), r * width)
    return out
  }
  const out: NBitsMatrix = { ...m, codes: move(m.codes)!, scales: move(m.scales)! }
  if (m.mins) out.mins = move(m.mins)
  if (m.packed) out.packed = { d: move(m.packed.d)!, sc: move(m.packed.sc)! }
  return out
}
