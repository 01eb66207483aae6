import { describe, expect, it } from 'vitest'
import { aggregateGroup, pooledStderr } from '../../../src/core/metrics/group.ts'
import { SUMMATIONS, golden } from './golden.ts'

describe('group aggregation', () => {
  it.each(SUMMATIONS)('weighted and unweighted means match lm-eval (%s)', (summation) => {
    for (const c of golden.group) {
      expect(aggregateGroup(c.values, c.sizes, true, summation)).toBe(c[summation].weighted)
      expect(aggregateGroup(c.values, c.sizes, false, summation)).toBe(c[summation].unweighted)
    }
  })

  it.each(SUMMATIONS)('pooled stderr matches lm-eval pooled_sample_stderr (%s)', (summation) => {
    for (const c of golden.group) {
      const got = pooledStderr(c.stderrs, c.sizes, summation)
      const want = c[summation].pooled
      if (c[summation].pow_agrees) expect(got).toBe(want)
      else expect(Math.abs((got as number) - want) / want).toBeLessThan(1e-14)
    }
  })

  it('micro-averages when weighting by size', () => {
    expect(aggregateGroup([1, 0], [3, 1], true)).toBe(0.75)
    expect(aggregateGroup([1, 0], [3, 1], false)).toBe(0.5)
  })

  it('is N/A when any child stderr is N/A', () => {
    expect(pooledStderr([0.1, 'N/A'], [10, 20])).toBe('N/A')
  })

  it('checks that sizes line up with the tasks', () => {
    expect(() => aggregateGroup([1, 2], [3], true)).toThrow(RangeError)
  })
})
