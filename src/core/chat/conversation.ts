/**
 * A stored conversation (the Chat view's history) and its export/import JSON: OpenAI's messages shape
 * (`[{role, content}]`, the system prompt first) plus the settings and the model's identity.
 */
import { HarnessError } from '../errors.ts'
import type { SamplingSettings } from '../sampling/sampling-settings.ts'
import { samplingProblems } from '../sampling/sampling-settings.ts'
import type { StopReason } from '../sampling/generation-stream.ts'
import type { PromptFormat } from './chat-prompt.ts'

/** Which model answers: the app's bundled model or one stored in the browser (dropped or from the Hub). */
export interface ChatModelRef {
  /** 'app': a folder under the app's /models/; 'stored': a model in IndexedDB; 'server': a model on an OpenAI-compatible server */
  readonly source: 'app' | 'stored' | 'server'
  /** the folder name, the stored model's id, or the served model's name */
  readonly id: string
  /** for a served model: the server's base URL (ending in /v1) */
  readonly server?: { readonly url: string }
  /** display name */
  readonly name: string
  /** sha256 of the weights (hex), when known */
  readonly sha256?: string
  /** for a Hub model: repo, commit and weights variant */
  readonly hub?: { readonly repo: string; readonly sha: string; readonly dtype: string }
}

/** How one reply was made. */
export interface ReplyInfo {
  /** display name of the model that answered */
  readonly model: string
  /** the seed used (random per reply unless fixed in the settings) */
  readonly seed: number
  /** tokens made */
  readonly tokens: number
  /** prompt tokens fed */
  readonly promptTokens: number
  /** wall time from the request to the last token, in milliseconds (model loading excluded) */
  readonly ms: number
  /** why it ended */
  readonly stopReason: StopReason
  /** the device it ran on ('webgpu' | 'wasm') */
  readonly device: string
}

/** One message of a conversation. */
export interface ConversationMessage {
  readonly role: 'user' | 'assistant'
  /** its text (an assistant message: the first model's reply) */
  readonly content: string
  /** an assistant message: how it was made */
  readonly reply?: ReplyInfo
  /** side by side: the second model's reply to the same turn */
  readonly compare?: { readonly content: string; readonly reply?: ReplyInfo }
}

/** The settings a conversation is held with. */
export interface ConversationSettings {
  /** template or raw, template name, system prompt */
  readonly format: PromptFormat
  /** sampling; seed null = a new random seed per reply */
  readonly sampling: Omit<SamplingSettings, 'seed'> & { readonly seed: number | null }
  /** stop strings */
  readonly until: readonly string[]
}

/** A conversation as stored in IndexedDB. */
export interface Conversation {
  /** unique id */
  readonly id: string
  /** shown in the history: the first user message, shortened */
  readonly title: string
  /** unix milliseconds */
  readonly createdAt: number
  /** unix milliseconds of the last change */
  readonly updatedAt: number
  /** the model that answers */
  readonly model: ChatModelRef
  /** side by side: a second model that answers every turn too, with the same seed */
  readonly compareModel?: ChatModelRef
  readonly settings: ConversationSettings
  readonly messages: readonly ConversationMessage[]
  /** where it was opened from (Open in chat): run id, task and doc id */
  readonly origin?: { readonly runId: string; readonly task: string; readonly docId: number }
}

/** The messages a model sees: its own replies (the second model's, in side by side, when `second`). */
export function turnsFor(c: Pick<Conversation, 'messages'>, second = false): { role: 'user' | 'assistant'; content: string }[] {
  return c.messages.map((m) => ({ role: m.role, content: second && m.compare ? m.compare.content : m.content }))
}

/** A title from the first user message (one line, at most 60 characters). */
export function titleFor(messages: readonly ConversationMessage[]): string {
  const first = messages.find((m) => m.role === 'user')?.content.replace(/\s+/g, ' ').trim() ?? ''
  return first === '' ? 'New conversation' : first.length > 60 ? `${first.slice(0, 59)}…` : first
}

/** The export format's name and version. */
export const CONVERSATION_FORMAT = 'evalz-conversation'
export const CONVERSATION_VERSION = 1

/** The export JSON of a conversation: OpenAI messages (system first) plus settings, model and evalz metadata. */
export function conversationToJson(c: Conversation): string {
  const system = c.settings.format.system
  const messages = [...(system === '' ? [] : [{ role: 'system', content: system }]), ...c.messages.map((m) => ({ role: m.role, content: m.content }))]
  const out = {
    format: CONVERSATION_FORMAT, version: CONVERSATION_VERSION, id: c.id, title: c.title,
    created_at: new Date(c.createdAt).toISOString(), updated_at: new Date(c.updatedAt).toISOString(),
    model: c.model, ...(c.compareModel ? { compare_model: c.compareModel } : {}),
    settings: { mode: c.settings.format.mode, template_name: c.settings.format.templateName ?? null, ...c.settings.sampling, until: c.settings.until },
    messages,
    ...(c.messages.some((m) => m.compare) ? { compare_messages: c.messages.map((m) => ({ role: m.role, content: m.compare?.content ?? m.content })) } : {}),
    replies: c.messages.map((m) => m.reply ?? null),
    ...(c.origin ? { origin: c.origin } : {}),
  }
  return `${JSON.stringify(out, null, 2)}\n`
}

/** Reads an export (or a bare OpenAI messages array); DATASET_PARSE_ERROR names what is wrong. */
export function conversationFromJson(text: string, fallback: { id: string; now: number; model: ChatModelRef; settings: ConversationSettings }): Conversation {
  const bad = (why: string) => new HarnessError('DATASET_PARSE_ERROR', `not a conversation file: ${why} (expected evalz's export or an OpenAI messages array)`, { why })
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch (e) {
    throw bad(`invalid JSON (${e instanceof Error ? e.message : String(e)})`)
  }
  const obj = (Array.isArray(data) ? { messages: data } : data) as Record<string, unknown>
  if (obj === null || typeof obj !== 'object' || !Array.isArray(obj.messages)) throw bad('no "messages" array')
  const msgs = obj.messages.map((m, i) => {
    const r = m as Record<string, unknown>
    if (r === null || typeof r !== 'object' || !['system', 'user', 'assistant'].includes(r.role as string) || typeof r.content !== 'string') {
      throw bad(`message ${i} needs a role (system, user or assistant) and a string content`)
    }
    return { role: r.role as 'system' | 'user' | 'assistant', content: r.content }
  })
  const system = msgs.filter((m) => m.role === 'system').map((m) => m.content).join('\n')
  const replies = Array.isArray(obj.replies) ? obj.replies : []
  const compare = Array.isArray(obj.compare_messages) ? (obj.compare_messages as { content?: unknown }[]) : undefined
  const messages: ConversationMessage[] = msgs.filter((m) => m.role !== 'system').map((m, i) => ({
    role: m.role as 'user' | 'assistant', content: m.content,
    ...(replies[i] && typeof replies[i] === 'object' ? { reply: replies[i] as ReplyInfo } : {}),
    ...(compare && m.role === 'assistant' && typeof compare[i]?.content === 'string' ? { compare: { content: compare[i].content as string } } : {}),
  }))
  const s = (obj.settings ?? {}) as Record<string, unknown>
  const num = (k: string, d: number) => (typeof s[k] === 'number' ? (s[k] as number) : d)
  const fs = fallback.settings.sampling
  const sampling = {
    temperature: num('temperature', fs.temperature), topP: num('topP', fs.topP), topK: num('topK', fs.topK), minP: num('minP', fs.minP),
    repetitionPenalty: num('repetitionPenalty', fs.repetitionPenalty), maxNewTokens: num('maxNewTokens', fs.maxNewTokens),
    seed: typeof s.seed === 'number' ? s.seed : null,
  }
  const problems = samplingProblems({ ...sampling, seed: sampling.seed ?? 0 })
  if (problems.length > 0) throw bad(`settings: ${problems.join('; ')}`)
  const mode = s.mode === 'raw' || s.mode === 'template' ? s.mode : fallback.settings.format.mode
  const model = isModelRef(obj.model) ? obj.model : fallback.model
  const created = typeof obj.created_at === 'string' ? Date.parse(obj.created_at) : NaN
  return {
    id: fallback.id,
    title: typeof obj.title === 'string' && obj.title !== '' ? obj.title : titleFor(messages),
    createdAt: Number.isFinite(created) ? created : fallback.now,
    updatedAt: fallback.now,
    model,
    ...(isModelRef(obj.compare_model) ? { compareModel: obj.compare_model } : {}),
    settings: {
      format: { mode, system, ...(typeof s.template_name === 'string' ? { templateName: s.template_name } : {}) },
      sampling,
      until: Array.isArray(s.until) ? s.until.filter((u): u is string => typeof u === 'string') : [],
    },
    messages,
    ...(isOrigin(obj.origin) ? { origin: obj.origin } : {}),
  }
}

function isModelRef(x: unknown): x is ChatModelRef {
  const r = x as Record<string, unknown> | null
  return r !== null && typeof r === 'object' && (r.source === 'app' || r.source === 'stored') && typeof r.id === 'string' && typeof r.name === 'string'
}

function isOrigin(x: unknown): x is Conversation['origin'] {
  const r = x as Record<string, unknown> | null
  return r !== null && typeof r === 'object' && typeof r.runId === 'string' && typeof r.task === 'string' && typeof r.docId === 'number'
}
