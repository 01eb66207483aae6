/**
 * McNemar's exact test for paired binary outcomes: under H0 the b + c discordant pairs split Binomial(b + c, 1/2),
 * so the two-sided p-value is p = min(1, 2·Σ_{i ≤ min(b,c)} C(b+c, i) / 2^(b+c)); p = 1 when b + c = 0.
 * Exact big-integer arithmetic up to EXACT_LIMIT discordant pairs, log-space sums beyond (relative error ~1e-12).
 */

/** Largest b + c summed with exact big integers. */
export const EXACT_LIMIT = 50000

/** Two-sided exact McNemar p-value for b pairs (A wrong → B right) and c pairs (A right → B wrong). */
export function mcnemarExactP(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0) {
    throw new RangeError(`mcnemarExactP needs non-negative integer counts, got b=${b}, c=${c}`)
  }
  const n = b + c
  if (n === 0) return 1
  const k = Math.min(b, c)
  if (2 * k === n) return 1
  return n <= EXACT_LIMIT ? exactP(n, k) : logSpaceP(n, k)
}

/** 2·Σ_{i≤k} C(n,i) / 2^n with big integers, rounded to a double. */
function exactP(n: number, k: number): number {
  let term = 1n
  let sum = 1n
  const bn = BigInt(n)
  for (let i = 1n; i <= BigInt(k); i++) {
    term = (term * (bn - i + 1n)) / i
    sum += term
  }
  return Math.min(1, ratioToNumber(2n * sum, n))
}

/** num / 2^exp as a double (num > 0), keeping 64 significant bits before the final rounding. */
function ratioToNumber(num: bigint, exp: number): number {
  const bits = num.toString(2).length
  const shift = Math.max(0, bits - 64)
  const mantissa = Number(num >> BigInt(shift))
  // scale in two steps so an intermediate power of two cannot underflow or overflow on its own
  const e = shift - exp
  const half = Math.trunc(e / 2)
  return mantissa * 2 ** half * 2 ** (e - half)
}

/**
 * Log-space version: t_k = C(n,k)/2^n from Σ log((n−k+i)/i), then Σ_{i≤k} t_i = t_k·(1 + r_k + r_k·r_{k−1} + …)
 * with r_i = t_{i−1}/t_i = i/(n−i+1) < 1 (k < n/2), stopped once a term no longer changes the sum.
 */
function logSpaceP(n: number, k: number): number {
  // Neumaier-compensated Σ log1p((n−k)/i) keeps the log of the largest term accurate to a few ulps per term
  let logTerm = -n * Math.LN2
  let comp = 0
  for (let i = 1; i <= k; i++) {
    const x = Math.log1p((n - k) / i)
    const t = logTerm + x
    comp += Math.abs(logTerm) >= Math.abs(x) ? (logTerm - t) + x : (x - t) + logTerm
    logTerm = t
  }
  logTerm += comp
  let ratioSum = 1
  let prod = 1
  for (let i = k; i >= 1; i--) {
    prod *= i / (n - i + 1)
    const next = ratioSum + prod
    if (next === ratioSum) break
    ratioSum = next
  }
  return Math.min(1, 2 * Math.exp(logTerm + Math.log(ratioSum)))
}
