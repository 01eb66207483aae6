import { describe, expect, it } from 'vitest'
import {
  canonicalKey, chunk, chunkByPadding, comparePyStrings, compareTokenTuples, modelInput, planGenerationBatches, planLoglikelihoodBatches,
} from '../../../src/backends/transformers/collator.ts'

describe('sort keys', () => {
  it('compares token tuples like Python tuples', () => {
    expect(compareTokenTuples([1, 2], [1, 3])).toBeLessThan(0)
    expect(compareTokenTuples([1, 2], [1, 2, 0])).toBeLessThan(0)
    expect(compareTokenTuples([2], [1, 9, 9])).toBeGreaterThan(0)
    expect(compareTokenTuples([4, 5], [4, 5])).toBe(0)
  })

  it('compares strings by code point, not UTF-16 unit', () => {
    // U+FF61 (BMP) < U+1F600 (astral) by code point, but its UTF-16 unit 0xFF61 > surrogate 0xD83D
    expect(comparePyStrings('\uff61', '\u{1f600}')).toBeLessThan(0)
    expect('\uff61' < '\u{1f600}').toBe(false)
    expect(comparePyStrings('ab', 'abc')).toBeLessThan(0)
    expect(comparePyStrings('b', 'abc')).toBeGreaterThan(0)
    expect(comparePyStrings('x\u{1f600}', 'x\u{1f600}')).toBe(0)
  })
})

describe('planLoglikelihoodBatches', () => {
  it('orders longest first, ties by token ids, and chunks by batch size', () => {
    const pairs = [
      { context: [5], continuation: [1] }, // len 2
      { context: [1, 2, 3], continuation: [9] }, // len 4
      { context: [1, 2], continuation: [4, 4] }, // len 4, greater than [1,2,3,9]
      { context: [7, 7], continuation: [1] }, // len 3
      { context: [0, 0, 0, 0], continuation: [1] }, // len 5
    ]
    const plan = planLoglikelihoodBatches(pairs, 2, 100)
    expect(plan.map((b) => b.map((r) => r.members))).toEqual([[[4], [1]], [[2], [3]], [[0]]])
    expect(plan[0][0].input).toEqual([0, 0, 0, 0])
  })

  it('shares one row between requests with equal ctx + cont[:-1]', () => {
    const pairs = [
      { context: [1, 2, 3], continuation: [10] },
      { context: [1, 2, 3], continuation: [11] },
      { context: [1, 2], continuation: [3, 12] }, // same key [1,2,3], longer continuation
      { context: [1, 2, 3], continuation: [4, 5] }, // key [1,2,3,4]: its own row
    ]
    const plan = planLoglikelihoodBatches(pairs, 8, 100)
    expect(plan).toHaveLength(1)
    const rows = plan[0]
    expect(rows).toHaveLength(2)
    expect(rows[0]).toEqual({ input: [1, 2, 3, 4], members: [3] })
    expect(rows[1].members).toEqual([0, 1, 2])
    expect(rows[1].input).toEqual([1, 2, 3])
  })

  it('left-truncates the input to max_length and drops the last token', () => {
    expect(modelInput({ context: [1, 2, 3, 4, 5], continuation: [6, 7] }, 4)).toEqual([3, 4, 5, 6])
    expect(modelInput({ context: [1], continuation: [2] }, 4)).toEqual([1])
  })
})

describe('planGenerationBatches', () => {
  it('groups by kwargs in first-appearance order and sorts by (-tokens, context)', () => {
    const a = canonicalKey({ until: ['\n'], max_gen_toks: 5 })
    const b = canonicalKey({ max_gen_toks: 9, until: ['.'] })
    const items = [
      { tokenCount: 3, context: 'b', genKey: b },
      { tokenCount: 3, context: 'z', genKey: a },
      { tokenCount: 7, context: 'y', genKey: a },
      { tokenCount: 3, context: 'c', genKey: a },
      { tokenCount: 1, context: 'a', genKey: b },
    ]
    expect(planGenerationBatches(items, 2)).toEqual([[0, 4], [2, 3], [1]])
  })

  it('treats key order as irrelevant in kwargs', () => {
    expect(canonicalKey({ a: 1, b: [1, '2'], c: { y: 1, x: 2 } })).toBe(canonicalKey({ c: { x: 2, y: 1 }, b: [1, '2'], a: 1 }))
    expect(canonicalKey({ a: 1 })).not.toBe(canonicalKey({ a: 2 }))
  })

  it('rejects bad batch sizes', () => {
    expect(() => chunk([1, 2], 0)).toThrow(RangeError)
    expect(chunk([1, 2, 3], 2)).toEqual([[1, 2], [3]])
  })
})

describe('chunkByPadding', () => {
  it('cuts longest-first items where a batch would pad more than the bound, and at the batch size', () => {
    const lens = [10, 10, 9, 9, 9, 5, 5, 4, 1]
    const cut = chunkByPadding(lens, (x) => x, 4)
    expect(cut).toEqual([[10, 10, 9, 9], [9], [5, 5, 4], [1]])
    for (const b of cut) expect(b.length * Math.max(...b) - b.reduce((a, x) => a + x, 0)).toBeLessThanOrEqual(0.1 * b.length * Math.max(...b))
    expect(chunkByPadding(lens, (x) => x, 100, 1)).toEqual([lens])
    expect(() => chunkByPadding(lens, (x) => x, 0)).toThrow(RangeError)
  })
})
