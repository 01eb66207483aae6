/**
 * Model repositories on the Hugging Face Hub: parsing 'owner/name[@revision]', resolving a revision to its
 * commit and file list (`GET {endpoint}/api/models/{repo}/revision/{rev}?blobs=true`, browser-stack.md §4.2),
 * and picking the transformers.js weights (onnx/model{suffix}.onnx + external data, §1.2) to download.
 * A token goes in the `Authorization: Bearer` header only — never into a URL or a message.
 */
import { HarnessError } from '../core/errors.ts'
import { F16_DTYPES, ONNX_DTYPES, suffixOfDtype } from '../core/dtypes.ts'
import type { ErrorCode } from '../core/errors.ts'
import type { HubDtype, HubFile, HubModelInfo } from '../protocol/hub-model.ts'

export type { HubDtype, HubFile, HubModelInfo }

/** A parsed model id. */
export interface HubModelId {
  /** 'owner/name' */
  readonly repo: string
  /** branch, tag or commit sha after '@'; 'main' when the id names none */
  readonly revision: string
}

/** Options of resolveHubModel. */
export interface ResolveHubModelOptions {
  /** Hub base URL, e.g. 'https://huggingface.co' */
  readonly endpoint: string
  /** 'owner/name' */
  readonly repo: string
  /** branch, tag or commit sha */
  readonly revision: string
  /** Hugging Face access token, sent as `Authorization: Bearer …`; undefined = anonymous */
  readonly token?: string
  /** fetch to use (tests, proxies); default globalThis.fetch */
  readonly fetch?: typeof fetch
  /** aborts the request (HarnessError CANCELLED) */
  readonly signal?: AbortSignal
  /** what to do when the Hub is unreachable, for the message; default the CLI's ('run with --offline to use the cache') */
  readonly offlineHint?: string
}

/** Where the model will run, for chooseDtype. */
export type HubDevice = 'cpu' | 'wasm' | 'webgpu'

/** Options of chooseDtype. */
export interface ChooseDtypeOptions {
  /** whether the WebGPU adapter has 'shader-f16' (false for cpu/wasm); fp16 and q4f16 are picked only with it */
  readonly shaderF16: boolean
  /** execution device */
  readonly device: HubDevice
  /** dtype the user asked for; undefined = pick the default */
  readonly requested?: string
}

/** Non-weight files a transformers.js model folder needs, then those it uses when present. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json']
const OPTIONAL_FILES = ['tokenizer_config.json', 'generation_config.json', 'chat_template.jinja']

/** Default choice order per device; f16 dtypes are skipped without shader-f16. */
const CPU_ORDER = ['fp32', 'q8', 'int8', 'uint8', 'q4', 'bnb4', 'fp16', 'q4f16']
const GPU_ORDER = ['fp32', 'fp16', 'q4f16', 'q4', 'q8', 'int8', 'uint8', 'bnb4']

const NAME = /^[\w][\w.-]{0,95}$/
const REVISION = /^[\w.-]+(\/[\w.-]+)*$/
const SHA = /^[0-9a-f]{40}$/

/** 'owner/name' or 'owner/name@revision' → its parts; undefined for anything else (paths, URLs, bare names). */
export function parseHubModelId(id: string): HubModelId | undefined {
  const at = id.indexOf('@')
  const repo = at < 0 ? id : id.slice(0, at)
  const revision = at < 0 ? 'main' : id.slice(at + 1)
  const parts = repo.split('/')
  if (parts.length !== 2 || !parts.every(p => NAME.test(p) && !p.includes('--') && !p.includes('..') && !p.endsWith('.'))) return undefined
  if (!REVISION.test(revision) || revision.split('/').some(s => s === '.' || s === '..')) return undefined
  return { repo, revision }
}

/** The repo's page, e.g. https://huggingface.co/owner/name (for messages). */
export function hubRepoPage(endpoint: string, repo: string): string {
  return `${trimEndpoint(endpoint)}/${repo}`
}

/** Resolves a revision to its commit, files (with sizes and LFS sha256) and available dtypes. */
export async function resolveHubModel(opts: ResolveHubModelOptions): Promise<HubModelInfo> {
  const endpoint = trimEndpoint(opts.endpoint)
  const url = `${endpoint}/api/models/${encodeRepo(opts.repo)}/revision/${encodeURIComponent(opts.revision)}?blobs=true`
  const fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {}
  let res: Response
  try {
    res = await fetchFn(url, { headers, signal: opts.signal })
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled(`resolving model ${opts.repo}`)
    throw unreachable(endpoint, opts.repo, e, opts.offlineHint)
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {})
    throw hubStatusError(res, { endpoint, repo: opts.repo, revision: opts.revision, hasToken: opts.token !== undefined })
  }
  let body: unknown
  try {
    body = await res.json()
  } catch (e) {
    if (opts.signal?.aborted) throw cancelled(`resolving model ${opts.repo}`)
    throw invalidReply(endpoint, opts.repo, `not JSON (${oneLine(e)})`)
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw invalidReply(endpoint, opts.repo, 'expected an object')
  const record = body as Record<string, unknown>
  const sha = typeof record.sha === 'string' ? record.sha.toLowerCase() : ''
  if (!SHA.test(sha)) throw invalidReply(endpoint, opts.repo, 'no 40-hex commit sha')
  if (!Array.isArray(record.siblings)) throw invalidReply(endpoint, opts.repo, 'no siblings list')
  const files: HubFile[] = []
  for (const s of record.siblings) {
    const file = siblingFile(s)
    if (file === 'no-size') throw invalidReply(endpoint, opts.repo, 'files without sizes (it ignored ?blobs=true)')
    if (file) files.push(file)
  }
  return hubModelInfo(opts.repo, opts.revision, sha, files)
}

/** Builds a HubModelInfo from a file list: sorts the files and finds the dtypes and weight formats. */
export function hubModelInfo(repo: string, revision: string, sha: string, files: readonly HubFile[]): HubModelInfo {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const byPath = new Map(sorted.map(f => [f.path, f]))
  const dtypes: HubDtype[] = []
  for (const { dtype, suffix } of ONNX_DTYPES) {
    const base = `onnx/model${suffix}.onnx`
    if (!byPath.has(base)) continue
    const chunks = sorted.map(f => f.path).filter(p => p === `${base}_data` || new RegExp(`^${escapeRe(base)}_data_\\d+$`).test(p))
      .sort((a, b) => chunkIndex(a) - chunkIndex(b))
    const paths = [base, ...chunks]
    dtypes.push({ dtype, suffix, files: paths, bytes: paths.reduce((n, p) => n + byPath.get(p)!.size, 0) })
  }
  return { repo, revision, sha, files: sorted, dtypes, formats: weightFormats(sorted.map(f => f.path)) }
}

/**
 * The files to download for `dtype`: config.json and tokenizer.json (MODEL_INVALID when the repo lacks them),
 * tokenizer_config.json, generation_config.json and chat_template.jinja when listed, then the dtype's ONNX files.
 */
export function filesForDtype(info: HubModelInfo, dtype: string): HubFile[] {
  const entry = info.dtypes.find(d => d.dtype === dtype)
  if (!entry) throw absentDtype(info, dtype)
  const byPath = new Map(info.files.map(f => [f.path, f]))
  const missing = REQUIRED_FILES.filter(p => !byPath.has(p))
  if (missing.length > 0) {
    throw new HarnessError('MODEL_INVALID', `model repo ${info.repo} (revision ${info.revision}) lacks ${missing.join(', ')}, so transformers.js cannot load it`, { repo: info.repo, missing })
  }
  const paths = [...REQUIRED_FILES, ...OPTIONAL_FILES.filter(p => byPath.has(p)), ...entry.files]
  return paths.map(p => byPath.get(p)!)
}

/**
 * The dtype to load: the requested one (checked against the repo and, on webgpu, shader-f16), else fp32 when the
 * repo has it (the variant whose numbers are closest to lm-eval's full-precision runs), then q8 on cpu/wasm and
 * fp16 on webgpu, skipping fp16/q4f16 without shader-f16. MODEL_INVALID when the repo has
 * no transformers.js ONNX weights at all (naming the formats it has).
 */
export function chooseDtype(info: HubModelInfo, opts: ChooseDtypeOptions): string {
  if (info.dtypes.length === 0) throw noOnnx(info)
  const f16ok = opts.shaderF16
  if (opts.requested !== undefined) {
    if (!ONNX_DTYPES.some(d => d.dtype === opts.requested)) {
      throw new HarnessError('USAGE', `dtype '${opts.requested}' is unknown (valid: ${ONNX_DTYPES.map(d => d.dtype).join(', ')})`, { dtype: opts.requested })
    }
    if (!info.dtypes.some(d => d.dtype === opts.requested)) throw absentDtype(info, opts.requested)
    if (opts.device === 'webgpu' && F16_DTYPES.has(opts.requested) && !f16ok) {
      throw new HarnessError('BACKEND_ERROR', `dtype ${opts.requested} needs a WebGPU adapter with shader-f16, which this one lacks; choose one of: ${dtypeList(info, d => !F16_DTYPES.has(d.dtype))}`, { dtype: opts.requested })
    }
    return opts.requested
  }
  const order = opts.device === 'webgpu' ? GPU_ORDER : CPU_ORDER
  const pick = order.find(d => info.dtypes.some(x => x.dtype === d) && (f16ok || !F16_DTYPES.has(d)))
  if (pick === undefined) {
    throw new HarnessError('BACKEND_ERROR', `model repo ${info.repo} has only f16 weights (${dtypeList(info)}), which need a WebGPU adapter with shader-f16`, { repo: info.repo })
  }
  return pick
}

/** 'q8 (300 MB), fp32 (1.2 GB)' for a repo's dtypes (optionally filtered). */
export function dtypeList(info: HubModelInfo, keep: (d: HubDtype) => boolean = () => true): string {
  const list = info.dtypes.filter(keep).map(d => `${d.dtype} (${formatSize(d.bytes)})`)
  return list.length > 0 ? list.join(', ') : '(none)'
}

/** A size in decimal units as the Hub shows them: '684 kB', '1.2 GB'. */
export function formatSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  return `${u === 0 || v >= 100 ? Math.round(v) : Number(v.toFixed(1))} ${units[u]}`
}

/** Context of a failed Hub request, for hubStatusError. */
export interface HubRequestContext {
  /** Hub base URL without trailing slash */
  readonly endpoint: string
  /** 'owner/name' */
  readonly repo: string
  /** the revision asked for */
  readonly revision: string
  /** the file being downloaded, if any */
  readonly path?: string
  /** whether a token was sent */
  readonly hasToken: boolean
}

/**
 * The one-line HarnessError for a non-2xx Hub reply, from its status and X-Error-Code (GatedRepo,
 * RepoNotFound, RevisionNotFound, EntryNotFound; browser-stack.md §4).
 */
export function hubStatusError(res: Response, ctx: HubRequestContext): HarnessError {
  const code = res.headers.get('x-error-code') ?? ''
  const page = hubRepoPage(ctx.endpoint, ctx.repo)
  const detail = { repo: ctx.repo, revision: ctx.revision, status: res.status, errorCode: code || undefined, path: ctx.path }
  const make = (c: ErrorCode, m: string): HarnessError => new HarnessError(c, m, detail)
  if (code === 'GatedRepo' || ((res.status === 401 || res.status === 403) && code !== 'RepoNotFound' && code !== 'RevisionNotFound' && code !== 'EntryNotFound')) {
    return ctx.hasToken
      ? make('MODEL_NOT_FOUND', `the Hugging Face token cannot access model repo ${ctx.repo} (gated or private): accept its terms at ${page} or use a token that has access`)
      : make('MODEL_NOT_FOUND', `model repo ${ctx.repo} is gated or private: give a Hugging Face token (HF_TOKEN, --hf-token or the app's token field) and accept its terms at ${page}`)
  }
  if (code === 'RevisionNotFound') {
    return make('MODEL_NOT_FOUND', `revision '${ctx.revision}' not found in model repo ${ctx.repo} on ${ctx.endpoint} (use a branch, tag or commit sha that exists; see ${page})`)
  }
  if (code === 'EntryNotFound' && ctx.path !== undefined) {
    return make('MODEL_NOT_FOUND', `file ${ctx.path} not found in model repo ${ctx.repo} (revision ${ctx.revision}) on ${ctx.endpoint}`)
  }
  if (code === 'RepoNotFound' || res.status === 404) {
    return make('MODEL_NOT_FOUND', `model repo ${ctx.repo} not found on ${ctx.endpoint} (check the id; private repos need a token)`)
  }
  const what = ctx.path === undefined ? `model repo ${ctx.repo}` : `${ctx.path} of model repo ${ctx.repo}`
  return make('HUB_UNAVAILABLE', `${ctx.endpoint} answered HTTP ${res.status} for ${what}; try again later`)
}

/** HUB_UNAVAILABLE for a request that never got an answer. */
export function unreachable(endpoint: string, repo: string, e: unknown, hint = 'run with --offline to use the cache'): HarnessError {
  return new HarnessError(
    'HUB_UNAVAILABLE',
    `could not reach ${endpoint} (${oneLine(e)}); if model ${repo} was downloaded before, ${hint}`,
    { endpoint, repo },
  )
}

/** CANCELLED for an aborted Hub operation. */
export function cancelled(what: string): HarnessError {
  return new HarnessError('CANCELLED', `${what} was cancelled`)
}

/** First line of an error's message (and of its cause's). */
export function oneLine(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? `: ${e.cause.message}` : ''
  return ((e instanceof Error ? e.message : String(e)) + cause).split('\n')[0]
}

/** 'owner/name' with each segment URL-encoded. */
export function encodeRepo(repo: string): string {
  return repo.split('/').map(encodeURIComponent).join('/')
}

/** The endpoint without trailing slashes. */
export function trimEndpoint(endpoint: string): string {
  return endpoint.replace(/\/+$/, '')
}

/** A sibling of the API reply as a HubFile; undefined for unusable paths, 'no-size' when the size is absent. */
function siblingFile(s: unknown): HubFile | undefined | 'no-size' {
  if (typeof s !== 'object' || s === null) return undefined
  const r = s as { rfilename?: unknown; size?: unknown; blobId?: unknown; lfs?: { sha256?: unknown; size?: unknown } }
  const path = r.rfilename
  if (typeof path !== 'string' || !safePath(path)) return undefined
  const lfsSha = typeof r.lfs?.sha256 === 'string' && /^[0-9a-f]{64}$/i.test(r.lfs.sha256) ? r.lfs.sha256.toLowerCase() : undefined
  const size = typeof r.size === 'number' ? r.size : typeof r.lfs?.size === 'number' ? r.lfs.size : undefined
  if (size === undefined || !Number.isSafeInteger(size) || size < 0) return 'no-size'
  const etag = lfsSha ?? (typeof r.blobId === 'string' ? r.blobId : undefined)
  return { path, size, ...(lfsSha ? { sha256: lfsSha } : {}), ...(etag ? { etag } : {}) }
}

/** A relative '/'-separated path with no empty, '.' or '..' segments (safe to join under a folder). */
function safePath(path: string): boolean {
  return path !== '' && !path.includes('\\') && !path.includes('\0') && path.split('/').every(s => s !== '' && s !== '.' && s !== '..')
}

/** Weight formats among a repo's paths. */
function weightFormats(paths: readonly string[]): string[] {
  const found = new Set<string>()
  for (const p of paths) {
    const name = p.split('/').pop()!.toLowerCase()
    if (/\.onnx(_data(_\d+)?)?$/.test(name)) found.add('onnx')
    else if (name.endsWith('.gguf')) found.add('gguf')
    else if (name.endsWith('.safetensors')) found.add('safetensors')
    else if (/^pytorch_model.*\.bin$/.test(name) || name.endsWith('.pt') || name.endsWith('.pth')) found.add('pytorch')
    else if (name.endsWith('.h5')) found.add('tensorflow')
    else if (name.endsWith('.msgpack')) found.add('flax')
    else if (name.endsWith('.tflite')) found.add('tflite')
    else if (name.endsWith('.mlmodel') || p.includes('.mlpackage/')) found.add('coreml')
  }
  return [...found].sort()
}

function noOnnx(info: HubModelInfo): HarnessError {
  const has = info.formats.length > 0 ? `it has ${info.formats.join(', ')} files` : 'it has no model weights'
  const onnxElsewhere = info.formats.includes('onnx') ? ' (ONNX, but not as onnx/model*.onnx)' : ''
  return new HarnessError(
    'MODEL_INVALID',
    `model repo ${info.repo} (revision ${info.revision}) has no transformers.js weights onnx/model*.onnx; ${has}${onnxElsewhere}: import a GGUF file (--model file.gguf) or a safetensors folder instead, or pick an ONNX export of the model`,
    { repo: info.repo, formats: info.formats },
  )
}

function absentDtype(info: HubModelInfo, dtype: string): HarnessError {
  return new HarnessError(
    'MODEL_NOT_FOUND',
    `model repo ${info.repo} (revision ${info.revision}) has no ${dtype} weights (onnx/model${suffixOfDtype(dtype) ?? `_${dtype}`}.onnx); available: ${dtypeList(info)}`,
    { repo: info.repo, dtype, available: info.dtypes.map(d => d.dtype) },
  )
}

function invalidReply(endpoint: string, repo: string, what: string): HarnessError {
  return new HarnessError('HUB_UNAVAILABLE', `${endpoint} sent an unexpected model info reply for ${repo}: ${what}`, { endpoint, repo })
}

function chunkIndex(path: string): number {
  const m = /_data_(\d+)$/.exec(path)
  return m ? Number(m[1]) : 0
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
