/**
 * The worker's chat service in Node with a fake streaming backend: the prompt it renders (template or raw), token
 * events, Stop, one model held between turns and released on a change, one reply at a time, errors as data, and
 * conversations through the IndexedDB store (fake-indexeddb).
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import type { ModelBackend } from '../../src/core/backend.ts'
import type { StreamOptions, StreamRequest } from '../../src/core/sampling/generation-stream.ts'
import { DEFAULT_SAMPLING } from '../../src/core/sampling/sampling-settings.ts'
import type { ChatEvent, ChatReplyRequest } from '../../src/protocol/chat-api.ts'
import { createChatService } from '../../src/app/chat-service.ts'
import type { ChatServiceDeps, ServerChat } from '../../src/app/chat-service.ts'
import type { ServerChatRequest } from '../../src/protocol/server-api.ts'
import { HarnessError } from '../../src/core/errors.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import { deleteConversation, getConversation, listConversations, putConversation } from '../../src/storage/conversation-store.ts'
import { DEMO_MODEL, newConversation, withReply, withUserTurn } from '../../src/ui/chat-draft.ts'

/** A backend whose reply is the prompt's length in words, one token per word, with a log of loads and disposals. */
function fakeBackend(name: string, log: string[]): ModelBackend {
  return {
    info: {
      name: 'fake', version: '0', model: name, modelSha256: undefined, numParameters: undefined, device: 'wasm', dtype: 'fp32',
      maxLength: 2048, bosToken: undefined, eosToken: undefined, padToken: undefined, prefixTokenId: 0,
    },
    applyChatTemplate: (messages, opts) => `${messages.map((m) => `<${m.role}>${m.content}`).join('')}${opts.addGenerationPrompt ? '<assistant>' : ''}`,
    loglikelihood: async () => [],
    loglikelihoodRolling: async () => [],
    generateUntil: async () => [],
    async streamGenerate(req: StreamRequest, opts: StreamOptions) {
      const words = ['one', 'two', 'three', 'four', 'five', 'six'].slice(0, req.sampling.maxNewTokens)
      let text = ''
      for (const [i, w] of words.entries()) {
        if (opts.signal?.aborted) return { text, promptTokens: [1], generatedTokens: words.slice(0, i).map(() => 1), stopReason: 'cancelled' as const }
        text += `${i ? ' ' : ''}${w}`
        opts.onToken?.({ tokenId: i, count: i + 1, text })
        await new Promise((r) => setTimeout(r, 1))
      }
      return { text, promptTokens: [1, 2], generatedTokens: words.map(() => 1), stopReason: 'length' as const }
    },
    async dispose() {
      log.push(`dispose ${name}`)
    },
  }
}

function service(log: string[], extra: Partial<ChatServiceDeps> = {}) {
  let t = 0
  return createChatService({
    loadBackend: async (model, device, onProgress) => {
      log.push(`load ${model} ${device}`)
      onProgress({ file: 'onnx/model.onnx', loaded: 1, total: 1 })
      return fakeBackend(model, log)
    },
    gpu: undefined,
    now: () => (t += 10),
    ...extra,
  })
}

const request = (over: Partial<ChatReplyRequest> = {}): ChatReplyRequest => ({
  replyId: 'r1', model: DEMO_MODEL, device: 'auto', format: { mode: 'template', system: 'Be brief.' },
  turns: [{ role: 'user', content: 'Hi' }], sampling: { ...DEFAULT_SAMPLING, seed: 7 }, until: [], ...over,
})

describe('chat service', () => {
  it('renders the prompt, streams tokens and reports the reply', async () => {
    const log: string[] = []
    const events: ChatEvent[] = []
    const out = await service(log).chatReply(request(), (e) => events.push(e))
    expect(out.ok && out.value).toMatchObject({ text: 'one two three four five six', stopReason: 'length', prompt: '<system>Be brief.<user>Hi<assistant>', tokens: 6, device: 'wasm' })
    expect(events.map((e) => e.type)).toEqual(['load', 'ready', 'token', 'token', 'token', 'token', 'token', 'token'])
    const raw = await service(log).chatReply(request({ format: { mode: 'raw', system: 'Facts: ' } }), () => undefined)
    expect(raw.ok && raw.value.prompt).toBe('Facts: Hi')
  })

  it('keeps one model between turns, releases it for another model, and Stop ends a reply', async () => {
    const log: string[] = []
    const s = service(log)
    await s.chatReply(request(), () => undefined)
    await s.chatReply(request({ replyId: 'r2' }), () => undefined)
    expect(log).toEqual(['load demo wasm'])
    const stopped = await s.chatReply(request({ replyId: 'r3', model: { source: 'app', id: 'other', name: 'Other' } }), (e) => {
      if (e.type === 'token' && e.count === 2) s.stopChat('r3')
    })
    expect(log).toEqual(['load demo wasm', 'dispose demo', 'load other wasm'])
    expect(stopped.ok && stopped.value).toMatchObject({ text: 'one two', stopReason: 'cancelled' })
    await s.releaseChatModel()
    expect(log.at(-1)).toBe('dispose other')
  })

  it('a served model answers through the server: the messages and sampling it is sent, streamed deltas, Stop, raw refused', async () => {
    const log: string[] = []
    const sent: ServerChatRequest[] = []
    const serverChat: ServerChat = async (req, onDelta, signal) => {
      sent.push(req)
      for (const piece of ['Hel', 'lo', ' there']) {
        if (signal.aborted) throw new HarnessError('CANCELLED', 'chat cancelled')
        onDelta(piece)
        await new Promise((r) => setTimeout(r, 1))
      }
      return { text: 'Hello there', finishReason: 'length' }
    }
    const s = service(log, { serverChat })
    const model = { source: 'server' as const, id: 'served-7b', name: 'served-7b @ http://127.0.0.1:9/v1', server: { url: 'http://127.0.0.1:9/v1' } }
    const events: ChatEvent[] = []
    const out = await s.chatReply(request({ model, sampling: { ...DEFAULT_SAMPLING, seed: 3, topP: 1, maxNewTokens: 5 } }), (e) => events.push(e))
    expect(out.ok && out.value).toMatchObject({ text: 'Hello there', stopReason: 'length', tokens: 3, device: 'server' })
    expect(sent[0]).toEqual({
      url: 'http://127.0.0.1:9/v1', model: 'served-7b', maxTokens: 5, temperature: DEFAULT_SAMPLING.temperature, seed: 3,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }],
    })
    expect(events.map((e) => (e.type === 'token' ? e.text : e.type))).toEqual(['ready', 'Hel', 'Hello', 'Hello there'])
    expect(log).toEqual([]) // nothing loaded here
    const stopped = await s.chatReply(request({ replyId: 'r2', model }), (e) => {
      if (e.type === 'token' && e.count === 1) s.stopChat('r2')
    })
    expect(stopped.ok && stopped.value).toMatchObject({ text: 'Hel', stopReason: 'cancelled' })
    const raw = await s.chatReply(request({ replyId: 'r3', model, format: { mode: 'raw', system: '' } }), () => undefined)
    expect(!raw.ok && raw.error.message).toMatch(/^raw mode continues text on a model that runs here; .*turn raw mode off$/)
    const without = await service(log).chatReply(request({ model }), () => undefined)
    expect(!without.ok && without.error.message).toContain('set its server under Run → Model → Server')
  })

  it('answers one reply at a time; bad settings, unknown stored models and missing storage are errors as data', async () => {
    const s = service([])
    const first = s.chatReply(request(), () => undefined)
    const second = await s.chatReply(request({ replyId: 'r2' }), () => undefined)
    expect(!second.ok && second.error.message).toMatch(/a reply is being made/)
    await first
    const bad = await s.chatReply(request({ sampling: { ...DEFAULT_SAMPLING, seed: 1, temperature: -1 } }), () => undefined)
    expect(!bad.ok && bad.error).toMatchObject({ code: 'USAGE' })
    const missing = await service([], { listModels: async () => [] }).chatReply(request({ model: { source: 'stored', id: 'x', name: 'x' } }), () => undefined)
    expect(!missing.ok && missing.error).toMatchObject({ code: 'MODEL_NOT_FOUND' })
    const none = await s.listConversations()
    expect(!none.ok && none.error.message).toMatch(/IndexedDB/)
  })

  it('keeps conversations in IndexedDB: newest first, search, delete', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const s = service([], {
      conversations: {
        list: (q) => listConversations(db, q), get: (id) => getConversation(db, id), put: (c) => putConversation(db, c), delete: (id) => deleteConversation(db, id),
      },
    })
    const a = withReply(withUserTurn(newConversation('a', 1, DEMO_MODEL), 'Capital of France?', 2), ' Paris', {
      model: 'Demo', seed: 1, tokens: 2, promptTokens: 5, ms: 10, stopReason: 'eos', device: 'wasm',
    }, 3)
    const b = withUserTurn(newConversation('b', 5, DEMO_MODEL), 'Tell me a story', 6)
    await s.putConversation(a)
    await s.putConversation(b)
    const all = await s.listConversations()
    expect(all.ok && all.value.map((c) => c.id)).toEqual(['b', 'a'])
    const found = await s.listConversations('paris')
    expect(found.ok && found.value.map((c) => c.id)).toEqual(['a'])
    const got = await s.getConversation('a')
    expect(got.ok && got.value).toEqual(a)
    await s.deleteConversation('a')
    const left = await s.listConversations()
    expect(left.ok && left.value.map((c) => c.id)).toEqual(['b'])
    db.close()
  })
})
