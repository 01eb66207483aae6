/**
 * The streaming generation port: one prompt, sampled (or greedy) token by token, each token reported as it is
 * made. Backends that can stream implement ModelBackend.streamGenerate with these types.
 */
import type { SamplingSettings } from './sampling-settings.ts'

/** One reply to generate. */
export interface StreamRequest {
  /** prompt text, tokenised as generate_until tokenises a context (tokenizer-default special tokens) */
  readonly prompt: string
  /** how tokens are chosen and how many at most */
  readonly sampling: SamplingSettings
  /** stop strings, as generate_until's `until`; the tokenizer's EOS text is always added */
  readonly until: readonly string[]
  /** also end at the tokenizer's end-of-turn special tokens (<|im_end|>, <|eot_id|>, …): chat mode */
  readonly stopAtEndOfTurn: boolean
}

/** Why a reply ended. */
export type StopReason = 'eos' | 'stop' | 'length' | 'cancelled'

/** One token made, as it is made. */
export interface StreamStep {
  /** the token id */
  readonly tokenId: number
  /** tokens made so far, this one included */
  readonly count: number
  /** the reply so far: decoded without special tokens, cut at stop strings (may shrink when a stop string completes) */
  readonly text: string
}

/** A finished (or stopped) reply. */
export interface StreamResult {
  /** the reply: generate_until's post-processing of the tokens (special tokens skipped, cut at each stop string) */
  readonly text: string
  /** prompt token ids as fed (left-truncated to max length − max new tokens) */
  readonly promptTokens: readonly number[]
  /** generated token ids, the one that ended the reply included */
  readonly generatedTokens: readonly number[]
  /** why it ended */
  readonly stopReason: StopReason
}

/** Options of one streamed generation. */
export interface StreamOptions {
  /** after each token */
  readonly onToken?: (step: StreamStep) => void
  /** checked before each step; when it fires the reply ends there with stopReason 'cancelled' */
  readonly signal?: AbortSignal
}
