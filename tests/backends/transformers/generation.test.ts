import { describe, expect, it } from 'vitest'
import { finishGeneratedText, generateGreedy } from '../../../src/backends/transformers/generation.ts'
import { makeTextCodec } from '../../../src/backends/transformers/tokenization.ts'
import type { TokenizerLike } from '../../../src/backends/transformers/tokenization.ts'
import { FAKE_VOCAB, fakeLm, refLogprob } from './fake-lm.ts'

const EOS = FAKE_VOCAB - 1
// id v < EOS decodes to one letter; EOS is the special '</s>'
const letters: TokenizerLike = {
  encode: (text) => [...text].map((c) => c.charCodeAt(0) - 97),
  decode: (ids, { skip_special_tokens }) => ids.map((id) => (id === EOS ? (skip_special_tokens ? '' : '</s>') : String.fromCharCode(97 + id))).join(''),
}
const codec = makeTextCodec(letters, { prefixTokenId: EOS })

/** Naive greedy loop: full recompute per step, one row at a time. */
function naive(prompt: number[], maxNew: number, stops: string[], eos: Set<number>): number[] {
  const out: number[] = []
  while (out.length < maxNew) {
    const tok = refLogprob([...prompt, ...out], 0).argmax
    out.push(tok)
    if (eos.has(tok)) break
    const text = codec.decode(out, false)
    if (stops.some((s) => s !== '' && text.includes(s))) break
  }
  return out
}

const prompts = [[1, 2, 3], [4], [5, 6, 7, 8, 9, 10], [0, 0], [11, 3, 7]]

describe('generateGreedy', () => {
  it('equals a naive full-recompute argmax loop without stop strings', async () => {
    const got = await generateGreedy(fakeLm(), codec, { prompts, until: [], maxNewTokens: 12 }, { eosTokenIds: new Set(), padTokenId: 0 })
    expect(got).toEqual(prompts.map((p) => naive(p, 12, [], new Set())))
    expect(got.every((g) => g.length === 12)).toBe(true)
  })

  it('stops each row at its first stop string or EOS and the batch when all rows stopped', async () => {
    const free = prompts.map((p) => naive(p, 12, [], new Set()))
    const stopText = codec.decode(free[0].slice(4, 6), false) // occurs in row 0 by construction
    const eosTok = free[2][3] // row 2 emits this id at step 4 (maybe earlier)
    const eos = new Set([eosTok])
    const lm = fakeLm()
    const got = await generateGreedy(lm, codec, { prompts, until: [stopText], maxNewTokens: 12 }, { eosTokenIds: eos, padTokenId: 0 })
    const want = prompts.map((p) => naive(p, 12, [stopText], eos))
    expect(got).toEqual(want)
    expect(got[0].length).toBeLessThanOrEqual(6)
    expect(got[2].length).toBeLessThanOrEqual(4)
    const steps = lm.calls.filter((c) => c.kind === 'step').length
    expect(steps).toBe(Math.max(...want.map((w) => w.length)) - 1)
  })

  it('finishes text like lm-eval: skip specials, then cut at each stop string in order', () => {
    expect(finishGeneratedText(codec, [0, 1, 2, EOS], ['</s>'])).toBe('abc')
    expect(finishGeneratedText(codec, [0, 1, 2, 3, 1, 2], ['', 'c', 'b'])).toBe('a')
    expect(finishGeneratedText(codec, [], ['x'])).toBe('')
  })

  it('generates nothing for max_gen_toks 0', async () => {
    expect(await generateGreedy(fakeLm(), codec, { prompts, until: [], maxNewTokens: 0 }, { eosTokenIds: new Set(), padTokenId: 0 }))
      .toEqual(prompts.map(() => []))
  })
})
