/**
 * Batched scoring of (context, continuation) token pairs: lm-eval's _loglikelihood_tokens (§5.2, §5.3).
 */
import { planLoglikelihoodBatches } from './collator.ts'
import type { ForwardRow, TokenPair } from './collator.ts'
import { rowFromEnd, throwIfCancelled, yieldToEventLoop } from './causal-lm.ts'
import type { CausalLm } from './causal-lm.ts'
import { scoreToken } from './token-scores.ts'

/** Score of one token pair. */
export interface PairScore {
  /** summed natural-log probability of the continuation tokens */
  readonly logprob: number
  /** every continuation token was the first-max argmax of its row */
  readonly isGreedy: boolean
}

/** Options of one scoring call. */
export interface ScoreOptions {
  /** model rows per forward pass (≥ 1) */
  readonly batchSize: number
  /** checked before every forward pass */
  readonly signal?: AbortSignal
  /** after each forward pass: pairs answered by it, input positions fed (batch × padded length) */
  readonly onForward?: (answered: number, tokens: number) => void
  /** called for each pair as soon as its forward pass is scored */
  readonly onScored?: (index: number, score: PairScore) => void
  /** largest logits block per forward in bytes; bigger batches are split (default 256 MiB) */
  readonly logitsBudgetBytes?: number
}

const DEFAULT_LOGITS_BUDGET = 256 * 2 ** 20

/** Why a pair cannot be scored under lm-eval's rules, or undefined when it can. */
export function unscorableReason(pair: TokenPair, maxLength: number): string | undefined {
  const contLen = pair.continuation.length
  if (contLen === 0) return 'the continuation encodes to zero tokens (a token spans the context/continuation boundary)'
  const inputLen = Math.min(pair.context.length + contLen, maxLength + 1) - 1
  if (contLen > inputLen) return `the continuation has ${contLen} tokens but only ${inputLen} logits rows fit (max length ${maxLength})`
  return undefined
}

/** Scores every pair; answers in input order. Pairs must pass unscorableReason. */
export async function scoreTokenPairs(
  lm: CausalLm,
  pairs: readonly TokenPair[],
  maxLength: number,
  opts: ScoreOptions,
): Promise<PairScore[]> {
  pairs.forEach((p, i) => {
    const why = unscorableReason(p, maxLength)
    if (why) throw new RangeError(`pair ${i}: ${why}`)
  })
  const results: PairScore[] = new Array(pairs.length)
  const plan = planLoglikelihoodBatches(pairs, opts.batchSize, maxLength)
  for (const batch of plan.flatMap((b) => splitForBudget(b, pairs, lm, opts.logitsBudgetBytes ?? DEFAULT_LOGITS_BUDGET))) {
    throwIfCancelled(opts.signal)
    let keep = 1
    let width = 0
    let answered = 0
    for (const row of batch) {
      width = Math.max(width, row.input.length)
      answered += row.members.length
      for (const m of row.members) keep = Math.max(keep, pairs[m].continuation.length)
    }
    await lm.forward(batch.map((r) => r.input), keep, (block) => {
      batch.forEach((row, b) => {
        for (const m of row.members) results[m] = scoreContinuation(pairs[m].continuation, (fromEnd) => rowFromEnd(block, b, fromEnd))
      })
    })
    if (opts.onScored) for (const row of batch) for (const m of row.members) opts.onScored(m, results[m])
    opts.onForward?.(answered, batch.length * width)
    if (opts.onScored) await yieldToEventLoop()
  }
  return results
}

/**
 * Splits a batch (in order) so that its logits block, rows × positions × vocab × 4 bytes, stays within the
 * budget; a single row is never split. Needs the vocabulary size, so it is a no-op while that is unknown.
 */
function splitForBudget(batch: ForwardRow[], pairs: readonly TokenPair[], lm: CausalLm, budget: number): ForwardRow[][] {
  if (lm.vocabSize <= 0 || batch.length <= 1) return [batch]
  const positions = (rows: readonly ForwardRow[]) => lm.keepsOnlyRequested
    ? Math.max(...rows.flatMap((r) => r.members.map((m) => pairs[m].continuation.length)))
    : Math.max(...rows.map((r) => r.input.length))
  const out: ForwardRow[][] = []
  let current: ForwardRow[] = []
  for (const row of batch) {
    const next = [...current, row]
    if (current.length > 0 && next.length * positions(next) * lm.vocabSize * 4 > budget) {
      out.push(current)
      current = [row]
    } else current = next
  }
  out.push(current)
  return out
}

/** Sums log-probabilities of `cont`; token i is predicted by the row (len(cont) − i) from the end. */
function scoreContinuation(cont: readonly number[], row: (fromEnd: number) => ReturnType<typeof rowFromEnd>): PairScore {
  let logprob = 0
  let isGreedy = true
  for (let i = 0; i < cont.length; i++) {
    const s = scoreToken(row(cont.length - i), cont[i])
    logprob += s.logprob
    if (!s.isArgmax) isGreedy = false
  }
  return { logprob, isGreedy }
}
