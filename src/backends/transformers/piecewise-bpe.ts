/**
 * Exact piecewise encoding for BPE tokenizers that run the whole text as one word (no pre-tokenizer: Llama-2,
 * Mistral and other SentencePiece-BPE conversions). Such a tokenizer's BPE over a 7,000-character few-shot prompt
 * is one heap run over 7,000 symbols, and lm-eval encodes every prompt twice per choice (context + continuation
 * whole, then the context). Here the normalised text is cut at boundaries that no merge can cross and each piece
 * goes through the tokenizer's own BPE, whose per-word cache then serves the pieces every prompt of a task shares
 * (the shots, the description): same tokens, a fraction of the work.
 *
 * Why it is exact: BPE merges the adjacent pair of lowest rank until none is left (ties leftmost first), and every
 * merge [a, b] joins a symbol ending in a's last character to one starting with b's first. Where the text's
 * characters x|y never occur as (last character of a, first character of b) in any merge, no pair straddling the
 * boundary is ever in the merge table, so the merges on either side never see each other and run as they would
 * alone. Texts that hold an added token, tokenizers with a pre-tokenizer or any other model, and results holding the
 * unknown token (whose fusing could join pieces) take the tokenizer's plain encode.
 */
import type { TokenizerLike } from './tokenization.ts'

/** The slice of transformers.js's inner tokenizer (`PreTrainedTokenizer._tokenizer`) this file reads. */
interface InnerTokenizer {
  readonly normalizer: ((text: string) => string) | null
  readonly pre_tokenizer: unknown
  readonly post_processor: ((a: string[], b: null, addSpecial: boolean) => { tokens: string[] }) | null
  readonly splitter_unnormalized: { split(text: string): string[] }
  readonly splitter_normalized: { split(text: string): string[] }
  readonly added_tokens_map: Map<string, { id: number }>
  readonly remove_space?: boolean
  readonly do_lowercase_and_remove_accent?: boolean
  readonly model: {
    readonly merges?: readonly (readonly [string, string])[]
    readonly bpe?: unknown
    readonly encode: (words: string[]) => string[]
    readonly tokens_to_ids: Map<string, number>
    readonly unk_token?: string
    readonly unk_token_id?: number
    readonly end_of_word_suffix?: string | null
    readonly continuing_subword_suffix?: string | null
    readonly ignore_merges?: boolean
  }
}

/** Characters of the normalised text a piece holds at least, before the next safe boundary ends it. */
export const MIN_PIECE_CHARS = 64

/** Encoding statistics (tests and profiling). */
export interface PiecewiseStats {
  /** texts encoded piecewise */
  piecewise: number
  /** texts that took the plain encode */
  plain: number
}

/**
 * A tokenizer whose `encode` cuts BPE work into cacheable pieces when the tokenizer allows it exactly (see the file
 * comment), and is the tokenizer's own encode otherwise; `stats` counts which path each text took.
 */
export function piecewiseTokenizer(tok: TokenizerLike): TokenizerLike & { readonly stats: PiecewiseStats } {
  const stats: PiecewiseStats = { piecewise: 0, plain: 0 }
  const inner = (tok as unknown as { _tokenizer?: InnerTokenizer })._tokenizer
  const joins = inner && supported(inner) ? joiningPairs(inner.model.merges ?? []) : undefined
  const plain = (text: string, add_special_tokens: boolean) => {
    stats.plain++
    return tok.encode(text, { add_special_tokens })
  }
  return {
    stats,
    decode: (ids, options) => tok.decode(ids, options),
    encode(text, { add_special_tokens }) {
      if (!inner || !joins) return plain(text, add_special_tokens)
      const ids = encodePieces(inner, joins, text, add_special_tokens)
      if (!ids) return plain(text, add_special_tokens)
      stats.piecewise++
      return ids
    },
  }
}

/** True when the tokenizer is a whole-text BPE this file reproduces exactly. */
function supported(t: InnerTokenizer): boolean {
  const m = t.model
  return t.pre_tokenizer === null && typeof m?.bpe === 'function' && Array.isArray(m.merges) && !m.end_of_word_suffix &&
    !m.continuing_subword_suffix && !m.ignore_merges && t.remove_space !== true && !t.do_lowercase_and_remove_accent &&
    typeof t.splitter_unnormalized?.split === 'function' && typeof t.splitter_normalized?.split === 'function'
}

/** Every (last character of a, first character of b) of the merges [a, b], as the two characters joined by NUL. */
function joiningPairs(merges: readonly (readonly [string, string])[]): Set<string> {
  const pairs = new Set<string>()
  for (const [a, b] of merges) {
    const last = String.fromCodePoint(a.codePointAt(a.length - 1 - (isLowSurrogate(a.charCodeAt(a.length - 1)) ? 1 : 0)) ?? 0)
    const first = String.fromCodePoint(b.codePointAt(0) ?? 0)
    pairs.add(last + '\0' + first)
  }
  return pairs
}

/** The ids of `text`, or undefined when it must take the plain encode. Mirrors encode_text + post-processing. */
function encodePieces(t: InnerTokenizer, joins: Set<string>, text: string, addSpecial: boolean): number[] | undefined {
  if (text.length === 0 || t.splitter_unnormalized.split(text).length !== 1 || t.added_tokens_map.has(text)) return undefined
  const normalized = t.normalizer ? t.normalizer(text) : text
  if (normalized.length === 0 || t.added_tokens_map.has(normalized) || t.splitter_normalized.split(normalized).length !== 1) {
    return undefined
  }
  const tokens: string[] = []
  let start = 0
  for (const cut of safeCuts(normalized, joins)) {
    for (const token of t.model.encode([normalized.slice(start, cut)])) tokens.push(token)
    start = cut
  }
  for (const token of t.model.encode([normalized.slice(start)])) tokens.push(token)
  const unk = t.model.unk_token
  if (unk !== undefined && tokens.includes(unk)) return undefined
  const processed = t.post_processor ? t.post_processor(tokens, null, addSpecial).tokens : tokens
  return processed.map((x) => t.added_tokens_map.get(x)?.id ?? t.model.tokens_to_ids.get(x) ?? t.model.unk_token_id ?? 0)
}

/**
 * Cut positions (UTF-16 indices, never inside a surrogate pair): the first safe boundary at least MIN_PIECE_CHARS
 * after the previous cut, so that texts sharing a beginning are cut alike up to where they differ.
 */
function* safeCuts(s: string, joins: Set<string>): Generator<number> {
  let last = 0
  for (let i = MIN_PIECE_CHARS; i < s.length; i++) {
    if (i - last < MIN_PIECE_CHARS || isLowSurrogate(s.charCodeAt(i))) continue
    const before = String.fromCodePoint(s.codePointAt(i - 1 - (isLowSurrogate(s.charCodeAt(i - 1)) ? 1 : 0)) ?? 0)
    const after = String.fromCodePoint(s.codePointAt(i) ?? 0)
    if (!joins.has(before + '\0' + after)) {
      yield i
      last = i
    }
  }
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff
}
