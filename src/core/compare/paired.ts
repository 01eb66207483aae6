/**
 * Paired statistics of one metric over the docs two runs share: both aggregated values and their difference,
 * a paired bootstrap interval for every aggregation evalz implements, and for 0/1 metrics the flip counts
 * (fixed / broken), McNemar's exact p-value and the paired normal interval.
 */
import { aggregate, isAggregationName, type AggregationName } from '../metrics/aggregation.ts'
import { meanStderr } from '../metrics/stderr.ts'
import { pairedBootstrapInterval, type BootstrapOptions, type Interval } from './bootstrap.ts'
import { mcnemarExactP } from './mcnemar.ts'

/** z of the two-sided 95 % normal interval. */
export const Z95 = 1.96

/** Flip counts and tests of a 0/1 metric (1 = right). */
export interface BinaryStats {
  /** docs right in both runs */
  readonly bothRight: number
  /** docs wrong in both runs */
  readonly bothWrong: number
  /** docs wrong in A and right in B (McNemar's b) */
  readonly fixed: number
  /** docs right in A and wrong in B (McNemar's c) */
  readonly broken: number
  /** doc ids of the fixed docs, ascending (empty when no ids were given) */
  readonly fixedIds: readonly number[]
  /** doc ids of the broken docs, ascending (empty when no ids were given) */
  readonly brokenIds: readonly number[]
  /** two-sided exact McNemar p-value, in [0, 1] */
  readonly mcnemarP: number
  /** delta ± 1.96·se with se = sample stddev of (b − a) / √n; undefined when n < 2 */
  readonly normal: (Interval & { readonly stderr: number }) | undefined
}

/** Paired statistics of one metric. */
export interface PairedStats {
  /** matched docs with a value in both runs */
  readonly n: number
  /** aggregated value of run A over the matched docs */
  readonly valueA: number
  /** aggregated value of run B over the matched docs */
  readonly valueB: number
  /** valueB − valueA */
  readonly delta: number
  /** 95 % paired bootstrap interval of the delta */
  readonly interval: Interval
  /** present when every value is 0 or 1 and the aggregation is the mean */
  readonly binary: BinaryStats | undefined
}

/** True when the aggregation has paired statistics (an aggregation evalz implements). */
export function isPairable(aggregation: string | undefined): aggregation is AggregationName {
  return aggregation !== undefined && isAggregationName(aggregation)
}

/** A per-sample value as a number (Python bools are 0/1); NaN when it is not one. */
function asNumber(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : NaN
}

/**
 * Paired statistics over matched docs: doc i has value a[i] in run A and b[i] in run B (n ≥ 1); docIds[i] names it
 * in the fixed/broken lists (omitted: the lists stay empty, e.g. for docs pooled from several tasks).
 */
export function pairedStats(
  a: readonly unknown[], b: readonly unknown[], aggregation: AggregationName, opts: BootstrapOptions, docIds?: readonly number[],
): PairedStats {
  const numeric = aggregation === 'mean' || aggregation === 'median' || aggregation === 'perplexity'
  const xa = numeric ? a.map(asNumber) : a
  const xb = numeric ? b.map(asNumber) : b
  const valueA = aggregate(aggregation, xa)
  const valueB = aggregate(aggregation, xb)
  const delta = valueB - valueA
  const interval = pairedBootstrapInterval(xa, xb, aggregation, opts)
  const isBinary = aggregation === 'mean' && [...(xa as number[]), ...(xb as number[])].every(v => v === 0 || v === 1)
  return {
    n: a.length, valueA, valueB, delta, interval,
    binary: isBinary ? binaryStats(docIds, xa as number[], xb as number[], delta) : undefined,
  }
}

function binaryStats(docIds: readonly number[] | undefined, a: readonly number[], b: readonly number[], delta: number): BinaryStats {
  let bothRight = 0
  let bothWrong = 0
  let fixed = 0
  let broken = 0
  const fixedIds: number[] = []
  const brokenIds: number[] = []
  const diffs = new Float64Array(a.length)
  for (let i = 0; i < a.length; i++) {
    diffs[i] = b[i] - a[i]
    if (a[i] === 1 && b[i] === 1) bothRight++
    else if (a[i] === 0 && b[i] === 0) bothWrong++
    else if (b[i] === 1) {
      fixed++
      if (docIds) fixedIds.push(docIds[i])
    } else {
      broken++
      if (docIds) brokenIds.push(docIds[i])
    }
  }
  fixedIds.sort((x, y) => x - y)
  brokenIds.sort((x, y) => x - y)
  let normal: BinaryStats['normal']
  if (a.length >= 2) {
    const stderr = meanStderr(diffs)
    normal = { low: delta - Z95 * stderr, high: delta + Z95 * stderr, stderr }
  }
  return {
    bothRight, bothWrong, fixed, broken, fixedIds, brokenIds, mcnemarP: mcnemarExactP(fixed, broken), normal,
  }
}
