import { describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import { AutoTokenizer } from '@huggingface/transformers'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { renderChatTemplate, selectChatTemplate } from '../../../src/backends/transformers/chat-template.ts'
import type { ChatTokenizerLike } from '../../../src/backends/transformers/chat-template.ts'

const DEMO = resolve(import.meta.dirname, '../../../public/models/demo')

function fake(chat_template: unknown): ChatTokenizerLike {
  return { chat_template, apply_chat_template: () => '' }
}

describe('chat template selection (lm-eval HFLM.chat_template)', () => {
  it('a single template is used whatever the name', () => {
    expect(selectChatTemplate(fake('T'), undefined, 'm')).toBe('T')
    expect(selectChatTemplate(fake('T'), 'tool_use', 'm')).toBe('T')
  })
  it('a dict is looked up by name, else its default', () => {
    const dict = { default: 'D', tool_use: 'U' }
    expect(selectChatTemplate(fake(dict), undefined, 'm')).toBe('D')
    expect(selectChatTemplate(fake(dict), 'tool_use', 'm')).toBe('U')
    expect(() => selectChatTemplate(fake(dict), 'rag', 'm')).toThrow(/no chat template named 'rag'; valid names: default, tool_use/)
    expect(() => selectChatTemplate(fake({ rag: 'R' }), undefined, 'm')).toThrow(/none is named default/)
  })
  it('no template is a usage error naming the model', () => {
    for (const t of [undefined, null, '']) {
      try {
        selectChatTemplate(fake(t), undefined, 'models/x')
        expect.unreachable()
      } catch (e) {
        expect((e as { code: string }).code).toBe('USAGE')
        expect((e as Error).message).toMatch(/tokenizer of models\/x has no chat_template/)
      }
    }
  })
})

describe('rendering through transformers.js', async () => {
  configureTransformers({ allowRemote: false })
  const tok = (await AutoTokenizer.from_pretrained(DEMO)) as unknown as ChatTokenizerLike
  const msgs = [{ role: 'user', content: 'Q?' }, { role: 'assistant', content: 'A:' }]

  it('generation prompt vs continued final message', () => {
    expect(renderChatTemplate(tok, msgs.slice(0, 1), { addGenerationPrompt: true, continueFinalMessage: false }, 'demo'))
      .toBe('<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\n')
    expect(renderChatTemplate(tok, msgs, { addGenerationPrompt: false, continueFinalMessage: true }, 'demo'))
      .toBe('<|im_start|>user\nQ?<|im_end|>\n<|im_start|>assistant\nA:')
    expect(() => renderChatTemplate(tok, msgs, { addGenerationPrompt: true, continueFinalMessage: true }, 'demo')).toThrow(/cannot both/)
  })

  it('a template that raises gives TEMPLATE_ERROR', () => {
    const raising: ChatTokenizerLike = {
      chat_template: "{{ raise_exception('System role not supported') }}",
      apply_chat_template: (c, o) => tok.apply_chat_template(c, o),
    }
    try {
      renderChatTemplate(raising, msgs, { addGenerationPrompt: true, continueFinalMessage: false }, 'demo')
      expect.unreachable()
    } catch (e) {
      expect((e as { code: string }).code).toBe('TEMPLATE_ERROR')
      expect((e as Error).message).toMatch(/System role not supported/)
    }
  })
})
