/**
 * Reading `/v1/completions` answers in the documented shapes of the servers evalz talks to:
 * - vLLM (and OpenAI's legacy completions, SGLang, TGI, `evalz serve`): `choices[].logprobs` is
 *   `{ tokens: string[], token_logprobs: (number|null)[], top_logprobs: ({token: logprob}|null)[], text_offset }`;
 *   with `echo: true` the prompt's tokens come first, the first one with `null` (nothing conditions it).
 * - llama-server: `choices[].logprobs.content` is `[{ id, token, logprob, bytes, top_logprobs: [{ id, token,
 *   logprob, bytes }] }]` for the generated tokens only (it has no echo of prompt log-probabilities).
 */
import { HarnessError } from '../../core/errors.ts'

/** Per-position log-probabilities of one choice, whichever shape the server used. */
export interface TokenLogprobs {
  /** natural-log probability of the token at each listed position; null where the server gives none */
  readonly logprobs: readonly (number | null)[]
  /** the largest log-probability among the listed alternatives at each position; null where none are listed */
  readonly topMax: readonly (number | null)[]
}

/** One choice of a completions answer. */
export interface CompletionChoice {
  /** position of the prompt this choice answers (choices are returned sorted by it) */
  readonly index: number
  /** the generated text (after the server applied `stop`) */
  readonly text: string
  /** per-token log-probabilities when the server sent them */
  readonly logprobs: TokenLogprobs | undefined
  /** 'stop' | 'length' | …, as the server said */
  readonly finishReason: string | undefined
}

/** Summed log-probability of the scored tokens and whether each was the most likely one. */
export interface PromptScore {
  /** summed natural-log probability */
  readonly logprob: number
  /** every scored token's log-probability equals its position's best alternative */
  readonly isGreedy: boolean
}

/** The choices of a completions answer, sorted by index; throws HarnessError('API_ERROR') on a malformed one. */
export function completionChoices(body: unknown, expected: number, url: string): CompletionChoice[] {
  const choices = (body as { choices?: unknown } | null)?.choices
  if (!Array.isArray(choices)) throw malformed(url, 'it has no "choices" list')
  if (choices.length !== expected) throw malformed(url, `it has ${choices.length} choices for ${expected} prompts`)
  const out = choices.map((c: Record<string, unknown>, i) => ({
    index: typeof c['index'] === 'number' ? c['index'] : i,
    text: typeof c['text'] === 'string' ? c['text'] : '',
    logprobs: tokenLogprobs(c['logprobs']),
    finishReason: typeof c['finish_reason'] === 'string' ? c['finish_reason'] : undefined,
  }))
  return out.sort((a, b) => a.index - b.index)
}

/** Normalises either documented logprobs shape; undefined when the choice has none. */
export function tokenLogprobs(raw: unknown): TokenLogprobs | undefined {
  if (raw === null || typeof raw !== 'object') return undefined
  const lp = raw as Record<string, unknown>
  if (Array.isArray(lp['token_logprobs'])) {
    const tops = Array.isArray(lp['top_logprobs']) ? lp['top_logprobs'] : []
    return {
      logprobs: lp['token_logprobs'].map(numberOrNull),
      topMax: lp['token_logprobs'].map((_, i) => maxOf(recordValues(tops[i]))),
    }
  }
  if (Array.isArray(lp['content'])) {
    const content = lp['content'] as Record<string, unknown>[]
    return {
      logprobs: content.map(c => numberOrNull(c?.['logprob'])),
      topMax: content.map(c => maxOf(Array.isArray(c?.['top_logprobs']) ? (c['top_logprobs'] as Record<string, unknown>[]).map(t => t?.['logprob']) : [])),
    }
  }
  return undefined
}

/**
 * Scores prompt positions [from, promptLength) of an echoed choice, as lm-eval's parse_logprobs does
 * (sum of token_logprobs; greedy when each equals the best of its top_logprobs). Returns undefined when the
 * choice does not carry a log-probability for every prompt position (the server did not echo the prompt).
 */
export function scorePromptPositions(choice: CompletionChoice, promptLength: number, from: number): PromptScore | undefined {
  const lp = choice.logprobs
  if (lp === undefined || lp.logprobs.length < promptLength) return undefined
  let logprob = 0
  let isGreedy = true
  for (let i = from; i < promptLength; i++) {
    const v = lp.logprobs[i]
    if (v === null) return undefined
    logprob += v
    const top = lp.topMax[i]
    if (top === null || v < top) isGreedy = false
  }
  return { logprob, isGreedy }
}

/** The one line for a server that cannot return prompt log-probabilities. */
export function noPromptLogprobs(url: string, model: string): HarnessError {
  return new HarnessError(
    'API_UNSUPPORTED',
    `the server at ${url} returned no log-probabilities for the prompt tokens of model '${model}' (a /v1/completions request with echo: true and logprobs: 1); loglikelihood and multiple-choice tasks need them (vLLM, SGLang and evalz serve return them; llama-server does not) — generation tasks can still run`,
    { url, model },
  )
}

function malformed(url: string, why: string): HarnessError {
  return new HarnessError('API_ERROR', `${url} answered a completions request in an unexpected shape: ${why}`, { url })
}

function numberOrNull(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'number' && v === -Infinity ? v : null
}

function recordValues(v: unknown): unknown[] {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.values(v as Record<string, unknown>) : []
}

function maxOf(values: readonly unknown[]): number | null {
  let best: number | null = null
  for (const v of values) if (typeof v === 'number' && (best === null || v > best)) best = v
  return best
}
