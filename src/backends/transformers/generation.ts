/**
 * Greedy generate_until over a KV-cached decode session (lm-eval.md §5.5).
 */
import { argmaxAt, throwIfCancelled } from './causal-lm.ts'
import type { CausalLm, LogitsBlock } from './causal-lm.ts'
import type { TextCodec } from './tokenization.ts'

/** One batch of prompts that share stop strings and a token budget. */
export interface GenerationBatch {
  /** prompt token ids per row, already left-truncated; each non-empty */
  readonly prompts: readonly (readonly number[])[]
  /** stop strings, checked against the decoded generated text (special tokens kept) */
  readonly until: readonly string[]
  /** maximum new tokens per row */
  readonly maxNewTokens: number
}

/** Options of one generation batch. */
export interface GenerationOptions {
  /** ids that end a row (tokenizer EOS plus the model's generation-config EOS ids) */
  readonly eosTokenIds: ReadonlySet<number>
  /** id fed to rows that already stopped (its logits are ignored) */
  readonly padTokenId: number
  /** checked before every forward pass */
  readonly signal?: AbortSignal
  /** after each forward pass: input positions fed (incl. padding) */
  readonly onForward?: (tokens: number) => void
  /** after each decoding step: every row's tokens so far (streaming; rows that stopped keep theirs) */
  readonly onTokens?: (generated: readonly (readonly number[])[]) => void
}

/**
 * Greedy decoding of a batch: every row takes the first-max argmax token until it emits an EOS id, its
 * decoded text contains a stop string, or it has `maxNewTokens` tokens. Returns generated ids per row,
 * including the EOS token that ended a row.
 */
export async function generateGreedy(
  lm: CausalLm,
  codec: TextCodec,
  batch: GenerationBatch,
  opts: GenerationOptions,
): Promise<number[][]> {
  const rows = batch.prompts
  const generated: number[][] = rows.map(() => [])
  if (batch.maxNewTokens <= 0 || rows.length === 0) return generated
  const stops = batch.until.filter((s) => s !== '')
  const done = rows.map(() => false)
  const pick = (block: LogitsBlock) => rows.map((_, b) => argmaxAt(block, b, 1))
  // only the argmax is read: a model that can take it on its device need not lend the logits
  const targets = lm.argmaxOnDevice ? rows.map(() => []) : undefined
  throwIfCancelled(opts.signal)
  const multiple = lm.padMultiple ?? 1
  const width = Math.ceil(Math.max(...rows.map((r) => r.length)) / multiple) * multiple
  const start = await lm.startDecode(rows, pick, targets)
  opts.onForward?.(rows.length * width)
  const session = start.session
  let next = start.value
  try {
    for (;;) {
      next.forEach((tok, b) => {
        if (done[b]) return
        generated[b].push(tok)
        if (opts.eosTokenIds.has(tok) || generated[b].length >= batch.maxNewTokens || hitsStop(codec, generated[b], stops)) {
          done[b] = true
        }
      })
      opts.onTokens?.(generated)
      if (done.every(Boolean)) break
      throwIfCancelled(opts.signal)
      next = await session.step(next.map((tok, b) => (done[b] ? opts.padTokenId : tok)), pick, targets)
      opts.onForward?.(rows.length)
    }
  } finally {
    await session.dispose()
  }
  return generated
}

/** True when the decoded tokens (special tokens kept, like lm-eval's stop criterion) contain a stop string. */
export function hitsStop(codec: TextCodec, tokens: readonly number[], stops: readonly string[]): boolean {
  if (stops.length === 0) return false
  const text = codec.decode(tokens, false)
  return stops.some((s) => text.includes(s))
}

/** lm-eval's post-processing: decode without special tokens, then cut at each stop string in order. */
export function finishGeneratedText(codec: TextCodec, tokens: readonly number[], until: readonly string[]): string {
  let text = codec.decode(tokens, true)
  for (const stop of until) {
    if (stop !== '') text = text.split(stop)[0]
  }
  return text
}
