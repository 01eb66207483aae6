import { describe, expect, it } from 'vitest'
import type { ChatMessage, ChatTemplateOptions, ModelBackend } from '../../../src/core/backend.ts'
import type { Doc, DocSource, SplitRef } from '../../../src/core/source.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import type { PromptMessage } from '../../../src/core/fewshot/chat-messages.ts'
import { chatTargetDelimiter, chatTurns, messagesText, promptMessages, qaTurn } from '../../../src/core/fewshot/chat-messages.ts'
import { renderWithFallback, resolveChat } from '../../../src/core/fewshot/chat-context.ts'
import { buildContext } from '../../../src/core/fewshot/context.ts'
import { evaluate } from '../../../src/core/evaluator.ts'
import { makeCatalogue } from '../../../src/core/tasks/registry.ts'
import { HarnessError } from '../../../src/core/errors.ts'
import { fakeBackend } from '../fake-backend.ts'

const MC: TaskSpec = {
  task: 'toy_mc', dataset_path: 'toy/mc', output_type: 'multiple_choice', test_split: 'test', training_split: 'train',
  doc_to_text: 'Q: {{q}}\nA:', doc_to_choice: 'choices', doc_to_target: 'gold', metric_list: [{ metric: 'acc' }],
}
const WINO: TaskSpec = {
  task: 'toy_wino', dataset_path: 'toy/wino', output_type: 'multiple_choice', test_split: 'test',
  doc_to_text: 'label', doc_to_choice: '{{[a + " fits", b + " fits"]}}', doc_to_target: 'rest', metric_list: [{ metric: 'acc' }],
}
const SHOTS: Doc[] = [{ q: 'one', choices: ['a', 'b'], gold: 1 }, { q: 'two', choices: ['c', 'd'], gold: 0 }]
const DOC: Doc = { q: 'three', choices: ['e', 'f'], gold: 0 }
const WDOCS: Doc[] = [{ a: 'cat', b: 'dog', label: 1, rest: ' here.' }, { a: 'sun', b: 'moon', label: 0, rest: ' now.' }]

/** A toy chat template in the ChatML style, written here: role tags around each message. */
function chatml(messages: readonly ChatMessage[], opts: ChatTemplateOptions): string {
  const text = messages.map(m => `<|${m.role}|>${m.content}<|end|>`).join('') + (opts.addGenerationPrompt ? '<|assistant|>' : '')
  if (!opts.continueFinalMessage) return text
  return text.slice(0, text.lastIndexOf('<|end|>'))
}

describe('lm-eval message list (§4.2–4.3)', () => {
  it('build_qa_turn: answer, prefill, delimiters', () => {
    expect(qaTurn('Q?', 'yes', '', ' ', '\n\n')).toEqual([
      { role: 'user', content: 'Q?', delimiter: ' ' }, { role: 'assistant', content: 'yes', delimiter: '\n\n' }])
    expect(qaTurn('Q?', 'yes', 'A:', ' ', '\n\n')).toEqual([
      { role: 'user', content: 'Q?', delimiter: ' ' }, { role: 'assistant', content: 'A: yes', delimiter: '\n\n' }])
    expect(qaTurn('Q?\n', undefined, 'A:', ' ', '')).toEqual([
      { role: 'user', content: 'Q?\n', delimiter: '' }, { role: 'assistant', content: 'A:', delimiter: '' }])
    expect(qaTurn('Q?', undefined, '', ' ', '')).toEqual([{ role: 'user', content: 'Q?', delimiter: '' }])
  })

  it('plain-text rendering of the messages equals the plain prompt (with and without system instruction)', () => {
    for (const si of [undefined, 'Be brief.', 'Be brief.\n']) {
      for (const spec of [MC, { ...MC, description: 'About letters.' }, { ...MC, doc_to_text: 'Q: {{q}}', gen_prefix: 'A:' }]) {
        const m = promptMessages(spec, DOC, 0, SHOTS, false, si)
        expect(messagesText([...m.history, ...m.finals[0]])).toBe(buildContext(spec, DOC, 0, SHOTS, false, si).context)
      }
    }
  })

  it('system instruction without a template is glued to the prompt; with a description it joins with \\n\\n', () => {
    expect(buildContext(MC, DOC, 0, [], false, 'Be brief.').context).toBe('Be brief.Q: three\nA:')
    expect(buildContext({ ...MC, description: 'About letters.' }, DOC, 0, [], false, 'Be brief.').context).toBe('Be brief.\n\nAbout letters.Q: three\nA:')
  })

  it('multiple-input tasks get one final turn per filled-in choice', () => {
    const m = promptMessages(WINO, WDOCS[0], 0, [WDOCS[1]], true, 'S')
    expect(m.history).toEqual([
      { role: 'system', content: 'S', delimiter: '' },
      { role: 'user', content: 'sun fits', delimiter: ' ' }, { role: 'assistant', content: ' now.', delimiter: '\n\n' },
    ])
    expect(m.finals).toEqual([[{ role: 'user', content: 'cat fits', delimiter: '' }], [{ role: 'user', content: 'dog fits', delimiter: '' }]])
  })

  it('single-turn collapse keeps system and a final prefill apart and drops the last user delimiter', () => {
    const msgs: PromptMessage[] = [
      { role: 'system', content: 'S', delimiter: '' },
      { role: 'user', content: 'Q1', delimiter: ' ' }, { role: 'assistant', content: 'A1', delimiter: '\n\n' },
      { role: 'user', content: 'Q2', delimiter: ' ' }, { role: 'assistant', content: 'A:', delimiter: '' },
    ]
    expect(chatTurns(msgs, false)).toEqual([{ role: 'system', content: 'S' }, { role: 'user', content: 'Q1 A1\n\nQ2' }, { role: 'assistant', content: 'A:' }])
    expect(chatTurns(msgs.slice(1, 4), false)).toEqual([{ role: 'user', content: 'Q1 A1\n\nQ2' }])
    expect(chatTurns(msgs, true).map(t => t.content)).toEqual(['S', 'Q1', 'A1', 'Q2', 'A:'])
  })

  it('MC continuations lose the delimiter unless gen_prefix ends in non-whitespace (§3.1)', () => {
    expect(chatTargetDelimiter(' ', '')).toBe('')
    expect(chatTargetDelimiter(' ', 'Answer: ')).toBe('')
    expect(chatTargetDelimiter(' ', 'Answer:')).toBe(' ')
  })
})

describe('rendering and run options', () => {
  const templateError = new HarnessError('TEMPLATE_ERROR', 'System role not supported')
  const noSystem = (m: readonly ChatMessage[]) => {
    if (m.some(t => t.role === 'system')) throw templateError
    return m.map(t => t.content).join('|')
  }

  it('retries without system messages on a template error only', () => {
    const turns = [{ role: 'system', content: 'S' }, { role: 'user', content: 'Q' }]
    expect(renderWithFallback(noSystem, turns, true)).toBe('Q')
    expect(() => renderWithFallback(() => { throw new Error('boom') }, turns, true)).toThrow('boom')
    const alwaysFails = () => { throw templateError }
    expect(() => renderWithFallback(alwaysFails, turns, true)).toThrow(templateError)
    expect(() => renderWithFallback(alwaysFails, [{ role: 'user', content: 'Q' }], true)).toThrow(templateError)
  })

  it('rejects a template on a backend without one, and --fewshot-as-multiturn without a template', () => {
    const plain = fakeBackend()
    expect(() => resolveChat(plain, { applyChatTemplate: '' })).toThrow(/--apply-chat-template/)
    expect(() => resolveChat(plain, { fewshotAsMultiturn: true })).toThrow(/needs --apply-chat-template/)
    const none = resolveChat(plain, { systemInstruction: 'Be brief.' })
    expect(none.prompt.render).toBeUndefined()
    expect(none.record).toEqual({
      chat_template: null, chat_template_sha: null, fewshot_as_multiturn: false, system_instruction: 'Be brief.',
      // sha256("Be brief.") from Python's hashlib
      system_instruction_sha: '213c22ed7234eb11116e1e88f314c73cb3a019b5c87fe224b6ce5665bd9ec50e',
    })
  })

  it('a run with a template renders every prompt through the backend and records the template', async () => {
    const calls: ChatTemplateOptions[] = []
    const backend: ModelBackend = {
      ...fakeBackend(),
      chatTemplate: (name?: string) => {
        if (name !== undefined && name !== 'tool') throw new HarnessError('USAGE', `no template ${name}`)
        return 'TEMPLATE'
      },
      applyChatTemplate: (m, o) => { calls.push(o); return chatml(m, o) },
    }
    const data: Record<string, Doc[]> = { 'toy/mc/default/test': [DOC], 'toy/mc/default/train': SHOTS }
    const source: DocSource = {
      description: 'memory',
      async hasSplit(r: SplitRef) { return `${r.path}/default/${r.split}` in data },
      async loadSplit(r: SplitRef) { return data[`${r.path}/default/${r.split}`].map(d => ({ ...d })) },
    }
    const out = await evaluate({
      tasks: ['toy_mc'], catalogue: makeCatalogue([MC], [], []), source, backend, numFewshot: 1, batchSize: 1, fewshotSeed: 1234,
      bootstrapIters: 0, logSamples: true, now: () => 0, chat: { applyChatTemplate: 'tool', systemInstruction: 'S' },
      runInfo: {
        model: 'fake', modelArgs: '', batchSize: 1, limit: undefined, numFewshot: 1, bootstrapIters: 0, fewshotSeed: 1234,
        evalzVersion: 't', startTime: 0, tokenizer: undefined,
      },
    })
    expect(calls).toEqual([{ addGenerationPrompt: true, continueFinalMessage: false, templateName: 'tool' }])
    const args = out.samples.get('toy_mc')![0].arguments as Record<string, { arg_0: string; arg_1: string }>
    expect(args.gen_args_0.arg_0).toMatch(/^<\|system\|>S<\|end\|><\|user\|>Q: (one|two)\nA:<\|end\|><\|assistant\|>[a-d]<\|end\|><\|user\|>Q: three\nA:<\|end\|><\|assistant\|>$/)
    expect([args.gen_args_0.arg_1, args.gen_args_1.arg_1]).toEqual(['e', 'f'])
    const r = out.results as Record<string, unknown>
    expect(r.chat_template).toBe('TEMPLATE')
    // sha256("TEMPLATE") from Python's hashlib
    expect(r.chat_template_sha).toBe('9612a168fdbd8340f0b48872b14dab4b74a5787642a7c964c3394d9f71c12f65')
    expect(r.fewshot_as_multiturn).toBe(true)
    expect(r.system_instruction).toBe('S')
  })
})
