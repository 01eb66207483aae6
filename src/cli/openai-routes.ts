/**
 * Request checking and response bodies of `evalz serve`'s completions routes, in vLLM's shapes: completions
 * (`text_completion` with legacy logprobs `{tokens, token_logprobs, top_logprobs, text_offset}`) and chat
 * completions (`chat.completion`, or `chat.completion.chunk` events when streaming).
 */
import type { ChatMessage } from '../core/backend.ts'
import { isHarnessError } from '../core/errors.ts'
import type { ServeEngine } from '../backends/openai-api/serve-engine.ts'

/** A request the server refuses, with its HTTP status. */
export class RequestError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** id, created and model of an answer. */
export interface AnswerMeta {
  /** 'cmpl-…' or 'chatcmpl-…' */
  readonly id: string
  /** unix seconds */
  readonly created: number
  /** served model name */
  readonly model: string
}

/** POST /v1/completions: greedy completions of every prompt, with echo and logprobs as asked. */
export async function completionBody(engine: ServeEngine, body: Record<string, unknown>, meta: AnswerMeta, signal: AbortSignal): Promise<unknown> {
  const prompts = promptList(engine, body['prompt'])
  const maxTokens = intField(body, 'max_tokens', 16, 0)
  checkGreedy(body)
  const echo = body['echo'] === true
  const k = body['logprobs'] === undefined || body['logprobs'] === null ? undefined : intField(body, 'logprobs', 0, 0)
  const stop = stopList(body['stop'])
  const choices = []
  let promptTokens = 0
  let completionTokens = 0
  for (const [index, prompt] of prompts.entries()) {
    checkLength(engine, prompt.length, maxTokens)
    const gen = maxTokens > 0 ? await guarded(engine.generate(prompt, { maxTokens, stop, signal })) : { tokens: [], text: '', finishReason: 'length' as const }
    promptTokens += prompt.length
    completionTokens += gen.tokens.length
    let logprobs: unknown = null
    if (k !== undefined) {
      const all = await guarded(engine.positionLogprobs([...prompt, ...gen.tokens], Math.max(k, 1)))
      logprobs = legacyLogprobs(engine, echo ? all : all.slice(prompt.length), k)
    }
    const text = (echo ? engine.decode(prompt) : '') + gen.text
    choices.push({ index, text, logprobs, finish_reason: gen.finishReason, stop_reason: null, prompt_logprobs: null })
  }
  return {
    ...meta, object: 'text_completion', choices,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens + completionTokens, completion_tokens: completionTokens },
  }
}

/** POST /v1/chat/completions: one greedy reply; `emit` receives stream chunks when streaming. */
export async function chatBody(
  engine: ServeEngine, body: Record<string, unknown>, meta: AnswerMeta, signal: AbortSignal, emit: ((chunk: unknown) => void) | undefined,
): Promise<unknown> {
  const messages = chatMessages(body['messages'])
  checkGreedy(body)
  let prompt: number[]
  try {
    prompt = engine.chatPrompt(messages)
  } catch (e) {
    throw new RequestError(400, e instanceof Error ? e.message : String(e))
  }
  const room = engine.maxModelLen - prompt.length
  const maxTokens = body['max_completion_tokens'] !== undefined && body['max_completion_tokens'] !== null
    ? intField(body, 'max_completion_tokens', room, 0)
    : intField(body, 'max_tokens', room, 0)
  checkLength(engine, prompt.length, maxTokens)
  const stop = stopList(body['stop'])
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  })
  let sent = 0
  emit?.(chunk({ role: 'assistant', content: '' }, null))
  const gen = await guarded(engine.generate(prompt, {
    maxTokens, stop, signal,
    onText: emit && ((text) => {
      if (text.length > sent) emit(chunk({ content: text.slice(sent) }, null))
      sent = text.length
    }),
  }))
  const usage = { prompt_tokens: prompt.length, total_tokens: prompt.length + gen.tokens.length, completion_tokens: gen.tokens.length }
  if (emit) {
    emit(chunk({}, gen.finishReason))
    const opts = body['stream_options'] as { include_usage?: unknown } | undefined
    if (opts?.include_usage === true) emit({ ...meta, object: 'chat.completion.chunk', choices: [], usage })
    return undefined
  }
  return {
    ...meta, object: 'chat.completion',
    choices: [{ index: 0, message: { role: 'assistant', content: gen.text }, logprobs: null, finish_reason: gen.finishReason, stop_reason: null }],
    usage,
  }
}

/** vLLM's legacy completions logprobs for the given positions (top_logprobs include the token itself). */
function legacyLogprobs(engine: ServeEngine, positions: Awaited<ReturnType<ServeEngine['positionLogprobs']>>, k: number): unknown {
  const tokens: string[] = []
  const offsets: number[] = []
  let offset = 0
  for (const p of positions) {
    const s = engine.decode([p.token])
    tokens.push(s)
    offsets.push(offset)
    offset += s.length
  }
  return {
    text_offset: offsets,
    token_logprobs: positions.map(p => p.logprob),
    tokens,
    top_logprobs: positions.map((p, i) => {
      if (p.logprob === null) return null
      const top: Record<string, number> = {}
      for (const [id, lp] of p.top.slice(0, k)) top[engine.decode([id])] = lp
      top[tokens[i]] = p.logprob
      return top
    }),
  }
}

/** Every prompt as token ids: a string, a list of strings, a list of ids, or a list of id lists. */
function promptList(engine: ServeEngine, prompt: unknown): number[][] {
  const isIds = (v: unknown): v is number[] => Array.isArray(v) && v.length > 0 && v.every(x => Number.isInteger(x) && x >= 0)
  let out: number[][]
  if (typeof prompt === 'string') out = [engine.encode(prompt)]
  else if (isIds(prompt)) out = [prompt]
  else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every(p => typeof p === 'string')) out = prompt.map(p => engine.encode(p as string))
  else if (Array.isArray(prompt) && prompt.length > 0 && prompt.every(isIds)) out = prompt as number[][]
  else throw new RequestError(400, '"prompt" must be a string, a list of strings, a list of token ids or a list of token-id lists (non-empty)')
  if (out.some(p => p.length === 0)) throw new RequestError(400, 'a prompt encodes to zero tokens')
  return out
}

function chatMessages(raw: unknown): ChatMessage[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new RequestError(400, '"messages" must be a non-empty list of {role, content}')
  return raw.map((m: { role?: unknown; content?: unknown }, i) => {
    if (typeof m?.role !== 'string') throw new RequestError(400, `messages[${i}].role must be a string`)
    const c = m.content
    const content = typeof c === 'string' ? c
      : Array.isArray(c) && c.every((p: { type?: unknown; text?: unknown }) => p?.type === 'text' && typeof p.text === 'string')
        ? c.map((p: { text: string }) => p.text).join('')
        : undefined
    if (content === undefined) throw new RequestError(400, `messages[${i}].content must be a string or a list of text parts`)
    return { role: m.role, content }
  })
}

function stopList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return []
  if (typeof raw === 'string') return [raw]
  if (Array.isArray(raw) && raw.every(s => typeof s === 'string')) return raw as string[]
  throw new RequestError(400, '"stop" must be a string or a list of strings')
}

/** evalz serve decodes greedily: temperature must be absent or 0, n and best_of absent or 1. */
function checkGreedy(body: Record<string, unknown>): void {
  const t = body['temperature']
  if (t !== undefined && t !== null && t !== 0) {
    throw new RequestError(400, `evalz serve decodes greedily; send "temperature": 0 (got ${JSON.stringify(t)}) or use vLLM for sampling`)
  }
  for (const key of ['n', 'best_of']) {
    const v = body[key]
    if (v !== undefined && v !== null && v !== 1) throw new RequestError(400, `evalz serve returns one choice per prompt; "${key}" must be 1 (got ${JSON.stringify(v)})`)
  }
}

function checkLength(engine: ServeEngine, promptLength: number, maxTokens: number): void {
  if (promptLength + maxTokens > engine.maxModelLen) {
    throw new RequestError(400, `This model's maximum context length is ${engine.maxModelLen} tokens. However, you requested ${promptLength + maxTokens} tokens (${promptLength} in the prompt, ${maxTokens} in the completion). Please reduce the length of the prompt or the completion.`)
  }
}

function intField(body: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const v = body[key]
  if (v === undefined || v === null) return fallback
  if (!(Number.isInteger(v) && (v as number) >= min)) throw new RequestError(400, `"${key}" must be an integer ≥ ${min} (got ${JSON.stringify(v)})`)
  return v as number
}

/** Model failures become 500s with their one line; a cancelled request stays cancelled. */
async function guarded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p
  } catch (e) {
    if (isHarnessError(e) && e.code === 'USAGE') throw new RequestError(400, e.message)
    throw e
  }
}
