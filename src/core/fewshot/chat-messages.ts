/**
 * The message list lm-eval builds for a prompt (lm-eval.md §4.2–4.3): a system message (system instruction +
 * description), each shot as a user/assistant pair, the final question and an optional gen_prefix prefill.
 * Each message keeps the delimiter that follows it in the plain-text rendering.
 */
import type { Doc } from '../source.ts'
import type { ChatMessage } from '../backend.ts'
import type { TaskSpec } from '../tasks/task-spec.ts'
import { docToChoice, docToText, renderDocString, taskFields } from '../tasks/doc-fields.ts'
import { isPyWhitespace, pyStr } from '../python/str.ts'
import { maybeDelimit, requiresDelimiter, shotAnswer, shotQuestion } from './context.ts'

/** Roles lm-eval uses. */
export type ChatRole = 'system' | 'user' | 'assistant'

/** One prompt part (lm-eval's Message): chat turn plus the text that follows it in plain-text mode. */
export interface PromptMessage {
  readonly role: ChatRole
  readonly content: string
  /** appended after `content` in the plain-text rendering; dropped in chat turns */
  readonly delimiter: string
}

/** The messages of one doc's prompt. */
export interface PromptMessages {
  /** system message and shots, shared by every context of the doc */
  readonly history: readonly PromptMessage[]
  /** the final turn(s): one list for single-input tasks, one per choice for multiple-input tasks */
  readonly finals: readonly (readonly PromptMessage[])[]
}

/**
 * One question/answer turn (lm-eval's build_qa_turn): the user message, then the answer or the gen_prefix
 * prefill as an assistant message. `answer` undefined = the final (unanswered) question.
 */
export function qaTurn(q: string, answer: string | undefined, genPrefix: string, targetDelimiter: string, fewshotDelimiter: string): PromptMessage[] {
  const hasAnswer = answer !== undefined
  const userDelimiter = (hasAnswer && genPrefix === '') || (genPrefix !== '' && requiresDelimiter(q, genPrefix)) ? targetDelimiter : ''
  const out: PromptMessage[] = [{ role: 'user', content: q, delimiter: userDelimiter }]
  if (hasAnswer) out.push({ role: 'assistant', content: maybeDelimit(genPrefix, answer, ' '), delimiter: fewshotDelimiter })
  else if (genPrefix !== '') out.push({ role: 'assistant', content: genPrefix, delimiter: '' })
  return out
}

/** The system prompt: system instruction and description joined by maybe_delimit with the fewshot delimiter. */
export function systemPrompt(spec: TaskSpec, doc: Doc, docId: number, systemInstruction: string | undefined): string {
  const description = renderDocString(spec, 'description', spec.description, doc, docId)
  return maybeDelimit(systemInstruction ?? '', description, spec.fewshot_delimiter ?? '\n\n')
}

/** Builds the messages of `doc`'s prompt with `shots` in front (lm-eval's fewshot_context before rendering). */
export function promptMessages(
  spec: TaskSpec, doc: Doc, docId: number, shots: readonly Doc[], multipleInput: boolean, systemInstruction: string | undefined,
): PromptMessages {
  const history: PromptMessage[] = []
  const system = systemPrompt(spec, doc, docId, systemInstruction)
  if (system !== '') history.push({ role: 'system', content: system, delimiter: '' })
  const shotTarget = spec.fewshot_config?.target_delimiter ?? spec.target_delimiter ?? ' '
  const shotFewshot = spec.fewshot_config?.fewshot_delimiter ?? spec.fewshot_delimiter ?? '\n\n'
  for (const shot of shots) {
    const q = shotQuestion(spec, shot, multipleInput)
    const a = shotAnswer(spec, shot)
    // a shot without an answer contributes its question alone, with no delimiters (§4.2)
    if (a === undefined || a === '') history.push({ role: 'user', content: q, delimiter: '' })
    else history.push(...qaTurn(q, a, renderDocString(spec, 'gen_prefix', spec.gen_prefix, shot), shotTarget, shotFewshot))
  }
  const genPrefix = renderDocString(spec, 'gen_prefix', spec.gen_prefix, doc, docId)
  if (multipleInput) {
    const choices = docToChoice(spec, taskFields(spec), doc, docId)
    return { history, finals: choices.map(c => qaTurn(pyStr(c), undefined, genPrefix, '', '')) }
  }
  const q = pyStr(docToText(spec, taskFields(spec), doc, docId))
  return { history, finals: [qaTurn(q, undefined, genPrefix, spec.target_delimiter ?? ' ', '')] }
}

/** Plain-text rendering: every message's content followed by its delimiter. */
export function messagesText(messages: readonly PromptMessage[]): string {
  return messages.map(m => m.content + m.delimiter).join('')
}

/**
 * The turns handed to the chat template. Multi-turn: one chat message per prompt message, delimiters dropped.
 * Single-turn (lm-eval's multiturn_to_singleturn): the system message stays, a final assistant prefill stays,
 * everything else becomes one user message with the plain-text rendering (its last delimiter forced to '').
 */
export function chatTurns(messages: readonly PromptMessage[], fewshotAsMultiturn: boolean): ChatMessage[] {
  if (fewshotAsMultiturn) return messages.map(m => ({ role: m.role, content: m.content }))
  const rest = messages.length > 0 && messages[0].role === 'system' ? messages.slice(1) : [...messages]
  const system = rest.length < messages.length ? [{ role: 'system', content: messages[0].content }] : []
  const prefill = rest.length > 0 && rest[rest.length - 1].role === 'assistant' ? rest.pop()! : undefined
  const body = rest.map((m, i) => (i === rest.length - 1 ? m.content : m.content + m.delimiter)).join('')
  const turns: ChatMessage[] = [...system, { role: 'user', content: body }]
  if (prefill) turns.push({ role: 'assistant', content: prefill.content })
  return turns
}

/**
 * target_delimiter of multiple-choice continuations under a chat template (§3.1): '' unless the task has a
 * gen_prefix that does not end in whitespace.
 */
export function chatTargetDelimiter(targetDelimiter: string, genPrefix: string): string {
  if (genPrefix === '') return ''
  const chars = [...genPrefix]
  return isPyWhitespace(chars[chars.length - 1]) ? '' : targetDelimiter
}
