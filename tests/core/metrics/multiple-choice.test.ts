import { describe, expect, it } from 'vitest'
import { mean } from '../../../src/core/metrics/aggregation.ts'
import { mc2, npArgmax, resolveGold, scoreMultipleChoice } from '../../../src/core/metrics/multiple-choice.ts'
import { golden } from './golden.ts'

const ALL = ['acc', 'acc_norm', 'acc_bytes', 'exact_match']

describe('scoreMultipleChoice', () => {
  it('matches lm-eval process_results (numpy argmax, code-point and byte lengths)', () => {
    for (const c of golden.multiple_choice) {
      expect(scoreMultipleChoice(c, ALL)).toEqual(c.expected)
    }
  })

  it('normalises by code points, not UTF-16 units', () => {
    // '😀😀😀' is 3 code points, 6 UTF-16 units, 12 bytes: -9/3 = -3 loses to -10/4 = -2.5
    // (with UTF-16 units, -9/6 = -1.5 would win; with bytes, -9/12 = -0.75 does win).
    const r = scoreMultipleChoice({
      lls: [-9, -10], isGreedy: [false, false], choices: ['😀😀😀', 'abcd'], gold: 1,
    }, ['acc', 'acc_norm', 'acc_bytes'])
    expect(r).toEqual({ acc: 0, acc_norm: 1, acc_bytes: 0 })
  })

  it('scores acc_mutual_info on conditional minus unconditional lls', () => {
    const input = { lls: [-5, -6], isGreedy: [false, false], choices: ['a', 'b'], gold: 1, llsUnconditional: [-1, -4] }
    expect(scoreMultipleChoice(input, ['acc', 'acc_mutual_info'])).toEqual({ acc: 0, acc_mutual_info: 1 })
    expect(() => scoreMultipleChoice({ ...input, llsUnconditional: undefined }, ['acc_mutual_info'])).toThrow(RangeError)
  })

  it('accepts the gold answer as a choice string', () => {
    const input = { lls: [-5, -2], isGreedy: [false, true], choices: ['no', 'yes'], gold: 'yes' }
    expect(scoreMultipleChoice(input, ['acc', 'exact_match'])).toEqual({ acc: 1, exact_match: 1 })
    expect(scoreMultipleChoice({ ...input, gold: 'maybe' }, ['acc', 'exact_match'])).toEqual({ acc: 0, exact_match: 0 })
  })

  it('returns only the requested metrics it knows', () => {
    const input = { lls: [-1, -2], isGreedy: [true, false], choices: ['a', 'b'], gold: 0 }
    expect(scoreMultipleChoice(input, ['acc', 'brier_score'])).toEqual({ acc: 1 })
  })

  it('maps out-of-range gold indices to -100', () => {
    expect(resolveGold(['a', 'b'], 2)).toBe(-100)
    expect(resolveGold(['a', 'b'], [0, 3])).toEqual([0, -100])
    expect(resolveGold(['a', 'b'], -1)).toBe(-1)
  })
})

describe('npArgmax', () => {
  it('takes the first maximum and lets NaN win', () => {
    expect(npArgmax([1, 3, 3])).toBe(1)
    expect(npArgmax([-Infinity, -Infinity])).toBe(0)
    expect(npArgmax([1, NaN, 5, NaN])).toBe(1)
    expect(() => npArgmax([])).toThrow(RangeError)
  })
})

describe('mc2', () => {
  it('matches TruthfulQA process_results_mc2 (numpy exp, sums over numpy scalars)', () => {
    for (const d of golden.mc2.docs) expect(mc2(d.lls, d.labels)).toBe(d.acc)
  })

  it('averages per-doc values like lm-eval mean over numpy scalars', () => {
    const accs = golden.mc2.docs.map((d) => mc2(d.lls, d.labels))
    expect(mean(accs, 'naive')).toBe(golden.mc2.mean)
  })

  it('splits at the first 0 label', () => {
    expect(mc2([Math.log(0.25), Math.log(0.25), Math.log(0.5)], [1, 1, 0])).toBeCloseTo(0.5, 15)
    expect(mc2([0, 0], [1, 1])).toBe(1)
  })
})
