/** Calibration of multiple-choice samples: softmax over choices, confidence bins, ECE; checked by hand. */
import { describe, expect, it } from 'vitest'
import { calibrationOf, docConfidence, softmax } from '../../src/ui/calibration.ts'
import type { SampleView } from '../../src/ui/sample-view.ts'

/** A multiple-choice sample view with these loglikelihoods and gold. */
function mc(docId: number, lls: number[], gold: number, task = 't'): SampleView {
  const pred = lls.indexOf(Math.max(...lls))
  return {
    task, docId, filter: 'none', outputType: 'multiple_choice', prompt: 'p', gold: String(gold), goldIndex: gold,
    choices: lls.map((ll, i) => ({ text: `c${i}`, loglikelihood: ll, normalized: ll, greedy: false })),
    prediction: `c${pred}`, predictionIndex: pred, rawOutput: undefined, correct: pred === gold, metrics: { acc: pred === gold ? 1 : 0 },
  }
}

describe('softmax', () => {
  it('normalises exp(loglikelihood) and survives very negative and infinite values', () => {
    const p = softmax([Math.log(0.2), Math.log(0.3), Math.log(0.5)])
    expect(p[0]).toBeCloseTo(0.2, 12)
    expect(p[2]).toBeCloseTo(0.5, 12)
    const far = softmax([-1000, -1000 + Math.log(3)])
    expect(far[0]).toBeCloseTo(0.25, 12)
    expect(far[1]).toBeCloseTo(0.75, 12)
    expect(softmax([-Infinity, -2])).toEqual([0, 1])
    expect(softmax([-Infinity, -Infinity]).every(Number.isNaN)).toBe(true)
  })
})

describe('calibrationOf', () => {
  it('bins docs by their largest choice probability and compares accuracy with confidence', () => {
    const L = Math.log
    const samples = [
      mc(0, [L(0.95), L(0.05)], 0), // conf 0.95, right  → bin 9
      mc(1, [L(0.92), L(0.08)], 1), // conf 0.92, wrong  → bin 9
      mc(2, [L(0.55), L(0.45)], 0), // conf 0.55, right  → bin 5
      mc(3, [L(0.25), L(0.25), L(0.25), L(0.25)], 0), // conf 0.25, right (first maximum) → bin 2
      mc(3, [L(0.9), L(0.1)], 1), // same doc again (another filter): ignored
      { ...mc(4, [L(0.5), L(0.5)], 0), outputType: 'generate_until' }, // not multiple-choice: ignored
    ]
    const c = calibrationOf(samples)
    expect(c.docs).toBe(4)
    expect(c.bins).toHaveLength(10)
    expect(c.bins.map((b) => b.count)).toEqual([0, 0, 1, 0, 0, 1, 0, 0, 0, 2])
    expect(c.bins[9].confidence).toBeCloseTo((0.95 + 0.92) / 2, 12)
    expect(c.bins[9].accuracy).toBe(0.5)
    expect(c.bins[0].accuracy).toBeUndefined()
    expect(c.accuracy).toBe(0.75)
    expect(c.meanConfidence).toBeCloseTo((0.95 + 0.92 + 0.55 + 0.25) / 4, 12)
    // ECE = (1/4)|1 − 0.25| + (1/4)|1 − 0.55| + (2/4)|0.5 − 0.935|
    expect(c.ece).toBeCloseTo(0.25 * 0.75 + 0.25 * 0.45 + 0.5 * 0.435, 12)
  })

  it('puts a confidence of exactly 1 in the last bin and uses acc when logged', () => {
    const sure = mc(0, [0, -Infinity], 0)
    expect(docConfidence(sure)).toEqual({ confidence: 1, right: true })
    expect(calibrationOf([sure]).bins[9].count).toBe(1)
    // acc says wrong even though the argmax is gold (e.g. a multi-gold task scored otherwise): acc wins
    expect(docConfidence({ ...sure, metrics: { acc: 0 } })?.right).toBe(false)
    expect(calibrationOf([]).ece).toBeUndefined()
  })
})
