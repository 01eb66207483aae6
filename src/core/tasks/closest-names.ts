/** "Did you mean" suggestions by edit distance. */

/** Levenshtein distance over code points. */
export function editDistance(a: string, b: string): number {
  const x = [...a]
  const y = [...b]
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const cur = [i]
    for (let j = 1; j <= y.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[y.length]
}

/** Up to `max` known names closest to `name` (substring matches first, then small edit distance). */
export function closestNames(name: string, known: readonly string[], max: number): string[] {
  const lower = name.toLowerCase()
  const scored = known.map(k => {
    const kl = k.toLowerCase()
    const sub = kl.includes(lower) || lower.includes(kl)
    return { k, d: editDistance(lower, kl) - (sub ? 100 : 0) }
  })
  const limit = Math.max(2, Math.floor(name.length / 3))
  return scored
    .filter(s => s.d <= limit)
    .sort((a, b) => a.d - b.d || (a.k < b.k ? -1 : 1))
    .slice(0, max)
    .map(s => s.k)
}
