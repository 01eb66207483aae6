/**
 * Prompts rendered with a chat template (lm-eval.md §4.3): the doc's messages go through the model's template,
 * with the generation prompt added unless a gen_prefix prefill leaves the assistant turn open.
 */
import type { Doc } from '../source.ts'
import type { ChatMessage, ModelBackend } from '../backend.ts'
import type { TaskSpec } from '../tasks/task-spec.ts'
import type { PromptContext } from './context.ts'
import { renderDocString } from '../tasks/doc-fields.ts'
import { HarnessError, isHarnessError } from '../errors.ts'
import { sha256Hex } from '../hash.ts'
import { chatTargetDelimiter, chatTurns, promptMessages } from './chat-messages.ts'

/** Renders chat turns to the prompt string (the backend's template, bound to the run's template name). */
export type ChatRenderer = (messages: readonly ChatMessage[], addGenerationPrompt: boolean) => string

/** Run options that change prompts: chat template, few-shot turns, system instruction. */
export interface ChatPromptOptions {
  /** renders with the chat template; undefined = plain text (only the system instruction applies) */
  readonly render: ChatRenderer | undefined
  /** shots as separate user/assistant turns (lm-eval's default when a template is applied) */
  readonly fewshotAsMultiturn: boolean
  /** --system-instruction text */
  readonly systemInstruction: string | undefined
}

/** A doc's prompt under a chat template. */
export interface ChatContext extends PromptContext {
  /** multiple-input tasks: the rendered context of each choice; undefined otherwise */
  readonly contexts: readonly string[] | undefined
  /** delimiter before multiple-choice continuations ('' under a chat template unless gen_prefix asks, §3.1) */
  readonly targetDelimiter: string
}

/** What the results file records about chat settings (lm-eval's tracker fields, §7.1). */
export interface ChatRecord {
  /** the template source used, or null */
  readonly chat_template: string | null
  /** sha256 hex of chat_template, or null */
  readonly chat_template_sha: string | null
  readonly fewshot_as_multiturn: boolean
  readonly system_instruction: string | null
  /** sha256 hex of system_instruction, or null */
  readonly system_instruction_sha: string | null
}

/** Chat settings of a run as the user gave them. */
export interface ChatRunOptions {
  /** undefined = no chat template; '' = the tokenizer's default template; else a template name */
  readonly applyChatTemplate?: string
  /** undefined = true when a template is applied, else false */
  readonly fewshotAsMultiturn?: boolean
  /** --system-instruction text */
  readonly systemInstruction?: string
}

/** Checks the chat settings against the backend; returns the planner's options and the results record. */
export function resolveChat(backend: ModelBackend, run: ChatRunOptions | undefined): { prompt: ChatPromptOptions; record: ChatRecord } {
  const apply = run?.applyChatTemplate
  const systemInstruction = run?.systemInstruction
  const record = {
    system_instruction: systemInstruction ?? null,
    system_instruction_sha: systemInstruction ? sha256Hex(systemInstruction) : null,
  }
  if (apply === undefined) {
    if (run?.fewshotAsMultiturn === true) {
      throw new HarnessError('USAGE', '--fewshot-as-multiturn needs --apply-chat-template; add it or drop --fewshot-as-multiturn', { fewshotAsMultiturn: true })
    }
    return {
      prompt: { render: undefined, fewshotAsMultiturn: false, systemInstruction },
      record: { ...record, chat_template: null, chat_template_sha: null, fewshot_as_multiturn: false },
    }
  }
  const model = backend.info.model
  if (backend.chatTemplate === undefined || backend.applyChatTemplate === undefined) {
    throw new HarnessError('USAGE', `--apply-chat-template: the ${backend.info.name} backend for ${model} cannot render chat templates; drop --apply-chat-template`, { model })
  }
  const templateName = apply === '' ? undefined : apply
  const template = backend.chatTemplate(templateName)
  const applyTemplate = backend.applyChatTemplate.bind(backend)
  const render: ChatRenderer = (messages, addGenerationPrompt) =>
    applyTemplate(messages, { addGenerationPrompt, continueFinalMessage: !addGenerationPrompt, templateName })
  const fewshotAsMultiturn = run?.fewshotAsMultiturn ?? true
  return {
    prompt: { render, fewshotAsMultiturn, systemInstruction },
    record: { ...record, chat_template: template, chat_template_sha: sha256Hex(template), fewshot_as_multiturn: fewshotAsMultiturn },
  }
}

/** Renders turns; on a template error retries without system messages (lm-eval's HF fallback). */
export function renderWithFallback(render: ChatRenderer, turns: readonly ChatMessage[], addGenerationPrompt: boolean): string {
  try {
    return render(turns, addGenerationPrompt)
  } catch (e) {
    const withoutSystem = turns.filter(t => t.role !== 'system')
    if (!(isHarnessError(e) && e.code === 'TEMPLATE_ERROR') || withoutSystem.length === turns.length) throw e
    return render(withoutSystem, addGenerationPrompt)
  }
}

/** Builds `doc`'s prompt through the chat template (lm-eval's fewshot_context with apply_chat_template). */
export function buildChatContext(
  spec: TaskSpec, doc: Doc, docId: number, shots: readonly Doc[], multipleInput: boolean, opts: ChatPromptOptions & { render: ChatRenderer },
): ChatContext {
  const { history, finals } = promptMessages(spec, doc, docId, shots, multipleInput, opts.systemInstruction)
  const genPrefix = renderDocString(spec, 'gen_prefix', spec.gen_prefix, doc, docId)
  const addGenerationPrompt = genPrefix === ''
  const rendered = finals.map(f => renderWithFallback(opts.render, chatTurns([...history, ...f], opts.fewshotAsMultiturn), addGenerationPrompt))
  const targetDelimiter = chatTargetDelimiter(spec.target_delimiter ?? ' ', genPrefix)
  if (multipleInput) return { prefix: '', context: '', contexts: rendered, targetDelimiter }
  return { prefix: '', context: rendered[0], contexts: undefined, targetDelimiter }
}
