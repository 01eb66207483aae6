import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hubModelClient } from '../../src/data/hub-download.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import type { EvalzDb } from '../../src/storage/db.ts'
import {
  clearPartialDownloads, ensureHubModelInDb, hubPartialKey, hubStoredModelId, idbDownloadSink, partialDownloadBytes,
} from '../../src/storage/hub-model-store.ts'
import type { EnsureHubModelInDbOptions, HubModelProgress } from '../../src/storage/hub-model-store.ts'
import { findModelFile, listModels, modelFileCache } from '../../src/storage/model-store.ts'
import type { StoredModel } from '../../src/storage/model-store.ts'
import { failure } from '../rejection.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const TOKEN = 'hf_idbTESTtoken31337'
const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')
const ONNX = new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))

let hub: MockHub

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function freshDb(): Promise<EvalzDb> {
  return openEvalzDb({ factory: new IDBFactory() })
}

function options(extra: Partial<EnsureHubModelInDbOptions> = {}): EnsureHubModelInDbOptions {
  return { hub: hubModelClient, endpoint: hub.url, id: 'evalz/demo', device: 'wasm', shaderF16: false, offline: false, retryDelayMs: 0, ...extra }
}

function fileRequests(from: number) {
  return hub.requests.slice(from).filter(r => r.path.includes('/resolve/'))
}

async function blobBytes(db: EvalzDb, model: StoredModel, path: string): Promise<Uint8Array> {
  const f = model.files.find(x => x.path === path)!
  return new Uint8Array(await (await db.get('blobs', f.sha256))!.data.arrayBuffer())
}

beforeAll(async () => {
  hub = await startMockHub({ token: TOKEN, models: { 'evalz/demo': { dir: DEMO }, 'evalz/gated': { dir: DEMO, gated: true } } })
})

afterAll(async () => {
  await hub?.close()
})

describe('idbDownloadSink', () => {
  it('gathers writes into chunks, survives a new sink on the same key (a reload), and commits one blob', async () => {
    const db = await freshDb()
    const sink = idbDownloadSink(db, 'k', { chunkBytes: 10 })
    const bytes = new Uint8Array(37).map((_, i) => i * 3)
    for (let i = 0; i < 37; i += 4) await sink.write(bytes.slice(i, i + 4))
    // 3 chunks of 12 bytes are written; 1 byte is still gathered in memory
    expect(await db.count('partials')).toBe(3)
    expect(await sink.stored()).toBe(37)
    expect(await db.count('partials')).toBe(4)
    const reloaded = idbDownloadSink(db, 'k', { chunkBytes: 10 })
    expect(await reloaded.stored()).toBe(37)
    const read: number[] = []
    for await (const c of reloaded.readStored()) read.push(...c)
    expect(read).toEqual([...bytes])
    await reloaded.write(new Uint8Array([200, 201]))
    await reloaded.commit('f'.repeat(64))
    const blob = await db.get('blobs', 'f'.repeat(64))
    expect(blob?.size).toBe(39)
    expect([...new Uint8Array(await blob!.data.arrayBuffer())]).toEqual([...bytes, 200, 201])
    expect(await db.count('partials')).toBe(0)
    db.close()
  })

  it('reset drops the chunks of its key only', async () => {
    const db = await freshDb()
    const a = idbDownloadSink(db, 'a', { chunkBytes: 4 })
    const b = idbDownloadSink(db, 'b', { chunkBytes: 4 })
    await a.write(new Uint8Array(9))
    await b.write(new Uint8Array(5))
    await a.reset()
    expect(await a.stored()).toBe(0)
    expect(await idbDownloadSink(db, 'a').stored()).toBe(0)
    expect(await idbDownloadSink(db, 'b').stored()).toBe(5)
    db.close()
  })

  it('counts the bytes of unfinished downloads and deletes them all', async () => {
    const db = await freshDb()
    expect(await partialDownloadBytes(db)).toBe(0)
    await idbDownloadSink(db, 'a', { chunkBytes: 4 }).write(new Uint8Array(9))
    await idbDownloadSink(db, 'b', { chunkBytes: 4 }).write(new Uint8Array(8))
    expect(await partialDownloadBytes(db)).toBe(17)
    await clearPartialDownloads(db)
    expect(await partialDownloadBytes(db)).toBe(0)
    expect(await idbDownloadSink(db, 'a').stored()).toBe(0)
    db.close()
  })
})

describe('ensureHubModelInDb', () => {
  it('asks beforeDownload with the bytes still to fetch; a refusal downloads nothing, and a stored model needs 0', async () => {
    const db = await freshDb()
    const from = hub.requests.length
    const refuse = async () => { throw new Error('no room') }
    await expect(ensureHubModelInDb(db, options({ beforeDownload: refuse }))).rejects.toThrow('no room')
    expect(fileRequests(from)).toEqual([])
    const plans: { bytes: number }[] = []
    const model = await ensureHubModelInDb(db, options({ beforeDownload: async (p) => { plans.push(p) } }))
    await ensureHubModelInDb(db, options({ beforeDownload: async (p) => { plans.push(p) } }))
    expect(plans.map(p => p.bytes)).toEqual([model.totalBytes, 0])
    db.close()
  })

  it('downloads a revision into blobs as a listed StoredModel that transformers.js loads with no network request', async () => {
    const db = await freshDb()
    const events: HubModelProgress[] = []
    const model = await ensureHubModelInDb(db, options({ onProgress: p => events.push(p), now: () => 1234 }))
    const info = await hubModelClient.resolveHubModel({ endpoint: hub.url, repo: 'evalz/demo', revision: 'main' })
    expect(model.id).toBe(hubStoredModelId('evalz/demo', info.sha))
    expect(model.id).toBe(`evalz/demo@${info.sha.slice(0, 8)}`)
    expect(model).toMatchObject({ name: 'evalz/demo', addedAt: 1234, hub: { repo: 'evalz/demo', revision: 'main', sha: info.sha, dtype: 'fp32' } })
    expect(model.files.map(f => f.path)).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
    expect(model.weightsSha256).toBe(sha(ONNX))
    expect(sha(await blobBytes(db, model, 'onnx/model.onnx'))).toBe(sha(ONNX))
    expect(sha(await blobBytes(db, model, 'config.json'))).toBe(sha(readFileSync(join(DEMO, 'config.json'))))
    expect((await listModels(db)).map(m => m.id)).toEqual([model.id])
    expect(await db.count('partials')).toBe(0)
    expect(events.at(-1)).toMatchObject({ loaded: model.totalBytes, total: model.totalBytes })

    // the transformers.js keys for a multi-segment id find the files
    expect(findModelFile(`/models/${model.id}/onnx/model.onnx`, [model])?.sha256).toBe(sha(ONNX))
    expect(findModelFile(`https://huggingface.co/${model.id}/resolve/main/tokenizer.json`, [model])?.path).toBe('tokenizer.json')
    expect(findModelFile('/models/evalz/other/tokenizer.json', [model])).toBeUndefined()

    const cache = modelFileCache(db, () => [model])
    const fetched: string[] = []
    env.allowLocalModels = false
    env.allowRemoteModels = true
    env.useFSCache = false
    env.useBrowserCache = false
    env.useCustomCache = true
    env.customCache = { match: (key: string) => cache.match(key), put: (key: string, res: Response) => cache.put(key, res) }
    env.fetch = (async (url: string) => {
      fetched.push(String(url))
      throw new Error(`no network in this test: ${url}`)
    }) as typeof env.fetch
    const tok = await AutoTokenizer.from_pretrained(model.id)
    expect(tok.encode(' Paris').length).toBeGreaterThan(0)
    const lm = await AutoModelForCausalLM.from_pretrained(model.id, { dtype: 'fp32' })
    await lm.dispose()
    expect(fetched).toEqual([])

    const from = hub.requests.length
    const again = await ensureHubModelInDb(db, options())
    expect(again.files).toEqual(model.files)
    expect(fileRequests(from)).toEqual([])
    db.close()
  })

  it('resumes after a dropped connection and after a reload (stored chunks), with Range from the stored offset', async () => {
    const db = await freshDb()
    hub.fault({ path: /\/onnx\/model\.onnx$/, mode: 'drop-mid-file' })
    const from = hub.requests.length
    const model = await ensureHubModelInDb(db, options({ chunkBytes: 64 * 1024 }))
    const onnx = fileRequests(from).filter(r => r.path.endsWith('onnx/model.onnx'))
    expect(onnx.map(r => r.status)).toEqual([200, 206])
    expect(onnx[1].range).toMatch(/^bytes=[1-9]\d*-$/)
    expect(sha(await blobBytes(db, model, 'onnx/model.onnx'))).toBe(sha(ONNX))

    const db2 = await freshDb()
    const sink = idbDownloadSink(db2, hubPartialKey('evalz/demo', model.hub!.sha, 'onnx/model.onnx'), { chunkBytes: 50_000 })
    await sink.write(ONNX.slice(0, 120_000))
    await sink.stored()
    const from2 = hub.requests.length
    const again = await ensureHubModelInDb(db2, options())
    expect(fileRequests(from2).filter(r => r.path.endsWith('onnx/model.onnx')).map(r => r.range)).toEqual(['bytes=120000-'])
    expect(sha(await blobBytes(db2, again, 'onnx/model.onnx'))).toBe(sha(ONNX))
    expect(await db2.count('partials')).toBe(0)
    db.close()
    db2.close()
  })

  it('a blob with the wrong size is refetched online and named offline', async () => {
    const db = await freshDb()
    const model = await ensureHubModelInDb(db, options())
    const onnx = model.files.find(f => f.path === 'onnx/model.onnx')!
    await db.put('blobs', { sha256: onnx.sha256, size: onnx.size, data: new Blob([ONNX.slice(0, 1000)]) })
    const offline = await failure(ensureHubModelInDb(db, options({ offline: true })))
    expect(offline.code).toBe('MODEL_INVALID')
    expect(offline.message).toBe("onnx/model.onnx of evalz/demo (revision main) are missing or incomplete in this browser's storage; go online once (turn off offline) to download them again")
    const from = hub.requests.length
    const fixed = await ensureHubModelInDb(db, options())
    expect(fileRequests(from).map(r => r.path.split('/').slice(-2).join('/'))).toEqual(['onnx/model.onnx'])
    expect(sha(await blobBytes(db, fixed, 'onnx/model.onnx'))).toBe(sha(ONNX))
    db.close()
  })

  it('offline: the stored model with no request; one-line errors for what is not stored', async () => {
    const db = await freshDb()
    const online = await ensureHubModelInDb(db, options())
    const from = hub.requests.length
    expect(await ensureHubModelInDb(db, options({ offline: true }))).toEqual(online)
    expect((await ensureHubModelInDb(db, options({ offline: true, id: `evalz/demo@${online.hub!.sha}` }))).id).toBe(online.id)
    expect((await ensureHubModelInDb(db, options({ offline: true, id: `evalz/demo@${online.hub!.sha.slice(0, 10)}` }))).id).toBe(online.id)
    const other = await failure(ensureHubModelInDb(db, options({ offline: true, id: 'evalz/other' })))
    expect(other.code).toBe('MODEL_NOT_FOUND')
    expect(other.message).toBe('model evalz/other (revision main) is not stored in this browser; go online once (turn off offline) to download it')
    const dtype = await failure(ensureHubModelInDb(db, options({ offline: true, dtype: 'q4' })))
    expect(dtype.message).toBe('model evalz/demo (revision main) is stored in this browser with fp32 only; go online once (turn off offline) to download its q4 weights')
    expect(hub.requests.length).toBe(from)
    db.close()
  })

  it('offline, a plain owner/name finds a download pinned to a sha (as the app makes them); another tag does not', async () => {
    const db = await freshDb()
    const info = await hubModelClient.resolveHubModel({ endpoint: hub.url, repo: 'evalz/demo', revision: 'main' })
    const pinned = await ensureHubModelInDb(db, options({ id: `evalz/demo@${info.sha}` }))
    expect(pinned.hub).toMatchObject({ revision: info.sha, sha: info.sha })
    expect((await ensureHubModelInDb(db, options({ offline: true }))).id).toBe(pinned.id)
    const tag = await failure(ensureHubModelInDb(db, options({ offline: true, id: 'evalz/demo@v2' })))
    expect(tag.message).toBe('model evalz/demo (revision v2) is not stored in this browser; go online once (turn off offline) to download it')
    db.close()
  })

  it('a gated repo needs the token; it appears in no request URL, message or stored record', async () => {
    const db = await freshDb()
    const anon = await failure(ensureHubModelInDb(db, options({ id: 'evalz/gated' })))
    expect(anon.code).toBe('MODEL_NOT_FOUND')
    expect(anon.message).toContain('is gated or private')
    expect(anon.message).not.toContain(TOKEN)
    const model = await ensureHubModelInDb(db, options({ id: 'evalz/gated', token: TOKEN }))
    expect(model.id.startsWith('evalz/gated@')).toBe(true)
    expect(hub.requests.some(r => r.path.includes(TOKEN))).toBe(false)
    for (const store of ['models', 'blobs', 'partials', 'runs', 'responses', 'datasets'] as const) {
      for (const rec of await db.getAll(store)) {
        expect(JSON.stringify(rec)).not.toContain(TOKEN)
        const data = (rec as { data?: unknown }).data
        if (data instanceof Blob) expect(Buffer.from(await data.arrayBuffer()).includes(TOKEN)).toBe(false)
      }
    }
    db.close()
  })

  it('an unreachable Hub with a stored copy points at offline use', async () => {
    const db = await freshDb()
    await ensureHubModelInDb(db, options())
    const e = await failure(ensureHubModelInDb(db, options({ endpoint: 'http://127.0.0.1:9' })))
    expect(e.code).toBe('HUB_UNAVAILABLE')
    expect(e.message).toMatch(/^could not reach http:\/\/127\.0\.0\.1:9 \(.+\); evalz\/demo \(revision main\) is stored in this browser: work offline to use it$/)
    db.close()
  })
})
