/**
 * The paired bootstrap interval, float for float against the Python re-implementation
 * (fixtures/bootstrap_oracle.py, cases from fixtures/gen_bootstrap.py → bootstrap.json).
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { bootstrapReplicates, pairedBootstrapInterval, percentile } from '../../../src/core/compare/bootstrap.ts'
import type { AggregationName } from '../../../src/core/metrics/aggregation.ts'

interface Case {
  name: string
  aggregation: AggregationName
  seed: number
  iterations: number
  a: unknown[]
  b: unknown[]
  interval: { low: number; high: number }
}

const CASES = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures/bootstrap.json'), 'utf8')) as Case[]

describe('pairedBootstrapInterval', () => {
  for (const c of CASES) {
    it(`${c.name} (${c.aggregation}, ${c.iterations} resamples) equals Python exactly`, () => {
      const got = pairedBootstrapInterval(c.a, c.b, c.aggregation, { seed: c.seed, iterations: c.iterations })
      expect(got.low === c.interval.low, `low ${got.low} vs ${c.interval.low}`).toBe(true)
      expect(got.high === c.interval.high, `high ${got.high} vs ${c.interval.high}`).toBe(true)
    })
  }

  it('changes with the seed', () => {
    const c = CASES[0]
    const other = pairedBootstrapInterval(c.a, c.b, c.aggregation, { seed: c.seed + 1, iterations: c.iterations })
    expect([other.low, other.high]).not.toEqual([c.interval.low, c.interval.high])
  })

  it('rejects unequal lengths, no pairs and a bad iteration count', () => {
    expect(() => bootstrapReplicates([1], [1, 0], 'mean', { seed: 1, iterations: 10 })).toThrow(/equal lengths/)
    expect(() => bootstrapReplicates([], [], 'mean', { seed: 1, iterations: 10 })).toThrow(/at least one pair/)
    expect(() => bootstrapReplicates([1], [1], 'mean', { seed: 1, iterations: 0 })).toThrow(/positive integer/)
  })
})

describe('percentile', () => {
  it('interpolates between closest ranks like numpy', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5)
    expect(percentile([0, 10], 0.025)).toBe(0.25)
    expect(percentile([5], 0.975)).toBe(5)
  })
})
