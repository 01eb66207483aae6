import { describe, expect, it } from 'vitest'
import { scoreTokenPairs, unscorableReason } from '../../../src/backends/transformers/loglikelihood.ts'
import { argmaxRow, scoreToken } from '../../../src/backends/transformers/token-scores.ts'
import type { TokenPair } from '../../../src/backends/transformers/collator.ts'
import { FAKE_VOCAB, fakeLm, refLogprob } from './fake-lm.ts'

/** Brute force: one prefix at a time, lm-eval's truncation rule applied by hand. */
function reference(pair: TokenPair, maxLength: number): { logprob: number; isGreedy: boolean } {
  const whole = [...pair.context, ...pair.continuation].slice(-(maxLength + 1))
  const input = whole.slice(0, -1)
  let logprob = 0
  let isGreedy = true
  pair.continuation.forEach((tok, i) => {
    const pos = input.length - pair.continuation.length + i
    const r = refLogprob(input.slice(0, pos + 1), tok)
    logprob += r.logprob
    if (r.argmax !== tok) isGreedy = false
  })
  return { logprob, isGreedy }
}

function lcg(seed: number) {
  let s = seed
  return (n: number) => {
    s = (s * 1103515245 + 12345) % 2147483648
    return s % n
  }
}

function mixedPairs(): TokenPair[] {
  const rnd = lcg(42)
  const pairs: TokenPair[] = []
  for (let q = 0; q < 8; q++) {
    const ctx = Array.from({ length: 3 + rnd(40) }, () => rnd(FAKE_VOCAB))
    for (let c = 0; c < 4; c++) pairs.push({ context: ctx, continuation: Array.from({ length: 1 + rnd(4) }, () => rnd(FAKE_VOCAB)) })
    pairs.push({ context: ctx, continuation: [q % FAKE_VOCAB] }) // single-token answers share a row
    pairs.push({ context: ctx, continuation: [(q + 1) % FAKE_VOCAB] })
    const greedy: number[] = []
    for (let k = 0; k < 3; k++) greedy.push(refLogprob([...ctx, ...greedy], 0).argmax)
    pairs.push({ context: ctx, continuation: greedy })
  }
  return pairs
}

describe('token scores', () => {
  it('log-softmax matches a direct float64 computation and argmax takes the first max', () => {
    const data = new Float32Array([0.5, 2, -1, 2, 1.25])
    const s = scoreToken({ data, offset: 0, vocab: 5 }, 4)
    const z = Math.log([0.5, 2, -1, 2, 1.25].reduce((a, x) => a + Math.exp(x), 0))
    expect(s.logprob).toBeCloseTo(1.25 - z, 12)
    expect(s.isArgmax).toBe(false)
    expect(scoreToken({ data, offset: 0, vocab: 5 }, 1).isArgmax).toBe(true)
    expect(scoreToken({ data, offset: 0, vocab: 5 }, 3).isArgmax).toBe(false)
    expect(argmaxRow({ data, offset: 0, vocab: 5 })).toBe(1)
    expect(() => scoreToken({ data, offset: 0, vocab: 5 }, 5)).toThrow(RangeError)
  })

  it('stays finite for large logits', () => {
    const data = new Float32Array([1e30, 1e30 - 1e24, -1e30])
    expect(Number.isFinite(scoreToken({ data, offset: 0, vocab: 3 }, 1).logprob)).toBe(true)
  })
})

describe('scoreTokenPairs', () => {
  it('equals a brute-force per-prefix computation, with and without truncation', async () => {
    const pairs = mixedPairs()
    for (const maxLength of [64, 12]) {
      const got = await scoreTokenPairs(fakeLm(), pairs, maxLength, { batchSize: 8 })
      if (maxLength === 64) expect(got.filter((g) => g.isGreedy).length).toBeGreaterThanOrEqual(8)
      got.forEach((g, i) => {
        const want = reference(pairs[i], maxLength)
        expect(g.logprob).toBeCloseTo(want.logprob, 9)
        expect(g.isGreedy).toBe(want.isGreedy)
      })
    }
  })

  it('gives the same answers for batch sizes 1, 3 and 8 and for graphs without num_logits_to_keep', async () => {
    const pairs = mixedPairs()
    const a = await scoreTokenPairs(fakeLm(), pairs, 20, { batchSize: 1 })
    const b = await scoreTokenPairs(fakeLm(), pairs, 20, { batchSize: 3 })
    const c = await scoreTokenPairs(fakeLm(false), pairs, 20, { batchSize: 8 })
    expect(b).toEqual(a)
    expect(c).toEqual(a)
  })

  it('runs one row per cache group and reports progress per forward', async () => {
    const pairs = mixedPairs()
    const lm = fakeLm()
    const seen: [number, number][] = []
    await scoreTokenPairs(lm, pairs, 64, { batchSize: 4, onForward: (a, t) => seen.push([a, t]) })
    const groups = new Set(pairs.map((p) => [...p.context, ...p.continuation.slice(0, -1)].join(','))).size
    expect(lm.calls.reduce((n, c) => n + c.batch, 0)).toBe(groups)
    expect(seen.reduce((n, [a]) => n + a, 0)).toBe(pairs.length)
    expect(seen.map(([, t]) => t)).toEqual(lm.calls.map((c) => c.batch * c.width))
    // longest first
    const widths = lm.calls.map((c) => c.width)
    expect([...widths].sort((x, y) => y - x)).toEqual(widths)
  })

  it('splits batches whose logits would exceed the memory budget, without changing results', async () => {
    const pairs = mixedPairs()
    const lm = fakeLm()
    const want = await scoreTokenPairs(fakeLm(), pairs, 64, { batchSize: 8 })
    // budget for 2 rows of 4 positions
    const got = await scoreTokenPairs(lm, pairs, 64, { batchSize: 8, logitsBudgetBytes: 2 * 4 * FAKE_VOCAB * 4 })
    expect(got).toEqual(want)
    expect(lm.calls.every((c) => c.batch === 1 || c.batch * c.kept <= 8)).toBe(true)
    expect(lm.calls.length).toBeGreaterThan(Math.ceil(pairs.length / 8))
    const all = fakeLm(false) // returns every position: the budget counts the padded width
    expect(await scoreTokenPairs(all, pairs, 64, { batchSize: 8, logitsBudgetBytes: 50 * FAKE_VOCAB * 4 })).toEqual(want)
    expect(all.calls.every((c) => c.batch === 1 || c.batch * c.kept <= 50)).toBe(true)
    expect(all.calls.some((c) => c.batch > 1)).toBe(true)
  })

  it('shares prefixes through a KV cache with the same answers at batch 1, 8 and 32, feeding fewer tokens', async () => {
    const rnd = lcg(9)
    const shots = Array.from({ length: 40 }, () => rnd(FAKE_VOCAB))
    const pairs = [...mixedPairs()]
    for (let q = 0; q < 12; q++) {
      const ctx = [...shots, ...Array.from({ length: 5 + rnd(10) }, () => rnd(FAKE_VOCAB))]
      for (let c = 0; c < 4; c++) pairs.push({ context: ctx, continuation: Array.from({ length: 1 + rnd(5) }, () => rnd(FAKE_VOCAB)) })
    }
    for (const maxLength of [64, 30]) {
      const want = pairs.map((p) => reference(p, maxLength))
      for (const batchSize of [1, 8, 32]) {
        const lm = fakeLm(true, true)
        let fedShared = 0
        const got = await scoreTokenPairs(lm, pairs, maxLength, { batchSize, onForward: (_, t) => { fedShared += t } })
        got.forEach((g, i) => {
          expect(g.logprob).toBeCloseTo(want[i].logprob, 9)
          expect(g.isGreedy).toBe(want[i].isGreedy)
        })
        expect(lm.calls.some((c) => c.kind === 'prefix')).toBe(true)
        expect(lm.calls.every((c) => c.batch <= batchSize)).toBe(true)
        expect(lm.liveCaches()).toBe(0)
        let fedPlain = 0
        const plain = await scoreTokenPairs(fakeLm(true, true), pairs, maxLength, { batchSize, sharePrefixes: false, onForward: (_, t) => { fedPlain += t } })
        expect(plain.map((p) => p.logprob)).toEqual(want.map((w) => expect.closeTo(w.logprob, 9)))
        expect(fedShared).toBeLessThan(fedPlain * (maxLength === 64 ? 0.6 : 1))
      }
    }
  })

  it('frees the prefix caches when a shared pass fails or is cancelled', async () => {
    const pairs = Array.from({ length: 8 }, (_, i) => ({ context: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], continuation: [i, i + 1] }))
    const lm = fakeLm(true, true)
    const failing = { ...lm, forwardAfter: async () => { throw new Error('boom') } }
    await expect(scoreTokenPairs(failing, pairs, 64, { batchSize: 4 })).rejects.toThrow('boom')
    expect(lm.liveCaches()).toBe(0)
    const ac = new AbortController()
    const cancelling = { ...lm, prefill: async (rows: readonly (readonly number[])[]) => { const c = await lm.prefill!(rows); ac.abort(); return c } }
    await expect(scoreTokenPairs(cancelling, pairs, 64, { batchSize: 4, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
    expect(lm.liveCaches()).toBe(0)
  })

  it('explains pairs that cannot be scored and checks cancellation', async () => {
    expect(unscorableReason({ context: [1], continuation: [] }, 10)).toMatch(/zero tokens/)
    expect(unscorableReason({ context: [1], continuation: [1, 2, 3, 4, 5] }, 3)).toMatch(/only 3 logits rows/)
    expect(unscorableReason({ context: [1], continuation: [1, 2, 3] }, 3)).toBeUndefined()
    await expect(scoreTokenPairs(fakeLm(), [{ context: [1], continuation: [] }], 10, { batchSize: 1 })).rejects.toThrow(RangeError)
    const ac = new AbortController()
    ac.abort()
    await expect(scoreTokenPairs(fakeLm(), mixedPairs(), 10, { batchSize: 2, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
  })
})
