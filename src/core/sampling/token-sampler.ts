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

/** The tokens still drawable after warping: ascending ids and their (temperature-scaled) scores. */
export interface Candidates {
  /** token ids, ascending */
  readonly ids: readonly number[]
  /** their scores after temperature, same order */
  readonly values: readonly number[]
}

/**
 * Temperature, top-k, top-p and min-p (HF's warpers, in that order). Only the tokens that survive are kept, so
 * after top-k the later steps touch k tokens, not the vocabulary.
 */
export function warp(scores: Float64Array, s: SamplingSettings): Candidates {
  const n = scores.length
  const scaled = new Float64Array(n)
  for (let i = 0; i < n; i++) scaled[i] = scores[i] / s.temperature
  // HF TopKLogitsWarper: remove scores below the k-th largest (ties with it stay)
  const kth = s.topK > 0 && s.topK < n ? kthLargest(scaled, s.topK) : -Infinity
  let ids: number[] = []
  for (let i = 0; i < n; i++) if (scaled[i] >= kth && scaled[i] !== -Infinity) ids.push(i)
  let values = ids.map((i) => scaled[i])
  if (s.topP < 1) {
    // HF TopPLogitsWarper: ascending order; remove tokens whose cumulative probability is ≤ 1 − p, keep the top one
    const probs = softmax(values)
    const order = ascendingOrder(ids, values)
    const keep = new Array<boolean>(ids.length).fill(true)
    let cum = 0
    for (let j = 0; j < order.length - 1; j++) {
      cum += probs[order[j]]
      if (cum <= 1 - s.topP) keep[order[j]] = false
    }
    ids = ids.filter((_, j) => keep[j])
    values = values.filter((_, j) => keep[j])
  }
  if (s.minP > 0) {
    // HF MinPLogitsWarper: remove tokens whose probability is below min_p × the top probability
    const probs = softmax(values)
    let top = 0
    for (const p of probs) if (p > top) top = p
    const threshold = s.minP * top
    ids = ids.filter((_, j) => probs[j] >= threshold)
    values = values.filter((_, j) => probs[j] >= threshold)
  }
  return { ids, values }
}

/** The k-th largest value (1 ≤ k ≤ length): a size-k min-heap, O(n log k), so top-k 40 over 150k logits stays cheap. */
export function kthLargest(values: Float64Array, k: number): number {
  if (k > 1024) return Float64Array.from(values).sort()[values.length - k]
  const heap = new Float64Array(k)
  let size = 0
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < size && heap[l] < heap[m]) m = l
      if (r < size && heap[r] < heap[m]) m = r
      if (m === i) return
      ;[heap[i], heap[m]] = [heap[m], heap[i]]
      i = m
    }
  }
  for (const v of values) {
    if (size < k) {
      let i = size++
      heap[i] = v
      while (i > 0 && heap[(i - 1) >> 1] > heap[i]) {
        const p = (i - 1) >> 1
        ;[heap[i], heap[p]] = [heap[p], heap[i]]
        i = p
      }
    } else if (v > heap[0]) {
      heap[0] = v
      down(0)
    }
  }
  return heap[0]
}

/** Positions into `ids` by score ascending; equal scores put the higher id first (so descending order is by id). */
export function ascendingOrder(ids: readonly number[], values: readonly number[]): number[] {
  return Array.from(ids.keys()).sort((a, b) => values[a] - values[b] || ids[b] - ids[a])
}

/** Softmax in float64: exp(x − max) summed in order, then divided. */
export function softmax(values: readonly number[]): Float64Array {
  let max = -Infinity
  for (const x of values) if (x > max) max = x
  const out = new Float64Array(values.length)
  let sum = 0
  for (let i = 0; i < values.length; i++) {
    out[i] = Math.exp(values[i] - max)
    sum += out[i]
  }
  for (let i = 0; i < out.length; i++) out[i] /= sum
  return out
}

/** The first candidate, in id order, at which the cumulative probability exceeds `u` ∈ [0, 1) (inverse CDF). */
export function drawToken(c: Candidates, u: number): number {
  const probs = softmax(c.values)
  let cum = 0
  let last = -1
  for (let j = 0; j < probs.length; j++) {
    if (probs[j] === 0) continue
    cum += probs[j]
    last = c.ids[j]
    if (u < cum) return c.ids[j]
  }
  return last
}

/** First-max argmax (torch.argmax's tie rule), as generate_until's greedy step. */
export function firstMax(scores: Float64Array): number {
  let best = 0
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i
  return best
}
