/**
 * The only module that touches transformers.js's global `env` (browser-stack.md §1.4).
 *
 * Node recipe for a local model directory (read from the 4.3.2 source, utils/hub.js): pass the directory
 * as an ABSOLUTE path for the model id. An id that fails the Hub repo-id pattern (an absolute path always
 * does) is read from that path as-is; a string like `models/demo` would instead be looked up under
 * `env.localModelPath`. With `allowLocalModels = true` and `allowRemoteModels = false`, every file is
 * read from disk and a missing file fails without any network request.
 */
import { env, LogLevel } from '@huggingface/transformers'

/** A transformers.js custom cache (browser-stack.md §1.8): serves model files by key. */
export interface ModelFileCache {
  /** a Response (or, in Node, a file path) for the key, undefined on a miss */
  match(key: string): Promise<Response | string | undefined>
  /** called after a network download; may persist the response */
  put(key: string, response: Response): Promise<void>
}

/** Settings for transformers.js; fields left out keep the library defaults. */
export interface TransformersInitOptions {
  /** directory (Node) or URL prefix (browser) that holds local models; enables local loading */
  readonly localModelPath?: string
  /** whether files may be downloaded from the Hub (false: local files only, zero network requests) */
  readonly allowRemote: boolean
  /** Node file cache directory for downloads; without it no file cache is used when remote is off */
  readonly cacheDir?: string
  /** URLs of ORT's wasm binary and its JS factory (self-hosted, instead of the jsDelivr default) */
  readonly wasmPaths?: { readonly wasm: string; readonly mjs: string }
  /** library and ORT log verbosity */
  readonly logLevel?: 'debug' | 'info' | 'warning' | 'error' | 'none'
  /** serves model files (drag-and-drop, IndexedDB); replaces the browser cache */
  readonly customCache?: ModelFileCache
  /** Hub host, e.g. a local mock hub for tests (default https://huggingface.co/) */
  readonly remoteHost?: string
  /** fetch used for every model and tokenizer request */
  readonly fetch?: (input: string | URL, init?: RequestInit) => Promise<Response>
  /** wasm threads (browser) */
  readonly numThreads?: number
  /** browser: also copy model files into Cache Storage (library default true); off for files the app serves */
  readonly useBrowserCache?: boolean
}

const LEVELS = {
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warning: LogLevel.WARNING,
  error: LogLevel.ERROR,
  none: LogLevel.NONE,
} as const

const isNode = typeof process !== 'undefined' && process.release?.name === 'node'

/** Applies the settings to transformers.js's global `env`; call before loading a model. */
export function configureTransformers(opts: TransformersInitOptions): void {
  env.allowRemoteModels = opts.allowRemote
  if (opts.localModelPath !== undefined) env.localModelPath = opts.localModelPath
  // Node always reads local paths; in browsers local loading is only on when a path is given.
  env.allowLocalModels = isNode || opts.localModelPath !== undefined
  if (opts.remoteHost !== undefined) env.remoteHost = opts.remoteHost
  if (opts.fetch !== undefined) env.fetch = opts.fetch
  if (isNode) {
    env.useFSCache = opts.cacheDir !== undefined || opts.allowRemote
    if (opts.cacheDir !== undefined) env.cacheDir = opts.cacheDir
  }
  if (opts.useBrowserCache !== undefined && !isNode) env.useBrowserCache = opts.useBrowserCache
  if (opts.customCache !== undefined) {
    env.useCustomCache = true
    env.customCache = opts.customCache
    env.useBrowserCache = false
  }
  const onnx = env.backends.onnx
  if (opts.wasmPaths !== undefined && onnx.wasm) onnx.wasm.wasmPaths = { wasm: opts.wasmPaths.wasm, mjs: opts.wasmPaths.mjs }
  if (opts.numThreads !== undefined && onnx.wasm) onnx.wasm.numThreads = opts.numThreads
  if (opts.logLevel !== undefined) env.logLevel = LEVELS[opts.logLevel]
}

/** Most wasm threads a page asks for: past this, synchronisation costs more than the extra cores give. */
export const MAX_WASM_THREADS = 8

/**
 * onnxruntime-web threads for a page: the cores the browser reports, at most MAX_WASM_THREADS, when the page is
 * cross-origin isolated (threads need SharedArrayBuffer); 1 otherwise. onnxruntime's own default is half the cores,
 * at most 4 — one thread on a 2-core machine.
 */
export function wasmThreadCount(crossOriginIsolated: boolean, hardwareConcurrency: number | undefined): number {
  if (!crossOriginIsolated) return 1
  const cores = Number.isInteger(hardwareConcurrency) && hardwareConcurrency! > 0 ? hardwareConcurrency! : 1
  return Math.min(cores, MAX_WASM_THREADS)
}

/** The settings that decide where model files come from. */
export function modelSourceSettings(): { allowRemote: boolean; localModelPath: string; cacheDir: string | undefined } {
  return { allowRemote: env.allowRemoteModels, localModelPath: env.localModelPath, cacheDir: env.useFSCache ? env.cacheDir ?? undefined : undefined }
}

/** The transformers.js version string, e.g. '4.3.2'. */
export function transformersVersion(): string {
  return env.version
}
