/** McNemar's exact test against exact rational arithmetic in Python (fixtures/gen_mcnemar.py → mcnemar.json). */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { EXACT_LIMIT, mcnemarExactP } from '../../../src/core/compare/mcnemar.ts'

const CASES = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/mcnemar.json'), 'utf8')) as { b: number; c: number; p: number }[]

describe('mcnemarExactP', () => {
  it('has golden cases on both sides of the exact limit', () => {
    expect(CASES.some(c => c.b + c.c <= EXACT_LIMIT && c.b + c.c >= 900)).toBe(true)
    expect(CASES.some(c => c.b + c.c > EXACT_LIMIT)).toBe(true)
  })

  for (const { b, c, p } of CASES) {
    it(`b=${b}, c=${c} → ${p}`, () => {
      const got = mcnemarExactP(b, c)
      if (b + c <= EXACT_LIMIT) {
        // exact sums, one rounding from 64 significant bits
        expect(Math.abs(got - p)).toBeLessThanOrEqual(p * 2 ** -52)
      } else {
        expect(Math.abs(got - p)).toBeLessThanOrEqual(p * 1e-10)
      }
    })
  }

  it('is symmetric in b and c and 1 when nothing is discordant', () => {
    expect(mcnemarExactP(0, 0)).toBe(1)
    expect(mcnemarExactP(17, 4)).toBe(mcnemarExactP(4, 17))
  })

  it('rejects negative or fractional counts', () => {
    expect(() => mcnemarExactP(-1, 2)).toThrow(RangeError)
    expect(() => mcnemarExactP(1.5, 2)).toThrow(/non-negative integer/)
  })
})
