/**
 * The Chat view's pure logic: new conversations (blank, or opened from an eval sample), the settings a reply is
 * made with, and how a reply, an edit or a regenerate changes the messages. No DOM, so it is tested in Node.
 */
import type { ChatModelRef, Conversation, ConversationMessage, ConversationSettings, ReplyInfo } from '../core/chat/conversation.ts'
import { titleFor } from '../core/chat/conversation.ts'
import type { SamplingSettings } from '../core/sampling/sampling-settings.ts'
import { DEFAULT_SAMPLING } from '../core/sampling/sampling-settings.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'

/** The settings of a new conversation: the tokenizer's template, llama.cpp's sampling, a new seed per reply. */
export const DEFAULT_CHAT_SETTINGS: ConversationSettings = {
  format: { mode: 'template', system: '' },
  sampling: { ...DEFAULT_SAMPLING, seed: null },
  until: [],
}

/** The bundled demo model. */
export const DEMO_MODEL: ChatModelRef = { source: 'app', id: 'demo', name: 'Demo model (bundled)' }

/** An empty conversation. */
export function newConversation(id: string, now: number, model: ChatModelRef, settings: ConversationSettings = DEFAULT_CHAT_SETTINGS): Conversation {
  return { id, title: 'New conversation', createdAt: now, updatedAt: now, model, settings, messages: [] }
}

/** An eval sample to continue in chat (the inspector's and the compare view's "Open in chat"). */
export interface SampleForChat {
  /** the exact prompt the model saw (the sample's arguments' first context): chat-formatted when the run used a template */
  readonly prompt: string
  /** the run's model */
  readonly model: ChatModelRef
  /** run id, task and doc id */
  readonly origin: { readonly runId: string; readonly task: string; readonly docId: number }
  /** a generate_until sample's generation kwargs (until, max_gen_toks), to answer as the eval did */
  readonly gen?: { readonly until?: readonly string[]; readonly maxGenToks?: number }
}

/**
 * A conversation for an eval sample: raw mode (the prompt is already exactly what the model saw), greedy, and for
 * generate_until the eval's stop strings and budget, so Send reproduces the eval's answer. The prompt itself goes
 * into the input box, byte for byte.
 */
export function conversationForSample(id: string, now: number, s: SampleForChat): Conversation {
  const sampling = { ...DEFAULT_CHAT_SETTINGS.sampling, temperature: 0, maxNewTokens: s.gen?.maxGenToks ?? DEFAULT_SAMPLING.maxNewTokens }
  return {
    ...newConversation(id, now, s.model, { format: { mode: 'raw', system: '' }, sampling, until: [...(s.gen?.until ?? [])] }),
    title: `${s.origin.task} doc ${s.origin.docId}`,
    origin: s.origin,
  }
}

/** The sampling a reply is made with: the conversation's, with its fixed seed or `randomSeed`. */
export function replySampling(settings: ConversationSettings, randomSeed: number): SamplingSettings {
  return { ...settings.sampling, seed: settings.sampling.seed ?? randomSeed }
}

/** Adds a user turn. */
export function withUserTurn(c: Conversation, text: string, now: number): Conversation {
  const messages = [...c.messages, { role: 'user' as const, content: text }]
  return { ...c, messages, title: c.messages.length === 0 && !c.origin ? titleFor(messages) : c.title, updatedAt: now }
}

/** Adds the first model's reply, or (second) sets the second model's reply on the last assistant message. */
export function withReply(c: Conversation, text: string, reply: ReplyInfo, now: number, second = false): Conversation {
  if (!second) return { ...c, messages: [...c.messages, { role: 'assistant', content: text, reply }], updatedAt: now }
  const messages = [...c.messages]
  const last = messages.length - 1
  if (last < 0 || messages[last].role !== 'assistant') return c
  messages[last] = { ...messages[last], compare: { content: text, reply } }
  return { ...c, messages, updatedAt: now }
}

/** Drops the last assistant message (regenerate); unchanged when the last message is not one. */
export function withoutLastReply(c: Conversation, now: number): Conversation {
  if (c.messages.at(-1)?.role !== 'assistant') return c
  return { ...c, messages: c.messages.slice(0, -1), updatedAt: now }
}

/** Replaces user message `index` with `text` and drops everything after it (edit and resend). */
export function withEditedTurn(c: Conversation, index: number, text: string, now: number): Conversation {
  const m = c.messages[index]
  if (m?.role !== 'user') return c
  const messages: ConversationMessage[] = [...c.messages.slice(0, index), { role: 'user', content: text }]
  return { ...c, messages, title: index === 0 && !c.origin ? titleFor(messages) : c.title, updatedAt: now }
}

/** Tokens per second of a reply (0 when no time passed). */
export function tokensPerSecond(tokens: number, ms: number): number {
  return ms > 0 ? (tokens * 1000) / ms : 0
}

/** The model a run used, as the chat refers to it: the app's folder, or a stored model with its identity. */
export function runModelRef(request: { readonly model: string; readonly modelSource?: string }, modelName: string, models: readonly ModelInfo[]): ChatModelRef {
  if (request.modelSource !== 'stored') return request.model === 'demo' ? DEMO_MODEL : { source: 'app', id: request.model, name: modelName }
  const m = models.find((x) => x.id === request.model)
  return {
    source: 'stored', id: request.model, name: m?.name ?? modelName,
    ...(m ? { sha256: m.weightsSha256 } : {}), ...(m?.hub ? { hub: { repo: m.hub.repo, sha: m.hub.sha, dtype: m.hub.dtype } } : {}),
  }
}

/** "Open in chat" for an eval sample of a run. */
export function sampleForChat(
  run: { readonly id: string; readonly request: { readonly model: string; readonly modelSource?: string }; readonly modelName: string },
  sample: { readonly task: string; readonly docId: number; readonly prompt: string; readonly generation?: SampleForChat['gen'] },
  models: readonly ModelInfo[],
): SampleForChat {
  return {
    prompt: sample.prompt, model: runModelRef(run.request, run.modelName, models),
    origin: { runId: run.id, task: sample.task, docId: sample.docId }, ...(sample.generation ? { gen: sample.generation } : {}),
  }
}
