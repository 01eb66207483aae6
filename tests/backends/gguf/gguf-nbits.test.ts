import { describe, expect, it } from 'vitest'
import { dequantize } from '../../../src/backends/gguf/gguf-dequant.ts'
import { dequantizeNBits, ggmlToNBits, nbitsForm, splitNibbles } from '../../../src/backends/gguf/gguf-nbits.ts'
import { isHarnessError } from '../../../src/core/errors.ts'
import { QTYPES, randomBlocks } from './fixtures/quantize-gguf.ts'
import type { QType } from './fixtures/quantize-gguf.ts'

const TYPES: QType[] = ['Q4_0', 'Q4_1', 'Q5_0', 'Q5_1', 'Q8_0', 'Q2_K', 'Q3_K', 'Q4_K', 'Q5_K', 'Q6_K', 'IQ4_NL']

describe('ggml blocks → MatMulNBits without re-quantising', () => {
  for (const type of TYPES) {
    it(`${type}: the codes, scales and zero points stand for ggml's dequantised values (one float rounding)`, () => {
      const rows = 6
      const cols = 512
      const bytes = randomBlocks(type, rows * cols, 1234 + QTYPES[type].id, 0.01)
      const m = ggmlToNBits(QTYPES[type].id, bytes, rows, cols, type)
      expect({ bits: m.bits, blockSize: m.blockSize }).toEqual({ bits: nbitsForm(QTYPES[type].id)!.bits, blockSize: nbitsForm(QTYPES[type].id)!.blockSize })
      const ref = dequantize(QTYPES[type].id, bytes, rows * cols, type)
      const got = dequantizeNBits(m)
      let worst = 0
      let scale = 0
      for (let i = 0; i < ref.length; i++) {
        worst = Math.max(worst, Math.abs(got[i]! - ref[i]!))
        scale = Math.max(scale, Math.abs(ref[i]!))
      }
      expect(scale).toBeGreaterThan(0)
      expect(worst).toBeLessThanOrEqual(scale * 2 ** -21)
    })
  }

  it('a K-quant sub-block whose scale is 0 keeps its minimum (the separate minimum term)', () => {
    const bytes = randomBlocks('Q4_K', 256, 7, 0.01)
    bytes.fill(0, 4, 16) // all 6-bit scales and mins 0 …
    bytes[4 + 4] = 5 // … but the min of sub-block 0 is 5
    const m = ggmlToNBits(QTYPES.Q4_K.id, bytes, 1, 256)
    const ref = dequantize(QTYPES.Q4_K.id, bytes, 256)
    expect(ref[0]).toBeLessThan(0)
    expect(Array.from(dequantizeNBits(m), (v, i) => Math.abs(v - ref[i]!)).every((d) => d <= 1e-9)).toBe(true)
  })

  it('splits 8-bit codes into two packed 4-bit halves: code = low + 16·high', () => {
    const codes = Uint8Array.from({ length: 64 }, (_, i) => (i * 37 + 11) % 256)
    const { low, high } = splitNibbles(codes)
    const nibble = (a: Uint8Array, i: number) => (a[i >> 1]! >> ((i & 1) * 4)) & 0xf
    expect(Array.from(codes, (_, i) => nibble(low, i) + 16 * nibble(high, i))).toEqual(Array.from(codes))
  })

  it('refuses a type without a MatMulNBits form in one line naming the supported ones', () => {
    try {
      ggmlToNBits(16, new Uint8Array(66), 1, 256, 'blk.0.attn_q.weight')
      throw new Error('expected a refusal')
    } catch (e) {
      expect(isHarnessError(e)).toBe(true)
      expect((e as Error).message).toMatch(/^gguf: blk\.0\.attn_q\.weight has ggml type IQ2_XXS, which has no MatMulNBits form; supported: Q4_0, .*Q6_K/)
    }
  })
})
