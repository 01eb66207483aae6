/**
 * Paired bootstrap interval for the difference of an aggregated metric between two runs on the same docs.
 *
 * Algorithm (mirrored line by line in tests/core/compare/fixtures/gen_bootstrap.py, so python3 reproduces it exactly):
 *   rng = random.Random(seed)
 *   for each of `iterations` replicates:
 *     idx = rng.choices(range(n), k=n)            # i.e. floor(rng.random() * n), n draws
 *     stat = agg([b[i] for i in idx]) − agg([a[i] for i in idx])
 *   sort the replicates; the interval is their 2.5 % and 97.5 % percentiles, each interpolated linearly
 *   between closest ranks: h = (N − 1)·q, lo = floor(h), s[lo] + (h − lo)·(s[lo + 1] − s[lo]).
 * `agg` is lm-eval's aggregation (aggregation.ts) with CPython ≥ 3.12 `sum()` (Neumaier) for means.
 */
import { PyRandom } from '../python/random.ts'
import { aggregate, type AggregationName } from '../metrics/aggregation.ts'

/** Bootstrap settings. */
export interface BootstrapOptions {
  /** seed of the CPython random.Random that draws the resamples */
  readonly seed: number
  /** number of resamples (replicates), ≥ 1 */
  readonly iterations: number
}

/** A two-sided interval. */
export interface Interval {
  /** lower bound, same unit as the metric */
  readonly low: number
  /** upper bound, same unit as the metric */
  readonly high: number
}

/** Default resamples for a comparison. */
export const DEFAULT_ITERATIONS = 10000
/** Default seed (lm-eval's few-shot default, easy to remember). */
export const DEFAULT_SEED = 1234
/** Percentiles of the 95 % interval. */
const Q_LOW = 0.025
const Q_HIGH = 0.975

/** The sorted bootstrap replicates of agg(B*) − agg(A*); `a` and `b` are the per-doc values of matched docs, same order. */
export function bootstrapReplicates(a: readonly unknown[], b: readonly unknown[], aggregation: AggregationName, opts: BootstrapOptions): Float64Array {
  const n = a.length
  if (b.length !== n) throw new RangeError(`paired bootstrap needs equal lengths, got ${n} and ${b.length}`)
  if (n === 0) throw new RangeError('paired bootstrap needs at least one pair')
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1) throw new RangeError(`bootstrap iterations must be a positive integer, got ${opts.iterations}`)
  const rng = new PyRandom(opts.seed)
  const draws = new Float64Array(n)
  const out = new Float64Array(opts.iterations)
  if (aggregation === 'mean') {
    const xa = Float64Array.from(a, Number)
    const xb = Float64Array.from(b, Number)
    // integer values (0/1 metrics) sum exactly in any order, so plain sums equal Python's sum() there
    const exact = [xa, xb].every(xs => xs.every(v => Number.isInteger(v) && Math.abs(v) * n < 2 ** 53))
    const idx = new Int32Array(n)
    for (let it = 0; it < out.length; it++) {
      rng.fillRandom(draws)
      for (let j = 0; j < n; j++) idx[j] = Math.floor(draws[j] * n)
      out[it] = exact ? integerMeanDelta(xa, xb, idx) : resampledMean(xb, idx) - resampledMean(xa, idx)
    }
  } else {
    const ra = new Array<unknown>(n)
    const rb = new Array<unknown>(n)
    for (let it = 0; it < out.length; it++) {
      rng.fillRandom(draws)
      for (let j = 0; j < n; j++) {
        const i = Math.floor(draws[j] * n)
        ra[j] = a[i]
        rb[j] = b[i]
      }
      out[it] = aggregate(aggregation, rb) - aggregate(aggregation, ra)
    }
  }
  return out.sort()
}

/** The 95 % percentile interval of the paired bootstrap (see the file comment). */
export function pairedBootstrapInterval(a: readonly unknown[], b: readonly unknown[], aggregation: AggregationName, opts: BootstrapOptions): Interval {
  const s = bootstrapReplicates(a, b, aggregation, opts)
  return { low: percentile(s, Q_LOW), high: percentile(s, Q_HIGH) }
}

/** Linear interpolation between closest ranks of sorted values (numpy's default 'linear' method). */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  if (lo + 1 >= sorted.length) return sorted[lo] as number
  const x = sorted[lo] as number
  return x + (h - lo) * ((sorted[lo + 1] as number) - x)
}

/** mean(xb[idx]) − mean(xa[idx]) for integer values, whose sums are exact. */
function integerMeanDelta(xa: Float64Array, xb: Float64Array, idx: Int32Array): number {
  let sa = 0
  let sb = 0
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j]
    sa += xa[i]
    sb += xb[i]
  }
  return sb / idx.length - sa / idx.length
}

/** Python ≥ 3.12 sum() / n over xs[idx[j]], without building the resample. */
function resampledMean(xs: Float64Array, idx: Int32Array): number {
  const n = idx.length
  let s = 0 + xs[idx[0]]
  let c = 0
  for (let j = 1; j < n; j++) {
    const x = xs[idx[j]]
    const t = s + x
    if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
    else c += (x - t) + s
    s = t
  }
  if (c !== 0 && Number.isFinite(c)) s += c
  return s / n
}
