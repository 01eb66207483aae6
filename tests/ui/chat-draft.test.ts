/**
 * The Chat view's pure logic: "Open in chat" keeps a sample's prompt byte for byte (its arguments' arg_0, parsed from
 * a samples line as lm-eval writes it) with the run's model and the eval's generation settings; replies, side by side,
 * edits and regenerate change the messages as the view expects.
 */
import { describe, expect, it } from 'vitest'
import { turnsFor } from '../../src/core/chat/conversation.ts'
import type { ModelInfo } from '../../src/protocol/eval-store.ts'
import {
  DEMO_MODEL, conversationForSample, newConversation, replySampling, runModelRef, sampleForChat, tokensPerSecond, withEditedTurn,
  withReply, withUserTurn, withoutLastReply,
} from '../../src/ui/chat-draft.ts'
import { parseSamples } from '../../src/ui/sample-view.ts'

const info = { model: 'M', seed: 1, tokens: 3, promptTokens: 9, ms: 30, stopReason: 'eos' as const, device: 'wasm' }
// a chat-formatted generate_until prompt, serialised as Python's json.dumps does (ASCII escapes, ", " separators)
const CONTEXT = '<|im_start|>user\nQuestion: caf\u00e9 \u2014 2+2?\\n \t<|im_end|>\n<|im_start|>assistant\nAnswer: '
const LINE = `{"doc_id": 3, "doc": {"q": "x"}, "target": "4", "arguments": {"gen_args_0": {"arg_0": ${JSON.stringify(CONTEXT).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}, "arg_1": {"until": ["\\n\\n", "Question:"], "max_gen_toks": 32}}}, "resps": [[" 4"]], "filtered_resps": [" 4"], "filter": "none", "metrics": ["exact_match"], "exact_match": 1.0}`

describe('Open in chat', () => {
  it('puts the sample\'s exact prompt into a raw, greedy conversation with the eval\'s stop strings and budget', () => {
    const [sample] = parseSamples('demo_arith', LINE, { output_type: 'generate_until' })
    expect(sample.prompt).toBe(CONTEXT)
    const stored: ModelInfo = {
      id: 'tiny-abc', name: 'tiny', files: [], totalBytes: 1, addedAt: 1, weightsSha256: 'ab'.repeat(32), hub: { repo: 'o/tiny', revision: 'main', sha: 'c'.repeat(40), dtype: 'q8' },
    }
    const s = sampleForChat({ id: 'run1', request: { model: 'tiny-abc', modelSource: 'stored' }, modelName: 'tiny' }, sample, [stored])
    expect(s.prompt).toBe(CONTEXT)
    expect(s.model).toEqual({ source: 'stored', id: 'tiny-abc', name: 'tiny', sha256: stored.weightsSha256, hub: { repo: 'o/tiny', sha: 'c'.repeat(40), dtype: 'q8' } })
    const c = conversationForSample('c1', 10, s)
    expect(c.settings.format).toEqual({ mode: 'raw', system: '' })
    expect(c.settings.sampling).toMatchObject({ temperature: 0, maxNewTokens: 32, seed: null })
    expect(c.settings.until).toEqual(['\n\n', 'Question:'])
    expect(c.origin).toEqual({ runId: 'run1', task: 'demo_arith', docId: 3 })
    expect(c.messages).toEqual([])
    // sent as a turn, the raw prompt is the sample's context unchanged
    expect(turnsFor(withUserTurn(c, s.prompt, 11))).toEqual([{ role: 'user', content: CONTEXT }])
  })
  it('the app\'s own model is the bundled one', () => {
    expect(runModelRef({ model: 'demo' }, 'demo', [])).toEqual(DEMO_MODEL)
    expect(runModelRef({ model: 'other', modelSource: 'app' }, 'Other', [])).toEqual({ source: 'app', id: 'other', name: 'Other' })
  })
})

describe('conversation changes', () => {
  it('replies, side by side, regenerate and edit', () => {
    let c = withUserTurn(newConversation('c', 1, DEMO_MODEL), '  What is  the capital\nof France? ', 2)
    expect(c.title).toBe('What is the capital of France?')
    c = withReply(c, ' Paris', info, 3)
    c = withReply(c, ' Lyon', { ...info, model: 'B' }, 4, true)
    expect(turnsFor(c)).toEqual([{ role: 'user', content: '  What is  the capital\nof France? ' }, { role: 'assistant', content: ' Paris' }])
    expect(turnsFor(c, true).at(-1)).toEqual({ role: 'assistant', content: ' Lyon' })
    c = withReply(withUserTurn(c, 'And Spain?', 5), ' Madrid', info, 6)
    expect(withoutLastReply(c, 7).messages).toHaveLength(3)
    expect(withoutLastReply(withoutLastReply(c, 7), 8).messages).toHaveLength(3)
    const edited = withEditedTurn(c, 0, 'Capital of Italy?', 9)
    expect(edited.messages).toEqual([{ role: 'user', content: 'Capital of Italy?' }])
    expect(edited.title).toBe('Capital of Italy?')
    expect(withEditedTurn(c, 1, 'x', 9)).toBe(c)
  })
  it('a fixed seed is used for every reply; none means the random one', () => {
    const c = newConversation('c', 1, DEMO_MODEL)
    expect(replySampling(c.settings, 99).seed).toBe(99)
    expect(replySampling({ ...c.settings, sampling: { ...c.settings.sampling, seed: 7 } }, 99).seed).toBe(7)
    expect(tokensPerSecond(12, 500)).toBe(24)
    expect(tokensPerSecond(3, 0)).toBe(0)
  })
})
