/**
 * A conversation's prompt text: through the tokenizer's chat template (HF apply_chat_template with a generation
 * prompt, as lm-eval renders chat prompts), or raw — the system text and the turns concatenated, a plain
 * continuation for base models.
 */
import type { ChatMessage, ChatTemplateOptions } from '../backend.ts'
import { HarnessError } from '../errors.ts'

/** One turn of a conversation. */
export interface ChatTurn {
  /** who wrote it */
  readonly role: 'user' | 'assistant'
  /** its text */
  readonly content: string
}

/** How turns become a prompt. */
export interface PromptFormat {
  /** 'template': the tokenizer's chat template; 'raw': the texts concatenated */
  readonly mode: 'template' | 'raw'
  /** a named template of the tokenizer (template mode); undefined = its default */
  readonly templateName?: string
  /** system prompt ('' = none): a system message (template mode) or text before the turns (raw mode) */
  readonly system: string
}

/** Renders chat messages (ModelBackend.applyChatTemplate). */
export type ChatRender = (messages: readonly ChatMessage[], opts: ChatTemplateOptions) => string

/** The messages a template sees: the system message (when set) and the turns. */
export function chatMessages(turns: readonly ChatTurn[], system: string): ChatMessage[] {
  return [...(system === '' ? [] : [{ role: 'system', content: system }]), ...turns.map((t) => ({ role: t.role, content: t.content }))]
}

/**
 * The prompt for the next assistant reply. Template mode needs `render` (a tokenizer with a chat template) and
 * appends the template's generation prompt; raw mode is `system + turn texts`.
 */
export function promptFor(turns: readonly ChatTurn[], format: PromptFormat, render: ChatRender | undefined): string {
  if (format.mode === 'raw') return format.system + turns.map((t) => t.content).join('')
  if (!render) {
    throw new HarnessError('USAGE', 'this model has no chat template support; use raw mode (--raw) for a plain continuation', { mode: format.mode })
  }
  return render(chatMessages(turns, format.system), { addGenerationPrompt: true, continueFinalMessage: false, templateName: format.templateName })
}
