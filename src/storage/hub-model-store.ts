/**
 * Models downloaded from the Hugging Face Hub into IndexedDB (browser). Bytes arrive through a DownloadSink that
 * keeps ~8 MiB chunks as Blobs in 'partials' (so a download resumes after a reload or a dropped connection) and,
 * once verified, becomes one Blob in 'blobs' under its sha256. The model is then an ordinary StoredModel (with
 * `hub` set) that modelFileCache serves to transformers.js; offline means using what is stored.
 *
 * Storage may not import src/data, so the Hub functions come in as `hub` (pass `hubModelClient` from
 * src/data/hub-download.ts); the Hub shapes are src/protocol/hub-model.ts's, and the download ones (sink,
 * progress, finished file) are the shared types of src/core/download.ts.
 */
import type { DownloadedFile, DownloadSink, ModelDownloadProgress } from '../core/download.ts'
import type { HubFile, HubModelInfo } from '../protocol/hub-model.ts'
import { HarnessError, isHarnessError } from '../core/errors.ts'
import type { IDBPObjectStore, StoreNames } from 'idb'
import type { EvalzDb, EvalzSchema } from './db.ts'
import { defaultWeightsSha256, verifyModelFiles } from './model-store.ts'
import type { StoredModel, StoredModelFile } from './model-store.ts'

/** A file of a Hub revision. */
export type HubFileRef = HubFile

/** A resolved Hub revision. */
export type HubInfoRef = HubModelInfo

/** Progress over all files of a model download: the shared ModelDownloadProgress under this module's name. */
export type HubModelProgress = ModelDownloadProgress

/** The Hub functions ensureHubModelInDb uses: `hubModelClient` from src/data/hub-download.ts. */
export interface HubModelClient {
  /** 'owner/name[@revision]' → repo and revision ('main' by default); undefined when it is not such an id */
  parseHubModelId(id: string): { readonly repo: string; readonly revision: string } | undefined
  /** the revision's commit, files and dtypes from the Hub */
  resolveHubModel(opts: { endpoint: string; repo: string; revision: string; token?: string; fetch?: typeof fetch; signal?: AbortSignal }): Promise<HubInfoRef>
  /** the requested dtype (checked) or the device's default */
  chooseDtype(info: HubInfoRef, opts: { shaderF16: boolean; device: 'cpu' | 'wasm' | 'webgpu'; requested?: string }): string
  /** config, tokenizer and weight files to hold for a dtype */
  filesForDtype(info: HubInfoRef, dtype: string): HubFileRef[]
  /** a revision's info rebuilt from a file list (the offline path) */
  hubModelInfo(repo: string, revision: string, sha: string, files: readonly HubFileRef[]): HubInfoRef
  /** downloads the files `cached` does not vouch for into the sinks; returns every file's digest and size */
  downloadHubFiles(opts: {
    endpoint: string; repo: string; sha: string; token?: string; fetch?: typeof fetch; signal?: AbortSignal; retryDelayMs?: number
    files: readonly HubFileRef[]
    sinkFor: (file: HubFileRef) => DownloadSink
    cached?: (file: HubFileRef) => Promise<DownloadedFile | undefined>
    onProgress?: (p: ModelDownloadProgress) => void
  }): Promise<DownloadedFile[]>
}

/** Options of ensureHubModelInDb. */
export interface EnsureHubModelInDbOptions {
  /** the Hub functions (hubModelClient) */
  readonly hub: HubModelClient
  /** Hub base URL, e.g. 'https://huggingface.co' */
  readonly endpoint: string
  /** 'owner/name' or 'owner/name@revision' */
  readonly id: string
  /** dtype asked for; undefined = the default for the device */
  readonly dtype?: string
  /** execution device */
  readonly device: 'cpu' | 'wasm' | 'webgpu'
  /** whether the WebGPU adapter has shader-f16 */
  readonly shaderF16: boolean
  /** Hugging Face access token (header only; never stored by this module) */
  readonly token?: string
  /** use only what is stored; never contact the Hub */
  readonly offline: boolean
  /** fetch to use; default globalThis.fetch */
  readonly fetch?: typeof fetch
  /** progress over all files (the caller throttles) */
  readonly onProgress?: (p: ModelDownloadProgress) => void
  /** aborts the download (CANCELLED); stored chunks stay for a later resume */
  readonly signal?: AbortSignal
  /** first retry delay in ms (tests pass 0) */
  readonly retryDelayMs?: number
  /** bytes per stored partial chunk (default PARTIAL_CHUNK_BYTES) */
  readonly chunkBytes?: number
  /** clock for addedAt, unix ms (default Date.now) */
  readonly now?: () => number
  /** called once the files are known, before any download, with the bytes still to fetch; may throw to refuse */
  readonly beforeDownload?: (plan: { readonly repo: string; readonly dtype: string; readonly bytes: number }) => Promise<void>
}

/** The 'partials' store inside a readwrite transaction. */
type PartialsStore = IDBPObjectStore<EvalzSchema, ArrayLike<StoreNames<EvalzSchema>>, 'partials', 'readwrite'>

/** Bytes gathered before a partial chunk is written. */
export const PARTIAL_CHUNK_BYTES = 8 * 1024 * 1024

/** The StoredModel id of a Hub commit: 'owner/name@' + the first 8 hex of the sha. */
export function hubStoredModelId(repo: string, sha: string): string {
  return `${repo}@${sha.slice(0, 8)}`
}

/** The 'partials' key of a file of a Hub commit. */
export function hubPartialKey(repo: string, sha: string, path: string): string {
  return `hub:${repo}@${sha}/${path}`
}

/**
 * A DownloadSink over 'partials': network chunks are gathered up to `chunkBytes` and written as one Blob record
 * [key, index]; `stored()` writes what is gathered first. `commit` joins the chunk Blobs into one Blob in 'blobs'
 * (no copy into JS memory) and deletes the chunks, in one transaction.
 */
export function idbDownloadSink(db: EvalzDb, key: string, opts: { chunkBytes?: number } = {}): DownloadSink {
  const chunkBytes = opts.chunkBytes ?? PARTIAL_CHUNK_BYTES
  let pending: Uint8Array[] = []
  let pendingBytes = 0
  /** bytes and count of the chunk records; undefined until read from the database */
  let held: { bytes: number; count: number } | undefined

  async function load(): Promise<{ bytes: number; count: number }> {
    if (held) return held
    const tx = db.transaction('partials', 'readonly')
    let bytes = 0
    let count = 0
    for (;;) {
      const chunk = await tx.store.get([key, count])
      if (!chunk) break
      bytes += chunk.size
      count++
    }
    await tx.done
    held = { bytes, count }
    return held
  }

  async function flush(): Promise<void> {
    const h = await load()
    if (pendingBytes === 0) return
    const data = new Blob(pending as BlobPart[])
    const size = pendingBytes
    pending = []
    pendingBytes = 0
    await db.put('partials', { key, index: h.count, size, data })
    h.count++
    h.bytes += size
  }

  /** Deletes this download's chunk records, from index 0 until one is missing. */
  async function deleteChunks(store: PartialsStore): Promise<void> {
    for (let i = 0; ; i++) {
      if ((await store.get([key, i])) === undefined) break
      await store.delete([key, i])
    }
  }

  return {
    async stored() {
      await flush()
      return (await load()).bytes
    },
    async *readStored() {
      await flush()
      const { count } = await load()
      for (let i = 0; i < count; i++) {
        const chunk = await db.get('partials', [key, i])
        if (!chunk) throw new Error(`partial download ${key} lost chunk ${i}`)
        yield new Uint8Array(await chunk.data.arrayBuffer())
      }
    },
    async write(chunk) {
      pending.push(chunk)
      pendingBytes += chunk.byteLength
      if (pendingBytes >= chunkBytes) await flush()
    },
    async reset() {
      pending = []
      pendingBytes = 0
      const tx = db.transaction('partials', 'readwrite')
      tx.done.catch(() => undefined) // a failed write (quota) is reported by its own request, never as an unhandled rejection
      await deleteChunks(tx.store)
      await tx.done
      held = { bytes: 0, count: 0 }
    },
    async commit(sha256) {
      await flush()
      const tx = db.transaction(['partials', 'blobs'], 'readwrite')
      tx.done.catch(() => undefined) // a failed write (quota) is reported by its own request, never as an unhandled rejection
      const parts = tx.objectStore('partials')
      const datas: Blob[] = []
      for (let i = 0; ; i++) {
        const chunk = await parts.get([key, i])
        if (!chunk) break
        datas.push(chunk.data)
      }
      const data = new Blob(datas)
      const blobs = tx.objectStore('blobs')
      const have = await blobs.get(sha256)
      if (have === undefined || have.size !== data.size || have.data.size !== data.size) await blobs.put({ sha256, size: data.size, data })
      await deleteChunks(parts)
      await tx.done
      held = { bytes: 0, count: 0 }
    },
  }
}

/**
 * Makes a Hub model's files for one dtype available in IndexedDB and returns its StoredModel (id
 * hubStoredModelId, listed by listModels, served by modelFileCache). Online: resolves the revision and downloads
 * the files whose blob is missing or has the wrong size (resuming partial downloads); one record per commit
 * collects every dtype downloaded for it. Offline: the newest stored model for the repo and revision (or sha),
 * with its files' sizes checked; a one-line error names what is missing.
 */
export async function ensureHubModelInDb(db: EvalzDb, opts: EnsureHubModelInDbOptions): Promise<StoredModel> {
  const { hub } = opts
  const id = hub.parseHubModelId(opts.id)
  if (!id) throw new HarnessError('MODEL_NOT_FOUND', `'${opts.id}' is not a Hub model id (owner/name or owner/name@revision)`, { model: opts.id })
  if (opts.offline) return fromStore(db, opts, id.repo, id.revision)
  let info: HubInfoRef
  try {
    info = await hub.resolveHubModel({ endpoint: opts.endpoint, repo: id.repo, revision: id.revision, token: opts.token, fetch: opts.fetch, signal: opts.signal })
  } catch (e) {
    if (isHarnessError(e) && e.code === 'HUB_UNAVAILABLE' && (await storedFor(db, id.repo, id.revision)).length > 0) {
      throw new HarnessError('HUB_UNAVAILABLE', `${e.message.split(';')[0]}; ${id.repo} (revision ${id.revision}) is stored in this browser: work offline to use it`, e.detail)
    }
    throw e
  }
  const dtype = hub.chooseDtype(info, { device: opts.device, shaderF16: opts.shaderF16, requested: opts.dtype })
  const needed = hub.filesForDtype(info, dtype)
  const modelId = hubStoredModelId(info.repo, info.sha)
  const existing = await db.get('models', modelId)
  /** the stored blob of a needed file, when it is stored whole */
  const stored = async (file: HubFileRef): Promise<DownloadedFile | undefined> => {
    const sha256 = file.sha256 ?? existing?.files.find(f => f.path === file.path && f.size === file.size)?.sha256
    if (sha256 === undefined) return undefined
    const blob = await db.get('blobs', sha256)
    return blob && blob.size === file.size && blob.data.size === file.size ? { path: file.path, sha256, size: file.size } : undefined
  }
  if (opts.beforeDownload) {
    let missing = 0
    for (const f of needed) if (!(await stored(f))) missing += f.size
    await opts.beforeDownload({ repo: info.repo, dtype, bytes: missing })
  }
  const got = await hub.downloadHubFiles({
    endpoint: opts.endpoint,
    repo: info.repo,
    sha: info.sha,
    token: opts.token,
    fetch: opts.fetch,
    signal: opts.signal,
    retryDelayMs: opts.retryDelayMs,
    files: needed,
    cached: stored,
    sinkFor: file => idbDownloadSink(db, hubPartialKey(info.repo, info.sha, file.path), { chunkBytes: opts.chunkBytes }),
    onProgress: opts.onProgress,
  })
  const byPath = new Map<string, StoredModelFile>((existing?.files ?? []).map(f => [f.path, f]))
  for (const f of got) byPath.set(f.path, { path: f.path, sha256: f.sha256, size: f.size })
  const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const record: StoredModel = {
    id: modelId,
    name: info.repo,
    files,
    totalBytes: files.reduce((n, f) => n + f.size, 0),
    addedAt: (opts.now ?? Date.now)(),
    weightsSha256: defaultWeightsSha256(files),
    hub: { repo: info.repo, revision: id.revision, sha: info.sha, dtype },
  }
  await db.put('models', record)
  return record
}

/**
 * Stored Hub models of `repo` whose revision or commit (or a 7+ hex prefix of it) is `revision`, newest first.
 * For 'main' (also what an id without '@' means) with no exact match, every stored commit of the repo: the app
 * pins downloads to a sha, and offline 'main' cannot be resolved anyway.
 */
async function storedFor(db: EvalzDb, repo: string, revision: string): Promise<StoredModel[]> {
  const rev = revision.toLowerCase()
  const ofRepo = (await db.getAll('models')).filter(m => m.hub?.repo === repo).sort((a, b) => b.addedAt - a.addedAt)
  const exact = ofRepo.filter(m => m.hub!.revision === revision || m.hub!.sha === rev || (rev.length >= 7 && /^[0-9a-f]+$/.test(rev) && m.hub!.sha.startsWith(rev)))
  return exact.length > 0 || revision !== 'main' ? exact : ofRepo
}

/** The offline path: the stored model for the revision with the dtype's files present at their sizes. */
async function fromStore(db: EvalzDb, opts: EnsureHubModelInDbOptions, repo: string, revision: string): Promise<StoredModel> {
  const online = 'go online once (turn off offline) to download'
  const model = (await storedFor(db, repo, revision))[0]
  if (!model?.hub) {
    throw new HarnessError('MODEL_NOT_FOUND', `model ${repo} (revision ${revision}) is not stored in this browser; ${online} it`, { repo, revision })
  }
  const info = opts.hub.hubModelInfo(repo, revision, model.hub.sha, model.files)
  if (opts.dtype !== undefined && !info.dtypes.some(d => d.dtype === opts.dtype)) {
    const have = info.dtypes.map(d => d.dtype).join(', ') || '(none)'
    throw new HarnessError('MODEL_NOT_FOUND', `model ${repo} (revision ${revision}) is stored in this browser with ${have} only; ${online} its ${opts.dtype} weights`, { repo, revision, dtype: opts.dtype })
  }
  const dtype = opts.hub.chooseDtype(info, { device: opts.device, shaderF16: opts.shaderF16, requested: opts.dtype })
  const paths = new Set(opts.hub.filesForDtype(info, dtype).map(f => f.path))
  const bad = await verifyModelFiles(db, { ...model, files: model.files.filter(f => paths.has(f.path)) })
  if (bad.length > 0) {
    throw new HarnessError('MODEL_INVALID', `${bad.join(', ')} of ${repo} (revision ${revision}) are missing or incomplete in this browser's storage; ${online} them again`, { repo, revision, missing: bad })
  }
  return { ...model, hub: { ...model.hub, dtype } }
}

/** Bytes held by unfinished downloads (their chunks in 'partials'). */
export async function partialDownloadBytes(db: EvalzDb): Promise<number> {
  let bytes = 0
  let cursor = await db.transaction('partials').store.openCursor()
  while (cursor) {
    bytes += cursor.value.size
    cursor = await cursor.continue()
  }
  return bytes
}

/** Deletes every unfinished download's chunks (a later download of those files starts from the beginning). */
export async function clearPartialDownloads(db: EvalzDb): Promise<void> {
  await db.clear('partials')
}
