/**
 * lm-eval's HF tokenisation rules for requests (lm-eval.md §5.1): special-token defaults, the prefix-token
 * guard, the empty-context prefix and the trailing-whitespace move with encode-whole-then-split.
 */
import type { TokenPair } from './collator.ts'

/** The slice of a transformers.js tokenizer that evalz uses. */
export interface TokenizerLike {
  encode(text: string, options: { add_special_tokens: boolean }): number[]
  decode(ids: number[], options: { skip_special_tokens: boolean }): string
}

/** Encoder/decoder bound to one tokenizer and lm-eval's settings. */
export interface TextCodec {
  /** lm-eval tok_encode: tokenizer default specials (or forced), none if `s` starts with the decoded prefix token */
  encode(s: string): number[]
  /** encode without special tokens */
  encodePlain(s: string): number[]
  /** decode ids; '' for an empty list */
  decode(ids: readonly number[], skipSpecialTokens: boolean): string
  /** token id used for empty contexts and the first rolling window */
  readonly prefixTokenId: number
  /** decode([prefixTokenId]) */
  readonly prefixText: string
}

/** Builds a TextCodec. `addBosToken` undefined = tokenizer default (add_special_tokens=true). */
export function makeTextCodec(tok: TokenizerLike, opts: { addBosToken?: boolean; prefixTokenId: number }): TextCodec {
  const addSpecial = opts.addBosToken ?? true
  const prefixText = tok.decode([opts.prefixTokenId], { skip_special_tokens: false })
  return {
    prefixTokenId: opts.prefixTokenId,
    prefixText,
    encode: (s) => tok.encode(s, { add_special_tokens: addSpecial && !(prefixText !== '' && s.startsWith(prefixText)) }),
    encodePlain: (s) => tok.encode(s, { add_special_tokens: false }),
    decode: (ids, skip) => (ids.length === 0 ? '' : tok.decode([...ids], { skip_special_tokens: skip })),
  }
}

/** A codec that memoises `encode` (contexts repeat across the choices of a question); use per call. */
export function memoizedCodec(codec: TextCodec): TextCodec {
  const cache = new Map<string, number[]>()
  return {
    ...codec,
    encode(s) {
      let ids = cache.get(s)
      if (ids === undefined) {
        ids = codec.encode(s)
        cache.set(s, ids)
      }
      return ids
    },
  }
}

// Python str.isspace() characters (Unicode White_Space minus none, plus the ASCII separators \x1c-\x1f).
const PY_SPACE = new Set([
  0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0, 0x1680,
  0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a,
  0x2028, 0x2029, 0x202f, 0x205f, 0x3000,
])

/** True for characters Python's str.isspace() accepts. */
export function isPySpace(codeUnit: number): boolean {
  return PY_SPACE.has(codeUnit)
}

/** Number of trailing characters Python's `s.rstrip()` removes (all are BMP, so code units = code points). */
export function trailingPyWhitespace(s: string): number {
  let n = 0
  while (n < s.length && isPySpace(s.charCodeAt(s.length - 1 - n))) n++
  return n
}

/** Characters per token assumed when deciding that a text is long enough to tokenise from a tail only. */
const TAIL_CHARS_PER_TOKEN = 32
/** Leading tokens of a tail's encoding that are dropped: they may differ from the whole text's (a cut word, BOS). */
export const TAIL_MARGIN_TOKENS = 64
/** How far past the cut a word boundary (a Python whitespace character) is looked for, in characters. */
const BOUNDARY_SEARCH = 4096

/** A long text's tail: where it starts and its encoding with the margin dropped. */
export interface EncodedTail {
  /** characters of the text before the tail (not tokenised); 0 when the whole text was encoded */
  readonly omitted: number
  /** the tail's encoding, its first TAIL_MARGIN_TOKENS tokens dropped when `omitted` > 0 */
  readonly tokens: number[]
}

/**
 * At least the last `keep` tokens of `encode(text)` (all of them when the text is short), without tokenising a
 * text far longer than `keep` tokens can span: lm-eval keeps only the last max-length tokens of a context, and
 * tokenising a 50 MB line whole costs minutes and gigabytes. The text is cut at a word boundary
 * (`keep` + margin) × 32 characters from its end, the tail is encoded, and its first 64 tokens (where the cut
 * may change the tokenisation) are dropped; a tail that yields too few tokens is grown fourfold until it does.
 */
export function encodeTail(encode: (s: string) => number[], text: string, keep: number): EncodedTail {
  for (let span = (keep + TAIL_MARGIN_TOKENS) * TAIL_CHARS_PER_TOKEN; span < text.length; span *= 4) {
    const cut = wordBoundaryAfter(text, text.length - span)
    const tokens = encode(text.slice(cut))
    if (tokens.length >= keep + TAIL_MARGIN_TOKENS) return { omitted: cut, tokens: tokens.slice(TAIL_MARGIN_TOKENS) }
  }
  return { omitted: 0, tokens: encode(text) }
}

/** The first whitespace position at or after `from` (within BOUNDARY_SEARCH), else `from` moved off a surrogate pair. */
function wordBoundaryAfter(text: string, from: number): number {
  const end = Math.min(text.length, from + BOUNDARY_SEARCH)
  for (let i = from; i < end; i++) if (isPySpace(text.charCodeAt(i))) return i
  const c = text.charCodeAt(from)
  return c >= 0xdc00 && c <= 0xdfff ? from + 1 : from
}

/**
 * Tokenises one loglikelihood request exactly like lm-eval's HFLM (§5.1). With `maxLength`, a context far longer
 * than the model's window is tokenised from its tail (encodeTail): the model sees the same last maxLength + 1
 * tokens, and `omitted` says how many characters were never tokenised.
 */
export function encodeLoglikelihoodPair(codec: TextCodec, context: string, continuation: string, maxLength?: number): TokenPair & { omitted?: number } {
  if (context === '') {
    const cont = codec.encodePlain(continuation)
    if (cont.length > 0 && cont[0] === codec.prefixTokenId) return { context: cont.slice(0, 1), continuation: cont.slice(1) }
    return { context: [codec.prefixTokenId], continuation: cont }
  }
  const n = trailingPyWhitespace(context)
  let ctx = context
  let cont = continuation
  if (n > 0) {
    cont = ctx.slice(ctx.length - n) + cont
    ctx = ctx.slice(0, ctx.length - n)
  }
  if (maxLength !== undefined) {
    const tail = encodeTail(codec.encode, ctx, maxLength + 1)
    if (tail.omitted > 0) {
      const rest = ctx.slice(tail.omitted)
      const whole = codec.encode(rest + cont)
      return { context: tail.tokens, continuation: whole.slice(codec.encode(rest).length), omitted: tail.omitted }
    }
  }
  const whole = codec.encode(ctx + cont)
  const ctxEnc = codec.encode(ctx)
  return { context: ctxEnc, continuation: whole.slice(ctxEnc.length) }
}
