/**
 * Standard errors as lm-eval reports them (`api/metrics.py`: sample_stddev, mean_stderr,
 * bootstrap_stderr, stderr_for_metric; `evaluator_utils` decides when a stderr is "N/A").
 *
 * Known last-bit deviation: lm-eval squares deviations with `(x - mu) ** 2`, i.e. C `pow(d, 2)`,
 * which glibc rounds differently from d·d for about 1 input in 1000; evalz uses d·d, so a standard
 * error over non-integer values can differ from lm-eval's in the last bit (rarely; never for 0/1 values).
 */

import { PyRandom } from '../python/random.ts'
import {
  DEFAULT_SUMMATION, mean, pySum, toNumbers,
  type AggregationName, type Summation,
} from './aggregation.ts'
import { exp } from './libm.ts'

/** lm-eval's default `bootstrap_iters` (simple_evaluate; the CLI does not expose it). */
export const DEFAULT_BOOTSTRAP_ITERS = 100000

/** Bessel-corrected sample standard deviation: sqrt(Σ(x−μ)² / (n−1)). n < 2 → NaN. */
export function sampleStddev(xs: ArrayLike<number>, summation: Summation = DEFAULT_SUMMATION): number {
  const n = xs.length
  const mu = mean(xs, summation)
  const sq = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const d = (xs[i] as number) - mu
    sq[i] = d * d
  }
  return Math.sqrt(pySum(sq, summation) / (n - 1))
}

/** Closed-form stderr of a mean: sample_stddev / sqrt(n). */
export function meanStderr(xs: ArrayLike<number>, summation: Summation = DEFAULT_SUMMATION): number {
  return sampleStddev(xs, summation) / Math.sqrt(xs.length)
}

/**
 * lm-eval's bootstrap: chunks of min(1000, iters) replicates; chunk i (0 ≤ i < iters // chunk) uses a
 * fresh Python `random.Random(i)` and draws each replicate as `rnd.choices(xs, k=len(xs))`; the result is
 * the sample stddev of all replicates f(resample). `f` receives one reused buffer: it must not keep it.
 */
export function bootstrapStderr<T>(
  f: (resample: readonly T[]) => number,
  xs: readonly T[],
  iters: number,
  summation: Summation = DEFAULT_SUMMATION,
): number {
  const n = xs.length
  const buf = new Array<T>(n)
  const replicates = runBootstrap(iters, (rnd) => {
    for (let k = 0; k < n; k++) buf[k] = xs[Math.floor(rnd.random() * n)] as T
    return f(buf)
  })
  return sampleStddev(replicates, summation)
}

/**
 * The stderr lm-eval reports for a task metric, or 'N/A'.
 * 'N/A' when bootstrapIters ≤ 0 (lm-eval then computes no stderr at all, even for means), when there
 * are fewer than 2 items, and for weighted_perplexity / bits_per_byte (no stderr function).
 * mean → closed form; median and perplexity → bootstrap with exactly `bootstrapIters` replicates
 * (lm-eval caps only bleu/chrf/ter, at 100).
 */
export function stderrFor(
  aggregation: AggregationName,
  items: readonly unknown[],
  bootstrapIters: number,
  summation: Summation = DEFAULT_SUMMATION,
): number | 'N/A' {
  if (!(bootstrapIters > 0) || items.length < 2) return 'N/A'
  switch (aggregation) {
    case 'mean':
      return meanStderr(toNumbers(aggregation, items), summation)
    case 'median':
      return bootstrapMedianStderr(toNumbers(aggregation, items), bootstrapIters, summation)
    case 'perplexity':
      return bootstrapPerplexityStderr(toNumbers(aggregation, items), bootstrapIters, summation)
    case 'weighted_perplexity':
    case 'bits_per_byte':
      return 'N/A'
  }
}

/** bootstrapStderr(perplexity, lls, iters) without per-replicate arrays. */
export function bootstrapPerplexityStderr(
  lls: ArrayLike<number>,
  iters: number,
  summation: Summation = DEFAULT_SUMMATION,
): number {
  const xs = Float64Array.from(lls as ArrayLike<number>)
  const n = xs.length
  const neumaier = summation === 'neumaier'
  const draws = new Float64Array(n)
  const replicates = runBootstrap(iters, (rnd) => {
    // Python's sum() over the resample, fused with the draws.
    rnd.fillRandom(draws)
    let s = 0 + (xs[Math.floor(draws[0] * n)] as number)
    let c = 0
    if (neumaier) {
      for (let k = 1; k < n; k++) {
        const x = xs[Math.floor(draws[k] * n)] as number
        const t = s + x
        if (Math.abs(s) >= Math.abs(x)) c += (s - t) + x
        else c += (x - t) + s
        s = t
      }
      if (c !== 0 && Number.isFinite(c)) s += c
    } else {
      for (let k = 1; k < n; k++) s += xs[Math.floor(draws[k] * n)] as number
    }
    return exp(-(s / n))
  })
  return sampleStddev(replicates, summation)
}

/** bootstrapStderr(median, xs, iters): each replicate is the draw at position n // 2 (all n draws consumed). */
export function bootstrapMedianStderr(
  xs: ArrayLike<number>,
  iters: number,
  summation: Summation = DEFAULT_SUMMATION,
): number {
  const values = Float64Array.from(xs as ArrayLike<number>)
  const n = values.length
  const half = Math.floor(n / 2)
  const replicates = runBootstrap(iters, (rnd) => {
    let picked = 0
    for (let k = 0; k < n; k++) {
      const idx = Math.floor(rnd.random() * n)
      if (k === half) picked = values[idx] as number
    }
    return picked
  })
  return sampleStddev(replicates, summation)
}

/** The replicate values in lm-eval's order: chunk seeds 0, 1, …; `draw` makes one replicate. */
function runBootstrap(iters: number, draw: (rnd: PyRandom) => number): Float64Array {
  if (!Number.isInteger(iters) || iters < 1) {
    throw new RangeError(`bootstrap iters must be a positive integer, got ${iters}`)
  }
  const chunk = Math.min(1000, iters)
  const chunks = Math.floor(iters / chunk)
  const out = new Float64Array(chunks * chunk)
  let pos = 0
  for (let i = 0; i < chunks; i++) {
    const rnd = new PyRandom(i)
    for (let j = 0; j < chunk; j++) out[pos++] = draw(rnd)
  }
  return out
}
