import { describe, expect, it } from 'vitest'
import {
  AGGREGATION_NAMES, aggregate, bitsPerByte, isAggregationName, mean, median, perplexity, pySum,
  weightedPerplexity,
} from '../../../src/core/metrics/aggregation.ts'
import { SUMMATIONS, golden } from './golden.ts'

describe('pySum', () => {
  it.each(SUMMATIONS)('reproduces Python sum() (%s)', (summation) => {
    for (const c of golden.sum) expect(Object.is(pySum(c.xs, summation), c[summation])).toBe(true)
  })

  it('compensates where the naive sum loses digits', () => {
    expect(pySum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])).toBe(1)
    expect(pySum([0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], 'naive')).toBe(0.9999999999999999)
    expect(pySum([1e16, 1, -1e16])).toBe(1)
    expect(pySum([1e16, 1, -1e16], 'naive')).toBe(0)
  })

  it('starts from int 0 (no -0.0) and is 0 for no items', () => {
    expect(Object.is(pySum([-0]), 0)).toBe(true)
    expect(pySum([])).toBe(0)
    expect(pySum([1, Infinity, 2])).toBe(Infinity)
  })
})

describe('aggregations', () => {
  it.each(SUMMATIONS)('mean, median and perplexity match lm-eval (%s)', (summation) => {
    for (const c of golden.stats) {
      const want = c[summation]
      expect(mean(c.xs, summation)).toBe(want.mean)
      expect(aggregate('mean', c.xs, summation)).toBe(want.mean)
      expect(median(c.xs)).toBe(c.median)
      expect(aggregate('median', c.xs, summation)).toBe(c.median)
      if (want.perplexity !== null) {
        expect(perplexity(c.xs, summation)).toBe(want.perplexity)
        expect(aggregate('perplexity', c.xs, summation)).toBe(want.perplexity)
      }
    }
  })

  it.each(SUMMATIONS)('weighted_perplexity and bits_per_byte match lm-eval (%s)', (summation) => {
    for (const c of golden.weighted) {
      const want = c[summation]
      expect(weightedPerplexity(c.items, summation)).toBe(want.weighted_perplexity)
      expect(bitsPerByte(c.items, summation)).toBe(want.bits_per_byte)
      expect(aggregate('weighted_perplexity', c.items, summation)).toBe(want.weighted_perplexity)
      expect(aggregate('bits_per_byte', c.items, summation)).toBe(want.bits_per_byte)
    }
  })

  it('spec vector: perplexity of [-1,-2,-3,-0.5,-4]', () => {
    expect(perplexity([-1, -2, -3, -0.5, -4])).toBe(8.166169912567652)
  })

  it('median is the middle item in doc order, not sorted', () => {
    expect(median([5, 1, 9, 3])).toBe(9)
    expect(median([3, 1, 2])).toBe(1)
    expect(median([])).toBeNaN()
  })

  it('counts booleans as 0/1 and rejects other item types', () => {
    expect(aggregate('mean', [true, false, true, true])).toBe(0.75)
    expect(() => aggregate('mean', ['1'])).toThrow(TypeError)
    expect(() => aggregate('bits_per_byte', [1, 2])).toThrow(TypeError)
  })

  it('knows its names', () => {
    expect(AGGREGATION_NAMES).toEqual(['mean', 'median', 'perplexity', 'weighted_perplexity', 'bits_per_byte'])
    expect(isAggregationName('perplexity')).toBe(true)
    expect(isAggregationName('f1')).toBe(false)
  })
})
