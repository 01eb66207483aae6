/**
 * The three request kinds lm-eval sends to a model (lm-eval.md §3.1). Requests are immutable; the
 * backend answers with new response objects in the same order.
 */

/** lm-eval's request type strings, exactly. */
export type RequestKind = 'loglikelihood' | 'loglikelihood_rolling' | 'generate_until'

/** Score `continuation` given `context`: summed log-probability and whether every token is the argmax. */
export interface LoglikelihoodRequest {
  readonly kind: 'loglikelihood'
  /** text before the continuation (may be ''; then the prefix token is the context, §5.1) */
  readonly context: string
  /** text whose log-probability is summed; carries its own leading delimiter */
  readonly continuation: string
}

/** Total log-probability of a whole text with disjoint rolling windows (§5.4). */
export interface RollingRequest {
  readonly kind: 'loglikelihood_rolling'
  /** the whole doc text */
  readonly text: string
}

/** Generation parameters after lm-eval's normalisation (§5.5). */
export interface GenerationKwargs {
  /** stop strings; the backend adds the decoded EOS token */
  readonly until: readonly string[]
  /** maximum number of new tokens */
  readonly max_gen_toks: number
  /** sampling on/off; evalz decodes greedily when false */
  readonly do_sample: boolean
  /** sampling temperature (0 = greedy) */
  readonly temperature: number
  /** other keys from the task YAML, kept for the samples file */
  readonly [key: string]: unknown
}

/** Generate from `context` until a stop string, EOS or `max_gen_toks`. */
export interface GenerateRequest {
  readonly kind: 'generate_until'
  /** the prompt */
  readonly context: string
  /** generation parameters */
  readonly gen: GenerationKwargs
}

export type ModelRequest = LoglikelihoodRequest | RollingRequest | GenerateRequest

/** Answer to a LoglikelihoodRequest. */
export interface LoglikelihoodResponse {
  /** summed natural-log probability of the continuation tokens */
  readonly logprob: number
  /** every continuation token was the argmax of its row */
  readonly isGreedy: boolean
  /** token ids of the context as scored (after the trailing-whitespace move, before truncation) */
  readonly contextTokens: readonly number[]
  /** token ids of the continuation */
  readonly continuationTokens: readonly number[]
}

/** Answer to a RollingRequest. */
export interface RollingResponse {
  /** summed natural-log probability of all tokens of the text */
  readonly logprob: number
  /** token ids of the text */
  readonly tokens: readonly number[]
  /** number of windows scored */
  readonly windows: number
}

/** Answer to a GenerateRequest. */
export interface GenerateResponse {
  /** generated text after stop-string truncation */
  readonly text: string
  /** token ids of the prompt as fed (after left truncation) */
  readonly contextTokens: readonly number[]
  /** token ids generated (before stop-string truncation) */
  readonly generatedTokens: readonly number[]
}

export type ModelResponse = LoglikelihoodResponse | RollingResponse | GenerateResponse

/** What each request kind's answer carries into filters and metrics (lm-eval's resps). */
export interface AnswerValues {
  /** (logprob, is_greedy) */
  readonly loglikelihood: readonly [number, boolean]
  /** summed logprob of the whole text */
  readonly loglikelihood_rolling: number
  /** the generated text */
  readonly generate_until: string
}

/** A backend answer of kind K, with the token ids it was computed from. */
export interface Answer<K extends RequestKind = RequestKind> {
  /** the request kind */
  readonly kind: K
  /** what filters and metrics read */
  readonly value: AnswerValues[K]
  /** token ids of the context and of the continuation (or generated tokens; the whole text for rolling) */
  readonly tokens: { readonly context: readonly number[]; readonly continuation: readonly number[] }
}

/** Any request kind's answer. */
export type AnyAnswer = { [K in RequestKind]: Answer<K> }[RequestKind]

/** Per task plan, per doc, per request: the answers (one per repeat). */
export type PlanAnswers = readonly (readonly (readonly AnyAnswer[])[])[]
