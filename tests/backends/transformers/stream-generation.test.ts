/**
 * Streamed generation over a fake LM: greedy equals generateGreedy (the generate_until path), tokens arrive one by
 * one, a seed repeats, stop strings / EOS / end-of-turn / budget end a reply, and a fired signal ends it at the
 * next step with the partial reply kept.
 */
import { describe, expect, it } from 'vitest'
import { generateGreedy, finishGeneratedText } from '../../../src/backends/transformers/generation.ts'
import { END_OF_TURN_TOKENS, endOfTurnIds, streamGeneration } from '../../../src/backends/transformers/stream-generation.ts'
import type { StreamParts } from '../../../src/backends/transformers/stream-generation.ts'
import { makeTextCodec } from '../../../src/backends/transformers/tokenization.ts'
import type { TokenizerLike } from '../../../src/backends/transformers/tokenization.ts'
import { DEFAULT_SAMPLING } from '../../../src/core/sampling/sampling-settings.ts'
import type { StreamStep } from '../../../src/core/sampling/generation-stream.ts'
import { harnessFailure } from '../../rejection.ts'
import { FAKE_VOCAB, fakeLm } from './fake-lm.ts'

const EOS = FAKE_VOCAB - 1
const letters: TokenizerLike = {
  encode: (text) => [...text].map((c) => c.charCodeAt(0) - 97),
  decode: (ids, { skip_special_tokens }) => ids.map((id) => (id === EOS ? (skip_special_tokens ? '' : '</s>') : String.fromCharCode(97 + id))).join(''),
}
const codec = makeTextCodec(letters, { prefixTokenId: EOS })
const parts = (over: Partial<StreamParts> = {}): StreamParts => ({
  lm: fakeLm(), codec, stopIds: new Set(), eosText: undefined, endOfTurnIds: new Set(), maxLength: 64, ...over,
})
const greedy = { ...DEFAULT_SAMPLING, temperature: 0, maxNewTokens: 15 }

describe('streamGeneration', () => {
  it('greedy = generate_until: same tokens and text as generateGreedy, streamed one token at a time', async () => {
    for (const prompt of ['bcd', 'e', 'fghijk']) {
      const steps: StreamStep[] = []
      const r = await streamGeneration(parts(), { prompt, sampling: greedy, until: [], stopAtEndOfTurn: false }, { onToken: (s) => steps.push(s) })
      const [ref] = await generateGreedy(fakeLm(), codec, { prompts: [codec.encode(prompt)], until: [], maxNewTokens: 15 }, { eosTokenIds: new Set(), padTokenId: 0 })
      expect(r.generatedTokens).toEqual(ref)
      expect(r.text).toBe(finishGeneratedText(codec, ref, []))
      expect(r.stopReason).toBe('length')
      expect(steps.map((s) => s.count)).toEqual(ref.map((_, i) => i + 1))
      expect(steps.at(-1)?.text).toBe(r.text)
      expect(steps[0].text.length).toBeLessThan(r.text.length)
    }
  })

  it('the same seed gives the same reply; temperature > 0 differs from greedy for some seed', async () => {
    const hot = { ...DEFAULT_SAMPLING, temperature: 1.5, topK: 0, topP: 1, minP: 0, maxNewTokens: 15 }
    const req = (seed: number) => ({ prompt: 'bcd', sampling: { ...hot, seed }, until: [], stopAtEndOfTurn: false })
    const a = await streamGeneration(parts(), req(7))
    expect((await streamGeneration(parts(), req(7))).text).toBe(a.text)
    const g = await streamGeneration(parts(), { ...req(0), sampling: greedy })
    const texts = await Promise.all([1, 2, 3, 4].map(async (s) => (await streamGeneration(parts(), req(s))).text))
    expect(texts.some((t) => t !== g.text)).toBe(true)
  })

  it('ends at EOS ids, at end-of-turn ids only in chat mode, at stop strings, and at the budget', async () => {
    const free = await streamGeneration(parts(), { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false })
    const third = free.generatedTokens[2]
    const eos = await streamGeneration(parts({ stopIds: new Set([third]) }), { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false })
    expect(eos.generatedTokens.length).toBeLessThanOrEqual(3)
    expect(eos.stopReason).toBe('eos')
    const eot = parts({ endOfTurnIds: new Set([third]) })
    expect((await streamGeneration(eot, { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: true })).stopReason).toBe('eos')
    expect((await streamGeneration(eot, { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false })).stopReason).toBe('length')
    const stopText = free.text.slice(3, 5)
    const stopped = await streamGeneration(parts(), { prompt: 'bcd', sampling: greedy, until: [stopText], stopAtEndOfTurn: false })
    expect(stopped.stopReason).toBe('stop')
    expect(stopped.text).toBe(free.text.split(stopText)[0])
  })

  it('a fired signal ends the reply at the next step and keeps what was made', async () => {
    const abort = new AbortController()
    const lm = fakeLm()
    const r = await streamGeneration(parts({ lm }), { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false }, {
      signal: abort.signal, onToken: (s) => { if (s.count === 3) abort.abort() },
    })
    expect(r.stopReason).toBe('cancelled')
    expect(r.generatedTokens).toHaveLength(3)
    expect(lm.calls.filter((c) => c.kind === 'step')).toHaveLength(2)
  })

  it('the EOS text is a stop string, as generate_until appends it to until', async () => {
    const r = await streamGeneration(parts({ eosText: 'c' }), { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false })
    const free = await streamGeneration(parts(), { prompt: 'bcd', sampling: greedy, until: [], stopAtEndOfTurn: false })
    expect(free.text).toContain('c')
    expect(r.stopReason).toBe('stop')
    expect(r.text).toBe(free.text.split('c')[0])
  })

  it('a budget that leaves no room for the prompt is a usage error', async () => {
    const e = await harnessFailure(streamGeneration(parts({ maxLength: 10 }), { prompt: 'b', sampling: { ...greedy, maxNewTokens: 10 }, until: [], stopAtEndOfTurn: false }))
    expect(e.code).toBe('USAGE')
    expect(e.message).toMatch(/max new tokens 10 leaves no room .* max length 10/)
  })

  it('end-of-turn ids are the known end tokens among the special tokens', () => {
    expect(endOfTurnIds({ all_special_tokens: ['<|endoftext|>', '<|im_start|>', '<|im_end|>'], all_special_ids: [0, 1, 2] })).toEqual(new Set([0, 2]))
    expect(END_OF_TURN_TOKENS).toContain('<|eot_id|>')
  })
})
