/**
 * HTTP client for an OpenAI-compatible server (vLLM, SGLang, TGI, llama-server, `evalz serve`): JSON POSTs with a
 * concurrency limit, retries with exponential backoff on 429/5xx and network failures, a per-request timeout,
 * and an `Authorization: Bearer` key that goes only into that header — never into a URL, an error or a log line.
 * Runs unchanged in Node and in a Worker (global fetch).
 */
import { HarnessError } from '../../core/errors.ts'

/** Where the server is and how to talk to it. */
export interface ApiClientOptions {
  /** base URL ending in /v1, e.g. 'http://127.0.0.1:8000/v1' (checked by parseApiBaseUrl) */
  readonly baseUrl: string
  /** bearer key; undefined or '' sends no Authorization header */
  readonly apiKey?: string
  /** requests in flight at once (≥ 1; default 1) */
  readonly concurrency?: number
  /** attempts after the first on 429, 5xx or a network error (default 5) */
  readonly maxRetries?: number
  /** per-attempt timeout in milliseconds (default 300 000, lm-eval's 300 s) */
  readonly timeoutMs?: number
  /** first backoff in milliseconds, doubled per retry up to 10 s; a Retry-After header wins (default 500) */
  readonly backoffMs?: number
  /** fetch to use (default the global one) */
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>
  /** waits between retries (default setTimeout); tests pass a recorder */
  readonly sleep?: (ms: number) => Promise<void>
  /** told about each retry: attempt number (1 = first retry), HTTP status or 0 for a network error, wait in ms */
  readonly onRetry?: (attempt: number, status: number, waitMs: number) => void
  /** what error messages tell the user to do (default: the CLI's flags) */
  readonly advice?: Partial<ApiAdvice>
}

/** What an error message tells the user to do next: the CLI names its flags, the app its fields. */
export interface ApiAdvice {
  /** after network failures (no answer at all) */
  readonly unreachable: string
  /** after HTTP 401 or 403 */
  readonly refusedKey: string
  /** after HTTP 404 */
  readonly notFound: string
  /** after an answer that is not JSON */
  readonly notJson: string
}

/** The CLI's advice. */
export const CLI_API_ADVICE: ApiAdvice = {
  unreachable: 'check that the server is running and --model-api is right',
  refusedKey: 'the server refused the key; pass the right one with --api-key or OPENAI_API_KEY',
  notFound: 'check --model-api (base URL ending in /v1) and --model (the served model name; see GET /v1/models)',
  notJson: 'is --model-api an OpenAI-compatible server?',
}

/** A client bound to one server. */
export interface ApiClient {
  /** the base URL as normalised (no trailing slash) */
  readonly baseUrl: string
  /** POSTs JSON to `path` (e.g. '/completions') and returns the parsed JSON answer */
  postJson(path: string, body: unknown, signal?: AbortSignal): Promise<unknown>
  /** GETs `path` and returns the parsed JSON answer */
  getJson(path: string, signal?: AbortSignal): Promise<unknown>
  /** POSTs JSON and returns the open response (for SSE streams); same retries before the body starts */
  postStream(path: string, body: unknown, signal?: AbortSignal): Promise<Response>
}

/**
 * Checks and normalises a base URL: http(s), no user:password part, no query or fragment, path ending in /v1.
 * Throws HarnessError('USAGE') naming what is wrong.
 */
export function parseApiBaseUrl(raw: string, what = '--model-api'): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new HarnessError('USAGE', `${what} '${raw}' is not a URL; pass the server's base URL ending in /v1, e.g. http://127.0.0.1:8000/v1`)
  }
  const shown = `${url.protocol}//${url.host}${url.pathname}`
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HarnessError('USAGE', `${what} '${shown}' must be an http:// or https:// URL ending in /v1`)
  }
  if (url.username !== '' || url.password !== '') {
    throw new HarnessError('USAGE', `${what} '${shown}' carries credentials in the URL; pass the key with --api-key or OPENAI_API_KEY instead`)
  }
  if (url.search !== '' || url.hash !== '') {
    throw new HarnessError('USAGE', `${what} '${shown}' has a query or fragment; pass only the base URL ending in /v1`)
  }
  const path = url.pathname.replace(/\/+$/, '')
  if (/\/(chat\/)?completions$/.test(path)) {
    throw new HarnessError('USAGE', `${what} '${shown}' names an endpoint; pass the base URL ending in /v1 (${url.origin}${path.replace(/\/(chat\/)?completions$/, '')})`)
  }
  if (!path.endsWith('/v1')) {
    throw new HarnessError('USAGE', `${what} '${shown}' must end in /v1 (the OpenAI-compatible base URL, e.g. ${url.origin}/v1)`)
  }
  return `${url.origin}${path}`
}

const RETRY_STATUS = (s: number) => s === 408 || s === 429 || s >= 500

/** Builds a client; the key lives only in this closure. */
export function createApiClient(opts: ApiClientOptions): ApiClient {
  const baseUrl = parseApiBaseUrl(opts.baseUrl)
  const doFetch = opts.fetch ?? ((input: string, init?: RequestInit) => fetch(input, init))
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>(r => setTimeout(r, ms)))
  const maxRetries = opts.maxRetries ?? 5
  const timeoutMs = opts.timeoutMs ?? 300_000
  const backoffMs = opts.backoffMs ?? 500
  const gate = semaphore(opts.concurrency ?? 1)
  const advice: ApiAdvice = { ...CLI_API_ADVICE, ...opts.advice }
  const headers = (json: boolean): Record<string, string> => ({
    ...(json ? { 'Content-Type': 'application/json' } : {}),
    Accept: 'application/json, text/event-stream',
    ...(opts.apiKey ? { Authorization: `Bearer ${opts.apiKey}` } : {}),
  })

  /** One request with retries; resolves with a 2xx response whose body is unread. */
  async function send(method: 'GET' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<Response> {
    const url = `${baseUrl}${path}`
    const init = { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body) }
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw cancelled(url)
      const timeout = AbortSignal.timeout(timeoutMs)
      const joined = signal ? AbortSignal.any([signal, timeout]) : timeout
      let res: Response
      try {
        res = await doFetch(url, { ...init, signal: joined })
      } catch (e) {
        if (signal?.aborted) throw cancelled(url)
        const why = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : oneLine(e)
        if (attempt >= maxRetries) {
          throw new HarnessError('API_ERROR', `${method} ${url} failed after ${attempt + 1} attempts: ${why}; ${advice.unreachable}`, { url })
        }
        await wait(attempt, 0, undefined)
        continue
      }
      if (res.ok) return res
      const text = await res.text().catch(() => '')
      if (RETRY_STATUS(res.status) && attempt < maxRetries) {
        await wait(attempt, res.status, res.headers.get('retry-after'))
        continue
      }
      throw statusError(method, url, res.status, text, attempt + 1, advice)
    }
  }

  async function wait(attempt: number, status: number, retryAfter: string | null | undefined): Promise<void> {
    const fromHeader = retryAfter ? Number(retryAfter) * 1000 : NaN
    const ms = Number.isFinite(fromHeader) && fromHeader >= 0 ? Math.min(fromHeader, 60_000) : Math.min(backoffMs * 2 ** attempt, 10_000)
    opts.onRetry?.(attempt + 1, status, ms)
    await sleep(ms)
  }

  async function json(res: Response, url: string): Promise<unknown> {
    const text = await res.text()
    try {
      return JSON.parse(text)
    } catch {
      throw new HarnessError('API_ERROR', `${url} answered with something that is not JSON (${text.slice(0, 120).replace(/\s+/g, ' ')}); ${advice.notJson}`, { url })
    }
  }

  return {
    baseUrl,
    postJson: (path, body, signal) => gate(async () => json(await send('POST', path, body, signal), `${baseUrl}${path}`)),
    getJson: (path, signal) => gate(async () => json(await send('GET', path, undefined, signal), `${baseUrl}${path}`)),
    postStream: (path, body, signal) => gate(() => send('POST', path, body, signal)),
  }
}

/** The server's own error message from an OpenAI-style body ({error: {message}} or {message} or {detail}). */
export function serverMessage(text: string): string {
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    const err = body['error']
    const m = (typeof err === 'object' && err !== null ? (err as Record<string, unknown>)['message'] : err) ?? body['message'] ?? body['detail']
    if (typeof m === 'string' && m !== '') return oneLine(m)
  } catch {
    // not JSON: fall through to the raw text
  }
  return oneLine(text).slice(0, 300)
}

function statusError(method: string, url: string, status: number, text: string, attempts: number, advice: ApiAdvice): HarnessError {
  const said = serverMessage(text)
  const hint = status === 401 || status === 403 ? advice.refusedKey
    : status === 404 ? advice.notFound
      : attempts > 1 ? `gave up after ${attempts} attempts` : 'the server rejected the request'
  return new HarnessError('API_ERROR', `${method} ${url} answered HTTP ${status}${said ? `: ${said}` : ''} (${hint})`, { url, status })
}

function cancelled(url: string): HarnessError {
  return new HarnessError('CANCELLED', `request to ${url} cancelled`, { url })
}

function oneLine(e: unknown): string {
  const err = e as { message?: unknown; cause?: { message?: unknown; code?: unknown } }
  const base = typeof err?.message === 'string' ? err.message : String(e)
  const cause = err?.cause && typeof err.cause.message === 'string' ? ` (${err.cause.code ?? err.cause.message})` : ''
  return `${base}${cause}`.replace(/\s+/g, ' ').trim()
}

/** A limit of `n` concurrent tasks, first come first served. */
function semaphore(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  if (!(Number.isInteger(n) && n >= 1)) throw new HarnessError('USAGE', `--concurrency must be an integer ≥ 1, got ${n}`)
  let active = 0
  const queue: (() => void)[] = []
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < n) active++
    else await new Promise<void>(r => queue.push(r)) // the finishing task hands its slot over
    try {
      return await task()
    } finally {
      const next = queue.shift()
      if (next) next()
      else active--
    }
  }
}
