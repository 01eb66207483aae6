/** Conversation export / import: OpenAI messages (system first) plus settings, model identity and reply details. */
import { describe, expect, it } from 'vitest'
import { conversationFromJson, conversationToJson, titleFor } from '../../../src/core/chat/conversation.ts'
import type { Conversation } from '../../../src/core/chat/conversation.ts'
import { harnessThrow } from '../../rejection.ts'

const model = { source: 'stored' as const, id: 'tiny-abc', name: 'tiny', sha256: 'ab'.repeat(32), hub: { repo: 'o/tiny', sha: 'c'.repeat(40), dtype: 'q8' } }
const settings = {
  format: { mode: 'template' as const, system: 'Be brief.', templateName: 'tool_use' },
  sampling: { temperature: 0.7, topP: 0.9, topK: 20, minP: 0, repetitionPenalty: 1.1, maxNewTokens: 64, seed: 7 },
  until: ['\n\n'],
}
const conv: Conversation = {
  id: 'c1', title: 'Capital', createdAt: Date.UTC(2026, 0, 2), updatedAt: Date.UTC(2026, 0, 3), model,
  compareModel: { source: 'app', id: 'demo', name: 'Demo' }, settings,
  messages: [
    { role: 'user', content: 'Capital of France?' },
    { role: 'assistant', content: ' Paris', reply: { model: 'tiny', seed: 7, tokens: 2, promptTokens: 9, ms: 40, stopReason: 'eos', device: 'wasm' }, compare: { content: ' Lyon' } },
  ],
  origin: { runId: 'r1', task: 'demo_arith', docId: 3 },
}
const fallback = { id: 'new', now: 5, model: { source: 'app' as const, id: 'demo', name: 'Demo' }, settings: { ...settings, format: { mode: 'raw' as const, system: '' } } }

describe('conversation JSON', () => {
  it('exports OpenAI messages with the system prompt first, and imports back to the same conversation', () => {
    const text = conversationToJson(conv)
    const data = JSON.parse(text)
    expect(data.format).toBe('evalz-conversation')
    expect(data.messages).toEqual([
      { role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of France?' }, { role: 'assistant', content: ' Paris' },
    ])
    expect(data.model).toEqual(model)
    expect(data.settings).toMatchObject({ mode: 'template', template_name: 'tool_use', temperature: 0.7, seed: 7, until: ['\n\n'] })
    const back = conversationFromJson(text, fallback)
    expect(back).toEqual({ ...conv, id: 'new', updatedAt: 5, messages: [conv.messages[0], { ...conv.messages[1], compare: { content: ' Lyon' } }] })
  })
  it('a bare OpenAI messages array imports with the fallback model and settings', () => {
    const c = conversationFromJson(JSON.stringify([{ role: 'system', content: 'S' }, { role: 'user', content: 'Hello there' }]), fallback)
    expect(c.settings.format).toEqual({ mode: 'raw', system: 'S' })
    expect(c.messages).toEqual([{ role: 'user', content: 'Hello there' }])
    expect(c.title).toBe('Hello there')
    expect(c.model).toEqual(fallback.model)
  })
  it('bad files are one line naming what is wrong', () => {
    for (const [text, why] of [
      ['{', /invalid JSON/], ['{"x": 1}', /no "messages" array/], ['[{"role": "robot", "content": "x"}]', /message 0 needs a role/],
      ['{"messages": [], "settings": {"temperature": -2}}', /temperature -2 is invalid/],
    ] as const) {
      const e = harnessThrow(() => conversationFromJson(text, fallback))
      expect(e.code).toBe('DATASET_PARSE_ERROR')
      expect(e.message).toMatch(why)
    }
  })
  it('titles are the first user message on one line, shortened', () => {
    expect(titleFor([])).toBe('New conversation')
    expect(titleFor([{ role: 'user', content: 'x'.repeat(80) }])).toBe(`${'x'.repeat(59)}…`)
  })
})
