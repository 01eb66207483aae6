import { describe, expect, it } from 'vitest'
import { wilsonInterval } from '../../../src/core/metrics/interval.ts'

describe('wilsonInterval', () => {
  it('matches the closed form with z = 1.96 (values computed with python3)', () => {
    const [lo, hi] = wilsonInterval(0.5, 2)
    expect(lo).toBeCloseTo(0.0945287, 6)
    expect(hi).toBeCloseTo(0.9054713, 6)
    expect(wilsonInterval(1, 1)[0]).toBeCloseTo(0.2065432, 6)
    expect(wilsonInterval(1, 1)[1]).toBe(1)
    expect(wilsonInterval(0, 1)).toEqual([0, expect.closeTo(0.7934568, 6)])
  })

  it('stays inside [0, 1] with positive width for every count', () => {
    for (let n = 1; n <= 40; n++) {
      for (let k = 0; k <= n; k++) {
        const [lo, hi] = wilsonInterval(k / n, n)
        expect(lo).toBeGreaterThanOrEqual(0)
        expect(hi).toBeLessThanOrEqual(1)
        expect(hi - lo).toBeGreaterThan(0)
        expect(lo).toBeLessThanOrEqual(k / n + 1e-12)
        expect(hi).toBeGreaterThanOrEqual(k / n - 1e-12)
      }
    }
  })
})
