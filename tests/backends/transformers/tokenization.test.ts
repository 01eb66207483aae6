import { describe, expect, it } from 'vitest'
import {
  encodeLoglikelihoodPair, isPySpace, makeTextCodec, trailingPyWhitespace,
} from '../../../src/backends/transformers/tokenization.ts'
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
