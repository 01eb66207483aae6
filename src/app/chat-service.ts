/**
 * The worker's chat: loads a model the way a run does (device choice with the wasm fallback, stored models from
 * IndexedDB), keeps one model loaded between turns, renders the prompt (chat template or raw) and streams one
 * reply through ModelBackend.streamGenerate. Conversations are read and written through an injected store.
 */
import type { ModelBackend } from '../core/backend.ts'
import { chatMessages, promptFor } from '../core/chat/chat-prompt.ts'
import type { ChatStreamResult, ServerChatRequest } from '../protocol/server-api.ts'
import { HarnessError } from '../core/errors.ts'
import type { Conversation } from '../core/chat/conversation.ts'
import { checkSampling } from '../core/sampling/sampling-settings.ts'
import type { ChatEvent, ChatReplyDone, ChatReplyRequest, ChatWorkerApi } from '../protocol/chat-api.ts'
import type { DeviceReport, GpuLike } from '../protocol/device.ts'
import { chooseDevice, isWireError, loadOnDevice, probeGpu } from './device.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { LoadBackend } from './eval-service.ts'
import type { Outcome } from '../protocol/eval-worker-api.ts'
import { fromWireError, toWireError } from './wire-error.ts'

/** Where conversations are kept. */
export interface ConversationStore {
  list(query: string): Promise<Conversation[]>
  get(id: string): Promise<Conversation | undefined>
  put(c: Conversation): Promise<void>
  delete(id: string): Promise<void>
}

/** Streams one reply from a server (with the stored key); resolves with its text and finish reason. */
export type ServerChat = (req: ServerChatRequest, onDelta: (text: string) => void, signal: AbortSignal) => Promise<ChatStreamResult>

/** What the chat service needs; the worker passes the real ones, tests pass fakes. */
export interface ChatServiceDeps {
  /** loads a model as a run does (a folder under /models/, or a stored model's id with its info) */
  readonly loadBackend: LoadBackend
  /** navigator.gpu, or undefined */
  readonly gpu: GpuLike | undefined
  /** the stored models (dropped or from the Hub); undefined = no storage */
  listModels?(): Promise<readonly ModelInfo[]>
  /** conversations; undefined = no storage */
  readonly conversations?: ConversationStore
  /** chat with a served model (Model → Server); undefined = served models cannot chat here */
  readonly serverChat?: ServerChat
  /** monotonic clock in milliseconds */
  now(): number
}

/** Creates the chat methods. */
export function createChatService(deps: ChatServiceDeps): ChatWorkerApi {
  let held: { key: string; backend: ModelBackend; report: DeviceReport } | undefined
  const replies = new Map<string, AbortController>()
  let busy = false

  async function release(): Promise<void> {
    const h = held
    held = undefined
    await h?.backend.dispose().catch(() => undefined)
  }

  async function modelFor(req: ChatReplyRequest, emit: (e: ChatEvent) => void): Promise<{ backend: ModelBackend; report: DeviceReport }> {
    const key = `${req.model.source}:${req.model.id}:${req.device}`
    if (held?.key === key) return held
    await release()
    const stored = req.model.source === 'stored' ? await storedModel(req.model.id) : undefined
    const choice = chooseDevice(req.device, await probeGpu(deps.gpu))
    if (isWireError(choice)) throw fromWireError(choice)
    const loaded = await loadOnDevice(choice, (device) => deps.loadBackend(req.model.id, device, (p) => emit({ type: 'load', ...p }), stored))
    held = { key, backend: loaded.value, report: loaded.report }
    return held
  }

  async function storedModel(id: string): Promise<ModelInfo> {
    const models = (await deps.listModels?.()) ?? []
    const found = models.find((m) => m.id === id)
    if (!found) {
      const known = models.map((m) => `${m.id} (${m.name})`).join(', ') || 'none'
      throw fromWireError({ code: 'MODEL_NOT_FOUND', message: `stored model '${id}' is not in this browser's storage; stored models: ${known}`, detail: { model: id } })
    }
    return found
  }

  /**
   * A served model's reply through /v1/chat/completions: the server renders its own chat template and samples with
   * its own sampler (temperature, top-p, seed and the token budget are sent; top-k, min-p and the repetition
   * penalty have no field in the OpenAI API and are not).
   */
  async function serverReply(req: ChatReplyRequest, emit: (e: ChatEvent) => void, signal: AbortSignal): Promise<ChatReplyDone> {
    const url = req.model.server?.url
    if (!deps.serverChat || url === undefined) {
      throw new HarnessError('USAGE', `served model '${req.model.name}' cannot chat here: set its server under Run → Model → Server`)
    }
    if (req.format.mode === 'raw') {
      throw new HarnessError('USAGE', 'raw mode continues text on a model that runs here; a served model chats through '
        + '/v1/chat/completions with the server\'s template: turn raw mode off')
    }
    const messages = chatMessages(req.turns, req.format.system)
    const prompt = messages.map((m) => `${m.role}: ${m.content}`).join('\n')
    emit({ type: 'ready', prompt, device: {
      requested: req.device, device: 'server', adapter: undefined, fellBack: false, reason: `the model runs on ${url}`,
    } })
    const s = req.sampling
    const started = deps.now()
    let text = ''
    let count = 0
    const onDelta = (piece: string) => {
      text += piece
      emit({ type: 'token', count: ++count, text })
    }
    const request: ServerChatRequest = {
      url, model: req.model.id, messages, maxTokens: s.maxNewTokens, temperature: s.temperature, seed: s.seed,
      ...(s.topP < 1 ? { topP: s.topP } : {}), ...(req.until.length > 0 ? { stop: req.until } : {}),
    }
    let finish: string | undefined
    try {
      finish = (await deps.serverChat(request, onDelta, signal)).finishReason
    } catch (e) {
      if (!signal.aborted) throw e
      finish = 'cancelled'
    }
    const stopReason = finish === 'length' ? 'length' : finish === 'cancelled' ? 'cancelled' : 'stop'
    return { text, stopReason, prompt, promptTokens: 0, tokens: count, ms: deps.now() - started, device: 'server' }
  }

  function conversations<T>(fn: (s: ConversationStore) => Promise<T>): Promise<Outcome<T>> {
    const store = deps.conversations
    if (!store) {
      return Promise.resolve({ ok: false, error: { code: 'USAGE', message: 'conversations need this browser\'s storage (IndexedDB), which is not available here (a private window?)', detail: undefined } })
    }
    return fn(store).then((value) => ({ ok: true as const, value }), (e: unknown) => ({ ok: false as const, error: toWireError(e) }))
  }

  return {
    async chatReply(req, onEvent) {
      if (busy) return { ok: false, error: { code: 'USAGE', message: 'a reply is being made; stop it or wait for it before asking for another', detail: undefined } }
      busy = true
      const abort = new AbortController()
      replies.set(req.replyId, abort)
      try {
        checkSampling(req.sampling)
        if (req.model.source === 'server') return { ok: true, value: await serverReply(req, onEvent, abort.signal) }
        const { backend, report } = await modelFor(req, onEvent)
        if (!backend.streamGenerate) throw fromWireError({ code: 'BACKEND_ERROR', message: 'this model\'s backend cannot stream replies', detail: undefined })
        const prompt = promptFor(req.turns, req.format, backend.applyChatTemplate?.bind(backend))
        onEvent({ type: 'ready', device: report, prompt })
        const started = deps.now()
        const r = await backend.streamGenerate({ prompt, sampling: req.sampling, until: req.until, stopAtEndOfTurn: req.format.mode === 'template' }, {
          signal: abort.signal, onToken: (s) => onEvent({ type: 'token', count: s.count, text: s.text }),
        })
        const done: ChatReplyDone = {
          text: r.text, stopReason: r.stopReason, prompt, promptTokens: r.promptTokens.length, tokens: r.generatedTokens.length,
          ms: deps.now() - started, device: report.device,
        }
        return { ok: true, value: done }
      } catch (e) {
        return { ok: false, error: toWireError(e) }
      } finally {
        replies.delete(req.replyId)
        busy = false
      }
    },
    stopChat(replyId) {
      replies.get(replyId)?.abort()
    },
    releaseChatModel: release,
    listConversations: (query = '') => conversations((s) => s.list(query)),
    getConversation: (id) => conversations(async (s) => (await s.get(id)) ?? null),
    putConversation: (c) => conversations(async (s) => { await s.put(c); return null }),
    deleteConversation: (id) => conversations(async (s) => { await s.delete(id); return null }),
  }
}
