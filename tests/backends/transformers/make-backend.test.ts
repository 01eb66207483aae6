import { describe, expect, it } from 'vitest'
import type { BackendInfo, BatchProgress } from '../../../src/core/backend.ts'
import { makeBackend } from '../../../src/backends/transformers/transformers-backend.ts'
import { makeTextCodec } from '../../../src/backends/transformers/tokenization.ts'
import type { TokenizerLike } from '../../../src/backends/transformers/tokenization.ts'
import { FAKE_VOCAB, fakeLm, refLogprob } from './fake-lm.ts'

const EOS = FAKE_VOCAB - 1
// letters a..v are ids 0..21; id 22 is the special '</s>'
const letters: TokenizerLike = {
  encode: (text) => {
    const ids: number[] = []
    for (let s = text; s.length > 0;) {
      if (s.startsWith('</s>')) { ids.push(EOS); s = s.slice(4) } else { ids.push(s.charCodeAt(0) - 97); s = s.slice(1) }
    }
    return ids
  },
  decode: (ids, { skip_special_tokens }) => ids.map((id) => (id === EOS ? (skip_special_tokens ? '' : '</s>') : String.fromCharCode(97 + id))).join(''),
}

function backend(maxLength: number, lm = fakeLm()) {
  const codec = makeTextCodec(letters, { prefixTokenId: EOS })
  const info: BackendInfo = {
    name: 'fake', version: '0', model: 'fake', modelSha256: undefined, numParameters: undefined, device: 'cpu', dtype: 'fp32',
    maxLength, bosToken: undefined, eosToken: ['</s>', EOS], padToken: undefined, prefixTokenId: EOS,
  }
  return makeBackend({ info, lm, codec, eosTokenId: EOS, stopIds: new Set([EOS]), padTokenId: 0 })
}
const ids = (s: string) => [...s].map((c) => c.charCodeAt(0) - 97)

describe('makeBackend over a fake model', () => {
  it('answers loglikelihood requests in order with lm-eval token splits and progress', async () => {
    const lm = fakeLm()
    const be = backend(64, lm)
    const progress: BatchProgress[] = []
    const reqs = [
      { kind: 'loglikelihood' as const, context: 'abc', continuation: 'd' },
      { kind: 'loglikelihood' as const, context: '', continuation: 'ghij' },
      { kind: 'loglikelihood' as const, context: 'abcdefgh', continuation: 'ij' },
    ]
    const res = await be.loglikelihood(reqs, { batchSize: 2, onProgress: (p) => progress.push(p) })
    expect(res.map((r) => r.contextTokens)).toEqual([ids('abc'), [EOS], ids('abcdefgh')])
    expect(res.map((r) => r.continuationTokens)).toEqual([ids('d'), ids('ghij'), ids('ij')])
    const want = refLogprob(ids('abc'), ids('d')[0]).logprob
    expect(res[0].logprob).toBeCloseTo(want, 9)
    expect(progress.at(-1)).toMatchObject({ done: 3, total: 3 })
    // one report per forward; rows of 9, 4 and 3 tokens run alone: batching any two would pad over 10%
    expect(progress).toHaveLength(lm.calls.length)
    expect(lm.calls.map((c) => c.width)).toEqual([9, 4, 3])
  })

  it('rejects unscorable requests and bad batch sizes with stable codes', async () => {
    const be = backend(64)
    await expect(be.loglikelihood([{ kind: 'loglikelihood', context: 'ab', continuation: '' }], { batchSize: 1 }))
      .rejects.toMatchObject({ code: 'BACKEND_ERROR', detail: { index: 0 } })
    await expect(be.loglikelihood([], { batchSize: 0 })).rejects.toMatchObject({ code: 'USAGE' })
  })

  it('sums rolling windows per document', async () => {
    const be = backend(5)
    const text = 'abcdefghijklmnopq' // 17 tokens: windows of 5,5,5,2
    const [r, empty] = await be.loglikelihoodRolling([
      { kind: 'loglikelihood_rolling', text }, { kind: 'loglikelihood_rolling', text: '' },
    ], { batchSize: 3 })
    expect(r.windows).toBe(4)
    expect(r.tokens).toEqual(ids(text))
    // by hand: token i is predicted from the window's context
    const t = ids(text)
    let want = 0
    for (let i = 0; i < 5; i++) want += refLogprob([EOS, ...t.slice(0, i)], t[i]).logprob
    for (const start of [5, 10]) for (let i = start; i < start + 5; i++) want += refLogprob(t.slice(start - 1, i), t[i]).logprob
    for (let i = 15; i < 17; i++) want += refLogprob(t.slice(11, i), t[i]).logprob
    expect(r.logprob).toBeCloseTo(want, 9)
    expect(empty).toEqual({ logprob: 0, tokens: [], windows: 0 })
  })

  it('generates in request order, appends EOS to until and truncates the prompt to max_length - max_gen_toks', async () => {
    const be = backend(10)
    const gen = { until: ['zz'], max_gen_toks: 4, do_sample: false, temperature: 0 }
    const reqs = [
      { kind: 'generate_until' as const, context: 'abcdefghijkl', gen },
      { kind: 'generate_until' as const, context: 'ab', gen },
      { kind: 'generate_until' as const, context: 'abc', gen: { ...gen, max_gen_toks: 2 } },
    ]
    const res = await be.generateUntil(reqs, { batchSize: 8 })
    expect(res[0].contextTokens).toEqual(ids('ghijkl'))
    expect(res[1].contextTokens).toEqual(ids('ab'))
    expect(res[2].generatedTokens.length).toBeLessThanOrEqual(2)
    res.forEach((r, i) => {
      const ctx = r.contextTokens
      const out: number[] = []
      const max = reqs[i].gen.max_gen_toks
      while (out.length < max) {
        const tok = refLogprob([...ctx, ...out], 0).argmax
        out.push(tok)
        if (tok === EOS || letters.decode(out, { skip_special_tokens: false }).includes('zz')) break
      }
      expect(r.generatedTokens).toEqual(out)
      expect(r.text).toBe(letters.decode(out, { skip_special_tokens: true }).split('zz')[0])
    })
  })

  it('cancels between forward passes', async () => {
    const be = backend(64)
    const ac = new AbortController()
    ac.abort()
    await expect(be.generateUntil([{ kind: 'generate_until', context: 'ab', gen: { until: [], max_gen_toks: 3, do_sample: false, temperature: 0 } }],
      { batchSize: 1, signal: ac.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
  })
})
