/**
 * Streamed generation of one reply over a KV-cached decode session: evalz's seeded sampler (core/sampling) picks
 * each token; temperature 0 picks generate_until's first-max argmax, and the prompt, truncation, stop rules and
 * post-processing are generate_until's (lm-eval.md §5.5), so a greedy reply equals the evaluator's answer.
 */
import { HarnessError } from '../../core/errors.ts'
import type { StopReason, StreamOptions, StreamRequest, StreamResult } from '../../core/sampling/generation-stream.ts'
import { createTokenSampler } from '../../core/sampling/token-sampler.ts'
import { rowFromEnd, yieldToEventLoop } from './causal-lm.ts'
import type { CausalLm, LogitsBlock } from './causal-lm.ts'
import { finishGeneratedText, hitsStop } from './generation.ts'
import type { TextCodec } from './tokenization.ts'

/** Special tokens that end an assistant turn in common chat templates (llama.cpp's end-of-generation set). */
export const END_OF_TURN_TOKENS: readonly string[] = [
  '<|im_end|>', '<|eot_id|>', '<|eom_id|>', '<end_of_turn>', '<|end|>', '<|endoftext|>', '<|end_of_text|>', '</s>',
]

/** What streaming needs from a loaded model. */
export interface StreamParts {
  /** the model */
  readonly lm: CausalLm
  /** tokenizer with lm-eval's encode rules */
  readonly codec: TextCodec
  /** ids that end a reply (tokenizer EOS and the generation config's EOS ids) */
  readonly stopIds: ReadonlySet<number>
  /** the tokenizer's EOS text, appended to the stop strings as generate_until does */
  readonly eosText: string | undefined
  /** special-token ids that end a chat turn (see END_OF_TURN_TOKENS) */
  readonly endOfTurnIds: ReadonlySet<number>
  /** context length in tokens */
  readonly maxLength: number
}

/** The ids of the END_OF_TURN_TOKENS a tokenizer has as special tokens. */
export function endOfTurnIds(tokenizer: { all_special_tokens?: readonly string[]; all_special_ids?: readonly number[] }): Set<number> {
  const tokens = tokenizer.all_special_tokens ?? []
  const ids = tokenizer.all_special_ids ?? []
  return new Set(tokens.flatMap((t, i) => (END_OF_TURN_TOKENS.includes(t) && typeof ids[i] === 'number' ? [ids[i]] : [])))
}

/** Generates one reply, reporting each token; a fired signal ends it after the current step. */
export async function streamGeneration(parts: StreamParts, req: StreamRequest, opts: StreamOptions = {}): Promise<StreamResult> {
  const { lm, codec } = parts
  const maxNew = req.sampling.maxNewTokens
  const maxCtx = parts.maxLength - maxNew
  if (!(maxCtx > 0)) {
    throw new HarnessError('USAGE', `max new tokens ${maxNew} leaves no room for a prompt within the model's max length ${parts.maxLength}; ask for fewer`, {
      maxNewTokens: maxNew, maxLength: parts.maxLength,
    })
  }
  const sampler = createTokenSampler(req.sampling)
  const until = [...req.until]
  if (parts.eosText !== undefined && !until.includes(parts.eosText)) until.push(parts.eosText)
  const stops = until.filter((s) => s !== '')
  const encoded = codec.encode(req.prompt)
  const prompt = encoded.length === 0 ? [codec.prefixTokenId] : encoded.slice(-maxCtx)
  const history = [...prompt]
  const generated: number[] = []
  const pick = (block: LogitsBlock) => sampler.pick(rowFromEnd(block, 0, 1), history)
  const result = (stopReason: StopReason): StreamResult => ({
    text: finishGeneratedText(codec, generated, until), promptTokens: prompt, generatedTokens: [...generated], stopReason,
  })
  if (opts.signal?.aborted) return result('cancelled')
  const start = await lm.startDecode([prompt], pick)
  const session = start.session
  let next = start.value
  try {
    for (;;) {
      generated.push(next)
      history.push(next)
      opts.onToken?.({ tokenId: next, count: generated.length, text: finishGeneratedText(codec, generated, until) })
      if (parts.stopIds.has(next) || (req.stopAtEndOfTurn && parts.endOfTurnIds.has(next))) return result('eos')
      if (hitsStop(codec, generated, stops)) return result('stop')
      if (generated.length >= maxNew) return result('length')
      // lets a Stop (a message, a signal) arrive between steps: onnxruntime resolves through microtasks only
      await yieldToEventLoop()
      if (opts.signal?.aborted) return result('cancelled')
      next = await session.step([next], pick)
    }
  } finally {
    await session.dispose()
  }
}
