/**
 * The CLI's cache of Hub models (Node). evalz downloads the files itself and hands transformers.js the snapshot
 * folder as a local model folder, so running offline just means using the cache. Layout under the cache dir:
 *
 *   models/<owner>--<name>/refs/<revision>              the commit sha the revision resolved to
 *   models/<owner>--<name>/snapshots/<sha>/<path>       the files (a transformers.js model folder)
 *   models/<owner>--<name>/manifests/<sha>.json         the revision's file list, what was verified, complete dtypes
 *
 * A download goes to `<path>.incomplete` (resumed on the next run) and is renamed into place once its size and
 * sha256 check out. The token is never written anywhere.
 */
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { HarnessError, isHarnessError } from '../core/errors.ts'
import type { DownloadedFile, DownloadSink, ModelDownloadProgress } from '../core/download.ts'
import { downloadHubFiles } from '../data/hub-download.ts'
import { chooseDtype, filesForDtype, hubModelInfo, parseHubModelId, resolveHubModel } from '../data/hub-model.ts'
import type { HubDevice, HubFile, HubModelInfo } from '../data/hub-model.ts'
import { sha256File } from './model-files.ts'

/** Options of ensureHubModel. */
export interface EnsureHubModelOptions {
  /** cache root (see defaultCacheDir) */
  readonly cacheDir: string
  /** Hub base URL, e.g. 'https://huggingface.co' */
  readonly endpoint: string
  /** 'owner/name' or 'owner/name@revision' */
  readonly id: string
  /** dtype asked for (--dtype); undefined = chooseDtype's default */
  readonly dtype?: string
  /** execution device, for the default dtype */
  readonly device: HubDevice
  /** whether fp16/q4f16 may be picked by default (WebGPU with shader-f16); default false */
  readonly shaderF16?: boolean
  /** Hugging Face access token (header only; never stored) */
  readonly token?: string
  /** never contact the Hub; use the cache (the caller folds in HF_HUB_OFFLINE=1) */
  readonly offline: boolean
  /** fetch to use (tests, proxies); default globalThis.fetch */
  readonly fetch?: typeof fetch
  /** download progress over all files (the caller throttles) */
  readonly onProgress?: (p: ModelDownloadProgress) => void
  /** aborts downloads (CANCELLED); partial files stay for a later resume */
  readonly signal?: AbortSignal
  /** first retry delay in ms (tests pass 0); see downloadHubFile */
  readonly retryDelayMs?: number
}

/** A model ready in the cache. */
export interface CachedHubModel {
  /** absolute snapshot folder: pass it to transformers.js as the model id */
  readonly dir: string
  /** 'owner/name' */
  readonly repo: string
  /** the revision asked for */
  readonly revision: string
  /** the commit, 40 hex */
  readonly sha: string
  /** the dtype the files are for */
  readonly dtype: string
  /** the files loaded for that dtype: path in the repo, size in bytes, sha256 (hex) */
  readonly files: readonly { readonly path: string; readonly size: number; readonly sha256: string }[]
}

/** What the cache knows of one snapshot (manifests/<sha>.json). */
interface Manifest {
  /** 'owner/name' */
  repo: string
  /** commit, 40 hex */
  sha: string
  /** the revision's full file list as the Hub gave it */
  files: HubFile[]
  /** files checked in place: size (bytes), sha256 (hex) and the file's mtime (ms) when checked */
  verified: Record<string, { size: number; sha256: string; mtimeMs: number }>
  /** dtypes whose files have all been verified */
  complete: string[]
}

const SHA = /^[0-9a-f]{40}$/

/** $EVALZ_CACHE, else ~/.cache/evalz. */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  return resolve(env.EVALZ_CACHE || join(homedir(), '.cache', 'evalz'))
}

/** models/<owner>--<name> under the cache dir. */
export function repoCacheDir(cacheDir: string, repo: string): string {
  return join(resolve(cacheDir), 'models', repo.replace('/', '--'))
}

/**
 * Makes the model's files for one dtype available in the cache and returns the folder. Online: resolves the
 * revision, downloads what is missing or fails its check (resuming partial files). Offline: reads the revision
 * through refs/ (or takes a sha), checks the files exist with their sizes; names what is missing otherwise.
 */
export async function ensureHubModel(opts: EnsureHubModelOptions): Promise<CachedHubModel> {
  const id = parseHubModelId(opts.id)
  if (!id) throw new HarnessError('MODEL_NOT_FOUND', `'${opts.id}' is not a Hub model id (owner/name or owner/name@revision)`, { model: opts.id })
  const repoDir = repoCacheDir(opts.cacheDir, id.repo)
  if (opts.offline) return fromCache(opts, id.repo, id.revision, repoDir)
  let info: HubModelInfo
  try {
    info = await resolveHubModel({ endpoint: opts.endpoint, repo: id.repo, revision: id.revision, token: opts.token, fetch: opts.fetch, signal: opts.signal })
  } catch (e) {
    if (isHarnessError(e) && e.code === 'HUB_UNAVAILABLE' && (await cachedSha(repoDir, id.revision)) !== undefined) {
      throw new HarnessError('HUB_UNAVAILABLE', `${e.message.split(';')[0]}; ${id.repo} (revision ${id.revision}) is in the cache: run with --offline to use it`, e.detail)
    }
    throw e
  }
  const dtype = chooseDtype(info, { device: opts.device, shaderF16: opts.shaderF16 ?? false, requested: opts.dtype })
  const needed = filesForDtype(info, dtype)
  const snapshot = join(repoDir, 'snapshots', info.sha)
  const manifest = (await readManifest(repoDir, info.sha)) ?? { repo: info.repo, sha: info.sha, files: [], verified: {}, complete: [] }
  manifest.files = [...info.files]
  if (id.revision !== info.sha) await writeRef(repoDir, id.revision, info.sha)
  await writeManifest(repoDir, manifest)
  const got = await downloadHubFiles({
    endpoint: opts.endpoint,
    repo: info.repo,
    sha: info.sha,
    token: opts.token,
    fetch: opts.fetch,
    signal: opts.signal,
    retryDelayMs: opts.retryDelayMs,
    files: needed,
    createHash: () => {
      const h = createHash('sha256')
      return { update: (b: Uint8Array) => h.update(b), hex: () => h.digest('hex') }
    },
    cached: file => checkCached(join(snapshot, file.path), file, manifest),
    sinkFor: file => fileSink(join(snapshot, file.path)),
    onFile: async (file) => {
      const st = await stat(join(snapshot, file.path))
      manifest.verified[file.path] = { size: file.size, sha256: file.sha256, mtimeMs: st.mtimeMs }
      await writeManifest(repoDir, manifest)
    },
    onProgress: opts.onProgress,
  })
  if (!manifest.complete.includes(dtype)) manifest.complete.push(dtype)
  await writeManifest(repoDir, manifest)
  return { dir: snapshot, repo: info.repo, revision: id.revision, sha: info.sha, dtype, files: got.map(f => ({ path: f.path, size: f.size, sha256: f.sha256 })) }
}

/**
 * A DownloadSink writing `<target>.incomplete` (appending, so a later run resumes it) and renaming it to
 * `target` on commit.
 */
export function fileSink(target: string): DownloadSink {
  const part = `${target}.incomplete`
  let handle: FileHandle | undefined
  const close = async (): Promise<void> => {
    const h = handle
    handle = undefined
    await h?.close()
  }
  return {
    async stored() {
      try {
        return (await stat(part)).size
      } catch {
        return 0
      }
    },
    async *readStored() {
      for await (const chunk of createReadStream(part)) yield chunk as Uint8Array
    },
    async write(chunk) {
      if (!handle) {
        await mkdir(dirname(part), { recursive: true })
        handle = await open(part, 'a')
      }
      let at = 0
      while (at < chunk.byteLength) at += (await handle.write(chunk, at, chunk.byteLength - at)).bytesWritten
    },
    async reset() {
      await close()
      await rm(part, { force: true })
    },
    async commit() {
      await close()
      await mkdir(dirname(part), { recursive: true })
      try {
        await stat(part)
      } catch {
        await writeFile(part, new Uint8Array(0))
      }
      await rename(part, target)
    },
  }
}

/** The offline path: the cached snapshot for the revision, or one line naming what is missing. */
async function fromCache(opts: EnsureHubModelOptions, repo: string, revision: string, repoDir: string): Promise<CachedHubModel> {
  const online = 'run once online (without --offline) to download'
  const sha = await cachedSha(repoDir, revision)
  const manifest = sha === undefined ? undefined : await readManifest(repoDir, sha)
  if (sha === undefined || manifest === undefined) {
    throw new HarnessError('MODEL_NOT_FOUND', `model ${repo} (revision ${revision}) is not in the cache at ${resolve(opts.cacheDir)}; ${online} it`, { repo, revision, cacheDir: resolve(opts.cacheDir) })
  }
  const info = hubModelInfo(repo, revision, sha, manifest.files)
  let dtype = opts.dtype
  if (dtype === undefined) {
    const complete = info.dtypes.filter(d => manifest.complete.includes(d.dtype))
    const pool = complete.length > 0 ? { ...info, dtypes: complete } : info
    dtype = chooseDtype(pool, { device: opts.device, shaderF16: opts.shaderF16 ?? false })
  } else {
    chooseDtype(info, { device: opts.device, shaderF16: opts.shaderF16 ?? false, requested: dtype })
  }
  const needed = filesForDtype(info, dtype)
  const snapshot = join(repoDir, 'snapshots', sha)
  const missing: string[] = []
  for (const f of needed) {
    const size = await sizeOf(join(snapshot, f.path))
    if (size !== f.size) missing.push(f.path)
  }
  if (missing.length > 0) {
    throw new HarnessError('MODEL_NOT_FOUND', `the cache lacks ${missing.join(', ')} of ${repo} (revision ${revision}, ${dtype}) in ${snapshot}; ${online} them`, { repo, revision, dtype, missing })
  }
  const files = []
  for (const f of needed) files.push({ path: f.path, size: f.size, sha256: f.sha256 ?? manifest.verified[f.path]?.sha256 ?? await sha256File(join(snapshot, f.path)) })
  return { dir: snapshot, repo, revision, sha, dtype, files }
}

/**
 * A file already in the snapshot when its size matches and its content still checks out: re-hashed only when
 * its mtime changed since it was verified (or it was never verified); undefined means download it again.
 */
async function checkCached(path: string, file: HubFile, manifest: Manifest): Promise<DownloadedFile | undefined> {
  let st: Awaited<ReturnType<typeof stat>>
  try {
    st = await stat(path)
  } catch {
    return undefined
  }
  const seen = manifest.verified[file.path]
  const expected = file.sha256 ?? seen?.sha256
  if (st.size === file.size && seen && seen.size === file.size && seen.mtimeMs === st.mtimeMs && seen.sha256 === expected) {
    return { path: file.path, sha256: seen.sha256, size: file.size }
  }
  if (st.size === file.size) {
    const sha256 = await sha256File(path)
    if (expected === undefined || sha256 === expected) return { path: file.path, sha256, size: file.size }
  }
  await rm(path, { force: true })
  return undefined
}

/** The commit a revision resolves to in the cache: a sha with a snapshot, else refs/<revision>. */
async function cachedSha(repoDir: string, revision: string): Promise<string | undefined> {
  if (SHA.test(revision) && (await readManifest(repoDir, revision)) !== undefined) return revision
  try {
    const sha = (await readFile(join(repoDir, 'refs', ...revision.split('/')), 'utf8')).trim()
    return SHA.test(sha) ? sha : undefined
  } catch {
    return undefined
  }
}

async function writeRef(repoDir: string, revision: string, sha: string): Promise<void> {
  const path = join(repoDir, 'refs', ...revision.split('/'))
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, sha)
}

async function readManifest(repoDir: string, sha: string): Promise<Manifest | undefined> {
  try {
    const m = JSON.parse(await readFile(join(repoDir, 'manifests', `${sha}.json`), 'utf8')) as Manifest
    if (m.sha !== sha || !Array.isArray(m.files) || typeof m.verified !== 'object' || !Array.isArray(m.complete)) return undefined
    return m
  } catch {
    return undefined
  }
}

/** Writes the manifest atomically (temp file + rename). */
async function writeManifest(repoDir: string, manifest: Manifest): Promise<void> {
  const path = join(repoDir, 'manifests', `${manifest.sha}.json`)
  await mkdir(dirname(path), { recursive: true })
  await writeFile(`${path}.tmp`, `${JSON.stringify(manifest, null, 1)}\n`)
  await rename(`${path}.tmp`, path)
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}
