/**
 * Chat prompts: template mode equals a python3 Jinja2 rendering of the template (the chat oracle's
 * `conversations`, tests/core/fixtures/chat/gen_chat.py), rendered through the demo tokenizer; raw mode is the
 * system text and the turns concatenated.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { AutoTokenizer } from '@huggingface/transformers'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { renderChatTemplate } from '../../../src/backends/transformers/chat-template.ts'
import type { ChatTokenizerLike } from '../../../src/backends/transformers/chat-template.ts'
import type { ChatTurn } from '../../../src/core/chat/chat-prompt.ts'
import { promptFor } from '../../../src/core/chat/chat-prompt.ts'
import { harnessThrow } from '../../rejection.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
interface Conversation { system: string; turns: ChatTurn[]; rendered: string; chat_template?: string }
const golden = JSON.parse(readFileSync(resolve(ROOT, 'tests/core/fixtures/chat/golden.json'), 'utf8')) as { conversations: Conversation[] }

describe('chat prompts = python3 Jinja2 rendering (chat oracle)', async () => {
  configureTransformers({ allowRemote: false })
  const demo = (await AutoTokenizer.from_pretrained(resolve(ROOT, 'public/models/demo'))) as unknown as ChatTokenizerLike

  it('has multi-turn cases with and without a system prompt and a second template', () => {
    expect(golden.conversations.length).toBeGreaterThanOrEqual(4)
    expect(golden.conversations.some((c) => c.chat_template !== undefined)).toBe(true)
  })
  golden.conversations.forEach((c, i) => {
    it(`conversation ${i}: ${c.turns.length} turns${c.system ? ', system prompt' : ''}`, () => {
      const tok: ChatTokenizerLike = c.chat_template === undefined
        ? demo
        : { chat_template: c.chat_template, apply_chat_template: (conv, opts) => demo.apply_chat_template(conv, opts) }
      const render = (m: Parameters<typeof renderChatTemplate>[1], o: Parameters<typeof renderChatTemplate>[2]) => renderChatTemplate(tok, m, o, 'demo')
      expect(promptFor(c.turns, { mode: 'template', system: c.system }, render)).toBe(c.rendered)
    })
  })
})

describe('raw prompts', () => {
  it('are the system text and the turns as written', () => {
    const turns: ChatTurn[] = [{ role: 'user', content: 'The capital of France is' }, { role: 'assistant', content: ' Paris.' }, { role: 'user', content: ' Spain:' }]
    expect(promptFor(turns.slice(0, 1), { mode: 'raw', system: '' }, undefined)).toBe('The capital of France is')
    expect(promptFor(turns, { mode: 'raw', system: 'Facts. ' }, undefined)).toBe('Facts. The capital of France is Paris. Spain:')
  })
  it('template mode without a renderer is one usage error pointing at raw mode', () => {
    const e = harnessThrow(() => promptFor([], { mode: 'template', system: '' }, undefined))
    expect(e.code).toBe('USAGE')
    expect(e.message).toMatch(/raw/)
  })
})
