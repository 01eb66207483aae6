/**
 * The API client: base URL checks, retries with backoff on 429/5xx (Retry-After honoured), timeouts, the
 * concurrency limit, and a key that travels only in the Authorization header.
 */
import { describe, expect, it } from 'vitest'
import { createApiClient, parseApiBaseUrl } from '../../../src/backends/openai-api/api-client.ts'
import { harnessFailure, harnessThrow } from '../../rejection.ts'

const KEY = 'sk-test-7f3a9c1e5b'

function scripted(...answers: (() => Response | Promise<Response>)[]) {
  const seen: { url: string; auth: string | undefined }[] = []
  const fetch = async (url: string, init?: RequestInit) => {
    seen.push({ url, auth: (init?.headers as Record<string, string> | undefined)?.['Authorization'] })
    return answers[Math.min(seen.length - 1, answers.length - 1)]()
  }
  return { fetch, seen }
}
const json = (status: number, body: unknown, headers: Record<string, string> = {}) => () => new Response(JSON.stringify(body), { status, headers })

describe('base URL', () => {
  it('normalises a /v1 base URL', () => {
    expect(parseApiBaseUrl('http://127.0.0.1:8000/v1/')).toBe('http://127.0.0.1:8000/v1')
    expect(parseApiBaseUrl('https://host.example/openai/v1')).toBe('https://host.example/openai/v1')
  })
  it.each([
    ['localhost:8000/v1', 'must be an http:// or https:// URL'],
    ['not a url', 'is not a URL'],
    ['http://h:8000', 'must end in /v1'],
    ['http://h:8000/v1/completions', 'names an endpoint; pass the base URL ending in /v1 (http://h:8000/v1)'],
    ['http://user:secret@h/v1', 'carries credentials in the URL'],
    ['http://h/v1?key=abc', 'has a query or fragment'],
  ])('refuses %s in one line', (url, says) => {
    const err = harnessThrow(() => parseApiBaseUrl(url))
    expect(err.message).toContain(says)
    expect(err.message).not.toContain('secret')
    expect(err.message).not.toContain('key=abc')
  })
})

describe('retries', () => {
  it('retries a 429 (waiting as Retry-After says) and then succeeds', async () => {
    const server = scripted(json(429, { error: { message: 'rate limited' } }, { 'Retry-After': '2' }), json(200, { ok: 1 }))
    const waits: number[] = []
    const retries: number[] = []
    const client = createApiClient({ baseUrl: 'http://h/v1', apiKey: KEY, fetch: server.fetch, sleep: async ms => { waits.push(ms) }, onRetry: (_, s) => retries.push(s) })
    expect(await client.postJson('/completions', { a: 1 })).toEqual({ ok: 1 })
    expect(waits).toEqual([2000])
    expect(retries).toEqual([429])
    expect(server.seen.map(s => s.auth)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`])
    expect(server.seen.every(s => !s.url.includes(KEY))).toBe(true)
  })

  it('backs off exponentially on 5xx and network errors, then gives up with one line naming the status', async () => {
    const server = scripted(() => { throw new TypeError('fetch failed') }, json(502, 'bad gateway'), json(503, { error: { message: 'overloaded' } }))
    const waits: number[] = []
    const client = createApiClient({ baseUrl: 'http://h/v1', apiKey: KEY, maxRetries: 3, backoffMs: 100, fetch: server.fetch, sleep: async ms => { waits.push(ms) } })
    const err = await harnessFailure(client.postJson('/completions', {}))
    expect(err.code).toBe('API_ERROR')
    expect(err.message).toBe('POST http://h/v1/completions answered HTTP 503: overloaded (gave up after 4 attempts)')
    expect(waits).toEqual([100, 200, 400])
  })

  it('does not retry a 400 and reports the server message; a 401 says to check the key without showing it', async () => {
    const c400 = createApiClient({ baseUrl: 'http://h/v1', fetch: scripted(json(400, { object: 'error', message: "This model's maximum context length is 2048 tokens." })).fetch })
    expect((await harnessFailure(c400.postJson('/completions', {}))).message).toContain("HTTP 400: This model's maximum context length is 2048 tokens.")
    const c401 = createApiClient({ baseUrl: 'http://h/v1', apiKey: KEY, fetch: scripted(json(401, { error: { message: 'Unauthorized' } })).fetch })
    const err = await harnessFailure(c401.postJson('/completions', {}))
    expect(err.message).toContain('--api-key or OPENAI_API_KEY')
    expect(err.message).not.toContain(KEY)
  })

  it('times out a request that hangs, then retries it', async () => {
    let calls = 0
    const fetch = (_url: string, init?: RequestInit) => {
      calls++
      if (calls === 1) return new Promise<Response>((_, reject) => init!.signal!.addEventListener('abort', () => reject(new DOMException('timeout', 'TimeoutError'))))
      return Promise.resolve(new Response('{"ok":2}'))
    }
    const client = createApiClient({ baseUrl: 'http://h/v1', timeoutMs: 30, fetch, sleep: async () => {} })
    expect(await client.postJson('/completions', {})).toEqual({ ok: 2 })
    expect(calls).toBe(2)
  })
})

describe('concurrency', () => {
  it('keeps at most N requests in flight', async () => {
    let inFlight = 0
    let peak = 0
    const fetch = async () => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise(r => setTimeout(r, 5))
      inFlight--
      return new Response('{}')
    }
    const client = createApiClient({ baseUrl: 'http://h/v1', concurrency: 3, fetch })
    await Promise.all(Array.from({ length: 20 }, () => client.postJson('/completions', {})))
    expect(peak).toBe(3)
  })
  it('refuses a bad limit', () => {
    expect(harnessThrow(() => createApiClient({ baseUrl: 'http://h/v1', concurrency: 0 })).message).toContain('--concurrency must be an integer ≥ 1')
  })
})
