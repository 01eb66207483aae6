import { describe, expect, it } from 'vitest'
import { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node'
import { Tensor } from '@huggingface/transformers'
import { SCORE_IO, scoreGraphBytes } from '../../../src/backends/transformers/score-graph.ts'
import { deviceScorer } from '../../../src/backends/transformers/device-scorer.ts'
import { argmaxRow, scoreToken } from '../../../src/backends/transformers/token-scores.ts'

/** Seeded logits [batch, positions, vocab] with a spread like a model's, and exact ties planted in row 0. */
function logits(batch: number, positions: number, vocab: number): Float32Array {
  let seed = 7
  const rnd = () => {
    seed = (seed * 16807) % 2147483647
    return seed / 2147483647
  }
  const data = Float32Array.from({ length: batch * positions * vocab }, () => (rnd() - 0.5) * 30)
  data[5] = 100
  data[9] = 100 // tie at position (0, first): the first maximum (5) is the argmax
  return data
}

const [B, K, V] = [3, 4, 1000]

describe('the scoring graph', () => {
  const data = logits(B, K, V)
  const targets = Array.from({ length: B * K }, (_, i) => [(i * 37) % V, (i * 101 + 9) % V])

  it('in float64 gives scoreToken\'s log-probabilities (to 1e-12) and the first-max argmax', async () => {
    const session = await InferenceSession.create(scoreGraphBytes('float32', 'double'))
    // every position, in reverse order: the rows input picks positions anywhere in [B·K]
    const picked = Array.from({ length: B * K }, (_, i) => B * K - 1 - i)
    const ids = BigInt64Array.from(picked.flatMap((r) => targets[r]), BigInt)
    const out = await session.run({
      [SCORE_IO.logits]: new OrtTensor('float32', data, [B, K, V]),
      [SCORE_IO.rows]: new OrtTensor('int64', BigInt64Array.from(picked, BigInt), [B * K]),
      [SCORE_IO.targets]: new OrtTensor('int64', ids, [B * K, 2]),
    })
    const lp = out[SCORE_IO.logprobs].data as Float64Array
    const am = out[SCORE_IO.argmax].data as BigInt64Array
    expect(out[SCORE_IO.logprobs].type).toBe('float64')
    picked.forEach((r, i) => {
      const row = { data, offset: r * V, vocab: V }
      targets[r].forEach((t, s) => expect(Math.abs(lp[i * 2 + s] - scoreToken(row, t).logprob)).toBeLessThan(1e-12))
      expect(Number(am[i])).toBe(argmaxRow(row))
    })
    expect(Number(am[B * K - 1])).toBe(5)
    await session.release()
  })

  it('in float32 stays within 1e-5 per token (the WebGPU precision)', async () => {
    const session = await InferenceSession.create(scoreGraphBytes('float32', 'float'))
    const out = await session.run({
      [SCORE_IO.logits]: new OrtTensor('float32', data, [B, K, V]),
      [SCORE_IO.rows]: new OrtTensor('int64', BigInt64Array.from(targets, (_, i) => BigInt(i)), [B * K]),
      [SCORE_IO.targets]: new OrtTensor('int64', BigInt64Array.from(targets.flat(), BigInt), [B * K, 2]),
    })
    const lp = out[SCORE_IO.logprobs].data as Float32Array
    for (let r = 0; r < B * K; r++) {
      targets[r].forEach((t, s) => expect(Math.abs(lp[r * 2 + s] - scoreToken({ data, offset: r * V, vocab: V }, t).logprob)).toBeLessThan(1e-5))
    }
    await session.release()
  })
})

describe('deviceScorer', () => {
  it('reads targets by position from the end, slots per position, on the session\'s onnxruntime', async () => {
    const model = await InferenceSession.create(scoreGraphBytes('float32', 'float'))
    const scorer = deviceScorer(model, ['cpu'], 'double')
    const data = logits(B, K, V)
    // row 0 reads 2 tokens at the last position, 1 at the one before and only the argmax before that; row 2 reads
    // only its last argmax
    const targets = [[[3, 4], [7], []], [[11]], []]
    const scores = await scorer.score(new Tensor('float32', data, [B, K, V]), targets)
    if (!scores) throw new Error('no scores')
    const row = (b: number, fromEnd: number) => ({ data, offset: (b * K + K - fromEnd) * V, vocab: V })
    expect(scores.logprob(0, 1, 4)).toBeCloseTo(scoreToken(row(0, 1), 4).logprob, 12)
    expect(scores.logprob(0, 1, 3)).toBeCloseTo(scoreToken(row(0, 1), 3).logprob, 12)
    expect(scores.logprob(0, 2, 7)).toBeCloseTo(scoreToken(row(0, 2), 7).logprob, 12)
    expect(scores.logprob(1, 1, 11)).toBeCloseTo(scoreToken(row(1, 1), 11).logprob, 12)
    expect(scores.argmax(2, 1)).toBe(argmaxRow(row(2, 1)))
    expect(scores.argmax(0, 3)).toBe(argmaxRow(row(0, 3)))
    expect(scores.argmax(1, 1)).toBe(argmaxRow(row(1, 1)))
    expect(() => scores.logprob(0, 1, 5)).toThrow(/not a target/)
    // positions a row did not list are not scored (row 0 lists 3, rows 1 and 2 one each)
    expect(() => scores.argmax(0, 4)).toThrow(/not scored/)
    expect(() => scores.argmax(2, 2)).toThrow(/not scored/)
    expect(() => scores.argmax(3, 1)).toThrow(RangeError)
    await scorer.dispose()
    await model.release()
  })

  it('answers undefined (read the logits instead) when the graph cannot run there', async () => {
    const logits = new Tensor('float32', new Float32Array(4), [1, 1, 4])
    expect(await deviceScorer({}, ['cpu'], 'double').score(logits, [[[1]]])).toBeUndefined()
    class Refusing {
      static create(): Promise<never> { return Promise.reject(new Error('no such operator')) }
      run(): void {}
    }
    const refusing = deviceScorer(new Refusing(), ['cpu'], 'double')
    expect(await refusing.score(logits, [[[1]]])).toBeUndefined()
    expect(await refusing.score(logits, [[[1]]])).toBeUndefined()
  })
})
