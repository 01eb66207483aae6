import { describe, expect, it } from 'vitest'
import { disjointWindow, documentWindows, rollingTokenWindows } from '../../../src/backends/transformers/rolling-windows.ts'

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i)

describe('rollingTokenWindows', () => {
  it('reproduces lm-eval test_utils vector (tokens 0..33, max 10, context 1)', () => {
    const w = rollingTokenWindows(range(0, 33), -100, 10, 1)
    expect(w).toEqual([
      { context: [-100, ...range(0, 8)], continuation: range(0, 9) },
      { context: range(9, 18), continuation: range(10, 19) },
      { context: range(19, 28), continuation: range(20, 29) },
      { context: range(23, 32), continuation: range(30, 33) },
    ])
  })

  it('makes the windows disjoint like make_disjoint_window', () => {
    const w = rollingTokenWindows(range(0, 33), -100, 10, 1).map(disjointWindow)
    expect(w).toEqual([
      { context: [-100], continuation: range(0, 9) },
      { context: [9], continuation: range(10, 19) },
      { context: [19], continuation: range(20, 29) },
      { context: range(23, 29), continuation: range(30, 33) },
    ])
    expect(documentWindows(range(0, 33), -100, 10)).toEqual(w)
  })

  it('predicts every token exactly once', () => {
    for (const n of [1, 9, 10, 11, 20, 21, 57]) {
      const tokens = range(100, 100 + n - 1)
      const predicted = documentWindows(tokens, 7, 10).flatMap((w) => w.continuation)
      expect(predicted).toEqual(tokens)
    }
  })

  it('honours a longer context length (pred_len = max - context + 1)', () => {
    const w = rollingTokenWindows(range(0, 14), -1, 5, 3)
    expect(w.map((x) => x.continuation)).toEqual([range(0, 4), range(5, 7), range(8, 10), range(11, 13), [14]])
    expect(w[1].context).toEqual(range(2, 6))
  })

  it('yields nothing for an empty document and rejects a bad context length', () => {
    expect(rollingTokenWindows([], 0, 10, 1)).toEqual([])
    expect(() => rollingTokenWindows([1], 0, 4, 5)).toThrow(RangeError)
    expect(() => rollingTokenWindows([1], 0, 4, 0)).toThrow(RangeError)
  })
})
