/**
 * Chat templates through a transformers.js tokenizer, with lm-eval's template selection (HFLM.chat_template) and
 * HF transformers' continue_final_message (which transformers.js 4.3 does not implement: it is done here by
 * cutting the rendering after the final message's content, as HF's render_jinja_template does).
 */
import type { ChatMessage, ChatTemplateOptions } from '../../core/backend.ts'
import { HarnessError } from '../../core/errors.ts'
import { pyLstrip, pyStrip } from '../../core/python/str.ts'

/** The slice of a transformers.js tokenizer used for chat templates. */
export interface ChatTokenizerLike {
  /** tokenizer_config's chat_template: one template, or name → template (a list of {name, template} is turned into this) */
  readonly chat_template?: unknown
  apply_chat_template(conversation: { role: string; content: string }[], options: Record<string, unknown>): unknown
}

/**
 * The template `name` selects (lm-eval's HFLM.chat_template): from a dict by name (else its 'default'); a single
 * template whatever the name. Throws HarnessError when the tokenizer has none or the name is unknown.
 */
export function selectChatTemplate(tok: ChatTokenizerLike, name: string | undefined, model: string): string {
  const t = tok.chat_template
  if (typeof t === 'string' && t !== '') return t
  if (t !== null && typeof t === 'object') {
    const dict = t as Record<string, unknown>
    const names = Object.keys(dict).sort()
    const key = name ?? 'default'
    if (typeof dict[key] === 'string') return dict[key] as string
    const why = name === undefined ? 'has several chat templates and none is named default' : `has no chat template named '${name}'`
    throw new HarnessError('USAGE', `--apply-chat-template: the tokenizer of ${model} ${why}; valid names: ${names.join(', ')}`, { model, name: name ?? null, valid: names })
  }
  throw new HarnessError('USAGE', `--apply-chat-template: the tokenizer of ${model} has no chat_template (tokenizer_config.json); drop --apply-chat-template or use a tokenizer with one`, { model })
}

/**
 * HF's continue_final_message: cut `rendered` right after the last occurrence of the final message's content,
 * keeping its leading whitespace-stripped length (or the stripped length when the template trimmed it).
 */
export function continueFinalMessage(rendered: string, finalContent: string): string {
  const stripped = pyStrip(finalContent)
  const at = rendered.lastIndexOf(stripped)
  if (at < 0) {
    throw new HarnessError('BACKEND_ERROR', 'the chat template drops part of the final assistant message, so the prompt cannot continue it (continue_final_message)', {
      finalMessage: finalContent,
    })
  }
  const leftStripped = pyLstrip(finalContent)
  if (rendered.slice(at, at + leftStripped.length) === finalContent) return rendered.slice(0, at + leftStripped.length)
  return rendered.slice(0, at + stripped.length)
}

/** Renders messages as HF's tokenizer.apply_chat_template(tokenize=False) does; template errors → TEMPLATE_ERROR. */
export function renderChatTemplate(tok: ChatTokenizerLike, messages: readonly ChatMessage[], opts: ChatTemplateOptions, model: string): string {
  if (opts.addGenerationPrompt && opts.continueFinalMessage) {
    throw new HarnessError('USAGE', 'addGenerationPrompt and continueFinalMessage cannot both be set', { ...opts })
  }
  const template = selectChatTemplate(tok, opts.templateName, model)
  const conversation = messages.map(m => ({ role: m.role, content: m.content }))
  let rendered: unknown
  try {
    rendered = tok.apply_chat_template(conversation, { tokenize: false, add_generation_prompt: opts.addGenerationPrompt, chat_template: template })
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e)
    throw new HarnessError('TEMPLATE_ERROR', `the chat template of ${model} failed: ${text}`, { model, error: text })
  }
  if (typeof rendered !== 'string') throw new HarnessError('BACKEND_ERROR', `apply_chat_template returned ${typeof rendered}, expected a string`, { model })
  if (!opts.continueFinalMessage || conversation.length === 0) return rendered
  return continueFinalMessage(rendered, conversation[conversation.length - 1].content)
}
