/**
 * Calibration of a multiple-choice run: each doc's choice probabilities are the softmax of the choices'
 * loglikelihoods (the model's belief restricted to the offered answers), its confidence the largest of them, and a
 * reliability table puts docs into equal-width confidence bins and compares each bin's accuracy with its mean
 * confidence. ECE = Σ_bins (docs in bin / docs) · |accuracy − mean confidence|.
 */
import type { SampleView } from './sample-view.ts'

/** One confidence bin. */
export interface CalibrationBin {
  /** lower edge, a probability in [0, 1) (inclusive) */
  readonly low: number
  /** upper edge, a probability in (0, 1] (exclusive, except 1 for the last bin) */
  readonly high: number
  /** docs whose confidence falls in the bin */
  readonly count: number
  /** mean confidence of those docs; undefined when the bin is empty */
  readonly confidence: number | undefined
  /** share of those docs answered right, in [0, 1]; undefined when the bin is empty */
  readonly accuracy: number | undefined
}

/** A task's calibration. */
export interface Calibration {
  /** the bins, lowest first */
  readonly bins: readonly CalibrationBin[]
  /** docs counted (multiple-choice docs with finite loglikelihoods and a right/wrong verdict) */
  readonly docs: number
  /** expected calibration error over the bins, in [0, 1]; undefined without docs */
  readonly ece: number | undefined
  /** mean confidence over the docs; undefined without docs */
  readonly meanConfidence: number | undefined
  /** accuracy over the docs; undefined without docs */
  readonly accuracy: number | undefined
}

/** Probabilities proportional to exp(loglikelihood), summing to 1; all NaN when no value is finite. */
export function softmax(lls: readonly number[]): number[] {
  const max = Math.max(...lls.filter((v) => !Number.isNaN(v)))
  if (!Number.isFinite(max)) return lls.map(() => NaN)
  const e = lls.map((v) => (Number.isNaN(v) ? 0 : Math.exp(v - max)))
  const sum = e.reduce((a, b) => a + b, 0)
  return e.map((v) => v / sum)
}

/** Right or wrong by acc for a multiple-choice sample (the highest loglikelihood is gold); undefined when unknown. */
function isRight(s: SampleView): boolean | undefined {
  const acc = s.metrics.acc
  if (acc === 0 || acc === 1) return acc === 1
  if (s.goldIndex !== undefined && s.predictionIndex !== undefined) return s.goldIndex === s.predictionIndex
  return undefined
}

/** One doc's confidence (largest choice probability) and verdict; undefined for docs that cannot be placed. */
export function docConfidence(s: SampleView): { readonly confidence: number; readonly right: boolean } | undefined {
  if (s.outputType !== 'multiple_choice' || s.choices.length < 2) return undefined
  const right = isRight(s)
  const p = softmax(s.choices.map((c) => c.loglikelihood))
  const confidence = Math.max(...p)
  if (right === undefined || !Number.isFinite(confidence)) return undefined
  return { confidence, right }
}

/**
 * The reliability table of a task's samples in `binCount` equal-width bins over [0, 1] (a confidence of exactly 1
 * goes to the last bin). Docs are counted once: the first sample of each doc id (filters do not change choices).
 */
export function calibrationOf(samples: readonly SampleView[], binCount = 10): Calibration {
  const sums = Array.from({ length: binCount }, () => ({ count: 0, conf: 0, right: 0 }))
  const seen = new Set<string>()
  let docs = 0
  let confTotal = 0
  let rightTotal = 0
  for (const s of samples) {
    const key = `${s.task}\u0000${s.docId}`
    if (seen.has(key)) continue
    seen.add(key)
    const d = docConfidence(s)
    if (!d) continue
    const i = Math.min(binCount - 1, Math.floor(d.confidence * binCount))
    sums[i].count++
    sums[i].conf += d.confidence
    sums[i].right += d.right ? 1 : 0
    docs++
    confTotal += d.confidence
    rightTotal += d.right ? 1 : 0
  }
  const bins = sums.map((b, i): CalibrationBin => ({
    low: i / binCount,
    high: (i + 1) / binCount,
    count: b.count,
    confidence: b.count > 0 ? b.conf / b.count : undefined,
    accuracy: b.count > 0 ? b.right / b.count : undefined,
  }))
  const ece = docs === 0 ? undefined : bins.reduce((e, b) => e + (b.count === 0 ? 0 : (b.count / docs) * Math.abs(b.accuracy! - b.confidence!)), 0)
  return {
    bins, docs, ece,
    meanConfidence: docs === 0 ? undefined : confTotal / docs,
    accuracy: docs === 0 ? undefined : rightTotal / docs,
  }
}
