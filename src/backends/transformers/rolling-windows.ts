/**
 * Disjoint rolling windows over a token list for loglikelihood_rolling (lm-eval.md §5.4).
 */

/** One scoring window: `context` conditions, `continuation` is scored. */
export interface TokenWindow {
  /** token ids given as context (the first window's context is the prefix token) */
  readonly context: readonly number[]
  /** token ids whose log-probabilities are summed */
  readonly continuation: readonly number[]
}

/**
 * lm-eval's get_rolling_token_windows: overlapping (input, predicted) pairs that predict every token once.
 * `contextLength` is the minimum number of conditioning tokens per window (lm-eval uses 1).
 */
export function rollingTokenWindows(
  tokens: readonly number[],
  prefixToken: number,
  maxSeqLen: number,
  contextLength: number,
): TokenWindow[] {
  if (!(contextLength >= 1 && contextLength <= maxSeqLen)) {
    throw new RangeError(`rolling windows: contextLength ${contextLength} must be in [1, ${maxSeqLen}]`)
  }
  const windows: TokenWindow[] = []
  if (tokens.length === 0) return windows
  const predLen = maxSeqLen - contextLength + 1
  const firstLen = Math.min(maxSeqLen, tokens.length)
  windows.push({ context: [prefixToken, ...tokens.slice(0, firstLen - 1)], continuation: tokens.slice(0, firstLen) })
  let predicted = firstLen
  while (predicted < tokens.length) {
    const windowPredLen = Math.min(tokens.length - predicted, predLen)
    const windowEnd = predicted + windowPredLen
    // windowEnd > maxSeqLen here, so the start index is never negative (no Python wrap-around)
    windows.push({
      context: tokens.slice(windowEnd - maxSeqLen - 1, windowEnd - 1),
      continuation: tokens.slice(windowEnd - windowPredLen, windowEnd),
    })
    predicted += windowPredLen
  }
  return windows
}

/** lm-eval's make_disjoint_window: drop the context tokens that the continuation already covers. */
export function disjointWindow(w: TokenWindow): TokenWindow {
  return { context: w.context.slice(0, w.context.length - (w.continuation.length - 1)), continuation: w.continuation }
}

/** The windows evalz scores for one document: rolling windows with context length 1, made disjoint. */
export function documentWindows(tokens: readonly number[], prefixToken: number, maxLength: number): TokenWindow[] {
  return rollingTokenWindows(tokens, prefixToken, maxLength, 1).map(disjointWindow)
}
