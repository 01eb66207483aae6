import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { downloadHubFile, downloadHubFiles } from '../../src/data/hub-download.ts'
import type { DownloadHubFileOptions, DownloadProgress, DownloadSink, ModelDownloadProgress } from '../../src/data/hub-download.ts'
import { filesForDtype, resolveHubModel } from '../../src/data/hub-model.ts'
import type { HubFile, HubModelInfo } from '../../src/data/hub-model.ts'
import { failure } from '../rejection.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const TOKEN = 'hf_downloadTESTtoken42'
const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')
const ONNX = new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))

let hub: MockHub
let tmp: string
let demo: HubModelInfo
let gated: HubModelInfo

/** An in-memory DownloadSink that logs what happens to it. */
class MemorySink implements DownloadSink {
  chunks: Uint8Array[] = []
  committed: { sha256: string; bytes: Uint8Array } | undefined
  resets = 0
  get bytes(): number {
    return this.chunks.reduce((n, c) => n + c.byteLength, 0)
  }
  async stored() {
    return this.bytes
  }
  async *readStored() {
    for (const c of this.chunks) yield c
  }
  async write(chunk: Uint8Array) {
    this.chunks.push(chunk.slice())
  }
  async reset() {
    this.chunks = []
    this.resets++
  }
  async commit(sha256: string) {
    this.committed = { sha256, bytes: concat(this.chunks) }
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** Byte equality (vitest's deep equality is slow on large arrays). */
function same(a: Uint8Array | undefined, b: Uint8Array): boolean {
  return a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function fileOf(info: HubModelInfo, path: string): HubFile {
  return info.files.find(f => f.path === path)!
}

function opts(sink: DownloadSink, extra: Partial<DownloadHubFileOptions> = {}): DownloadHubFileOptions {
  return { endpoint: hub.url, repo: 'evalz/demo', sha: demo.sha, file: fileOf(demo, 'onnx/model.onnx'), sink, retryDelayMs: 0, ...extra }
}

/** Requests the mock saw for a resolve path, since index `from`. */
function fileRequests(from: number, path = 'onnx/model.onnx') {
  return hub.requests.slice(from).filter(r => r.path.endsWith(`/resolve/${demo.sha}/${path}`))
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'evalz-hub-download-'))
  const extra = join(tmp, 'extra')
  mkdirSync(join(extra, 'onnx'), { recursive: true })
  for (const f of ['config.json', 'tokenizer.json']) writeFileSync(join(extra, f), '{}')
  writeFileSync(join(extra, 'onnx/model.onnx'), 'x')
  writeFileSync(join(extra, 'empty.txt'), '')
  hub = await startMockHub({ token: TOKEN, models: { 'evalz/demo': { dir: DEMO }, 'evalz/gated': { dir: DEMO, gated: true }, 'evalz/extra': { dir: extra } } })
  demo = await resolveHubModel({ endpoint: hub.url, repo: 'evalz/demo', revision: 'main' })
  gated = await resolveHubModel({ endpoint: hub.url, repo: 'evalz/gated', revision: 'main' })
})

afterAll(async () => {
  await hub?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('downloadHubFile', () => {
  it('streams a file into the sink, verifies its LFS sha256, commits it and reports progress', async () => {
    const sink = new MemorySink()
    const events: DownloadProgress[] = []
    let clock = 1000
    const from = hub.requests.length
    const got = await downloadHubFile(opts(sink, { onProgress: p => events.push(p), now: () => (clock += 50) }))
    expect(got).toEqual({ path: 'onnx/model.onnx', sha256: sha(ONNX), size: ONNX.byteLength })
    expect(sink.committed?.sha256).toBe(sha(ONNX))
    expect(same(sink.committed?.bytes, ONNX)).toBe(true)
    const reqs = fileRequests(from)
    expect(reqs.map(r => [r.status, r.range])).toEqual([[200, undefined]])
    expect(reqs[0].path).toBe(`/evalz/demo/resolve/${demo.sha}/onnx/model.onnx`)
    expect(events[0]).toMatchObject({ path: 'onnx/model.onnx', loaded: 0, total: ONNX.byteLength, etaSeconds: undefined })
    expect(events.at(-1)).toMatchObject({ loaded: ONNX.byteLength, total: ONNX.byteLength, etaSeconds: 0 })
    expect(events.at(-1)!.bytesPerSecond).toBeGreaterThan(0)
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThan(events[i - 1].loaded)
  })

  it('after a dropped connection resumes with Range from the stored offset; the sha256 matches', async () => {
    const sink = new MemorySink()
    const offsets: number[] = []
    const spy = (async (url: string | URL | Request, init?: RequestInit) => {
      offsets.push(sink.bytes)
      return fetch(url, init)
    }) as typeof fetch
    hub.fault({ path: /onnx\/model\.onnx$/, mode: 'drop-mid-file' })
    const from = hub.requests.length
    const got = await downloadHubFile(opts(sink, { fetch: spy }))
    expect(got.sha256).toBe(sha(ONNX))
    expect(same(sink.committed?.bytes, ONNX)).toBe(true)
    const reqs = fileRequests(from)
    expect(reqs).toHaveLength(2)
    expect(offsets[1]).toBeGreaterThan(0)
    expect(offsets[1]).toBeLessThan(ONNX.byteLength)
    expect(reqs[1].range).toBe(`bytes=${offsets[1]}-`)
    expect(reqs[1].status).toBe(206)
    expect(sink.resets).toBe(0)
  })

  it('resumes what a sink already holds (re-hashing it) with one Range request', async () => {
    const sink = new MemorySink()
    sink.chunks = [ONNX.slice(0, 1000), ONNX.slice(1000, 250_001)]
    const from = hub.requests.length
    const got = await downloadHubFile(opts(sink))
    expect(got.sha256).toBe(sha(ONNX))
    expect(fileRequests(from).map(r => r.range)).toEqual(['bytes=250001-'])
    expect(same(sink.committed?.bytes, ONNX)).toBe(true)
  })

  it('a corrupt stored prefix fails the sha256 check: the sink is reset and the file fetched once more, whole', async () => {
    const sink = new MemorySink()
    const bad = ONNX.slice(0, 5000)
    bad[10] ^= 0xff
    sink.chunks = [bad]
    const from = hub.requests.length
    const got = await downloadHubFile(opts(sink))
    expect(got.sha256).toBe(sha(ONNX))
    expect(sink.resets).toBe(1)
    expect(fileRequests(from).map(r => r.range)).toEqual(['bytes=5000-', undefined])
  })

  it('a file that arrives corrupt twice is a one-line MODEL_INVALID error and nothing is committed', async () => {
    const sink = new MemorySink()
    const flip = (async (url: string | URL | Request, init?: RequestInit) => {
      const res = await fetch(url, init)
      const bytes = new Uint8Array(await res.arrayBuffer())
      bytes[bytes.length - 1] ^= 1
      return new Response(bytes, { status: res.status, headers: res.headers })
    }) as typeof fetch
    const e = await failure(downloadHubFile(opts(sink, { fetch: flip })))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toMatch(new RegExp(`^onnx/model\\.onnx of model repo evalz/demo downloaded twice from http://127\\.0\\.0\\.1:\\d+ with sha256 [0-9a-f]{64} instead of ${sha(ONNX)}; try again later$`))
    expect(sink.committed).toBeUndefined()
    expect(sink.resets).toBe(2)
  })

  it('retries a 500 and succeeds; gives up after `retries` failures without progress, keeping what it has', async () => {
    const sink = new MemorySink()
    hub.fault({ path: /onnx\/model\.onnx$/, mode: 'status-500-once' })
    const from = hub.requests.length
    expect((await downloadHubFile(opts(sink))).sha256).toBe(sha(ONNX))
    expect(fileRequests(from).map(r => r.status)).toEqual([500, 200])

    const partial = new MemorySink()
    partial.chunks = [ONNX.slice(0, 684)]
    hub.fault({ path: /onnx\/model\.onnx$/, mode: 'status-500-once', times: 3 })
    const e = await failure(downloadHubFile(opts(partial, { retries: 2 })))
    expect(e.code).toBe('HUB_UNAVAILABLE')
    expect(e.message).toMatch(/^download of onnx\/model\.onnx from evalz\/demo at http:\/\/127\.0\.0\.1:\d+ failed 3 times \(HTTP 500\); 684 B of 684 kB is kept: run again to resume$/)
    expect(partial.bytes).toBe(684)
  })

  it('a stalled request is dropped after stallTimeoutMs and retried', async () => {
    const sink = new MemorySink()
    hub.fault({ path: /onnx\/model\.onnx$/, mode: 'stall' })
    const from = hub.requests.length
    expect((await downloadHubFile(opts(sink, { stallTimeoutMs: 200 }))).sha256).toBe(sha(ONNX))
    expect(fileRequests(from).map(r => r.status)).toEqual([0, 200])
  })

  it('a 200 answer to a Range request replaces what was stored', async () => {
    const sink = new MemorySink()
    sink.chunks = [ONNX.slice(0, 3000)]
    const noRange = (async (url: string | URL | Request, init?: RequestInit) => {
      const headers = { ...(init?.headers as Record<string, string>) }
      delete headers.Range
      return fetch(url, { ...init, headers })
    }) as typeof fetch
    expect((await downloadHubFile(opts(sink, { fetch: noRange }))).sha256).toBe(sha(ONNX))
    expect(sink.resets).toBe(1)
    expect(same(sink.committed?.bytes, ONNX)).toBe(true)
  })

  it('cancels with CANCELLED when the signal aborts; the bytes so far stay in the sink', async () => {
    const sink = new MemorySink()
    const ctl = new AbortController()
    const e = await failure(downloadHubFile(opts(sink, { signal: ctl.signal, onProgress: p => { if (p.loaded > 0) ctl.abort() } })))
    expect(e.code).toBe('CANCELLED')
    expect(e.message).toBe('download of onnx/model.onnx from evalz/demo was cancelled')
    expect(sink.bytes).toBeGreaterThan(0)
    expect(sink.committed).toBeUndefined()
  })

  it('a gated file needs the token, which goes in the Authorization header only', async () => {
    const file = fileOf(gated, 'onnx/model.onnx')
    const anon = await failure(downloadHubFile({ ...opts(new MemorySink()), repo: 'evalz/gated', sha: gated.sha, file }))
    expect(anon.code).toBe('MODEL_NOT_FOUND')
    expect(anon.message).toBe(`model repo evalz/gated is gated or private: give a Hugging Face token (HF_TOKEN, --hf-token or the app's token field) and accept its terms at ${hub.url}/evalz/gated`)
    const from = hub.requests.length
    const sink = new MemorySink()
    expect((await downloadHubFile({ ...opts(sink), repo: 'evalz/gated', sha: gated.sha, file, token: TOKEN })).sha256).toBe(sha(ONNX))
    const wrong = await failure(downloadHubFile({ ...opts(new MemorySink()), repo: 'evalz/gated', sha: gated.sha, file, token: 'hf_wrong' }))
    expect(wrong.message).toContain('the Hugging Face token cannot access model repo evalz/gated')
    expect(wrong.message).not.toContain('hf_wrong')
    const seen = hub.requests.slice(from)
    expect(seen[0].authorization).toBe(`Bearer ${TOKEN}`)
    expect(hub.requests.some(r => r.path.includes(TOKEN) || r.path.includes('hf_wrong'))).toBe(false)
  })

  it('names a file the revision lacks', async () => {
    const e = await failure(downloadHubFile(opts(new MemorySink(), { file: { path: 'onnx/model_q4.onnx', size: 10 } })))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toBe(`file onnx/model_q4.onnx not found in model repo evalz/demo (revision ${demo.sha}) on ${hub.url}`)
  })

  it('an empty file needs no request', async () => {
    const info = await resolveHubModel({ endpoint: hub.url, repo: 'evalz/extra', revision: 'main' })
    const sink = new MemorySink()
    const from = hub.requests.length
    const got = await downloadHubFile({ ...opts(sink), repo: 'evalz/extra', sha: info.sha, file: fileOf(info, 'empty.txt') })
    expect(got).toEqual({ path: 'empty.txt', sha256: sha(new Uint8Array(0)), size: 0 })
    expect(hub.requests.length).toBe(from)
  })
})

describe('downloadHubFiles', () => {
  it('downloads what `cached` does not vouch for, in order, with progress over all files', async () => {
    const files = filesForDtype(demo, 'fp32')
    const sinks = new Map<string, MemorySink>()
    const events: ModelDownloadProgress[] = []
    const done: [string, boolean][] = []
    const from = hub.requests.length
    const got = await downloadHubFiles({
      endpoint: hub.url, repo: 'evalz/demo', sha: demo.sha, files, retryDelayMs: 0,
      cached: async f => (f.path === 'tokenizer.json' ? { path: f.path, sha256: 'c'.repeat(64), size: f.size } : undefined),
      sinkFor: f => {
        const s = new MemorySink()
        sinks.set(f.path, s)
        return s
      },
      onFile: (f, downloaded) => void done.push([f.path, downloaded]),
      onProgress: p => events.push(p),
    })
    expect(got.map(f => f.path)).toEqual(files.map(f => f.path))
    expect(done).toEqual(files.map(f => [f.path, f.path !== 'tokenizer.json']))
    expect(hub.requests.slice(from).map(r => r.path.split(`/${demo.sha}/`)[1])).toEqual(files.filter(f => f.path !== 'tokenizer.json').map(f => f.path))
    expect(sinks.get('config.json')!.committed!.bytes).toEqual(new Uint8Array(readFileSync(join(DEMO, 'config.json'))))
    const total = files.reduce((n, f) => n + f.size, 0)
    expect(events.at(-1)).toMatchObject({ path: 'onnx/model.onnx', loaded: total, total, fileLoaded: ONNX.byteLength, fileTotal: ONNX.byteLength })
    for (let i = 1; i < events.length; i++) expect(events[i].loaded).toBeGreaterThanOrEqual(events[i - 1].loaded)
  })
})
