/**
 * Pins chat-template prompts to lm-eval's: for every case in fixtures/chat/golden.json (made by gen_chat.py, a
 * Python/Jinja2 oracle of lm-eval's message rules and HF's apply_chat_template), the planner's contexts and
 * continuations rendered through the demo tokenizer's ChatML template must be byte-identical.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { AutoTokenizer } from '@huggingface/transformers'
import type { ChatMessage } from '../../../src/core/backend.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { planTask } from '../../../src/core/tasks/task-plan.ts'
import type { ChatRenderer } from '../../../src/core/fewshot/chat-context.ts'
import { mirrorSource } from '../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../src/cli/node-file-access.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { continueFinalMessage, renderChatTemplate } from '../../../src/backends/transformers/chat-template.ts'
import type { ChatTokenizerLike } from '../../../src/backends/transformers/chat-template.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const DEMO = resolve(ROOT, 'public/models/demo')
const DATA = resolve(ROOT, 'public/datasets')

interface GoldenDoc { doc_id: number; messages: ChatMessage[] | null; context: string; arguments?: [string, string][] }
interface GoldenCase {
  name: string; task: string; overrides: Partial<TaskSpec>; num_fewshot: number | null; limit: number
  apply_chat_template: boolean; fewshot_as_multiturn: boolean; system_instruction: string | null; chat_template?: string
  docs: GoldenDoc[]
}
interface Golden {
  template: string
  cases: GoldenCase[]
  continue_final_message: { rendered: string; final: string; expected: string }[]
}

const golden = JSON.parse(readFileSync(resolve(ROOT, 'tests/core/fixtures/chat/golden.json'), 'utf8')) as Golden

describe('chat-template prompts match lm-eval (golden)', async () => {
  configureTransformers({ allowRemote: false })
  const tokenizer = (await AutoTokenizer.from_pretrained(DEMO)) as unknown as ChatTokenizerLike
  const catalogue = builtinCatalogue()
  const source = mirrorSource(nodeFileAccess(DATA))

  it('the demo tokenizer carries the template the oracle rendered', () => {
    expect(tokenizer.chat_template).toBe(golden.template)
  })

  it('has the cases the brief asks for', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(10)
    expect(golden.cases.some(c => c.fewshot_as_multiturn && (c.num_fewshot ?? 0) >= 3)).toBe(true)
    expect(golden.cases.some(c => c.apply_chat_template && !c.fewshot_as_multiturn && (c.num_fewshot ?? 0) >= 3)).toBe(true)
  })

  for (const c of golden.cases) {
    it(c.name, async () => {
      const tok: ChatTokenizerLike = c.chat_template === undefined
        ? tokenizer
        : { chat_template: c.chat_template, apply_chat_template: (conv, opts) => tokenizer.apply_chat_template(conv, opts) }
      const seen: ChatMessage[][] = []
      const render: ChatRenderer = (messages, addGenerationPrompt) => {
        seen.push([...messages])
        return renderChatTemplate(tok, messages, { addGenerationPrompt, continueFinalMessage: !addGenerationPrompt }, 'demo')
      }
      const spec = { ...catalogue.tasks.get(c.task)!, ...c.overrides }
      const plan = await planTask(spec, source, {
        numFewshot: c.num_fewshot ?? undefined,
        limit: c.limit,
        fewshotSeed: 1234,
        chat: { render: c.apply_chat_template ? render : undefined, fewshotAsMultiturn: c.fewshot_as_multiturn, systemInstruction: c.system_instruction ?? undefined },
      })
      expect(plan.docs.length).toBe(c.docs.length)
      plan.docs.forEach((d, i) => {
        const g = c.docs[i]
        expect(d.requests[0].arguments[0], `doc ${g.doc_id} context`).toBe(g.context)
        if (g.arguments) expect(d.requests.map(r => r.arguments), `doc ${g.doc_id} arguments`).toEqual(g.arguments)
      })
      // the first rendering attempt of each doc saw the oracle's message list (a retry without system comes after)
      if (c.apply_chat_template && c.chat_template === undefined) expect(seen).toEqual(c.docs.map(d => d.messages))
    })
  }

  it('continue_final_message cuts where HF does', () => {
    for (const k of golden.continue_final_message) expect(continueFinalMessage(k.rendered, k.final), JSON.stringify(k.final)).toBe(k.expected)
  })
})

if (!existsSync(DEMO)) console.warn(`chat golden tests need ${DEMO}`)
