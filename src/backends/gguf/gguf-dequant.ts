/**
 * ggml tensor types and their dequantisation to float32. Block layouts follow ggml's ggml-common.h /
 * ggml-quants.c: each quantised block stores its scale(s) as float16 next to packed integer codes.
 */
import { HarnessError } from '../../core/errors.ts'
import { dequantizeExtra } from './gguf-dequant-extra.ts'

/** Storage layout of a ggml type. */
export interface GgmlTypeInfo {
  /** ggml name, e.g. 'Q4_K' */
  name: string
  /** elements per block */
  blockSize: number
  /** bytes per block */
  blockBytes: number
}

/** ggml type ids by name (ggml.h `enum ggml_type`). */
export const GGML_TYPE = {
  F32: 0, F16: 1, Q4_0: 2, Q4_1: 3, Q5_0: 6, Q5_1: 7, Q8_0: 8, Q8_1: 9, Q2_K: 10, Q3_K: 11, Q4_K: 12, Q5_K: 13,
  Q6_K: 14, Q8_K: 15, IQ2_XXS: 16, IQ2_XS: 17, IQ3_XXS: 18, IQ1_S: 19, IQ4_NL: 20, IQ3_S: 21, IQ2_S: 22, IQ4_XS: 23,
  I8: 24, I16: 25, I32: 26, I64: 27, F64: 28, IQ1_M: 29, BF16: 30, TQ1_0: 34, TQ2_0: 35, MXFP4: 39,
} as const

/** Block layouts of every ggml type ([elements per block, bytes per block]; ggml's type_traits). */
const LAYOUTS: Record<keyof typeof GGML_TYPE, [number, number]> = {
  F32: [1, 4], F16: [1, 2], Q4_0: [32, 18], Q4_1: [32, 20], Q5_0: [32, 22], Q5_1: [32, 24], Q8_0: [32, 34], Q8_1: [32, 36],
  Q2_K: [256, 84], Q3_K: [256, 110], Q4_K: [256, 144], Q5_K: [256, 176], Q6_K: [256, 210], Q8_K: [256, 292],
  IQ2_XXS: [256, 66], IQ2_XS: [256, 74], IQ3_XXS: [256, 98], IQ1_S: [256, 50], IQ4_NL: [32, 18], IQ3_S: [256, 110],
  IQ2_S: [256, 82], IQ4_XS: [256, 136], I8: [1, 1], I16: [1, 2], I32: [1, 4], I64: [1, 8], F64: [1, 8], IQ1_M: [256, 56],
  BF16: [1, 2], TQ1_0: [256, 54], TQ2_0: [256, 66], MXFP4: [32, 17],
}

/** Names of the types `dequantize` reads, for messages. */
export const SUPPORTED_GGML_TYPES: (keyof typeof GGML_TYPE)[] = [
  'F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL',
]

/** Storage layout of a ggml type id; undefined for ids ggml does not define. */
export function ggmlTypeInfo(type: number): GgmlTypeInfo | undefined {
  const name = (Object.keys(GGML_TYPE) as (keyof typeof GGML_TYPE)[]).find((n) => GGML_TYPE[n] === type)
  if (!name) return undefined
  const [blockSize, blockBytes] = LAYOUTS[name]
  return { name, blockSize, blockBytes }
}

/** ggml name of a type id ('99 (unknown)' when unknown). */
export function ggmlTypeName(type: number): string {
  return ggmlTypeInfo(type)?.name ?? `${type} (unknown)`
}

let halfTable: Float32Array | undefined

/** IEEE binary16 bits → float. */
export function halfToFloat(h: number): number {
  if (!halfTable) {
    halfTable = new Float32Array(65536)
    for (let i = 0; i < 65536; i++) {
      const sign = i & 0x8000 ? -1 : 1
      const exp = (i >> 10) & 0x1f
      const frac = i & 0x3ff
      halfTable[i] = exp === 0 ? sign * frac * 2 ** -24
        : exp === 31 ? (frac ? NaN : sign * Infinity)
          : sign * (1 + frac / 1024) * 2 ** (exp - 15)
    }
  }
  return halfTable[h & 0xffff]!
}

/** The 6-bit (scale, min) pair `j` of a K-quant super-block's 12 packed scale bytes at `q[o..o+12)`. */
export function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j]! & 63, q[o + j + 4]! & 63]
  return [(q[o + j + 4]! & 0xf) | ((q[o + j - 4]! >> 6) << 4), (q[o + j + 4]! >> 4) | ((q[o + j]! >> 6) << 4)]
}

/** The layout of `type`; throws MODEL_INVALID naming the tensor, its type and the supported types when `dequantize` cannot read it. */
export function requireDequantizable(type: number, name = 'tensor'): GgmlTypeInfo {
  const info = ggmlTypeInfo(type)
  if (!info || !SUPPORTED_GGML_TYPES.includes(info.name as keyof typeof GGML_TYPE)) {
    throw new HarnessError('MODEL_INVALID', `gguf: ${name} has ggml type ${ggmlTypeName(type)}, which evalz cannot read; supported: ${SUPPORTED_GGML_TYPES.join(', ')} (re-quantise or convert the model to one of them)`, { name, type: ggmlTypeName(type), supported: SUPPORTED_GGML_TYPES })
  }
  return info
}

/**
 * Dequantises `elements` values of ggml type `type` stored in `bytes`. Throws MODEL_INVALID for types other
 * than the supported ones, or when the byte count does not match.
 */
export function dequantize(type: number, bytes: Uint8Array, elements: number, name = 'tensor'): Float32Array {
  const info = requireDequantizable(type, name)
  const blocks = elements / info.blockSize
  if (!Number.isInteger(blocks) || bytes.length !== blocks * info.blockBytes) {
    throw new HarnessError('MODEL_INVALID', `gguf: ${name} (${info.name}) has ${bytes.length} bytes for ${elements} values; expected ${Math.ceil(blocks) * info.blockBytes}`, { name, bytes: bytes.length, elements })
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float32Array(elements)
  const f16 = (o: number) => halfToFloat(dv.getUint16(o, true))
  if (dequantizeExtra(info.name, dv, bytes, out, blocks, f16)) return out
  switch (type) {
    case GGML_TYPE.F32:
      for (let i = 0; i < elements; i++) out[i] = dv.getFloat32(4 * i, true)
      break
    case GGML_TYPE.F16:
      for (let i = 0; i < elements; i++) out[i] = f16(2 * i)
      break
    case GGML_TYPE.BF16: {
      const u32 = new Uint32Array(out.buffer)
      for (let i = 0; i < elements; i++) u32[i] = dv.getUint16(2 * i, true) << 16
      break
    }
    case GGML_TYPE.Q4_0: // d f16, qs[16]: low nibbles are values 0–15, high nibbles 16–31, code − 8
      for (let b = 0; b < blocks; b++) {
        const o = b * 18
        const d = f16(o)
        for (let j = 0; j < 16; j++) {
          const q = bytes[o + 2 + j]!
          out[b * 32 + j] = ((q & 0xf) - 8) * d
          out[b * 32 + j + 16] = ((q >> 4) - 8) * d
        }
      }
      break
    case GGML_TYPE.Q8_0: // d f16, qs int8[32]
      for (let b = 0; b < blocks; b++) {
        const o = b * 34
        const d = f16(o)
        for (let j = 0; j < 32; j++) out[b * 32 + j] = dv.getInt8(o + 2 + j) * d
      }
      break
    case GGML_TYPE.Q4_K: // d, dmin f16; scales[12] (8 × 6-bit scale/min); qs[128]
      kQuantScaleMin(bytes, out, blocks, 144, 16, undefined, f16)
      break
    case GGML_TYPE.Q5_K: // d, dmin f16; scales[12]; qh[32] (5th bits); qs[128]
      kQuantScaleMin(bytes, out, blocks, 176, 48, 16, f16)
      break
    case GGML_TYPE.Q6_K: // ql[128] (low 4 bits), qh[64] (high 2 bits), scales int8[16], d f16; code − 32
      for (let b = 0; b < blocks; b++) {
        const o = b * 210
        const d = f16(o + 208)
        for (let n = 0; n < 2; n++) {
          const ql = o + n * 64
          const qh = o + 128 + n * 32
          const sc = o + 192 + n * 8
          const y = b * 256 + n * 128
          for (let l = 0; l < 32; l++) {
            const is = l >> 4
            const h = bytes[qh + l]!
            const q1 = ((bytes[ql + l]! & 0xf) | ((h & 3) << 4)) - 32
            const q2 = ((bytes[ql + l + 32]! & 0xf) | (((h >> 2) & 3) << 4)) - 32
            const q3 = ((bytes[ql + l]! >> 4) | (((h >> 4) & 3) << 4)) - 32
            const q4 = ((bytes[ql + l + 32]! >> 4) | (((h >> 6) & 3) << 4)) - 32
            out[y + l] = d * dv.getInt8(sc + is) * q1
            out[y + l + 32] = d * dv.getInt8(sc + is + 2) * q2
            out[y + l + 64] = d * dv.getInt8(sc + is + 4) * q3
            out[y + l + 96] = d * dv.getInt8(sc + is + 6) * q4
          }
        }
      }
      break
  }
  return out
}

/**
 * Q4_K and Q5_K blocks (256 values): d and dmin as f16, 12 bytes of 6-bit scales/mins for 8 sub-blocks of 32, the
 * low 4 bits in `qs` (at `qsAt`), and for Q5_K the 5th bits in `qh` (at `qhAt`, bit 2j / 2j+1 for sub-blocks 2j and
 * 2j+1). value = d·scale·code − dmin·min.
 */
function kQuantScaleMin(
  bytes: Uint8Array, out: Float32Array, blocks: number, blockBytes: number, qsAt: number, qhAt: number | undefined,
  f16: (offset: number) => number,
): void {
  for (let b = 0; b < blocks; b++) {
    const o = b * blockBytes
    const d = f16(o)
    const dmin = f16(o + 2)
    for (let j = 0; j < 4; j++) {
      const [s1, m1] = scaleMinK4(2 * j, bytes, o + 4)
      const [s2, m2] = scaleMinK4(2 * j + 1, bytes, o + 4)
      const y = b * 256 + j * 64
      for (let l = 0; l < 32; l++) {
        const q = bytes[o + qsAt + j * 32 + l]!
        const h = qhAt === undefined ? 0 : bytes[o + qhAt + l]!
        out[y + l] = d * s1 * ((q & 0xf) + ((h >> (2 * j)) & 1) * 16) - dmin * m1
        out[y + 32 + l] = d * s2 * ((q >> 4) + ((h >> (2 * j + 1)) & 1) * 16) - dmin * m2
      }
    }
  }
}
