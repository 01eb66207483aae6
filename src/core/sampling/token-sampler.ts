/**
 * evalz's seeded sampler: Hugging Face transformers' logits processors in their order (repetition penalty, then
 * temperature, top-k, top-p, min-p), computed in float64, and one CPython `random.random()` draw per sampled token
 * (MT19937 seeded as random.Random(seed)), so a seed gives the same tokens in Node and in the browser and a Python
 * oracle (tests/core/sampling/fixtures/gen_sampling.py) can check every draw. Temperature 0 is the first-max
 * argmax of generate_until.
 */
import { PyRandom } from '../python/random.ts'
import type { SamplingSettings } from './sampling-settings.ts'
import { checkSampling, isGreedy } from './sampling-settings.ts'

/** One vocabulary row of a flat float32 logits buffer. */
export interface LogitsSlice {
  /** flat logits buffer */
  readonly data: Float32Array
  /** index of the row's first logit */
  readonly offset: number
  /** row length */
  readonly vocab: number
}

/** Picks tokens one at a time; holds the seeded generator of one reply. */
export interface TokenSampler {
  /** the next token for a logits row, given every token so far (prompt and reply, for the repetition penalty) */
  pick(row: LogitsSlice, history: readonly number[]): number
}

/** A sampler for one reply (a fresh generator seeded with `settings.seed`). */
export function createTokenSampler(settings: SamplingSettings): TokenSampler {
  checkSampling(settings)
  const rng = new PyRandom(settings.seed)
  return {
    pick(row, history) {
      const scores = new Float64Array(row.vocab)
      for (let i = 0; i < row.vocab; i++) scores[i] = row.data[row.offset + i]
      if (settings.repetitionPenalty !== 1) penalizeRepeats(scores, history, settings.repetitionPenalty)
      if (isGreedy(settings)) return firstMax(scores)
      return drawToken(warp(scores, settings), rng.random())
    },
  }
}

/** HF RepetitionPenaltyLogitsProcessor: a seen token's logit is divided by p when positive, multiplied when negative. */
export function penalizeRepeats(scores: Float64Array, history: readonly number[], penalty: number): void {
  for (const t of new Set(history)) {
    if (t < 0 || t >= scores.length) continue
    const s = scores[t]
    scores[t] = s < 0 ? s * penalty : s / penalty
  }
}

/** Temperature, top-k, top-p and min-p (HF's warpers, in that order); removed tokens become -Infinity. */
export function warp(scores: Float64Array, s: SamplingSettings): Float64Array {
  const out = scores.map((x) => x / s.temperature)
  if (s.topK > 0 && s.topK < out.length) {
    // HF TopKLogitsWarper: remove scores below the k-th largest (ties with it stay)
    const kth = Float64Array.from(out).sort()[out.length - s.topK]
    for (let i = 0; i < out.length; i++) if (out[i] < kth) out[i] = -Infinity
  }
  if (s.topP < 1) {
    // HF TopPLogitsWarper: ascending order; remove tokens whose cumulative probability is ≤ 1 − p, keep the top one
    const probs = softmax(out)
    // tokens already removed have probability 0 and stay removed, so only the others are ordered
    const order = ascendingOrder(out)
    let cum = 0
    for (let j = 0; j < order.length - 1; j++) {
      cum += probs[order[j]]
      if (cum <= 1 - s.topP) out[order[j]] = -Infinity
    }
  }
  if (s.minP > 0) {
    // HF MinPLogitsWarper: remove tokens whose probability is below min_p × the top probability
    const probs = softmax(out)
    let top = 0
    for (const p of probs) if (p > top) top = p
    const threshold = s.minP * top
    for (let i = 0; i < out.length; i++) if (probs[i] < threshold) out[i] = -Infinity
  }
  return out
}

/** Ids of the finite scores, ascending by score; equal scores put the higher id first (so descending order is by id). */
export function ascendingOrder(scores: Float64Array): number[] {
  const ids: number[] = []
  for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) ids.push(i)
  return ids.sort((a, b) => scores[a] - scores[b] || b - a)
}

/** Softmax in float64 (-Infinity → 0). */
export function softmax(scores: Float64Array): Float64Array {
  let max = -Infinity
  for (const x of scores) if (x > max) max = x
  const out = scores.map((x) => (x === -Infinity ? 0 : Math.exp(x - max)))
  let sum = 0
  for (const x of out) sum += x
  for (let i = 0; i < out.length; i++) out[i] /= sum
  return out
}

/** The first token, in id order, at which the cumulative probability exceeds `u` ∈ [0, 1) (inverse CDF). */
export function drawToken(scores: Float64Array, u: number): number {
  const probs = softmax(scores)
  let cum = 0
  let last = -1
  for (let i = 0; i < probs.length; i++) {
    if (probs[i] === 0) continue
    cum += probs[i]
    last = i
    if (u < cum) return i
  }
  return last
}

/** First-max argmax (torch.argmax's tie rule), as generate_until's greedy step. */
export function firstMax(scores: Float64Array): number {
  let best = 0
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i
  return best
}
