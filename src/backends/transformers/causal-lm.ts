/**
 * The model operations the scoring and generation loops need, independent of transformers.js, so the
 * loops can be tested with a fake model. Logits are lent to a callback and freed when it returns, so at
 * most one batch of logits is alive at a time.
 */
import { HarnessError } from '../../core/errors.ts'
import { argmaxRow, scoreToken } from './token-scores.ts'
import type { LogitsRow } from './token-scores.ts'

/**
 * Logits of the last `rows` positions of every batch row: flat row-major [batch, rows, vocab] in `data`, or, when
 * the call named targets and the model scored them where the logits are (score-graph.ts), only those scores.
 */
export interface LogitsBlock {
  /** float32 logits; undefined when the block was scored on the device */
  readonly data?: Float32Array
  /** the targets' log-probabilities and each position's argmax, when scored on the device */
  readonly scored?: DeviceScores
  /** batch rows */
  readonly batch: number
  /** positions held per batch row (the last `rows` positions of the padded input) */
  readonly rows: number
  /** logits dimension */
  readonly vocab: number
}

/**
 * Tokens a call will read: `targets[b][fromEnd - 1]` lists the token ids whose log-probabilities are read at batch
 * row b, `fromEnd` positions before the end. Only a row's listed positions (its last one when it lists none) are
 * scored, for their log-probabilities and their argmax. A model that can score on its device then lends a block
 * without `data`.
 */
export type TokenTargets = readonly (readonly (readonly number[])[])[]

/** Scores computed on the device for the targets of one call. */
export interface DeviceScores {
  /** natural-log probability of `token` at row b, `fromEnd` positions before the end; the token must be a target */
  logprob(b: number, fromEnd: number, token: number): number
  /** first-max argmax at row b, `fromEnd` positions before the end (a position the targets list, or the last one) */
  argmax(b: number, fromEnd: number): number
}

/** A KV-cached greedy decoding session over a fixed batch. */
export interface DecodeSession {
  /** feeds one token per batch row and lends the logits of the new position ([batch, 1, vocab]) */
  step<T>(tokens: readonly number[], use: (block: LogitsBlock) => T, targets?: TokenTargets): Promise<T>
  /** frees the KV cache */
  dispose(): Promise<void>
}

/** The KV cache of a batch of prefix rows, kept so that suffix rows can continue from any of them. */
export interface PrefixCache {
  /** prefix rows held */
  readonly rows: number
  /** padded prefix length (past positions every continuing row attends over) */
  readonly width: number
  /** frees the cache (idempotent) */
  dispose(): void
}

/** A causal LM that runs left-padded batches. */
export interface CausalLm {
  /** logits dimension (0 when unknown before the first forward) */
  readonly vocabSize: number
  /** true when forward returns only the requested trailing positions (graph has num_logits_to_keep) */
  readonly keepsOnlyRequested: boolean
  /** padded widths of forward and prefill are rounded up to a multiple of this (default 1) */
  readonly padMultiple?: number
  /** runs rows (left-padded to the longest) and lends the logits of at least the last `keep` positions */
  forward<T>(rows: readonly (readonly number[])[], keep: number, use: (block: LogitsBlock) => T, targets?: TokenTargets): Promise<T>
  /** prefills rows (left-padded) and lends the last-position logits; the session continues from there */
  startDecode<T>(rows: readonly (readonly number[])[], use: (block: LogitsBlock) => T, targets?: TokenTargets):
    Promise<{ session: DecodeSession; value: T }>
  /** true when greedy decoding should pass (empty) targets so that the argmax is taken on the device */
  readonly argmaxOnDevice?: boolean
  /**
   * Runs prefix rows (left-padded) and keeps their KV cache (on the CPU; a GPU-resident cache is read back once);
   * undefined when the model cannot (no KV-cache inputs).
   */
  readonly prefill?: (rows: readonly (readonly number[])[]) => Promise<PrefixCache>
  /**
   * Runs suffix rows, row i continuing prefix row `from[i]` of `cache` (its KV copied per row; suffixes
   * left-padded between prefix and suffix, positions counted from the real prefix tokens), and lends the
   * logits of at least the last `keep` positions.
   */
  readonly forwardAfter?: <T>(cache: PrefixCache, from: readonly number[], rows: readonly (readonly number[])[], keep: number,
    use: (block: LogitsBlock) => T, targets?: TokenTargets) => Promise<T>
  /** releases the model */
  dispose(): Promise<void>
}

/** The row of batch `b` at the position `fromEnd` places before the end (1 = last position). */
export function rowFromEnd(block: LogitsBlock, b: number, fromEnd: number): LogitsRow {
  if (fromEnd < 1 || fromEnd > block.rows) throw new RangeError(`logits position -${fromEnd} not among the last ${block.rows}`)
  if (!block.data) throw new RangeError('the logits were scored on the device; pass no targets to read them')
  return { data: block.data, offset: (b * block.rows + block.rows - fromEnd) * block.vocab, vocab: block.vocab }
}

/** Log-probability of `token` at row b, `fromEnd` before the end, and whether it is that position's first-max argmax. */
export function tokenScoreAt(block: LogitsBlock, b: number, fromEnd: number, token: number): { logprob: number; isArgmax: boolean } {
  if (block.scored) return { logprob: block.scored.logprob(b, fromEnd, token), isArgmax: block.scored.argmax(b, fromEnd) === token }
  return scoreToken(rowFromEnd(block, b, fromEnd), token)
}

/** First-max argmax at row b, `fromEnd` before the end. */
export function argmaxAt(block: LogitsBlock, b: number, fromEnd: number): number {
  return block.scored ? block.scored.argmax(b, fromEnd) : argmaxRow(rowFromEnd(block, b, fromEnd))
}

/**
 * Lets queued tasks run (IndexedDB writes of streamed answers, progress messages) between forward passes:
 * onnxruntime's work resolves through microtasks only, so without this nothing else runs until a call returns.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise(resolve => setTimeout(resolve, 0))
}

/** Throws HarnessError('CANCELLED') when the signal has fired. */
export function throwIfCancelled(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new HarnessError('CANCELLED', 'backend call cancelled', { reason: String(signal.reason ?? 'aborted') })
}
