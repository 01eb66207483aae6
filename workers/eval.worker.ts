/**
 * The evaluation worker: composes the core, transformers.js (ORT wasm served by the app itself; models from the
 * app's /models/ or, for stored models, from IndexedDB through transformers.js's custom cache), datasets (stored
 * ones first, then the app's /datasets/ mirror) and the IndexedDB store, and exposes the EvalWorkerApi with
 * comlink. This worker is the only IndexedDB writer.
 */
import * as Comlink from 'comlink'
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url'
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url'
import { version } from '../package.json'
import { builtinCatalogue, listCatalogue } from '../src/core/catalogue.ts'
import { evaluate } from '../src/core/evaluator.ts'
import { pyJsonDumps } from '../src/core/python/json.ts'
import { configureTransformers, wasmThreadCount } from '../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../src/backends/transformers/transformers-backend.ts'
import { httpFileAccess } from '../src/data/http-file-access.ts'
import { openEvalzDb } from '../src/storage/db.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { getHubSettings, hubEndpointOf } from '../src/storage/settings-store.ts'
import { modelFileCache } from '../src/storage/model-store.ts'
import type { StoredModel } from '../src/storage/model-store.ts'
import type { GpuLike } from '../src/protocol/device.ts'
import type { LoadBackend } from '../src/app/eval-service.ts'
import { createEvalService } from '../src/app/eval-service.ts'
import { deferredApi } from '../src/app/deferred-api.ts'
import type { EvalWorkerApi } from '../src/protocol/eval-worker-api.ts'
import type { ChatWorkerApi } from '../src/protocol/chat-api.ts'
import { createChatService } from '../src/app/chat-service.ts'
import { deleteConversation, getConversation, listConversations, putConversation } from '../src/storage/conversation-store.ts'
import { idbEvalStore } from './idb-eval-store.ts'
import { browserDocSource } from './browser-doc-source.ts'
import { hubService } from './hub-service.ts'
import type { PythonModule } from '../src/core/tasks/python-hooks.ts'
import { serverService } from './server-service.ts'

const root = new URL(import.meta.env.BASE_URL, self.location.origin)
const abs = (url: string): string => new URL(url, self.location.href).href
/** the stored model being loaded, served as /models/<id>/… by the custom cache */
let serving: readonly StoredModel[] = []
const catalogue = builtinCatalogue()
const appData = httpFileAccess(new URL('datasets/', root).href)
/** Pyodide's runtime files, served by the app (vite.config.ts copies them from the npm package into pyodide/) */
const pyodideIndex = new URL('pyodide/', root).href
/** Pyodide's host is imported only when a run's tasks have Python hooks (its ~13 MB of files load then, once) */
const startPythonHooks = async (modules: readonly PythonModule[]) =>
  (await import('../src/backends/python/pyodide-host.ts')).startPythonHooks(modules, { indexURL: pyodideIndex })
const gpu = (navigator as Navigator & { gpu?: GpuLike }).gpu
/** all the cores the browser reports (capped), when the page is cross-origin isolated */
const wasmThreads = wasmThreadCount(self.crossOriginIsolated, navigator.hardwareConcurrency)

/** Opens IndexedDB (5 s at most: it may be missing in private modes or blocked by another tab) and builds the service. */
async function build(): Promise<EvalWorkerApi & ChatWorkerApi> {
  const db = await Promise.race([openEvalzDb().catch(() => undefined), new Promise<undefined>((r) => setTimeout(r, 5000))])
  configureTransformers({
    allowRemote: false,
    // a path, not an http(s) URL: transformers.js skips its local-file lookup for URL-shaped local paths
    localModelPath: new URL('models/', root).pathname,
    wasmPaths: { wasm: abs(ortWasm), mjs: abs(ortMjs) },
    numThreads: wasmThreads,
    logLevel: 'error',
    // the app serves its own models; a Cache Storage copy would go stale when public/models changes
    useBrowserCache: false,
    ...(db ? { customCache: modelFileCache(db, () => serving) } : {}),
  })
  const loadBackend: LoadBackend = (model, device, onLoadProgress, stored) => {
    serving = stored ? [stored] : []
    return loadTransformersBackend({ model, device, dtype: stored?.hub?.dtype ?? 'fp32', onLoadProgress, modelSha256: stored?.weightsSha256 })
  }
  const store = db ? idbEvalStore(db, navigator.storage) : undefined
  const server = db ? serverService(db, { serveStored: (m) => { serving = m ? [m] : [] } }) : undefined
  const chat = createChatService({
    loadBackend,
    gpu,
    serverChat: server?.chat,
    listModels: store && (() => store.listModels()),
    conversations: db && {
      list: (q) => listConversations(db, q), get: (id) => getConversation(db, id), put: (c) => putConversation(db, c), delete: (id) => deleteConversation(db, id),
    },
    now: () => performance.now(),
  })
  const evals = createEvalService({
    catalogue,
    entries: listCatalogue(catalogue),
    // stored and app datasets first; online, the Hub (whose splits are stored as they are read)
    source: async () => browserDocSource({ db, appData, hub: navigator.onLine ? await hubAccess(db) : undefined }),
    gpu,
    wasmThreads,
    loadBackend,
    evaluate,
    dumpResults: (results) => pyJsonDumps(results, { indent: 2 }),
    evalzVersion: version,
    now: () => performance.now(),
    clock: () => Date.now() / 1000,
    startPythonHooks,
    store,
    server,
    hub: db ? hubService(db, { shaderF16: async () => (await gpu?.requestAdapter())?.features?.has('shader-f16') ?? false, online: () => navigator.onLine, estimate: async () => (await navigator.storage?.estimate?.()) ?? {} }) : undefined,
  })
  // a run frees the chat's model before loading its own: one model in memory at a time
  return { ...evals, ...chat, run: async (spec, onEvent) => { await chat.releaseChatModel(); return evals.run(spec, onEvent) } }
}

/** The Hub endpoint and token from the stored settings (defaults without a database). */
async function hubAccess(db: EvalzDb | undefined): Promise<{ endpoint: string; token: string | undefined }> {
  const s = db ? await getHubSettings(db) : { key: 'hub' as const, endpoint: '' }
  return { endpoint: hubEndpointOf(s), token: s.token || undefined }
}

// Exposed at once (messages sent before expose would be lost): each call waits for the service (deferredApi).
const ready = build()

// Callbacks arrive as comlink proxies (functions); release their MessageChannels once the call is over.
function release(args: readonly unknown[]): void {
  for (const arg of args) if (typeof arg === 'function') (arg as Comlink.Remote<() => void>)[Comlink.releaseProxy]()
}

Comlink.expose(deferredApi(ready, release))
