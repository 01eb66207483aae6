/**
 * A deterministic GPT-2-style byte-level BPE: trainer, encoder and decoder.
 *
 * Text is split with the GPT-2 pre-tokenizer regex, each piece's UTF-8 bytes are mapped to printable
 * characters (GPT-2's bytes→unicode table), and merges are learned greedily: the most frequent adjacent
 * pair wins, ties go to the pair that sorts first (by UTF-16 code units of left, then right symbol).
 */

/** The GPT-2 split regex (as used by Hugging Face's ByteLevel pre-tokenizer with use_regex). */
export const GPT2_SPLIT_REGEX = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu

/** A trained tokenizer. */
export interface ByteLevelBpe {
  /** token string → id; specials first, then the 256 byte symbols, then merged symbols */
  vocab: Map<string, number>
  /** merges in rank order (index = rank) */
  merges: [string, string][]
  /** special tokens (matched verbatim before pre-tokenization), in id order */
  specialTokens: string[]
}

/** Training options. */
export interface BpeTrainOptions {
  /** target vocabulary size including specials and the 256 byte symbols */
  vocabSize: number
  /** special tokens, given ids 0..n-1 in this order */
  specialTokens: string[]
  /** stop when the best pair occurs fewer times than this; default 2 */
  minFrequency?: number
}

/** GPT-2's byte → printable character table (bytes that are printable map to themselves). */
export function bytesToUnicode(): string[] {
  const direct: number[] = []
  for (let b = 0x21; b <= 0x7e; b++) direct.push(b)
  for (let b = 0xa1; b <= 0xac; b++) direct.push(b)
  for (let b = 0xae; b <= 0xff; b++) direct.push(b)
  const table = new Array<string>(256)
  let extra = 0
  for (let b = 0; b < 256; b++) {
    table[b] = direct.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++)
  }
  return table
}

const BYTE_TO_CHAR = bytesToUnicode()
const CHAR_TO_BYTE = new Map(BYTE_TO_CHAR.map((ch, b) => [ch, b]))

/** Splits text into pre-tokens and maps each to its byte-level character string. */
export function preTokenize(text: string): string[] {
  const enc = new TextEncoder()
  return (text.match(GPT2_SPLIT_REGEX) ?? []).map((piece) => Array.from(enc.encode(piece), (b) => BYTE_TO_CHAR[b]!).join(''))
}

function comparePairs(a: [string, string], b: [string, string]): number {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1
  return 0
}

/** Learns merges from `texts` until the vocabulary reaches `vocabSize` (or no pair is frequent enough). */
export function trainByteLevelBpe(texts: readonly string[], options: BpeTrainOptions): ByteLevelBpe {
  const minFrequency = options.minFrequency ?? 2
  const vocab = new Map<string, number>()
  for (const s of options.specialTokens) vocab.set(s, vocab.size)
  for (const ch of [...BYTE_TO_CHAR].sort()) vocab.set(ch, vocab.size)

  const counts = new Map<string, number>()
  for (const text of texts) {
    for (const w of preTokenize(text)) counts.set(w, (counts.get(w) ?? 0) + 1)
  }
  const words = [...counts.keys()].sort().map((w) => ({ symbols: Array.from(w), count: counts.get(w)! }))
  const merges: [string, string][] = []

  while (vocab.size < options.vocabSize) {
    const pairCounts = new Map<string, { pair: [string, string], count: number }>()
    for (const w of words) {
      for (let i = 0; i + 1 < w.symbols.length; i++) {
        const pair: [string, string] = [w.symbols[i]!, w.symbols[i + 1]!]
        const key = `${pair[0]}\u0000${pair[1]}`
        const entry = pairCounts.get(key)
        if (entry) entry.count += w.count
        else pairCounts.set(key, { pair, count: w.count })
      }
    }
    let best: { pair: [string, string], count: number } | null = null
    for (const e of pairCounts.values()) {
      if (!best || e.count > best.count || (e.count === best.count && comparePairs(e.pair, best.pair) < 0)) best = e
    }
    if (!best || best.count < minFrequency) break
    const [a, b] = best.pair
    merges.push([a, b])
    if (!vocab.has(a + b)) vocab.set(a + b, vocab.size)
    for (const w of words) w.symbols = mergeSymbols(w.symbols, a, b)
  }
  return { vocab, merges, specialTokens: [...options.specialTokens] }
}

function mergeSymbols(symbols: string[], a: string, b: string): string[] {
  const out: string[] = []
  for (let i = 0; i < symbols.length; i++) {
    if (i + 1 < symbols.length && symbols[i] === a && symbols[i + 1] === b) {
      out.push(a + b)
      i++
    } else {
      out.push(symbols[i]!)
    }
  }
  return out
}

/** Encoder/decoder for a trained byte-level BPE (independent of transformers.js, used to cross-check it). */
export class ByteLevelBpeCodec {
  private readonly ranks: Map<string, number>
  private readonly idToToken: string[]

  constructor(private readonly bpe: ByteLevelBpe) {
    this.ranks = new Map(bpe.merges.map(([a, b], i) => [`${a}\u0000${b}`, i]))
    this.idToToken = []
    for (const [tok, id] of bpe.vocab) this.idToToken[id] = tok
  }

  /** Token ids for `text`; special tokens are recognised verbatim, no BOS/EOS is added. */
  encode(text: string): number[] {
    const ids: number[] = []
    for (const part of this.splitSpecials(text)) {
      if (part.special) {
        ids.push(this.bpe.vocab.get(part.text)!)
        continue
      }
      for (const word of preTokenize(part.text)) {
        for (const sym of this.encodeWord(word)) ids.push(this.bpe.vocab.get(sym)!)
      }
    }
    return ids
  }

  /** Text for token ids (invalid UTF-8 sequences become U+FFFD). */
  decode(ids: readonly number[]): string {
    const bytes: number[] = []
    let out = ''
    const flush = () => {
      out += new TextDecoder().decode(Uint8Array.from(bytes))
      bytes.length = 0
    }
    for (const id of ids) {
      const tok = this.idToToken[id]
      if (tok === undefined) throw new Error(`token id ${id} is not in the vocabulary (size ${this.idToToken.length})`)
      if (this.bpe.specialTokens.includes(tok)) {
        flush()
        out += tok
      } else {
        for (const ch of tok) bytes.push(CHAR_TO_BYTE.get(ch)!)
      }
    }
    flush()
    return out
  }

  /** Applies merges to one pre-token: repeatedly the lowest-rank adjacent pair, leftmost first. */
  encodeWord(word: string): string[] {
    let symbols = Array.from(word)
    for (;;) {
      let bestRank = Infinity
      let bestAt = -1
      for (let i = 0; i + 1 < symbols.length; i++) {
        const r = this.ranks.get(`${symbols[i]}\u0000${symbols[i + 1]}`)
        if (r !== undefined && r < bestRank) {
          bestRank = r
          bestAt = i
        }
      }
      if (bestAt < 0) return symbols
      symbols = [...symbols.slice(0, bestAt), symbols[bestAt]! + symbols[bestAt + 1]!, ...symbols.slice(bestAt + 2)]
    }
  }

  private splitSpecials(text: string): { text: string, special: boolean }[] {
    const parts: { text: string, special: boolean }[] = []
    let start = 0
    let i = 0
    while (i < text.length) {
      const hit = this.bpe.specialTokens.filter((s) => text.startsWith(s, i)).sort((x, y) => y.length - x.length)[0]
      if (hit) {
        if (i > start) parts.push({ text: text.slice(start, i), special: false })
        parts.push({ text: hit, special: true })
        i += hit.length
        start = i
      } else {
        i++
      }
    }
    if (start < text.length) parts.push({ text: text.slice(start), special: false })
    return parts
  }
}
