import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { describe, expect, it } from 'vitest'
import { DEMO_BIGRAM_ALPHA, demoCorpusIds, demoTokenizer } from '../../../scripts/demo-model/build.ts'
import { bigramCounts, bigramCrossEntropy, factorProbabilities, fitBigramFactors, smoothedBigram } from '../../../scripts/demo-model/bigram-weights.ts'
import { createRng } from '../../../scripts/demo-model/prng.ts'

const MODEL = join(import.meta.dirname, '../../../public/models/demo/onnx/model.onnx')

/** Cross-entropies (nats/token) of the corpus, each document preceded by id 0, under Dirichlet-smoothed bigram and add-one unigram models. */
function referenceCrossEntropies(corpus: number[][], V: number, alpha: number): { bigram: number, unigram: number } {
  const pairs = corpus.flatMap((seq) => {
    const ids = [0, ...seq]
    return ids.slice(1).map((y, i) => [ids[i]!, y] as const)
  })
  const pair = new Map<string, number>()
  const ctx = new Map<number, number>()
  const uni = new Array<number>(V).fill(1)
  for (const [x, y] of pairs) {
    pair.set(`${x},${y}`, (pair.get(`${x},${y}`) ?? 0) + 1)
    ctx.set(x, (ctx.get(x) ?? 0) + 1)
    uni[y]! += 1
  }
  const u = uni.map((n) => n / (pairs.length + V))
  let bigram = 0
  let unigram = 0
  for (const [x, y] of pairs) {
    bigram -= Math.log((pair.get(`${x},${y}`)! + alpha * u[y]!) / (ctx.get(x)! + alpha))
    unigram -= Math.log(u[y]!)
  }
  return { bigram: bigram / pairs.length, unigram: unigram / pairs.length }
}

describe('bigram statistics', () => {
  it('counts pairs, each document preceded by the start id', () => {
    const b = bigramCounts([[3, 4, 3], [4, 4]], 6, 0)
    const n = (x: number, y: number) => b.counts[x * 6 + y]
    expect(b.pairs).toBe(5)
    expect([n(0, 3), n(3, 4), n(4, 3), n(0, 4), n(4, 4)]).toEqual([1, 1, 1, 1, 1])
    expect(b.counts.reduce((a, v) => a + v, 0)).toBe(5)
    expect(Array.from(b.contextTotals)).toEqual([2, 0, 0, 1, 2, 0])
    expect(() => bigramCounts([[6]], 6, 0)).toThrow(RangeError)
  })

  it('smooths each row towards the add-one unigram distribution', () => {
    const b = bigramCounts([[3, 4, 3, 5]], 6, 0)
    const p = smoothedBigram(b, 2)
    // pairs 0→3, 3→4, 4→3, 3→5; unigram of predicted tokens (add one): y=3:3, 4:2, 5:2, others 1 → over 4 pairs + 6
    expect(p[3 * 6 + 4]).toBeCloseTo((1 + 2 * 0.2) / (2 + 2), 12)
    expect(p[3 * 6 + 1]).toBeCloseTo((0 + 2 * 0.1) / (2 + 2), 12)
    expect(p[5 * 6 + 3]).toBeCloseTo(0.3, 12) // unseen context: the unigram itself
    for (let x = 0; x < 6; x++) expect(p.subarray(x * 6, x * 6 + 6).reduce((a, v) => a + v, 0)).toBeCloseTo(1, 12)
    expect(bigramCrossEntropy(b, p)).toBeCloseTo(-(Math.log(p[3]!) + Math.log(p[3 * 6 + 4]!) + Math.log(p[4 * 6 + 3]!) + Math.log(p[3 * 6 + 5]!)) / 4, 12)
  })
})

describe('fitBigramFactors', () => {
  // a random Markov chain over ids 1..7 (8..11 never occur), 40 documents
  const V = 12
  const rng = createRng(5)
  const corpus = Array.from({ length: 40 }, () => {
    const seq = [1 + rng.int(7)]
    while (rng.uniform() > 0.15) seq.push(1 + ((seq[seq.length - 1]! * 3 + rng.int(3)) % 7))
    return seq
  })
  const b = bigramCounts(corpus, V, 0)
  const target = smoothedBigram(b, 0.5)
  const opts = { hiddenSize: 16, steps: 300, learningRate: 0.05, seed: 9, unseenContextWeight: 0.1 }
  const f = fitBigramFactors(b, target, opts)

  it('reaches the bigram cross-entropy when the rank allows', () => {
    const want = bigramCrossEntropy(b, target)
    const got = bigramCrossEntropy(b, factorProbabilities(f, V, 16))
    expect(want).toBeLessThan(1.5)
    expect(Math.abs(got - want)).toBeLessThan(0.02)
    // far from what the random starting point predicts
    const start = fitBigramFactors(b, target, { ...opts, steps: 0 })
    expect(bigramCrossEntropy(b, factorProbabilities(start, V, 16)) - want).toBeGreaterThan(0.5)
  })

  it('returns unit-RMS embeddings, shares rows between unseen ids, and is deterministic', () => {
    for (let x = 0; x < V; x++) {
      const row = f.embed.subarray(x * 16, x * 16 + 16)
      expect(Math.sqrt(row.reduce((a, v) => a + v * v, 0) / 16)).toBeCloseTo(1, 12)
    }
    for (const x of [9, 10, 11]) {
      expect(Array.from(f.embed.subarray(x * 16, x * 16 + 16))).toEqual(Array.from(f.embed.subarray(8 * 16, 9 * 16)))
      expect(Array.from(f.head.subarray(x * 16, x * 16 + 16))).toEqual(Array.from(f.head.subarray(8 * 16, 9 * 16)))
    }
    expect(Array.from(f.embed.subarray(16, 32))).not.toEqual(Array.from(f.embed.subarray(32, 48)))
    const again = fitBigramFactors(b, target, opts)
    expect(again.embed).toEqual(f.embed)
    expect(again.head).toEqual(f.head)
  })
})

describe('the committed demo model predicts like a bigram model of its corpus', () => {
  it('its next-token cross-entropy on the corpus is within 0.05 nats of the smoothed bigram model', async () => {
    const corpus = demoCorpusIds(demoTokenizer())
    const V = 512
    const ref = referenceCrossEntropies(corpus, V, DEMO_BIGRAM_ALPHA)
    const session = await ort.InferenceSession.create(MODEL)
    let nll = 0
    let n = 0
    for (const seq of corpus) {
      const ids = [0, ...seq.slice(0, -1)]
      const S = ids.length
      const i64 = (a: number[]) => new ort.Tensor('int64', BigInt64Array.from(a.map(BigInt)), [1, a.length])
      const feeds: Record<string, ort.Tensor> = {
        input_ids: i64(ids),
        attention_mask: i64(ids.map(() => 1)),
        position_ids: i64(ids.map((_, i) => i)),
        num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.from([0n]), []),
      }
      for (let l = 0; l < 2; l++) {
        for (const kind of ['key', 'value']) feeds[`past_key_values.${l}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, 2, 0, 16])
      }
      const logits = (await session.run(feeds)).logits!.data as Float32Array
      for (let s = 0; s < S; s++) {
        const row = logits.subarray(s * V, (s + 1) * V)
        const max = row.reduce((a, v) => Math.max(a, v), -Infinity)
        const logZ = Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0)) + max
        nll += logZ - row[seq[s]!]!
        n++
      }
    }
    const model = nll / n
    expect(ref.bigram).toBeLessThan(ref.unigram - 1)
    expect(model).toBeGreaterThan(ref.bigram - 0.05)
    expect(model).toBeLessThan(ref.bigram + 0.05)
  })
})
