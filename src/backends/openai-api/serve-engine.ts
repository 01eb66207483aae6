/**
 * What `evalz serve` computes for a request, over the same CausalLm and tokenizer a local run uses, so a served
 * run gives the local run's numbers: prompt log-probabilities (log-softmax in float32 logits with a float64
 * normaliser, as token-scores.ts) and greedy generation through the evaluator's generate loop (KV cache,
 * the model's EOS ids, stop strings checked on the decoded text).
 */
import type { ChatMessage } from '../../core/backend.ts'
import { HarnessError } from '../../core/errors.ts'
import type { BackendParts } from '../transformers/transformers-backend.ts'
import { rowFromEnd } from '../transformers/causal-lm.ts'
import type { LogitsRow } from '../transformers/token-scores.ts'
import { scoreToken } from '../transformers/token-scores.ts'
import { generateGreedy } from '../transformers/generation.ts'
import { renderChatTemplate } from '../transformers/chat-template.ts'

/** One scored position: the token there, its log-probability and the best alternatives. */
export interface PositionLogprob {
  /** token id at this position */
  readonly token: number
  /** natural-log probability of `token` given the positions before; null at position 0 */
  readonly logprob: number | null
  /** the `k` most likely tokens here with their log-probabilities, most likely first; [] at position 0 */
  readonly top: readonly (readonly [number, number])[]
}

/** A finished greedy generation. */
export interface Generation {
  /** generated token ids (including an EOS that ended it) */
  readonly tokens: readonly number[]
  /** decoded text without special tokens, cut before the first stop string */
  readonly text: string
  /** 'stop' (EOS or a stop string) or 'length' (max_tokens reached) */
  readonly finishReason: 'stop' | 'length'
}

/** Greedy decoding settings of one request. */
export interface GenerateSettings {
  /** maximum new tokens (≥ 0) */
  readonly maxTokens: number
  /** stop strings: generation ends when the decoded text contains one; the text is cut before it */
  readonly stop: readonly string[]
  /** called with the text so far that can no longer change (streaming) */
  readonly onText?: (text: string) => void
  /** stops between decoding steps */
  readonly signal?: AbortSignal
}

/** The model behind the server. */
export interface ServeEngine {
  /** context length the model takes */
  readonly maxModelLen: number
  /** lm-eval's encode rules (tokenizer-default special tokens) */
  encode(text: string): number[]
  /** decodes ids (special tokens kept), for token strings */
  decode(ids: readonly number[]): string
  /** log-probabilities of every position of `tokens` with the top `k` alternatives (one forward pass) */
  positionLogprobs(tokens: readonly number[], k: number): Promise<PositionLogprob[]>
  /** greedy generation after `prompt` */
  generate(prompt: readonly number[], settings: GenerateSettings): Promise<Generation>
  /** renders a chat with the tokenizer's template and encodes it (no extra special tokens) */
  chatPrompt(messages: readonly ChatMessage[]): number[]
}

/** Builds the engine; requests run one at a time (one onnxruntime session). */
export function serveEngine(parts: BackendParts): ServeEngine {
  const { lm, codec, info } = parts
  let queue: Promise<unknown> = Promise.resolve()
  const serial = <T>(task: () => Promise<T>): Promise<T> => {
    const run = queue.then(task, task)
    queue = run.catch(() => undefined)
    return run
  }
  return {
    maxModelLen: info.maxLength,
    encode: (text) => codec.encode(text),
    decode: (ids) => codec.decode(ids, false),
    positionLogprobs: (tokens, k) => serial(async () => {
      if (tokens.length === 0) return []
      const out: PositionLogprob[] = [{ token: tokens[0], logprob: null, top: [] }]
      if (tokens.length === 1) return out
      const input = tokens.slice(0, -1)
      await lm.forward([input], input.length, (block) => {
        for (let p = 1; p < tokens.length; p++) {
          const row = rowFromEnd(block, 0, input.length - (p - 1))
          out.push({ token: tokens[p], logprob: scoreToken(row, tokens[p]).logprob, top: topK(row, k) })
        }
      })
      return out
    }),
    generate: (prompt, settings) => serial(async () => {
      const stops = settings.stop.filter(s => s !== '')
      const holdBack = Math.max(0, ...stops.map(s => s.length - 1))
      let shown = 0
      const visible = (ids: readonly number[]) => cutAtStop(codec.decode(ids, true), stops)
      const [tokens] = await generateGreedy(lm, codec, { prompts: [prompt], until: stops, maxNewTokens: settings.maxTokens }, {
        eosTokenIds: parts.stopIds,
        padTokenId: parts.padTokenId,
        signal: settings.signal,
        onTokens: settings.onText && ((rows) => {
          const { text } = visible(rows[0])
          // hold back what may still turn out to start a stop string, and a half-decoded character
          let safe = text.length - holdBack
          while (safe > shown && text.charCodeAt(safe - 1) === 0xfffd) safe--
          if (safe > shown) {
            shown = safe
            settings.onText!(text.slice(0, safe))
          }
        }),
      })
      const { text, stopped } = visible(tokens)
      const hitEos = tokens.length > 0 && parts.stopIds.has(tokens[tokens.length - 1])
      if (settings.onText && text.length > shown) settings.onText(text)
      return { tokens, text, finishReason: stopped || hitEos || tokens.length < settings.maxTokens ? 'stop' : 'length' }
    }),
    chatPrompt(messages) {
      if (!parts.chatTokenizer) throw new HarnessError('USAGE', `model ${info.model} has no tokenizer chat template; use /v1/completions`)
      const text = renderChatTemplate(parts.chatTokenizer, messages, { addGenerationPrompt: true, continueFinalMessage: false }, info.model)
      return codec.encodePlain(text)
    },
  }
}

/** The text before the first stop string, and whether one was found. */
export function cutAtStop(text: string, stops: readonly string[]): { text: string; stopped: boolean } {
  let end = text.length
  for (const s of stops) {
    const at = text.indexOf(s)
    if (at >= 0 && at < end) end = at
  }
  return { text: text.slice(0, end), stopped: end < text.length }
}

/** The k most likely tokens of a row with their log-probabilities (first-max order on ties). */
function topK(row: LogitsRow, k: number): [number, number][] {
  if (k <= 0) return []
  const best: [number, number][] = []
  for (let i = 0; i < row.vocab; i++) {
    const v = row.data[row.offset + i]
    if (best.length === k && v <= best[k - 1][1]) continue
    let at = best.length
    while (at > 0 && best[at - 1][1] < v) at--
    best.splice(at, 0, [i, v])
    if (best.length > k) best.pop()
  }
  return best.map(([id]) => [id, scoreToken(row, id).logprob])
}
