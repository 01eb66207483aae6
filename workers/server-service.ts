/**
 * "Model → Server" in the worker: the server settings in IndexedDB (the key stays here and goes only into
 * `Authorization` headers), a check of what the server serves, and connecting a run to it with its tokenizer
 * loaded in this worker (an app model under /models/ or a stored model served by the custom cache).
 */
import { HarnessError } from '../src/core/errors.ts'
import type { ModelInfo } from '../src/protocol/eval-store.ts'
import type { RunRequest } from '../src/protocol/run-request.ts'
import type { ServerSettings, ServerWorkerApi } from '../src/protocol/server-api.ts'
import type { ServedModelHandle } from '../src/app/eval-service.ts'
import { createApiClient, parseApiBaseUrl } from '../src/backends/openai-api/api-client.ts'
import type { ApiAdvice } from '../src/backends/openai-api/api-client.ts'
import { loadApiTokenizer } from '../src/backends/openai-api/api-tokenizer.ts'
import { connectServedModel } from '../src/backends/openai-api/served-backend.ts'
import { servedModels } from '../src/backends/openai-api/served-model.ts'
import { streamChatCompletion } from '../src/backends/openai-api/chat-stream.ts'
import type { ServerChat } from '../src/app/chat-service.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { getServerSettings, putServerSettings } from '../src/storage/settings-store.ts'
import { outcome } from './hub-service.ts'

/** What errors tell the page's user to do: the fields of Model → Server, and CORS for a server on another origin. */
export const APP_API_ADVICE: ApiAdvice = {
  unreachable: 'the server is not running, the URL is wrong, or the server does not allow requests from this page\'s origin '
    + '(CORS: evalz serve allows every origin, vLLM too unless --allowed-origins narrows them; '
    + 'an https page cannot call an http server other than localhost)',
  refusedKey: 'the server refused the key; enter the right one under Model → Server',
  notFound: 'check the base URL (ending in /v1) and the served model name under Model → Server',
  notJson: 'is the base URL an OpenAI-compatible server\'s (ending in /v1)?',
}

/** The page's name for the base URL in error messages. */
const URL_FIELD = 'the server URL'

/** Requests in flight at once during a run (recorded as num_concurrent). */
const CONCURRENCY = 4

/** What the service needs from the worker. */
export interface ServerServiceDeps {
  /** makes a stored model's files loadable by id (the custom cache) before its tokenizer loads */
  serveStored(model: ModelInfo | undefined): void
  /** fetch to use (default the global one; tests pass a fake) */
  readonly fetch?: (input: string, init?: RequestInit) => Promise<Response>
}

/** The server half of the worker API plus `connect` for runs. */
export function serverService(db: EvalzDb, deps: ServerServiceDeps): ServerWorkerApi & {
  connect(spec: RunRequest, tok: ModelInfo | undefined): Promise<ServedModelHandle>
  chat: ServerChat
} {
  async function view(): Promise<ServerSettings> {
    const s = await getServerSettings(db)
    return { url: s.url, model: s.model, tokenizer: s.tokenizer, tokenizerSource: s.tokenizerSource, hasKey: (s.apiKey ?? '') !== '' }
  }
  /** the key for `url`: the stored one when the stored settings name that server */
  async function keyFor(url: string): Promise<string | undefined> {
    const s = await getServerSettings(db)
    return s.url === url && s.apiKey ? s.apiKey : undefined
  }
  return {
    getServerSettings: () => outcome(view),
    setServerSettings: (update) => outcome(async () => {
      const s = await getServerSettings(db)
      const url = update.url === undefined ? s.url : update.url.trim() === '' ? '' : parseApiBaseUrl(update.url.trim(), URL_FIELD)
      const apiKey = update.key === undefined ? s.apiKey : update.key === null || update.key.trim() === '' ? undefined : update.key.trim()
      await putServerSettings(db, {
        key: 'server', url, model: (update.model ?? s.model).trim(), tokenizer: update.tokenizer ?? s.tokenizer,
        tokenizerSource: update.tokenizerSource ?? s.tokenizerSource, ...(apiKey === undefined ? {} : { apiKey }),
      })
      return view()
    }),
    checkServer: () => outcome(async () => {
      const s = await getServerSettings(db)
      if (s.url === '') throw new HarnessError('USAGE', 'no server URL is set; enter its base URL ending in /v1 (e.g. http://127.0.0.1:8000/v1)')
      const client = createApiClient({ baseUrl: s.url, apiKey: s.apiKey, maxRetries: 1, timeoutMs: 15_000, advice: APP_API_ADVICE, fetch: deps.fetch })
      return { models: servedModels(await client.getJson('/models')).map(m => ({ id: m.id, ...(m.ownedBy ? { ownedBy: m.ownedBy } : {}), ...(m.maxModelLen ? { maxModelLen: m.maxModelLen } : {}) })) }
    }),
    async chat(req, onDelta, signal) {
      const url = parseApiBaseUrl(req.url, URL_FIELD)
      const client = createApiClient({ baseUrl: url, apiKey: await keyFor(url), maxRetries: 1, advice: APP_API_ADVICE, fetch: deps.fetch })
      return streamChatCompletion(client, req, onDelta, signal)
    },
    async connect(spec, tokenizerModel) {
      const server = spec.server!
      const client = createApiClient({ baseUrl: server.url, apiKey: await keyFor(parseApiBaseUrl(server.url, URL_FIELD)), concurrency: CONCURRENCY, advice: APP_API_ADVICE, fetch: deps.fetch })
      deps.serveStored(tokenizerModel)
      const tokenizer = await loadApiTokenizer(server.tokenizer)
      const tokenizerName = tokenizerModel ? tokenizerModel.hub?.repo ?? tokenizerModel.name : server.tokenizer
      // a server without prompt log-probabilities: the run refuses the tasks that need them (eval-service)
      return connectServedModel({ client, model: spec.model, tokenizer, tokenizerName, concurrency: CONCURRENCY })
    },
  }
}
