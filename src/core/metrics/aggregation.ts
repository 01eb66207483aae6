/**
 * lm-eval's corpus-level aggregations (`api/metrics.py`): mean, median, perplexity,
 * weighted_perplexity, bits_per_byte, with Python's summation and glibc's exp so the
 * results match lm-eval to the last bit.
 */

import { exp } from './libm.ts'

/**
 * How Python's built-in `sum()` adds the items.
 * - 'neumaier': CPython ≥ 3.12 on Python floats (Neumaier-compensated, then the compensation added once).
 * - 'naive': left-to-right addition: CPython ≤ 3.11 for every item type, and every CPython version when
 *   the items are numpy scalars (np.float64 is not an exact `float`, so `sum()` takes its generic path);
 *   lm-eval's mc2 and generate_until exact_match values are numpy scalars.
 * Integer-valued items (acc, exact_match) sum exactly either way; only non-integer values can differ,
 * in the last bit or so.
 */
export type Summation = 'neumaier' | 'naive'

/** lm-eval's registered aggregation names that evalz implements. */
export type AggregationName = 'mean' | 'median' | 'perplexity' | 'weighted_perplexity' | 'bits_per_byte'

/** A (value, weight) item of weighted_perplexity / bits_per_byte: (log-likelihood in nats, words or bytes). */
export type WeightedItem = readonly [number, number]

/** The implemented aggregation names, in lm-eval's registry order. */
export const AGGREGATION_NAMES: readonly AggregationName[] = [
  'mean', 'median', 'perplexity', 'weighted_perplexity', 'bits_per_byte',
]

/** The summation used when none is given: CPython ≥ 3.12 on Python floats. */
export const DEFAULT_SUMMATION: Summation = 'neumaier'

/** Python's `sum(xs)` over floats (start 0); see Summation. Empty → 0. */
export function pySum(xs: ArrayLike<number>, summation: Summation = DEFAULT_SUMMATION): number {
  const n = xs.length
  if (n === 0) return 0
  // sum() starts from the int 0: 0 + x turns -0.0 into 0.0.
  let s = 0 + (xs[0] as number)
  if (summation === 'naive') {
    for (let i = 1; i < n; i++) s += xs[i] as number
    return s
  }
  let c = 0
  for (let i = 1; i < n; i++) {
    const x = xs[i] as number
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
  }
  // CPython adds the compensation only when it is non-zero and finite.
  if (c !== 0 && Number.isFinite(c)) s += c
  return s
}

/** lm-eval `mean`: sum(arr) / len(arr). Empty → NaN (Python raises ZeroDivisionError). */
export function mean(xs: ArrayLike<number>, summation: Summation = DEFAULT_SUMMATION): number {
  return pySum(xs, summation) / xs.length
}

/**
 * lm-eval `median`: `arr[len(arr) // 2]` of the items in doc order. lm-eval does not sort, so this is
 * the value of the middle doc, not a statistical median. Empty → NaN (Python raises IndexError).
 */
export function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) return NaN
  return xs[Math.floor(xs.length / 2)] as number
}

/** lm-eval `perplexity`: exp(−mean(lls)) over per-doc log-likelihoods (nats). */
export function perplexity(lls: ArrayLike<number>, summation: Summation = DEFAULT_SUMMATION): number {
  return exp(-mean(lls, summation))
}

/** lm-eval `weighted_mean`: sum(values) / sum(weights) over (value, weight) items. */
export function weightedMean(items: readonly WeightedItem[], summation: Summation = DEFAULT_SUMMATION): number {
  const a = new Float64Array(items.length)
  const b = new Float64Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const item = items[i] as WeightedItem
    a[i] = item[0]
    b[i] = item[1]
  }
  // Weights are Python ints (word or byte counts): their sum is exact in either mode.
  return pySum(a, summation) / pySum(b, summation)
}

/** lm-eval `weighted_perplexity`: exp(−Σll / Σweight) (word_perplexity, byte_perplexity). */
export function weightedPerplexity(items: readonly WeightedItem[], summation: Summation = DEFAULT_SUMMATION): number {
  return exp(-weightedMean(items, summation))
}

/** lm-eval `bits_per_byte`: −(Σll / Σbytes) / ln 2. */
export function bitsPerByte(items: readonly WeightedItem[], summation: Summation = DEFAULT_SUMMATION): number {
  return -weightedMean(items, summation) / Math.LN2
}

/** True if s names an implemented aggregation. */
export function isAggregationName(s: string): s is AggregationName {
  return (AGGREGATION_NAMES as readonly string[]).includes(s)
}

/** Per-doc values as numbers (Python bools count as 0/1); throws TypeError on anything else. */
export function toNumbers(name: string, items: readonly unknown[]): Float64Array {
  const out = new Float64Array(items.length)
  for (let i = 0; i < items.length; i++) {
    const v = items[i]
    if (typeof v === 'number') out[i] = v
    else if (typeof v === 'boolean') out[i] = v ? 1 : 0
    else throw new TypeError(`aggregation '${name}' needs numbers, got ${typeof v} at item ${i}`)
  }
  return out
}

/** Per-doc (value, weight) pairs; throws TypeError on anything else. */
export function toWeightedItems(name: string, items: readonly unknown[]): WeightedItem[] {
  return items.map((v, i) => {
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number') {
      return [v[0], v[1]] as const
    }
    throw new TypeError(`aggregation '${name}' needs [value, weight] pairs, got ${JSON.stringify(v)} at item ${i}`)
  })
}

/** Apply the named aggregation to the per-doc values, in doc order. */
export function aggregate(name: AggregationName, items: readonly unknown[], summation: Summation = DEFAULT_SUMMATION): number {
  switch (name) {
    case 'mean':
      return mean(toNumbers(name, items), summation)
    case 'median':
      return median(toNumbers(name, items))
    case 'perplexity':
      return perplexity(toNumbers(name, items), summation)
    case 'weighted_perplexity':
      return weightedPerplexity(toWeightedItems(name, items), summation)
    case 'bits_per_byte':
      return bitsPerByte(toWeightedItems(name, items), summation)
  }
}
