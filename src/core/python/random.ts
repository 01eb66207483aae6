/**
 * CPython 3.11 `random.Random` for integer seeds: the MT19937 generator with Python's seeding
 * (`init_by_array` over the 32-bit words of |seed|) and the exact draw algorithms of `getrandbits`,
 * `random`, `_randbelow`, `randrange`, `sample`, `choices` (no weights) and `shuffle`.
 * Same seed → same stream of values as Python, so few-shot picks and bootstrap resamples match lm-eval.
 */

const N = 624
const M = 397
const MATRIX_A = 0x9908b0df
const UPPER_MASK = 0x80000000
const LOWER_MASK = 0x7fffffff
const TWO_POW_32 = 4294967296

/** Number of bits of a non-negative safe integer (Python's int.bit_length). */
function bitLength(n: number): number {
  if (n < TWO_POW_32) return 32 - Math.clz32(n)
  return 32 + bitLength(Math.floor(n / TWO_POW_32))
}

/** The 32-bit words of |seed|, least significant first; [0] for 0 (CPython's seed key). */
function seedWords(seed: number | bigint): number[] {
  if (typeof seed === 'number' && !Number.isSafeInteger(seed)) {
    throw new RangeError(`PyRandom seed must be a safe integer or a bigint, got ${seed}`)
  }
  let a = BigInt(seed)
  if (a < 0n) a = -a
  const words: number[] = []
  while (a > 0n) {
    words.push(Number(a & 0xffffffffn))
    a >>= 32n
  }
  return words.length > 0 ? words : [0]
}

/** CPython's random.Random, seeded with an integer. */
export class PyRandom {
  private readonly mt = new Uint32Array(N)
  private mti = N + 1

  constructor(seed: number | bigint) {
    this.initByArray(seedWords(seed))
  }

  /** Random int with k random bits, 0 <= r < 2**k (Python's getrandbits(k)). */
  getrandbits(k: number): bigint {
    if (!Number.isInteger(k) || k < 0) throw new RangeError(`number of bits must be non-negative, got ${k}`)
    if (k <= 32) return BigInt(this.bits32(k))
    // Little-endian 32-bit words; the last (most significant) word keeps only its top bits.
    let result = 0n
    let shift = 0n
    for (let left = k; left > 0; left -= 32) {
      let word = this.genrandUint32()
      if (left < 32) word >>>= 32 - left
      result |= BigInt(word) << shift
      shift += 32n
    }
    return result
  }

  /** Float in [0, 1) with 53 random bits (genrand_res53). */
  random(): number {
    const a = this.genrandUint32() >>> 5
    const b = this.genrandUint32() >>> 6
    return (a * 67108864 + b) / 9007199254740992
  }

  /** Int in [0, n) by rejection on getrandbits(n.bit_length()) (_randbelow_with_getrandbits); n: positive safe int. */
  randbelow(n: number): number {
    if (!Number.isSafeInteger(n) || n <= 0) throw new RangeError(`randbelow needs a positive safe integer, got ${n}`)
    const k = bitLength(n)
    let r = this.bitsNumber(k)
    while (r >= n) r = this.bitsNumber(k)
    return r
  }

  /** randrange(stop) or randrange(start, stop), step 1; throws on an empty range like Python's ValueError. */
  randrange(start: number, stop?: number): number {
    if (stop === undefined) {
      if (start > 0) return this.randbelow(start)
      throw new RangeError('empty range for randrange()')
    }
    const width = stop - start
    if (width > 0) return start + this.randbelow(width)
    throw new RangeError(`empty range for randrange(${start}, ${stop})`)
  }

  /** k unique picks in selection order (random.sample, both the pool-swap and the set-rejection paths). */
  sample<T>(population: readonly T[], k: number): T[] {
    const n = population.length
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new RangeError(`Sample larger than population or is negative: k=${k}, population size ${n}`)
    }
    const result: T[] = new Array<T>(k)
    let setsize = 21
    // CPython computes ceil(log(3k, 4)) in floating point: log(x) / log(4).
    if (k > 5) setsize += 4 ** Math.ceil(Math.log(k * 3) / Math.log(4))
    if (n <= setsize) {
      const pool = population.slice()
      for (let i = 0; i < k; i++) {
        const j = this.randbelow(n - i)
        result[i] = pool[j]
        pool[j] = pool[n - i - 1]
      }
    } else {
      const selected = new Set<number>()
      for (let i = 0; i < k; i++) {
        let j = this.randbelow(n)
        while (selected.has(j)) j = this.randbelow(n)
        selected.add(j)
        result[i] = population[j]
      }
    }
    return result
  }

  /** k picks with replacement, no weights: population[floor(random() * n)] (random.choices). */
  choices<T>(population: readonly T[], k: number): T[] {
    const n = population.length
    const result: T[] = []
    for (let i = 0; i < k; i++) {
      const idx = Math.floor(this.random() * n)
      if (idx >= n) throw new RangeError('choices on an empty population')
      result.push(population[idx])
    }
    return result
  }

  /** Shuffles x in place (random.shuffle: swap x[i] with x[randbelow(i+1)] for i from the end). */
  shuffle<T>(x: T[]): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.randbelow(i + 1)
      const t = x[i]
      x[i] = x[j]
      x[j] = t
    }
  }

  /** Top k bits (k <= 32) of one output, as a number. */
  private bits32(k: number): number {
    if (k === 0) return 0
    return this.genrandUint32() >>> (32 - k)
  }

  /** getrandbits(k) for k <= 53, as a number (fast path of randbelow). */
  private bitsNumber(k: number): number {
    if (k <= 32) return this.bits32(k)
    const low = this.genrandUint32()
    const high = this.genrandUint32() >>> (64 - k)
    return high * TWO_POW_32 + low
  }

  private initGenrand(s: number): void {
    const mt = this.mt
    mt[0] = s >>> 0
    for (let i = 1; i < N; i++) {
      const prev = mt[i - 1]
      mt[i] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + i) >>> 0
    }
    this.mti = N
  }

  private initByArray(key: readonly number[]): void {
    const mt = this.mt
    this.initGenrand(19650218)
    let i = 1
    let j = 0
    for (let k = Math.max(N, key.length); k > 0; k--) {
      const prev = mt[i - 1]
      mt[i] = ((((mt[i]) ^ Math.imul(prev ^ (prev >>> 30), 1664525)) >>> 0) + (key[j]) + j) >>> 0
      i++
      j++
      if (i >= N) {
        mt[0] = mt[N - 1]
        i = 1
      }
      if (j >= key.length) j = 0
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1]
      mt[i] = ((((mt[i]) ^ Math.imul(prev ^ (prev >>> 30), 1566083941)) >>> 0) - i) >>> 0
      i++
      if (i >= N) {
        mt[0] = mt[N - 1]
        i = 1
      }
    }
    mt[0] = UPPER_MASK
  }

  /**
   * Fills `out` with consecutive random() values — the same numbers as calling random() out.length times,
   * generated in bulk for the bootstrap's inner loop.
   */
  fillRandom(out: Float64Array): void {
    const mt = this.mt
    let i = 0
    const len = out.length
    while (i < len) {
      if (this.mti >= N) this.twist()
      if (this.mti + 2 > N) {
        out[i++] = this.random()
        continue
      }
      let mti = this.mti
      const pairs = Math.min(len - i, (N - mti) >>> 1)
      for (let p = 0; p < pairs; p++) {
        let a = mt[mti++]
        a ^= a >>> 11
        a ^= (a << 7) & 0x9d2c5680
        a ^= (a << 15) & 0xefc60000
        a ^= a >>> 18
        let b = mt[mti++]
        b ^= b >>> 11
        b ^= (b << 7) & 0x9d2c5680
        b ^= (b << 15) & 0xefc60000
        b ^= b >>> 18
        out[i++] = ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992
      }
      this.mti = mti
    }
  }

  /** Regenerates the 624-word state (MT19937's twist). */
  private twist(): void {
    const mt = this.mt
    {
      let kk = 0
      for (; kk < N - M; kk++) {
        const y = ((mt[kk]) & UPPER_MASK) | ((mt[kk + 1]) & LOWER_MASK)
        mt[kk] = (mt[kk + M]) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
      }
      for (; kk < N - 1; kk++) {
        const y = ((mt[kk]) & UPPER_MASK) | ((mt[kk + 1]) & LOWER_MASK)
        mt[kk] = (mt[kk + (M - N)]) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
      }
      const y = ((mt[N - 1]) & UPPER_MASK) | ((mt[0]) & LOWER_MASK)
      mt[N - 1] = (mt[M - 1]) ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0)
      this.mti = 0
    }
  }

  private genrandUint32(): number {
    if (this.mti >= N) this.twist()
    let y = this.mt[this.mti++]
    y ^= y >>> 11
    y ^= (y << 7) & 0x9d2c5680
    y ^= (y << 15) & 0xefc60000
    y ^= y >>> 18
    return y >>> 0
  }
}
