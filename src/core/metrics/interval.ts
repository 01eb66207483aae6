/**
 * 95 % intervals of a mean: the Wilson score interval for a proportion (a mean of 0/1 scores), which stays inside
 * [0, 1] and has width at n = 1 and at 0 % or 100 %, and the normal approximation (mean ± z·stderr) otherwise.
 */

/** z for a two-sided 95 % interval. */
export const Z95 = 1.96

/** The Wilson score interval [low, high] of `successes/n` proportion `p` over `n` trials (n > 0), clamped to [0, 1]. */
export function wilsonInterval(p: number, n: number, z: number = Z95): [number, number] {
  const z2n = (z * z) / n
  const center = (p + z2n / 2) / (1 + z2n)
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / n + z2n / (4 * n))
  return [Math.max(0, center - half), Math.min(1, center + half)]
}
