/**
 * Dequantisation of the less common ggml types (Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, IQ4_NL), written as ggml-quants.c's
 * dequantize_row_* loops: the float reference the MatMulNBits mapping (gguf-nbits.ts) is checked against, and the
 * weights of a GGUF that is dequantised (with a LoRA adapter).
 */

/** IQ4_NL's 16 non-linear code values (ggml's kvalues_iq4nl). */
const KVALUES_IQ4NL = [-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113]

/** Writes the values of `blocks` blocks of type `name` from `dv` into `out`; false when the type is not one of these. */
export function dequantizeExtra(name: string, dv: DataView, bytes: Uint8Array, out: Float32Array, blocks: number, f16: (o: number) => number): boolean {
  switch (name) {
    case 'Q4_1': case 'Q5_1': case 'Q5_0': {
      const size = name === 'Q4_1' ? 20 : name === 'Q5_1' ? 24 : 22
      const hasMin = name !== 'Q5_0'
      for (let i = 0; i < blocks; i++) {
        const o = i * size
        const d = f16(o)
        const m = hasMin ? f16(o + 2) : 0
        const qh = name === 'Q4_1' ? 0 : dv.getUint32(o + (hasMin ? 4 : 2), true)
        const qs = o + (name === 'Q4_1' ? 4 : hasMin ? 8 : 6)
        for (let j = 0; j < 16; j++) {
          const xh0 = ((qh >>> j) << 4) & 0x10
          const xh1 = (qh >>> (j + 12)) & 0x10
          const x0 = (bytes[qs + j]! & 0x0f) | xh0
          const x1 = (bytes[qs + j]! >> 4) | xh1
          out[i * 32 + j] = name === 'Q5_0' ? (x0 - 16) * d : x0 * d + m
          out[i * 32 + j + 16] = name === 'Q5_0' ? (x1 - 16) * d : x1 * d + m
        }
      }
      return true
    }
    case 'IQ4_NL':
      for (let i = 0; i < blocks; i++) {
        const d = f16(i * 18)
        for (let j = 0; j < 16; j++) {
          out[i * 32 + j] = d * KVALUES_IQ4NL[bytes[i * 18 + 2 + j]! & 0xf]!
          out[i * 32 + j + 16] = d * KVALUES_IQ4NL[bytes[i * 18 + 2 + j]! >> 4]!
        }
      }
      return true
    case 'Q2_K': // scales[16] (4-bit scale | 4-bit min), qs[64], d, dmin
      for (let i = 0; i < blocks; i++) {
        const o = i * 84
        const d = f16(o + 80)
        const min = f16(o + 82)
        let y = i * 256
        let is = 0
        for (let n = 0; n < 2; n++) {
          const q = o + 16 + n * 32
          for (let shift = 0; shift < 8; shift += 2) {
            for (const half of [0, 16]) {
              const sc = bytes[o + is++]!
              const dl = d * (sc & 0xf)
              const ml = min * (sc >> 4)
              for (let l = 0; l < 16; l++) out[y++] = dl * ((bytes[q + half + l]! >> shift) & 3) - ml
            }
          }
        }
      }
      return true
    case 'Q3_K': // hmask[32], qs[64], scales[12] (16 × 6-bit), d
      for (let i = 0; i < blocks; i++) {
        const o = i * 110
        const d = f16(o + 108)
        const aux = [0, 1, 2].map((k) => dv.getUint32(o + 96 + 4 * k, true))
        const tmp = aux[2]!
        const k1 = 0x03030303
        const k2 = 0x0f0f0f0f
        const packed = [
          (aux[0]! & k2) | (((tmp >>> 0) & k1) << 4), (aux[1]! & k2) | (((tmp >>> 2) & k1) << 4),
          ((aux[0]! >>> 4) & k2) | (((tmp >>> 4) & k1) << 4), ((aux[1]! >>> 4) & k2) | (((tmp >>> 6) & k1) << 4),
        ]
        const scale = (j: number) => (((packed[j >> 2]! >>> (8 * (j & 3))) & 0xff) << 24 >> 24) - 32
        let y = i * 256
        let is = 0
        let m = 1
        for (let n = 0; n < 2; n++) {
          const q = o + 32 + n * 32
          for (let shift = 0; shift < 8; shift += 2) {
            for (const half of [0, 16]) {
              const dl = d * scale(is++)
              for (let l = 0; l < 16; l++) out[y++] = dl * (((bytes[q + half + l]! >> shift) & 3) - (bytes[o + half + l]! & m ? 0 : 4))
            }
            m <<= 1
          }
        }
      }
      return true
    default:
      return false
  }
}
