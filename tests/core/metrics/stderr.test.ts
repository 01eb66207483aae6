import { describe, expect, it } from 'vitest'
import { perplexity, median, type Summation } from '../../../src/core/metrics/aggregation.ts'
import {
  bootstrapMedianStderr, bootstrapPerplexityStderr, bootstrapStderr, meanStderr, sampleStddev, stderrFor,
} from '../../../src/core/metrics/stderr.ts'
import { SUMMATIONS, golden } from './golden.ts'

/** Exact where lm-eval's `** 2` equals d·d on every term; else within one rounding (see stderr.ts). */
function expectClose(got: number | 'N/A', want: number, exact: boolean): void {
  expect(typeof got).toBe('number')
  if (exact) expect(got).toBe(want)
  else expect(Math.abs((got as number) - want) / Math.abs(want)).toBeLessThan(1e-14)
}

describe('closed-form stderr of a mean', () => {
  it('spec vector: acc [1,0,1,1,0,0,1,0,1,1]', () => {
    expect(meanStderr([1, 0, 1, 1, 0, 0, 1, 0, 1, 1])).toBe(0.16329931618554522)
    expect(stderrFor('mean', [1, 0, 1, 1, 0, 0, 1, 0, 1, 1], 100000)).toBe(0.16329931618554522)
  })

  it.each(SUMMATIONS)('matches lm-eval mean_stderr (%s)', (summation) => {
    for (const c of golden.stats) {
      const want = c[summation]
      expectClose(meanStderr(c.xs, summation), want.stderr, want.pow_agrees)
      expectClose(stderrFor('mean', c.xs, 1, summation), want.stderr, want.pow_agrees)
    }
  })

  it('uses the Bessel correction', () => {
    expect(sampleStddev([1, 3])).toBe(Math.SQRT2)
  })
})

describe('bootstrap stderr', () => {
  it('spec vectors (CPython 3.11 summation)', () => {
    const xs = [-1, -2, -3, -0.5, -4]
    expect(stderrFor('perplexity', xs, 2000, 'naive')).toBe(6.520312273216418)
    expect(stderrFor('perplexity', xs, 100000, 'naive')).toBe(6.001339137852342)
  })

  it.each(SUMMATIONS)('matches lm-eval bootstrap_stderr replicate for replicate (%s)', (summation) => {
    for (const c of golden.bootstrap) {
      const want = c[summation]
      expectClose(stderrFor(c.aggregation, c.xs, c.iters, summation), want.stderr, want.pow_agrees)
    }
  })

  it('fast paths equal the generic resampling', () => {
    const xs = golden.bootstrap.find((c) => c.xs.length === 40)?.xs as number[]
    for (const summation of SUMMATIONS as readonly Summation[]) {
      const generic = bootstrapStderr((s) => perplexity(s, summation), xs, 1200, summation)
      expect(bootstrapPerplexityStderr(xs, 1200, summation)).toBe(generic)
      expect(bootstrapMedianStderr(xs, 1200, summation)).toBe(bootstrapStderr((s) => median(s), xs, 1200, summation))
    }
  })

  it('rejects a non-positive iteration count', () => {
    expect(() => bootstrapStderr((s) => s.length, [1, 2], 0)).toThrow(RangeError)
  })

  it('handles a realistic size quickly', () => {
    const lls = Array.from({ length: 500 }, (_, i) => -1 - ((i * 7919) % 997) / 50)
    const t0 = performance.now()
    const se = stderrFor('perplexity', lls, 10000)
    expect(typeof se).toBe('number')
    expect(se as number).toBeGreaterThan(0)
    expect(performance.now() - t0).toBeLessThan(20000)
  })
})

describe('when lm-eval reports N/A', () => {
  it('for bootstrap_iters 0, even for means', () => {
    expect(stderrFor('mean', [1, 0, 1], 0)).toBe('N/A')
    expect(stderrFor('perplexity', [-1, -2], 0)).toBe('N/A')
  })

  it('for fewer than 2 items', () => {
    expect(stderrFor('mean', [1], 100000)).toBe('N/A')
    expect(stderrFor('perplexity', [], 100000)).toBe('N/A')
  })

  it('for weighted_perplexity and bits_per_byte', () => {
    const items = [[-10, 5], [-20, 7]]
    expect(stderrFor('weighted_perplexity', items, 100000)).toBe('N/A')
    expect(stderrFor('bits_per_byte', items, 100000)).toBe('N/A')
  })
})
