import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { defaultCacheDir, ensureHubModel, fileSink, repoCacheDir } from '../../src/cli/hub-model-cache.ts'
import type { EnsureHubModelOptions } from '../../src/cli/hub-model-cache.ts'
import type { ModelDownloadProgress } from '../../src/data/hub-download.ts'
import { failure } from '../rejection.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const TOKEN = 'hf_cacheTESTtoken777'
const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')
const ONNX = readFileSync(join(DEMO, 'onnx/model.onnx'))
const DEMO_FILES = ['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json']

let hub: MockHub
let tmp: string

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function walk(dir: string): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap(n => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
}

/** A fresh cache dir and options for `id`. */
function setup(id: string, extra: Partial<EnsureHubModelOptions> = {}): EnsureHubModelOptions {
  const cacheDir = mkdtempSync(join(tmp, 'cache-'))
  return { cacheDir, endpoint: hub.url, id, device: 'cpu', offline: false, retryDelayMs: 0, ...extra }
}

/** Requests for model files (resolve) since index `from`. */
function fileRequests(from: number) {
  return hub.requests.slice(from).filter(r => r.path.includes('/resolve/'))
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'evalz-hub-cache-'))
  hub = await startMockHub({ token: TOKEN, models: { 'evalz/demo': { dir: DEMO }, 'evalz/gated': { dir: DEMO, gated: true } } })
})

afterAll(async () => {
  await hub?.close()
  rmSync(tmp, { recursive: true, force: true })
})

describe('ensureHubModel', () => {
  it('downloads into snapshots/<sha>, writes refs and a manifest; transformers.js loads the folder; a second call fetches no file', async () => {
    const opts = setup('evalz/demo')
    const events: ModelDownloadProgress[] = []
    const from = hub.requests.length
    const model = await ensureHubModel({ ...opts, onProgress: p => events.push(p) })
    const repoDir = join(opts.cacheDir, 'models', 'evalz--demo')
    expect(model.dir).toBe(join(repoDir, 'snapshots', model.sha))
    expect(model).toMatchObject({ repo: 'evalz/demo', revision: 'main', dtype: 'fp32' })
    expect(readFileSync(join(repoDir, 'refs', 'main'), 'utf8')).toBe(model.sha)
    expect(walk(model.dir).map(p => relative(model.dir, p)).sort()).toEqual(DEMO_FILES)
    for (const f of DEMO_FILES) expect(sha(readFileSync(join(model.dir, f)))).toBe(sha(readFileSync(join(DEMO, f))))
    expect(model.files.find(f => f.path === 'onnx/model.onnx')).toEqual({ path: 'onnx/model.onnx', size: ONNX.byteLength, sha256: sha(ONNX) })
    const manifest = JSON.parse(readFileSync(join(repoDir, 'manifests', `${model.sha}.json`), 'utf8'))
    expect(manifest.complete).toEqual(['fp32'])
    expect(Object.keys(manifest.verified).sort()).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
    expect(fileRequests(from)).toHaveLength(5)
    const total = DEMO_FILES.reduce((n, f) => n + statSync(join(DEMO, f)).size, 0)
    expect(events.at(-1)).toMatchObject({ loaded: total, total })

    const again = hub.requests.length
    const second = await ensureHubModel(opts)
    expect(second).toEqual(model)
    expect(fileRequests(again)).toEqual([])
    expect(hub.requests.slice(again).map(r => r.path)).toEqual(['/api/models/evalz/demo/revision/main?blobs=true'])

    env.allowLocalModels = true
    env.allowRemoteModels = false
    env.useFSCache = false
    const tok = await AutoTokenizer.from_pretrained(model.dir)
    expect(tok.encode(' Paris').length).toBeGreaterThan(0)
    const lm = await AutoModelForCausalLM.from_pretrained(model.dir, { dtype: 'fp32' })
    await lm.dispose()
  })

  it('offline: uses the cache with no request; names what is missing otherwise', async () => {
    const opts = setup('evalz/demo')
    const online = await ensureHubModel(opts)
    const from = hub.requests.length
    expect(await ensureHubModel({ ...opts, offline: true })).toEqual(online)
    expect(await ensureHubModel({ ...opts, id: `evalz/demo@${online.sha}`, offline: true })).toMatchObject({ dir: online.dir, revision: online.sha })
    expect(hub.requests.length).toBe(from)

    const other = await failure(ensureHubModel({ ...opts, id: 'evalz/other', offline: true }))
    expect(other.code).toBe('MODEL_NOT_FOUND')
    expect(other.message).toBe(`model evalz/other (revision main) is not in the cache at ${opts.cacheDir}; run once online (without --offline) to download it`)
    const tag = await failure(ensureHubModel({ ...opts, id: 'evalz/demo@v2', offline: true }))
    expect(tag.message).toContain('model evalz/demo (revision v2) is not in the cache')

    rmSync(join(online.dir, 'tokenizer.json'))
    writeFileSync(join(online.dir, 'config.json'), '{}')
    const missing = await failure(ensureHubModel({ ...opts, offline: true }))
    expect(missing.code).toBe('MODEL_NOT_FOUND')
    expect(missing.message).toBe(`the cache lacks config.json, tokenizer.json of evalz/demo (revision main, fp32) in ${online.dir}; run once online (without --offline) to download them`)
    const dtype = await failure(ensureHubModel({ ...opts, offline: true, dtype: 'q4' }))
    expect(dtype.message).toContain('has no q4 weights (onnx/model_q4.onnx); available: fp32 (684 kB)')
    expect(hub.requests.length).toBe(from)
  })

  it('refetches a cached file whose size differs, or whose content changed since it was verified', async () => {
    const opts = setup('evalz/demo')
    const model = await ensureHubModel(opts)
    const onnxPath = join(model.dir, 'onnx/model.onnx')
    const corrupt = Buffer.from(ONNX)
    corrupt[100] ^= 0xff
    writeFileSync(onnxPath, corrupt)
    utimesSync(onnxPath, new Date(), new Date(Date.now() + 5000))
    writeFileSync(join(model.dir, 'tokenizer.json'), '{"truncated": true}')
    const from = hub.requests.length
    await ensureHubModel(opts)
    expect(fileRequests(from).map(r => r.path.split(`/${model.sha}/`)[1]).sort()).toEqual(['onnx/model.onnx', 'tokenizer.json'])
    expect(sha(readFileSync(onnxPath))).toBe(sha(ONNX))
    expect(sha(readFileSync(join(model.dir, 'tokenizer.json')))).toBe(sha(readFileSync(join(DEMO, 'tokenizer.json'))))
    // an untouched file (same mtime) is not re-hashed or refetched
    const again = hub.requests.length
    await ensureHubModel(opts)
    expect(fileRequests(again)).toEqual([])
  })

  it('resumes a dropped download in the same run, and an .incomplete file from an earlier run with Range', async () => {
    const opts = setup('evalz/demo')
    hub.fault({ path: /\/onnx\/model\.onnx$/, mode: 'drop-mid-file' })
    const from = hub.requests.length
    const model = await ensureHubModel(opts)
    const onnx = fileRequests(from).filter(r => r.path.endsWith('onnx/model.onnx'))
    expect(onnx.map(r => r.status)).toEqual([200, 206])
    expect(onnx[1].range).toMatch(/^bytes=[1-9]\d*-$/)
    expect(sha(readFileSync(join(model.dir, 'onnx/model.onnx')))).toBe(sha(ONNX))
    expect(existsSync(join(model.dir, 'onnx/model.onnx.incomplete'))).toBe(false)

    const next = setup('evalz/demo')
    const snapshot = join(repoCacheDir(next.cacheDir, 'evalz/demo'), 'snapshots', model.sha)
    mkdirSync(join(snapshot, 'onnx'), { recursive: true })
    writeFileSync(join(snapshot, 'onnx/model.onnx.incomplete'), ONNX.subarray(0, 40_000))
    const from2 = hub.requests.length
    await ensureHubModel(next)
    expect(fileRequests(from2).filter(r => r.path.endsWith('onnx/model.onnx')).map(r => r.range)).toEqual(['bytes=40000-'])
    expect(sha(readFileSync(join(snapshot, 'onnx/model.onnx')))).toBe(sha(ONNX))
  })

  it('retries a 500 once and succeeds', async () => {
    const opts = setup('evalz/demo')
    hub.fault({ path: /\/resolve\/[0-9a-f]+\/tokenizer\.json$/, mode: 'status-500-once' })
    const from = hub.requests.length
    await ensureHubModel(opts)
    expect(fileRequests(from).filter(r => r.path.endsWith('/tokenizer.json')).map(r => r.status)).toEqual([500, 200])
  })

  it('a gated repo needs the token; the token appears in no URL, message or cache file', async () => {
    const opts = setup('evalz/gated')
    const anon = await failure(ensureHubModel(opts))
    expect(anon.code).toBe('MODEL_NOT_FOUND')
    expect(anon.message).toContain('model repo evalz/gated is gated or private: give a Hugging Face token')
    const from = hub.requests.length
    const model = await ensureHubModel({ ...opts, token: TOKEN })
    expect(model.files).toHaveLength(5)
    const seen = hub.requests.slice(from)
    expect(seen.every(r => r.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(hub.requests.some(r => r.path.includes(TOKEN))).toBe(false)
    const files = walk(opts.cacheDir)
    expect(files.length).toBeGreaterThan(5)
    for (const f of files) expect(readFileSync(f).includes(TOKEN), f).toBe(false)
    const bad = await failure(ensureHubModel({ ...setup('evalz/gated'), token: 'hf_notvalid1' }))
    expect(bad.message).not.toContain('hf_notvalid1')
  })

  it('when the Hub is unreachable, says so and points at --offline if the model is cached', async () => {
    const opts = setup('evalz/demo')
    await ensureHubModel(opts)
    const down = await failure(ensureHubModel({ ...opts, endpoint: 'http://127.0.0.1:9', token: TOKEN }))
    expect(down.code).toBe('HUB_UNAVAILABLE')
    expect(down.message).toMatch(/^could not reach http:\/\/127\.0\.0\.1:9 \(.+\); evalz\/demo \(revision main\) is in the cache: run with --offline to use it$/)
    expect(down.message).not.toContain(TOKEN)
    const cold = await failure(ensureHubModel({ ...setup('evalz/demo'), endpoint: 'http://127.0.0.1:9' }))
    expect(cold.message).toContain('if model evalz/demo was downloaded before, run with --offline to use the cache')
  })

  it('rejects ids that are not owner/name[@revision]', async () => {
    const e = await failure(ensureHubModel(setup('./models/demo')))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toBe("'./models/demo' is not a Hub model id (owner/name or owner/name@revision)")
  })
})

describe('fileSink', () => {
  it('appends to <path>.incomplete, reads it back, and renames it on commit', async () => {
    const target = join(tmp, 'sink', 'a', 'b.bin')
    const sink = fileSink(target)
    expect(await sink.stored()).toBe(0)
    await sink.write(new Uint8Array([1, 2, 3]))
    await sink.write(new Uint8Array([4]))
    expect(await sink.stored()).toBe(4)
    const again = fileSink(target)
    const read: number[] = []
    for await (const c of again.readStored()) read.push(...c)
    expect(read).toEqual([1, 2, 3, 4])
    await sink.reset()
    expect(await sink.stored()).toBe(0)
    await sink.write(new Uint8Array([9]))
    await sink.commit('x')
    expect([...readFileSync(target)]).toEqual([9])
    expect(existsSync(`${target}.incomplete`)).toBe(false)
    const empty = fileSink(join(tmp, 'sink', 'empty.txt'))
    await empty.commit('x')
    expect(readFileSync(join(tmp, 'sink', 'empty.txt')).byteLength).toBe(0)
  })
})

describe('defaultCacheDir', () => {
  it('is $EVALZ_CACHE, else ~/.cache/evalz', () => {
    expect(defaultCacheDir({ EVALZ_CACHE: '/data/evalz-cache' })).toBe('/data/evalz-cache')
    expect(defaultCacheDir({})).toBe(join(homedir(), '.cache', 'evalz'))
  })
})
