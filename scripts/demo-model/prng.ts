/**
 * Seeded pseudo-random numbers that are bit-for-bit reproducible on every JS engine: 32-bit integer
 * arithmetic only (no Math.log/sin, whose last bit may differ between engines).
 */

/** A deterministic generator. */
export interface Rng {
  /** next unsigned 32-bit integer */
  nextU32(): number
  /** uniform in (0, 1), a multiple of 2^-32 plus 2^-33 */
  uniform(): number
  /** approximately standard normal: Irwin–Hall sum of 12 uniforms minus 6 (range ±6) */
  normal(): number
  /** integer in [0, n) */
  int(n: number): number
}

/** A mulberry32-style generator (32-bit state, Math.imul mixing) from a seed. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0
  const nextU32 = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return (z ^ (z >>> 14)) >>> 0
  }
  const uniform = (): number => (nextU32() + 0.5) / 4294967296
  return {
    nextU32,
    uniform,
    normal: () => {
      let sum = 0
      for (let i = 0; i < 12; i++) sum += uniform()
      return sum - 6
    },
    int: (n: number) => Math.floor(uniform() * n),
  }
}
