/**
 * Downloads one file of a Hub model revision (`{endpoint}/{repo}/resolve/{sha}/{path}`, browser-stack.md §4.1)
 * into a DownloadSink, streaming `response.body` (the file is never held whole in memory). Resumes from what the
 * sink already holds with `Range: bytes=N-`, retries dropped connections and 5xx replies from the stored offset,
 * hashes incrementally and checks the size and the LFS sha256 at the end (one full refetch on a mismatch).
 * A token goes in the `Authorization: Bearer` header only — never into a URL or a message.
 */
import { HarnessError } from '../core/errors.ts'
import { Sha256 } from '../core/hash.ts'
import {
  cancelled, chooseDtype, encodeRepo, filesForDtype, formatSize, hubModelInfo, hubStatusError, oneLine, parseHubModelId,
  resolveHubModel, trimEndpoint,
} from './hub-model.ts'
import type { HubFile } from './hub-model.ts'
import type { DownloadedFile, DownloadSink, ModelDownloadProgress } from '../core/download.ts'

/** The download shapes shared with src/storage and src/cli, re-exported for this module's callers. */
export type { DownloadedFile, DownloadSink, ModelDownloadProgress } from '../core/download.ts'

/** Progress of one file; emitted after every network chunk (the caller throttles). */
export interface DownloadProgress {
  /** the file's path in the repo */
  readonly path: string
  /** bytes held so far, including what an earlier attempt stored */
  readonly loaded: number
  /** the file's size, bytes */
  readonly total: number
  /** average speed of this download so far, bytes per second (0 until measurable) */
  readonly bytesPerSecond: number
  /** estimated seconds to finish at that speed; undefined while the speed is unknown */
  readonly etaSeconds: number | undefined
}

/** An incremental hash (the core Sha256, or a faster native one the caller passes). */
export interface IncrementalHash {
  /** adds bytes */
  update(bytes: Uint8Array): unknown
  /** the digest, 64 lowercase hex chars */
  hex(): string
}

/** Options of downloadHubFile. */
export interface DownloadHubFileOptions {
  /** Hub base URL, e.g. 'https://huggingface.co' */
  readonly endpoint: string
  /** 'owner/name' */
  readonly repo: string
  /** commit sha the file is read at (40 hex) */
  readonly sha: string
  /** the file (path, size and, for LFS files, sha256) */
  readonly file: HubFile
  /** Hugging Face access token, sent as `Authorization: Bearer …`; undefined = anonymous */
  readonly token?: string
  /** fetch to use (tests, proxies); default globalThis.fetch */
  readonly fetch?: typeof fetch
  /** receives the bytes */
  readonly sink: DownloadSink
  /** called after each chunk */
  readonly onProgress?: (p: DownloadProgress) => void
  /** aborts the download (HarnessError CANCELLED); what is stored stays for a later resume */
  readonly signal?: AbortSignal
  /** attempts after a failure that brought no new bytes (default 5); any progress resets the count */
  readonly retries?: number
  /** first retry delay in ms, doubled per consecutive failure up to 30 s (default 1000; tests pass 0) */
  readonly retryDelayMs?: number
  /** an attempt that gets no bytes for this long (ms) is dropped and retried (default 60000) */
  readonly stallTimeoutMs?: number
  /** hash factory (default: the pure-JS Sha256 of src/core/hash.ts) */
  readonly createHash?: () => IncrementalHash
  /** clock in ms for the speed estimate (default Date.now) */
  readonly now?: () => number
}

/** Options of downloadHubFiles: downloadHubFile's, with a file list instead of one file and sink. */
export interface DownloadHubFilesOptions extends Omit<DownloadHubFileOptions, 'file' | 'sink' | 'onProgress'> {
  /** the files, in download order */
  readonly files: readonly HubFile[]
  /** the sink for a file to download */
  readonly sinkFor: (file: HubFile) => DownloadSink | Promise<DownloadSink>
  /** a file already held and valid → its digest and size (it is not downloaded); undefined → download it */
  readonly cached?: (file: HubFile) => Promise<DownloadedFile | undefined>
  /** called after each file is held (cached or committed), in order */
  readonly onFile?: (file: DownloadedFile, downloaded: boolean) => Promise<void> | void
  /** called after each chunk, with totals over all files */
  readonly onProgress?: (p: ModelDownloadProgress) => void
}

/** The Hub functions storage code takes as a parameter (storage may not import src/data). */
export const hubModelClient = { parseHubModelId, resolveHubModel, chooseDtype, filesForDtype, hubModelInfo, downloadHubFiles }

/** Downloads the files that `cached` does not already vouch for, one after another; returns all of them in order. */
export async function downloadHubFiles(opts: DownloadHubFilesOptions): Promise<DownloadedFile[]> {
  const total = opts.files.reduce((n, f) => n + f.size, 0)
  let done = 0
  const out: DownloadedFile[] = []
  for (const file of opts.files) {
    if (opts.signal?.aborted) throw cancelled(`download of ${opts.repo}`)
    const have = await opts.cached?.(file)
    if (have) {
      done += file.size
      opts.onProgress?.({ path: file.path, fileLoaded: file.size, fileTotal: file.size, loaded: done, total, bytesPerSecond: 0, etaSeconds: undefined })
      out.push(have)
      await opts.onFile?.(have, false)
      continue
    }
    const got = await downloadHubFile({
      ...opts,
      file,
      sink: await opts.sinkFor(file),
      onProgress: opts.onProgress && (p => opts.onProgress!({
        path: p.path, fileLoaded: p.loaded, fileTotal: p.total, loaded: done + p.loaded, total, bytesPerSecond: p.bytesPerSecond,
        etaSeconds: p.bytesPerSecond > 0 ? (total - done - p.loaded) / p.bytesPerSecond : undefined,
      })),
    })
    done += file.size
    out.push(got)
    await opts.onFile?.(got, true)
  }
  return out
}

/** Thrown inside an attempt when it may be retried; `restart` = drop what is stored first. */
class RetryableError extends Error {
  /** whether the stored bytes must be dropped before the next attempt */
  readonly restart: boolean

  constructor(message: string, restart = false) {
    super(message)
    this.restart = restart
  }
}

/** Downloads `file` into `sink`, verifies it and commits it; resumes, retries and refetches as described above. */
export async function downloadHubFile(opts: DownloadHubFileOptions): Promise<DownloadedFile> {
  const { file, sink } = opts
  const endpoint = trimEndpoint(opts.endpoint)
  const url = `${endpoint}/${encodeRepo(opts.repo)}/resolve/${encodeURIComponent(opts.sha)}/${file.path.split('/').map(encodeURIComponent).join('/')}`
  for (let pass = 0; ; pass++) {
    const sha256 = await fetchIntoSink(opts, endpoint, url)
    const stored = await sink.stored()
    const wrongSize = stored !== file.size
    const wrongHash = file.sha256 !== undefined && sha256 !== file.sha256
    if (!wrongSize && !wrongHash) {
      await sink.commit(sha256)
      return { path: file.path, sha256, size: stored }
    }
    await sink.reset()
    if (pass > 0) {
      const what = wrongSize ? `${stored} bytes instead of ${file.size}` : `sha256 ${sha256} instead of ${file.sha256}`
      throw new HarnessError('MODEL_INVALID', `${file.path} of model repo ${opts.repo} downloaded twice from ${endpoint} with ${what}; try again later`, {
        repo: opts.repo, path: file.path, size: stored, expectedSize: file.size, sha256, expectedSha256: file.sha256,
      })
    }
  }
}

/** Fills the sink up to the file's size (resuming and retrying); returns the sha256 of what it holds. */
async function fetchIntoSink(opts: DownloadHubFileOptions, endpoint: string, url: string): Promise<string> {
  const { file, sink, signal } = opts
  const fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const now = opts.now ?? Date.now
  const retries = opts.retries ?? 5
  const baseDelay = opts.retryDelayMs ?? 1000
  const stallMs = opts.stallTimeoutMs ?? 60_000
  const newHash = opts.createHash ?? (() => new Sha256())
  const what = `download of ${file.path} from ${opts.repo}`
  const ctx = { endpoint, repo: opts.repo, revision: opts.sha, path: file.path, hasToken: opts.token !== undefined }
  let hash = newHash()
  let offset = await rehashStored(sink, hash, file.size)
  const restart = async (): Promise<void> => {
    await sink.reset()
    hash = newHash()
    offset = 0
  }
  if (offset < 0) await restart()
  const startedAt = now()
  const startOffset = offset
  const report = (): void => {
    if (!opts.onProgress) return
    const seconds = (now() - startedAt) / 1000
    const rate = seconds > 0 ? Math.max(0, offset - startOffset) / seconds : 0
    opts.onProgress({ path: file.path, loaded: offset, total: file.size, bytesPerSecond: rate, etaSeconds: rate > 0 ? (file.size - offset) / rate : undefined })
  }
  report()
  let failures = 0
  let lastError = ''
  while (offset < file.size) {
    if (signal?.aborted) throw cancelled(what)
    if (failures > retries) {
      throw new HarnessError('HUB_UNAVAILABLE', `${what} at ${endpoint} failed ${failures} times (${lastError}); ${formatSize(offset)} of ${formatSize(file.size)} is kept: run again to resume`, {
        repo: opts.repo, path: file.path, loaded: offset, total: file.size,
      })
    }
    if (failures > 0) await sleep(Math.min(30_000, baseDelay * 2 ** (failures - 1)), signal, what)
    const before = offset
    // one controller per attempt: the caller's signal aborts it, and so does a stall of `stallMs` without bytes
    const attempt = new AbortController()
    const onAbort = (): void => attempt.abort()
    signal?.addEventListener('abort', onAbort, { once: true })
    let stalled = false
    let timer: ReturnType<typeof setTimeout> | undefined
    const arm = (): void => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        stalled = true
        attempt.abort()
      }, stallMs)
    }
    try {
      const headers: Record<string, string> = {}
      if (opts.token) headers.Authorization = `Bearer ${opts.token}`
      if (offset > 0) headers.Range = `bytes=${offset}-`
      arm()
      let res: Response
      try {
        res = await fetchFn(url, { headers, signal: attempt.signal })
      } catch (e) {
        if (signal?.aborted) throw cancelled(what)
        throw new RetryableError(stalled ? `no answer for ${stallMs / 1000} s` : `could not reach ${endpoint}: ${oneLine(e)}`)
      }
      if (res.status === 416 && offset > 0) {
        await res.body?.cancel().catch(() => {})
        throw new RetryableError('HTTP 416 for the stored offset', true)
      }
      if (!res.ok) {
        await res.body?.cancel().catch(() => {})
        if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetryableError(`HTTP ${res.status}`)
        throw hubStatusError(res, ctx)
      }
      if (offset > 0 && (res.status !== 206 || contentRangeStart(res) !== offset)) {
        // a full body (200) replaces what is stored; a range we did not ask for is dropped and refetched whole
        if (res.status !== 200) {
          await res.body?.cancel().catch(() => {})
          throw new RetryableError(`unexpected Content-Range ${res.headers.get('content-range') ?? '(none)'}`, true)
        }
        await restart()
      }
      if (!res.body) throw new RetryableError('no response body')
      const reader = res.body.getReader()
      let finished = false
      try {
        for (;;) {
          let step: ReadableStreamReadResult<Uint8Array>
          try {
            step = await reader.read()
          } catch (e) {
            if (signal?.aborted) throw cancelled(what)
            throw new RetryableError(stalled ? `no bytes for ${stallMs / 1000} s` : `connection dropped: ${oneLine(e)}`)
          }
          if (step.done) break
          arm()
          const chunk = step.value
          if (offset + chunk.byteLength > file.size) throw new RetryableError(`the server sent more than the ${file.size} bytes listed`, true)
          hash.update(chunk)
          await sink.write(chunk)
          offset += chunk.byteLength
          report()
        }
        finished = true
      } finally {
        // a body left unread (a sink error, an oversized reply) is cancelled so the connection is freed
        if (!finished) await reader.cancel().catch(() => {})
        reader.releaseLock()
      }
      if (offset < file.size) throw new RetryableError(`connection closed at byte ${offset} of ${file.size}`)
    } catch (e) {
      if (!(e instanceof RetryableError)) throw e
      lastError = e.message
      if (e.restart) await restart()
      failures = offset > before ? 1 : failures + 1
    } finally {
      clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
    }
  }
  return hash.hex()
}

/** Feeds the sink's stored bytes to `hash`; returns their count, or -1 when they exceed the file's size. */
async function rehashStored(sink: DownloadSink, hash: IncrementalHash, size: number): Promise<number> {
  const stored = await sink.stored()
  if (stored === 0) return 0
  if (stored > size) return -1
  let n = 0
  for await (const chunk of sink.readStored()) {
    hash.update(chunk)
    n += chunk.byteLength
  }
  return n === stored ? n : -1
}

/** The first byte of a 206 reply's `Content-Range: bytes a-b/size`, or -1. */
function contentRangeStart(res: Response): number {
  const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '')
  return m ? Number(m[1]) : -1
}

/** Waits `ms`, or rejects with CANCELLED when the signal aborts first. */
function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  if (ms <= 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(cancelled(what))
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
