/**
 * Batched scoring of (context, continuation) token pairs: lm-eval's _loglikelihood_tokens (§5.2, §5.3).
 */
import { chunkByPadding, planLoglikelihoodRows } from './collator.ts'
import type { ForwardRow, TokenPair } from './collator.ts'
import { throwIfCancelled, tokenScoreAt, yieldToEventLoop } from './causal-lm.ts'
import type { CausalLm, LogitsBlock, TokenTargets } from './causal-lm.ts'
import { planPrefixGroups, scheduleSharedPasses } from './prefix-plan.ts'

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
  /** run shared prefixes once and continue from their KV cache when the model can (default true) */
  readonly sharePrefixes?: boolean
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
  const rows = planLoglikelihoodRows(pairs, maxLength)
  const keepOf = (row: ForwardRow) => Math.max(...row.members.map((m) => pairs[m].continuation.length))
  const budget = opts.logitsBudgetBytes ?? DEFAULT_LOGITS_BUDGET
  /** scores the rows of one forward pass from its logits block and reports them */
  const score = async (batch: readonly ForwardRow[], fed: number,
    run: (keep: number, use: (block: LogitsBlock) => void, targets: TokenTargets) => Promise<void>) => {
    const keep = Math.max(1, ...batch.map(keepOf))
    await run(keep, (block) => {
      batch.forEach((row, b) => {
        for (const m of row.members) results[m] = scoreContinuation(pairs[m].continuation, block, b)
      })
    }, batch.map((row) => targetsOf(row.members.map((m) => pairs[m].continuation))))
    if (opts.onScored) for (const row of batch) for (const m of row.members) opts.onScored(m, results[m])
    opts.onForward?.(batch.reduce((n, r) => n + r.members.length, 0), fed)
    if (opts.onScored) await yieldToEventLoop()
  }
  let plain = rows
  const { prefill, forwardAfter } = lm
  if (opts.sharePrefixes !== false && prefill && forwardAfter) {
    const planRows = rows.map((r) => ({ input: r.input, keep: keepOf(r) }))
    const plan = planPrefixGroups(planRows)
    for (const pass of scheduleSharedPasses(plan, planRows, opts.batchSize)) {
      throwIfCancelled(opts.signal)
      const prefixes = pass.groups.map((g) => g.prefix)
      const cache = await prefill(prefixes)
      opts.onForward?.(0, prefixes.length * cache.width)
      try {
        for (const whole of pass.batches) {
          for (const part of splitForBudget(whole, (b) => keepOf(rows[b.row]), lm, budget)) {
            throwIfCancelled(opts.signal)
            const suffixes = part.map((b) => rows[b.row].input.slice(pass.groups[b.from].prefix.length))
            const multiple = lm.padMultiple ?? 1
            const width = Math.ceil(Math.max(...suffixes.map((x) => x.length)) / multiple) * multiple
            await score(part.map((b) => rows[b.row]), part.length * width, (keep, use, targets) =>
              forwardAfter(cache, part.map((b) => b.from), suffixes, keep, use, targets))
          }
        }
      } finally {
        cache.dispose()
      }
    }
    plain = plan.single.map((i) => rows[i])
  }
  for (const whole of chunkByPadding(plain, (r) => r.input.length, opts.batchSize)) {
    const positions = (b: ForwardRow) => (lm.keepsOnlyRequested ? keepOf(b) : b.input.length)
    for (const batch of splitForBudget(whole, positions, lm, budget)) {
      throwIfCancelled(opts.signal)
      const width = Math.ceil(Math.max(...batch.map((r) => r.input.length)) / (lm.padMultiple ?? 1)) * (lm.padMultiple ?? 1)
      await score(batch, batch.length * width, (keep, use, targets) => lm.forward(batch.map((r) => r.input), keep, use, targets))
    }
  }
  return results
}

/**
 * Splits a batch (in order) so that its logits block, rows × positions × vocab × 4 bytes, stays within the
 * budget; a single row is never split. Needs the vocabulary size, so it is a no-op while that is unknown.
 */
function splitForBudget<R>(batch: readonly R[], positionsOf: (row: R) => number, lm: CausalLm, budget: number): R[][] {
  if (lm.vocabSize <= 0 || batch.length <= 1) return [[...batch]]
  const out: R[][] = []
  let current: R[] = []
  let positions = 0
  for (const row of batch) {
    const next = Math.max(positions, positionsOf(row))
    if (current.length > 0 && (current.length + 1) * next * lm.vocabSize * 4 > budget) {
      out.push(current)
      current = [row]
      positions = positionsOf(row)
    } else {
      current.push(row)
      positions = next
    }
  }
  out.push(current)
  return out
}

/** Sums log-probabilities of `cont` at batch row b; token i is predicted by the row (len(cont) − i) from the end. */
function scoreContinuation(cont: readonly number[], block: LogitsBlock, b: number): PairScore {
  let logprob = 0
  let isGreedy = true
  for (let i = 0; i < cont.length; i++) {
    const s = tokenScoreAt(block, b, cont.length - i, cont[i])
    logprob += s.logprob
    if (!s.isArgmax) isGreedy = false
  }
  return { logprob, isGreedy }
}

/** The tokens one forward row reads: per position from the end, each member's continuation token there. */
function targetsOf(continuations: readonly (readonly number[])[]): number[][] {
  const byPosition: number[][] = Array.from({ length: Math.max(...continuations.map((c) => c.length)) }, () => [])
  for (const cont of continuations) {
    cont.forEach((token, i) => {
      const slot = byPosition[cont.length - i - 1]
      if (!slot.includes(token)) slot.push(token)
    })
  }
  return byPosition
}
