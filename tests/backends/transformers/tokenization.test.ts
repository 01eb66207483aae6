import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { AutoTokenizer } from '@huggingface/transformers'
import {
  encodeLoglikelihoodPair, encodeTail, isPySpace, makeTextCodec, trailingPyWhitespace,
} from '../../../src/backends/transformers/tokenization.ts'
import { modelInput } from '../../../src/backends/transformers/collator.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import type { TokenizerLike } from '../../../src/backends/transformers/tokenization.ts'

// Character-level tokenizer: one id per UTF-16 unit (+1000), id 1 = '<s>' added as BOS when specials are on,
// and the two-character string 'ab' merges into id 7 (a token that can span a boundary).
function charTokenizer(addsBos: boolean): TokenizerLike & { calls: { text: string; special: boolean }[] } {
  const calls: { text: string; special: boolean }[] = []
  return {
    calls,
    encode(text, { add_special_tokens }) {
      calls.push({ text, special: add_special_tokens })
      const ids: number[] = addsBos && add_special_tokens ? [1] : []
      let s = text
      while (s.length > 0) {
        if (s.startsWith('<s>')) { ids.push(1); s = s.slice(3) } else if (s.startsWith('ab')) { ids.push(7); s = s.slice(2) } else { ids.push(1000 + s.charCodeAt(0)); s = s.slice(1) }
      }
      return ids
    },
    decode(ids, { skip_special_tokens }) {
      return ids.map((id) => (id === 1 ? (skip_special_tokens ? '' : '<s>') : id === 7 ? 'ab' : String.fromCharCode(id - 1000))).join('')
    },
  }
}
const chars = (s: string) => [...s].map((c) => 1000 + c.charCodeAt(0))

describe('Python whitespace', () => {
  it('matches str.isspace, not JS \\s', () => {
    for (const c of '\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000') {
      expect(isPySpace(c.charCodeAt(0))).toBe(true)
    }
    for (const c of '\ufeff\u200b\u180ex') expect(isPySpace(c.charCodeAt(0))).toBe(false)
    expect(trailingPyWhitespace('a b \u3000\n')).toBe(3)
    expect(trailingPyWhitespace('a\ufeff')).toBe(0)
  })
})

describe('encodeLoglikelihoodPair', () => {
  it('moves trailing whitespace of the context into the continuation', () => {
    const codec = makeTextCodec(charTokenizer(false), { prefixTokenId: 1 })
    const p = encodeLoglikelihoodPair(codec, 'Answer: ', '(A)')
    expect(p.context).toEqual(chars('Answer:'))
    expect(p.continuation).toEqual(chars(' (A)'))
    const q = encodeLoglikelihoodPair(codec, 'Answer: ', ' (A)')
    expect(q.continuation).toEqual(chars('  (A)'))
  })

  it('encodes the whole string and splits at len(encode(ctx))', () => {
    const codec = makeTextCodec(charTokenizer(false), { prefixTokenId: 1 })
    const p = encodeLoglikelihoodPair(codec, 'xa', 'bc')
    // whole = [x, ab, c]; ctx = [x, a] has 2 tokens, so the continuation is whole[2:] = [c]
    expect(p.context).toEqual(chars('xa'))
    expect(p.continuation).toEqual(chars('c'))
    expect(encodeLoglikelihoodPair(codec, 'xa', 'b').continuation).toEqual([])
  })

  it('uses the prefix token for an empty context', () => {
    const codec = makeTextCodec(charTokenizer(true), { prefixTokenId: 1 })
    expect(encodeLoglikelihoodPair(codec, '', ' hi')).toEqual({ context: [1], continuation: chars(' hi') })
    // a continuation that starts with the prefix token keeps it as context
    expect(encodeLoglikelihoodPair(codec, '', '<s>hi')).toEqual({ context: [1], continuation: chars('hi') })
  })

  it('adds tokenizer-default specials unless forced off or the text starts with the prefix token', () => {
    const tok = charTokenizer(true)
    const codec = makeTextCodec(tok, { prefixTokenId: 1 })
    expect(codec.encode('hi')).toEqual([1, ...chars('hi')])
    expect(codec.encode('<s>hi')).toEqual([1, ...chars('hi')])
    expect(makeTextCodec(tok, { prefixTokenId: 1, addBosToken: false }).encode('hi')).toEqual(chars('hi'))
    const p = encodeLoglikelihoodPair(codec, 'Q', ' A')
    expect(p).toEqual({ context: [1, ...chars('Q')], continuation: chars(' A') })
    expect(codec.decode([], true)).toBe('')
    expect(codec.prefixText).toBe('<s>')
  })
})

describe('long contexts: only the tail is tokenised (issue 17)', async () => {
  configureTransformers({ allowRemote: false })
  const tok = (await AutoTokenizer.from_pretrained(join(import.meta.dirname, '../../../public/models/demo'))) as unknown as TokenizerLike
  const codec = makeTextCodec(tok, { prefixTokenId: 0 })
  const words = 'The quick brown fox, naïve café — 東京 🦊 jumps over\nthe lazy dog; '
  const texts: Record<string, string> = {
    prose: words.repeat(400),
    'one long word': `start ${'x'.repeat(20_000)}`,
    'no spaces': '0123456789abcdef🦊'.repeat(1_500),
    'space runs': `a${'     \t'.repeat(4_000)}b`,
  }
  it('gives the same last tokens, and the same model input, as encoding the whole text', () => {
    for (const [name, text] of Object.entries(texts)) {
      const whole = codec.encode(text)
      const tail = encodeTail(codec.encode, text, 128)
      expect(tail.omitted, name).toBeGreaterThan(0)
      expect(tail.tokens.length, name).toBeGreaterThanOrEqual(128)
      expect(tail.tokens, name).toEqual(whole.slice(whole.length - tail.tokens.length))
      const full = encodeLoglikelihoodPair(codec, text, ' dog')
      const cut = encodeLoglikelihoodPair(codec, text, ' dog', 128)
      expect(cut.omitted, name).toBeGreaterThan(0)
      expect(cut.continuation, name).toEqual(full.continuation)
      expect(modelInput(cut, 128), name).toEqual(modelInput(full, 128))
    }
  })

  it('encodes a text that fits whole, with nothing omitted', () => {
    const short = words.repeat(3)
    expect(encodeTail(codec.encode, short, 512)).toEqual({ omitted: 0, tokens: codec.encode(short) })
    expect(encodeLoglikelihoodPair(codec, short, ' x', 512)).toEqual(encodeLoglikelihoodPair(codec, short, ' x'))
  })
})

describe('a 50 MB single-line context (issue 17)', () => {
  it('tokenises a bounded tail, not the 50 MB, and keeps the window the model sees', () => {
    const tok = charTokenizer(true)
    const codec = makeTextCodec(tok, { prefixTokenId: 1 })
    const context = `${'Canada '.repeat(Math.ceil((50 << 20) / 7))}Question: capital?\nAnswer:`
    const pair = encodeLoglikelihoodPair(codec, context, ' Ottawa', 2048)
    const encoded = tok.calls.reduce((n, c) => n + c.text.length, 0)
    expect(encoded).toBeLessThan(4 * (2048 + 64) * 32)
    expect(pair.omitted).toBeGreaterThan(50_000_000)
    expect(pair.continuation).toEqual(chars(' Ottawa'))
    expect(modelInput(pair, 2048)).toEqual(chars(context.slice(-2048 + 6) + ' Ottaw'))
  })
})
