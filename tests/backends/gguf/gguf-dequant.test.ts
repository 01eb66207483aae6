/**
 * Each quantised layout is packed here from chosen integer codes and float16 scales, following ggml's block
 * structs (ggml-common.h), and the expected floats are computed from the codes with ggml's formulas.
 */
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { GGML_TYPE, SUPPORTED_GGML_TYPES, dequantize, ggmlTypeInfo, ggmlTypeName, halfToFloat } from '../../../src/backends/gguf/gguf-dequant.ts'
import { floatToHalf } from './fixtures/gguf-writer.ts'

/** Deterministic integers in [lo, hi]. */
function ints(n: number, lo: number, hi: number, seed: number): number[] {
  let s = seed >>> 0
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return lo + (s % (hi - lo + 1))
  })
}

function u16(out: number[], v: number) { out.push(v & 0xff, v >> 8) }

// float16 bit patterns with exact values
const HALF = { d05: [0x3800, 0.5], d0625: [0x2c00, 0.0625], d075: [0x3a00, 0.75], d09375: [0x2e00, 0.09375], dTiny: [0x1400, 2 ** -10] } as const

describe('halfToFloat', () => {
  it('decodes normal, subnormal, zero, infinite and NaN halves', () => {
    expect(halfToFloat(0x3c00)).toBe(1)
    expect(halfToFloat(0xc000)).toBe(-2)
    expect(halfToFloat(0x3555)).toBe(0.333251953125)
    expect(halfToFloat(0x7bff)).toBe(65504)
    expect(halfToFloat(0x0001)).toBe(2 ** -24)
    expect(halfToFloat(0x03ff)).toBe(1023 * 2 ** -24)
    expect(Object.is(halfToFloat(0x8000), -0)).toBe(true)
    expect(halfToFloat(0x7c00)).toBe(Infinity)
    expect(halfToFloat(0xfc00)).toBe(-Infinity)
    expect(halfToFloat(0x7e00)).toBeNaN()
    for (const [bits, value] of Object.values(HALF)) expect(halfToFloat(bits)).toBe(value)
    expect(floatToHalf(0.333333)).toBe(0x3555)
  })
})

describe('dequantize', () => {
  it('F32, F16 and BF16 (unaligned input bytes too)', () => {
    const f32 = new Uint8Array(1 + 12).subarray(1)
    const dv = new DataView(f32.buffer, 1)
    ;[1.5, -0.25, 3e-8].forEach((v, i) => dv.setFloat32(4 * i, v, true))
    expect(Array.from(dequantize(GGML_TYPE.F32, f32, 3))).toEqual([1.5, -0.25, Math.fround(3e-8)])
    const f16: number[] = []
    for (const bits of [0x3c00, 0xc000, 0x3555, 0x0001]) u16(f16, bits)
    expect(Array.from(dequantize(GGML_TYPE.F16, Uint8Array.from(f16), 4))).toEqual([1, -2, 0.333251953125, 2 ** -24])
    // bf16 = top half of the float32 bits: 0x3fc0 = 1.5, 0xc080 = -4, 0x3eab ≈ 0.333984375
    const bf16: number[] = []
    for (const bits of [0x3fc0, 0xc080, 0x3eab]) u16(bf16, bits)
    expect(Array.from(dequantize(GGML_TYPE.BF16, Uint8Array.from(bf16), 3))).toEqual([1.5, -4, 0.333984375])
  })

  it('Q8_0: block_q8_0 { half d; int8 qs[32] } → d·q', () => {
    const codes = [...ints(32, -128, 127, 1), ...ints(32, -128, 127, 2)]
    const scales = [HALF.d05, HALF.d09375]
    const bytes: number[] = []
    scales.forEach(([bits], b) => {
      u16(bytes, bits)
      for (let j = 0; j < 32; j++) bytes.push(codes[b * 32 + j]! & 0xff)
    })
    const expected = codes.map((q, i) => Math.fround(q * scales[Math.floor(i / 32)]![1]))
    expect(Array.from(dequantize(GGML_TYPE.Q8_0, Uint8Array.from(bytes), 64))).toEqual(expected)
  })

  it('Q8_0 round-trips a quantised float vector to within half a step', () => {
    const x = Array.from({ length: 32 }, (_, i) => Math.sin(i * 0.7) * 3)
    const amax = Math.max(...x.map(Math.abs))
    const dBits = floatToHalf(amax / 127)
    const d = halfToFloat(dBits)
    const bytes: number[] = []
    u16(bytes, dBits)
    for (const v of x) bytes.push(Math.round(v / d) & 0xff)
    const y = dequantize(GGML_TYPE.Q8_0, Uint8Array.from(bytes), 32)
    x.forEach((v, i) => expect(Math.abs(y[i]! - v)).toBeLessThanOrEqual(d / 2 + 1e-6))
  })

  it('Q4_0: block_q4_0 { half d; uint8 qs[16] }, element j in the low nibble of qs[j], j+16 in the high nibble → d·(q−8)', () => {
    const codes = ints(64, 0, 15, 3)
    const scales = [HALF.d075, HALF.d0625]
    const bytes: number[] = []
    scales.forEach(([bits], b) => {
      u16(bytes, bits)
      for (let j = 0; j < 16; j++) bytes.push(codes[b * 32 + j]! | (codes[b * 32 + j + 16]! << 4))
    })
    const expected = codes.map((q, i) => Math.fround((q - 8) * scales[Math.floor(i / 32)]![1]))
    expect(Array.from(dequantize(GGML_TYPE.Q4_0, Uint8Array.from(bytes), 64))).toEqual(expected)
  })

  /** The 12-byte K-quant packing of eight 6-bit scales and eight 6-bit mins (ggml quantize_row_q4_K_ref). */
  function packScalesMins(sc: number[], mn: number[]): number[] {
    const q = new Array<number>(12).fill(0)
    for (let j = 0; j < 8; j++) {
      if (j < 4) {
        q[j] = sc[j]!
        q[j + 4] = mn[j]!
      } else {
        q[j + 4] = (sc[j]! & 0xf) | ((mn[j]! & 0xf) << 4)
        q[j - 4] = q[j - 4]! | ((sc[j]! >> 4) << 6)
        q[j] = q[j]! | ((mn[j]! >> 4) << 6)
      }
    }
    return q
  }

  it('Q4_K: block_q4_K { half d, dmin; uint8 scales[12]; uint8 qs[128] } → d·sc·q − dmin·m per 32-element sub-block', () => {
    const d = HALF.d0625
    const dmin = HALF.dTiny
    const sc = ints(8, 0, 63, 4)
    const mn = ints(8, 0, 63, 5)
    sc[7] = 63
    mn[6] = 63
    const codes = ints(256, 0, 15, 6)
    const bytes: number[] = []
    u16(bytes, d[0])
    u16(bytes, dmin[0])
    bytes.push(...packScalesMins(sc, mn))
    // each 64-element chunk c: low nibbles hold elements 64c..64c+31, high nibbles 64c+32..64c+63
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) bytes.push(codes[64 * c + l]! | (codes[64 * c + 32 + l]! << 4))
    }
    expect(bytes.length).toBe(144)
    const expected = codes.map((q, i) => {
      const sub = Math.floor(i / 32)
      return Math.fround(d[1] * sc[sub]! * q - dmin[1] * mn[sub]!)
    })
    expect(Array.from(dequantize(GGML_TYPE.Q4_K, Uint8Array.from(bytes), 256))).toEqual(expected)
  })

  it('Q5_K: block_q5_K { half d, dmin; scales[12]; qh[32]; qs[128] } adds the 5th bit from qh', () => {
    const d = HALF.d09375
    const dmin = HALF.d0625
    const sc = ints(8, 0, 63, 7)
    const mn = ints(8, 0, 63, 8)
    const codes = ints(256, 0, 31, 9)
    const bytes: number[] = []
    u16(bytes, d[0])
    u16(bytes, dmin[0])
    bytes.push(...packScalesMins(sc, mn))
    // qh[l] bit (2c) = high bit of element 64c+l, bit (2c+1) = high bit of element 64c+32+l
    for (let l = 0; l < 32; l++) {
      let h = 0
      for (let c = 0; c < 4; c++) h |= ((codes[64 * c + l]! >> 4) << (2 * c)) | ((codes[64 * c + 32 + l]! >> 4) << (2 * c + 1))
      bytes.push(h)
    }
    for (let c = 0; c < 4; c++) {
      for (let l = 0; l < 32; l++) bytes.push((codes[64 * c + l]! & 0xf) | ((codes[64 * c + 32 + l]! & 0xf) << 4))
    }
    expect(bytes.length).toBe(176)
    const expected = codes.map((q, i) => Math.fround(d[1] * sc[Math.floor(i / 32)]! * q - dmin[1] * mn[Math.floor(i / 32)]!))
    expect(Array.from(dequantize(GGML_TYPE.Q5_K, Uint8Array.from(bytes), 256))).toEqual(expected)
  })

  it('Q6_K: block_q6_K { uint8 ql[128]; uint8 qh[64]; int8 scales[16]; half d } → d·scale·(q−32) per 16 elements', () => {
    const d = HALF.d05
    const scales = ints(16, -128, 127, 10)
    const codes = ints(256, 0, 63, 11)
    const ql = new Array<number>(128).fill(0)
    const qh = new Array<number>(64).fill(0)
    // half n (128 elements): element 128n + 32k + l for k = 0..3 uses ql[64n + l (+32 for k odd)] nibble (k ≥ 2 → high)
    // and qh[32n + l] bits 2k..2k+1
    for (let n = 0; n < 2; n++) {
      for (let k = 0; k < 4; k++) {
        for (let l = 0; l < 32; l++) {
          const q = codes[128 * n + 32 * k + l]!
          const at = 64 * n + l + (k % 2) * 32
          ql[at] = ql[at]! | ((q & 0xf) << (k >= 2 ? 4 : 0))
          qh[32 * n + l] = qh[32 * n + l]! | ((q >> 4) << (2 * k))
        }
      }
    }
    const bytes = [...ql, ...qh, ...scales.map((s) => s & 0xff)]
    u16(bytes, d[0])
    expect(bytes.length).toBe(210)
    const expected = codes.map((q, i) => Math.fround(d[1] * scales[Math.floor(i / 16)]! * (q - 32)))
    expect(Array.from(dequantize(GGML_TYPE.Q6_K, Uint8Array.from(bytes), 256))).toEqual(expected)
  })

  it('names an unsupported type and the supported ones in one line; rejects a wrong byte count', () => {
    const fail = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        if (isHarnessError(e)) return e
      }
      throw new Error('expected a HarnessError')
    }
    const e = fail(() => dequantize(GGML_TYPE.IQ2_XXS, new Uint8Array(66), 256, 'blk.0.ffn_up.weight'))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toBe(`gguf: blk.0.ffn_up.weight has ggml type IQ2_XXS, which evalz cannot read; supported: ${SUPPORTED_GGML_TYPES.join(', ')} (re-quantise or convert the model to one of them)`)
    expect(SUPPORTED_GGML_TYPES).toEqual(['F32', 'F16', 'BF16', 'Q8_0', 'Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL'])
    expect(fail(() => dequantize(99, new Uint8Array(4), 1)).message).toContain('has ggml type 99 (unknown), which evalz cannot read')
    expect(fail(() => dequantize(GGML_TYPE.Q8_0, new Uint8Array(33), 32)).message).toBe('gguf: tensor (Q8_0) has 33 bytes for 32 values; expected 34')
    expect(ggmlTypeInfo(GGML_TYPE.Q4_K)).toEqual({ name: 'Q4_K', blockSize: 256, blockBytes: 144 })
    expect(ggmlTypeInfo(GGML_TYPE.Q2_K)).toEqual({ name: 'Q2_K', blockSize: 256, blockBytes: 84 })
    expect(ggmlTypeInfo(99)).toBeUndefined()
    expect(ggmlTypeName(GGML_TYPE.Q2_K)).toBe('Q2_K')
  })
})
