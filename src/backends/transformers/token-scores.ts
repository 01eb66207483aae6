/**
 * Per-row log-softmax and argmax over a flat logits buffer (lm-eval.md §5.2).
 *
 * Numerics: the row maximum is exact; the normaliser log(Σ exp(x − max)) is accumulated in float64, and
 * the token log-probability x[t] − max − log Σ is returned as a float64. torch computes the same
 * formula in float32, so per-token values agree to ~1e-6 relative; sums are done in float64.
 */

/** Where one vocabulary row starts in a flat Float32Array. */
export interface LogitsRow {
  /** flat logits buffer, row-major */
  readonly data: Float32Array
  /** offset of the row's first element */
  readonly offset: number
  /** row length (full logits dimension, may exceed the tokenizer's vocabulary) */
  readonly vocab: number
}

/** Log-probability of `token` under the row and whether it is the row's first-max argmax. */
export function scoreToken(row: LogitsRow, token: number): { logprob: number; isArgmax: boolean } {
  const { data, offset, vocab } = row
  if (!(token >= 0 && token < vocab)) throw new RangeError(`token id ${token} outside logits row of size ${vocab}`)
  const end = offset + vocab
  let max = -Infinity
  let argmax = -1
  for (let i = offset; i < end; i++) {
    const v = data[i]
    if (v > max || argmax < 0) {
      max = v
      argmax = i - offset
    }
  }
  let sum = 0
  for (let i = offset; i < end; i++) sum += Math.exp(data[i] - max)
  const logprob = data[offset + token] - max - Math.log(sum)
  return { logprob, isArgmax: argmax === token }
}

/** First-max argmax of a row (torch.argmax tie rule). */
export function argmaxRow(row: LogitsRow): number {
  const { data, offset, vocab } = row
  let best = 0
  let max = data[offset]
  for (let i = 1; i < vocab; i++) {
    const v = data[offset + i]
    if (v > max) {
      max = v
      best = i
    }
  }
  return best
}
