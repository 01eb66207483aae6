/**
 * lm-eval's `f1` and `mcc` metrics of multiple-choice tasks: each doc gives (gold, pred) (pred = the argmax
 * choice) and the aggregation is scikit-learn's over all pairs: `f1_score(golds, preds)` (average 'binary',
 * pos_label 1: 2·TP / (2·TP + FP + FN), 0 when that is 0/0) and `matthews_corrcoef(golds, preds)` (the multiclass
 * form over the confusion matrix; 0 when a marginal is constant). sklearn's refusals are kept: f1 over more than two
 * labels, or two labels without 1, is an error naming what to use instead.
 */
import { HarnessError } from '../errors.ts'

/** A doc's (gold, pred) pair. */
export type LabelPair = readonly [unknown, unknown]

/** The pairs of a metric's per-doc values; throws naming the metric when one is not a pair. */
export function labelPairs(name: string, items: readonly unknown[]): LabelPair[] {
  return items.map((v, i) => {
    if (Array.isArray(v) && v.length === 2) return [v[0], v[1]] as const
    throw new TypeError(`aggregation '${name}' needs (gold, prediction) pairs, got ${JSON.stringify(v)} at item ${i}`)
  })
}

const key = (v: unknown): string => JSON.stringify(v)

/** sklearn f1_score(golds, preds) with average='binary', pos_label=1. */
export function f1Score(pairs: readonly LabelPair[]): number {
  const labels = new Set(pairs.flatMap(([g, p]) => [key(g), key(p)]))
  if (labels.size > 2) {
    throw new HarnessError('TASK_SPEC_INVALID', `f1 (scikit-learn's binary F1, as lm-eval computes it) needs two labels; the golds and predictions hold ${labels.size}: ${[...labels].join(', ')} (use acc, or mcc, for more than two choices)`)
  }
  const pos = key(1)
  if (labels.size === 2 && !labels.has(pos) && !labels.has(key(true))) {
    throw new HarnessError('TASK_SPEC_INVALID', `f1: pos_label=1 is not a valid label: the labels are ${[...labels].join(', ')}`)
  }
  let tp = 0
  let fp = 0
  let fn = 0
  for (const [g, p] of pairs) {
    const gp = key(g) === pos || g === true
    const pp = key(p) === pos || p === true
    if (gp && pp) tp += 1
    else if (pp) fp += 1
    else if (gp) fn += 1
  }
  const denom = (tp + fn) + (tp + fp)
  return denom === 0 ? 0 : (2 * tp) / denom
}

/** sklearn matthews_corrcoef(golds, preds) (multiclass form). */
export function matthewsCorrcoef(pairs: readonly LabelPair[]): number {
  const index = new Map<string, number>()
  for (const [g, p] of pairs) for (const v of [g, p]) if (!index.has(key(v))) index.set(key(v), index.size)
  const k = index.size
  const tSum = new Array<number>(k).fill(0)
  const pSum = new Array<number>(k).fill(0)
  let correct = 0
  for (const [g, p] of pairs) {
    const gi = index.get(key(g)) as number
    const pi = index.get(key(p)) as number
    tSum[gi] += 1
    pSum[pi] += 1
    if (gi === pi) correct += 1
  }
  const n = pairs.length
  let tp = 0
  let pp = 0
  let tt = 0
  for (let i = 0; i < k; i++) {
    tp += tSum[i] * pSum[i]
    pp += pSum[i] * pSum[i]
    tt += tSum[i] * tSum[i]
  }
  const covYtYp = correct * n - tp
  const covYpYp = n * n - pp
  const covYtYt = n * n - tt
  if (covYtYt * covYpYp === 0) return 0
  return covYtYp / Math.sqrt(covYtYt * covYpYp)
}
