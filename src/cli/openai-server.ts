/**
 * The HTTP side of `evalz serve`: vLLM's OpenAI-compatible routes and response shapes over a ServeEngine.
 * GET /v1/models, POST /v1/completions (token-id or text prompts, echo, logprobs), POST /v1/chat/completions
 * (SSE streaming with `stream: true`), GET /health. CORS is open so a page on another origin (the web app) can
 * call it; with a key set, every /v1 request needs `Authorization: Bearer <key>`.
 */
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { ServeEngine } from '../backends/openai-api/serve-engine.ts'
import { completionBody, chatBody, RequestError } from './openai-routes.ts'

/** What the server serves. */
export interface OpenAiServerOptions {
  /** the model */
  readonly engine: ServeEngine
  /** the name /v1/models lists and requests must use */
  readonly modelName: string
  /** where the weights came from (vLLM's `root`) */
  readonly root: string
  /** bearer key clients must send; undefined = none */
  readonly apiKey?: string
  /** one line per request (method, path, status, ms); never the key or bodies */
  readonly log?: (line: string) => void
}

const MAX_BODY = 64 * 2 ** 20

/** Creates the server (not yet listening). */
export function openAiServer(opts: OpenAiServerOptions): Server {
  const created = Math.floor(Date.now() / 1000)
  return createServer((req, res) => {
    const start = Date.now()
    res.on('finish', () => opts.log?.(`${req.method} ${(req.url ?? '').split('?')[0]} ${res.statusCode} ${Date.now() - start} ms\n`))
    cors(req, res)
    handle(req, res, opts, created).catch((e: unknown) => {
      const status = e instanceof RequestError ? e.status : 500
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e)
      if (!res.headersSent) sendJson(res, status, errorBody(status, message))
      else res.end()
    })
  })
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: OpenAiServerOptions, created: number): Promise<void> {
  const path = (req.url ?? '/').split('?')[0].replace(/\/+$/, '') || '/'
  if (req.method === 'OPTIONS') {
    res.writeHead(204).end()
    return
  }
  if (path === '/health' && req.method === 'GET') {
    sendJson(res, 200, { status: 'ok' })
    return
  }
  if (!path.startsWith('/v1/')) throw new RequestError(404, `no route ${req.method} ${path}; evalz serve has GET /v1/models, POST /v1/completions, POST /v1/chat/completions`)
  if (opts.apiKey !== undefined && !keyMatches(req.headers.authorization, opts.apiKey)) throw new RequestError(401, 'missing or wrong API key (send Authorization: Bearer <key>)')
  const route = `${req.method} ${path}`
  if (route === 'GET /v1/models') {
    sendJson(res, 200, {
      object: 'list',
      data: [{
        id: opts.modelName, object: 'model', created, owned_by: 'evalz', root: opts.root, parent: null,
        max_model_len: opts.engine.maxModelLen, permission: [],
      }],
    })
    return
  }
  if (route === 'POST /v1/completions' || route === 'POST /v1/chat/completions') {
    const body = await readJson(req)
    if (body['model'] !== undefined && body['model'] !== opts.modelName) {
      throw new RequestError(404, `The model \`${String(body['model'])}\` does not exist; this server serves \`${opts.modelName}\``)
    }
    const id = `${route.endsWith('chat/completions') ? 'chatcmpl' : 'cmpl'}-${randomBytes(16).toString('hex')}`
    const meta = { id, created: Math.floor(Date.now() / 1000), model: opts.modelName }
    const abort = new AbortController()
    res.on('close', () => abort.abort())
    if (route === 'POST /v1/completions') {
      sendJson(res, 200, await completionBody(opts.engine, body, meta, abort.signal))
      return
    }
    if (body['stream'] === true) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive' })
      await chatBody(opts.engine, body, meta, abort.signal, (chunk) => res.write(`data: ${JSON.stringify(chunk)}\n\n`))
      res.end('data: [DONE]\n\n')
      return
    }
    sendJson(res, 200, await chatBody(opts.engine, body, meta, abort.signal, undefined))
    return
  }
  throw new RequestError(path.startsWith('/v1/') && ['/v1/models', '/v1/completions', '/v1/chat/completions'].includes(path) ? 405 : 404,
    `no route ${route}; evalz serve has GET /v1/models, POST /v1/completions, POST /v1/chat/completions`)
}

function cors(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', req.headers.origin ?? '*')
  res.setHeader('Vary', 'Origin')
  res.setHeader('Access-Control-Allow-Methods', 'GET, POST, OPTIONS')
  res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type')
  res.setHeader('Access-Control-Max-Age', '600')
  // pages served with Cross-Origin-Embedder-Policy may read these answers
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin')
}

function keyMatches(header: string | undefined, key: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? '')
  if (!m) return false
  const a = Buffer.from(m[1])
  const b = Buffer.from(key)
  return a.length === b.length && timingSafeEqual(a, b)
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const c of req) {
    size += (c as Buffer).length
    if (size > MAX_BODY) throw new RequestError(413, `request body over ${MAX_BODY / 2 ** 20} MiB`)
    chunks.push(c as Buffer)
  }
  let body: unknown
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new RequestError(400, 'the request body is not JSON')
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new RequestError(400, 'the request body must be a JSON object')
  return body as Record<string, unknown>
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) })
  res.end(text)
}

/** OpenAI's error shape (vLLM answers with it too). */
function errorBody(status: number, message: string): unknown {
  const type = status === 401 ? 'AuthenticationError' : status === 404 ? 'NotFoundError' : status >= 500 ? 'InternalServerError' : 'BadRequestError'
  return { error: { message, type, param: null, code: status } }
}
