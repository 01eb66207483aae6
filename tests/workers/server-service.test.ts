/**
 * "Model → Server" in the worker, in Node with fake-indexeddb and a fake fetch: the key is stored but never comes
 * back to the page and goes only into the Authorization header; the URL is checked as the CLI's; errors are one
 * line that names the page's fields (and CORS when the server cannot be reached).
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { openEvalzDb } from '../../src/storage/db.ts'
import type { Outcome } from '../../src/protocol/eval-worker-api.ts'
import { serverService } from '../../workers/server-service.ts'

const KEY = 'sk-unit-9f8e7d6c'
const URL_ = 'http://127.0.0.1:8000/v1'

interface Seen { url: string; authorization: string | undefined }

/** A fetch that answers /v1/models like vLLM, or fails as `fail` says. */
function fakeFetch(seen: Seen[], fail?: 'network' | 401) {
  return async (input: string, init?: RequestInit): Promise<Response> => {
    seen.push({ url: input, authorization: (init?.headers as Record<string, string> | undefined)?.['Authorization'] })
    if (fail === 'network') throw new TypeError('Failed to fetch')
    if (fail === 401) return new Response(JSON.stringify({ error: { message: 'Invalid API key' } }), { status: 401 })
    return new Response(JSON.stringify({ object: 'list', data: [{ id: 'demo', object: 'model', owned_by: 'vllm', max_model_len: 4096 }] }))
  }
}

async function service(fetch: ReturnType<typeof fakeFetch>) {
  const db = await openEvalzDb({ factory: new IDBFactory() })
  return { db, api: serverService(db, { serveStored: () => undefined, fetch }) }
}

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`)
  return o.value
}

describe('serverService', () => {
  it('stores the key without handing it back, and sends it only as a bearer header', async () => {
    const seen: Seen[] = []
    const { db, api } = await service(fakeFetch(seen))
    const settings = value(await api.setServerSettings({ url: `${URL_}/`, model: ' demo ', key: KEY }))
    expect(settings).toEqual({ url: URL_, model: 'demo', tokenizer: 'demo', tokenizerSource: 'app', hasKey: true })
    expect(JSON.stringify(value(await api.getServerSettings()))).not.toContain(KEY)
    expect(value(await api.checkServer())).toEqual({ models: [{ id: 'demo', ownedBy: 'vllm', maxModelLen: 4096 }] })
    expect(seen).toEqual([{ url: `${URL_}/models`, authorization: `Bearer ${KEY}` }])
    // a change that leaves the key out keeps it; null forgets it
    expect(value(await api.setServerSettings({ model: 'other' })).hasKey).toBe(true)
    expect(value(await api.setServerSettings({ key: null })).hasKey).toBe(false)
    expect(JSON.stringify(await db.getAll('settings'))).not.toContain(KEY)
  })

  it('refuses a URL that is not a /v1 base URL, naming the field', async () => {
    const { api } = await service(fakeFetch([]))
    const bad = await api.setServerSettings({ url: 'http://127.0.0.1:8000/v1/completions' })
    expect(bad.ok).toBe(false)
    if (!bad.ok) expect(bad.error.message).toBe("the server URL 'http://127.0.0.1:8000/v1/completions' names an endpoint; pass the base URL ending in /v1 (http://127.0.0.1:8000/v1)")
    const none = await api.checkServer()
    expect(!none.ok && none.error.message).toContain('no server URL is set')
  })

  it('says in one line that the server is down or refuses this page (CORS), and that it refused the key', async () => {
    const down = await service(fakeFetch([], 'network'))
    value(await down.api.setServerSettings({ url: URL_, model: 'demo', key: KEY }))
    const unreachable = await down.api.checkServer()
    expect(unreachable.ok).toBe(false)
    if (!unreachable.ok) {
      expect(unreachable.error.code).toBe('API_ERROR')
      expect(unreachable.error.message).toMatch(/^GET http:\/\/127\.0\.0\.1:8000\/v1\/models failed after 2 attempts: Failed to fetch; the server is not running/)
      expect(unreachable.error.message).toContain('CORS')
      expect(unreachable.error.message).not.toContain('--model-api')
      expect(unreachable.error.message).not.toContain('\n')
    }
    const refused = await service(fakeFetch([], 401))
    value(await refused.api.setServerSettings({ url: URL_, model: 'demo', key: KEY }))
    const wrong = await refused.api.checkServer()
    expect(!wrong.ok && wrong.error.message).toBe(`GET ${URL_}/models answered HTTP 401: Invalid API key (the server refused the key; enter the right one under Model → Server)`)
    expect(JSON.stringify(wrong)).not.toContain(KEY)
  })
})
