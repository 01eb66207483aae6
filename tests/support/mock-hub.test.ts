/**
 * The mock Hub (tests/support/mock-hub.ts) answers like the Hub for what the app and the libraries call: model
 * files with Range/HEAD/ETag and the Hub's error codes, repo info and trees, the Parquet conversion read back by
 * hyparquet, the dataset-viewer, CORS, and injected faults. Plain fetch against 127.0.0.1 only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { asyncBufferFromUrl, parquetMetadata, parquetReadObjects, parquetSchema } from 'hyparquet'
import { startMockHub } from './mock-hub.ts'
import type { MockHub } from './mock-hub.ts'
import { rowsToParquet } from './mock-hub-parquet.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DEMO = join(ROOT, 'public/models/demo')
const SHARED = join(ROOT, '..', 'shared', 'hf-data')
const shared = existsSync(join(SHARED, 'allenai/ai2_arc'))
if (!shared) console.log(`skipping mock-hub tests over ARC: ${SHARED} is absent`)
const TOKEN = 'hf_mock_token_0123'
const MODEL = 'test-org/demo'
const ONNX = readFileSync(join(DEMO, 'onnx/model.onnx'))
const CONFIG = readFileSync(join(DEMO, 'config.json'))

/** Rows of every JSON kind the conversion handles; the second lacks `tags` (read back as null). */
const TYPED_ROWS: Record<string, unknown>[] = [
  { id: 'a', n: 1, x: 0.5, ok: true, tags: ['p', 'q'], ints: [1, 2], choices: { text: ['x', 'y'], label: ['A', 'B'] }, targets: [{ t: 's', v: 1 }], mixed: 1, none: null },
  { id: 'b', n: -7, x: 2, ok: false, ints: [], choices: { text: [], label: ['C'] }, targets: [], mixed: 'one', none: null },
  { id: null, n: null, x: null, ok: null, tags: null, ints: null, choices: null, targets: null, mixed: [1], none: null },
]

let hub: MockHub
let dataDir = ''

/** Writes `<dataDir>/<id>/<config>/<split>.jsonl`. */
function writeSplit(id: string, config: string, split: string, rows: unknown[]): void {
  mkdirSync(join(dataDir, id, config), { recursive: true })
  writeFileSync(join(dataDir, id, config, `${split}.jsonl`), rows.map(r => JSON.stringify(r)).join('\n') + '\n')
}

/** A value with every BigInt made a number (hyparquet reads INT64 as BigInt). */
function unbig(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v)
  if (Array.isArray(v)) return v.map(unbig)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unbig(x)]))
  return v
}

function jsonl(path: string): unknown[] {
  return readFileSync(path, 'utf8').split('\n').filter(l => l !== '').map(l => JSON.parse(l))
}

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex')
}

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Response> {
  return fetch(hub.url + path, { headers, method })
}

async function bytes(r: Response): Promise<Uint8Array> {
  return new Uint8Array(await r.arrayBuffer())
}

/** Reads a split through the Parquet listing, the redirect and hyparquet's range reads. */
async function readViaParquet(id: string, config: string, split: string, headers: Record<string, string> = {}): Promise<unknown[]> {
  const urls = await (await get(`/api/datasets/${id}/parquet/${config}/${split}`, headers)).json() as string[]
  const file = await asyncBufferFromUrl({ url: urls[0], requestInit: { headers } })
  return unbig(await parquetReadObjects({ file })) as unknown[]
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'mock-hub-'))
  writeSplit('mock-org/types', 'default', 'test', TYPED_ROWS)
  writeSplit('mock-org/types', 'default', 'train', TYPED_ROWS.slice(0, 1))
  const many = Array.from({ length: 250 }, (_, i) => ({ i, q: `question ${i}` }))
  writeSplit('mock-org/gated', 'main', 'test', many)
  writeSplit('mock-org/viewer-only', 'default', 'validation', many)
  hub = await startMockHub({
    token: TOKEN,
    models: { [MODEL]: { dir: DEMO }, 'test-org/gated-demo': { dir: DEMO, gated: true }, 'plain-id': { dir: DEMO } },
    datasets: {
      'mock-org/types': { hfDataDir: dataDir, rawFiles: true },
      'mock-org/gated': { hfDataDir: dataDir, gated: true },
      'mock-org/viewer-only': { hfDataDir: dataDir, parquet: false },
      ...(shared ? { 'allenai/ai2_arc': { hfDataDir: SHARED } } : {}),
    },
  })
})

afterAll(async () => {
  await hub.close()
})

describe('model files via resolve', () => {
  const file = `/${MODEL}/resolve/main/onnx/model.onnx`
  const commit = createHash('sha1').update(MODEL).digest('hex')

  it('serves the whole file with Content-Length, ETag = sha256 (LFS-like) and the commit', async () => {
    const r = await get(file)
    expect(r.status).toBe(200)
    expect(r.headers.get('content-length')).toBe(String(ONNX.byteLength))
    expect(r.headers.get('etag')).toBe(`"${sha256(ONNX)}"`)
    expect(r.headers.get('x-linked-etag')).toBe(`"${sha256(ONNX)}"`)
    expect(r.headers.get('x-linked-size')).toBe(String(ONNX.byteLength))
    expect(r.headers.get('x-repo-commit')).toBe(commit)
    expect(r.headers.get('accept-ranges')).toBe('bytes')
    expect(Buffer.from(await bytes(r)).equals(ONNX)).toBe(true) // toEqual on 684 kB is slow
  })

  it('answers Range requests with 206 and Content-Range, including the 0-0 probe and open ranges', async () => {
    const size = ONNX.byteLength
    for (const [range, start, end] of [['bytes=10-19', 10, 19], ['bytes=0-0', 0, 0], [`bytes=${size - 5}-`, size - 5, size - 1], ['bytes=-3', size - 3, size - 1], [`bytes=${size - 2}-${size + 99}`, size - 2, size - 1]] as const) {
      const r = await get(file, { Range: range })
      expect(r.status, range).toBe(206)
      expect(r.headers.get('content-range')).toBe(`bytes ${start}-${end}/${size}`)
      expect(await bytes(r)).toEqual(new Uint8Array(ONNX.subarray(start, end + 1)))
    }
    const past = await get(file, { Range: `bytes=${size}-` })
    expect(past.status).toBe(416)
    expect(past.headers.get('content-range')).toBe(`bytes */${size}`)
  })

  it('answers HEAD with the length and no body; small files get the git oid as ETag and no X-Linked headers', async () => {
    const head = await get(file, {}, 'HEAD')
    expect(head.status).toBe(200)
    expect(head.headers.get('content-length')).toBe(String(ONNX.byteLength))
    expect((await bytes(head)).byteLength).toBe(0)
    const small = await get(`/${MODEL}/resolve/main/config.json`)
    const oid = createHash('sha1').update(`blob ${CONFIG.byteLength}\0`).update(CONFIG).digest('hex')
    expect(small.headers.get('etag')).toBe(`"${oid}"`)
    expect(small.headers.get('x-linked-size')).toBeNull()
    expect(await small.text()).toBe(CONFIG.toString('utf8'))
  })

  it('resolves by commit sha and one-segment ids; names unknown revisions, files and repos like the Hub', async () => {
    expect((await get(`/${MODEL}/resolve/${commit}/config.json`)).status).toBe(200)
    expect((await get('/plain-id/resolve/main/config.json')).status).toBe(200)
    const cases = [
      [`/${MODEL}/resolve/v9/config.json`, {}, 404, 'RevisionNotFound'],
      [`/${MODEL}/resolve/main/nope.json`, {}, 404, 'EntryNotFound'],
      ['/nobody/nothing/resolve/main/config.json', {}, 401, 'RepoNotFound'],
      ['/nobody/nothing/resolve/main/config.json', { Authorization: `Bearer ${TOKEN}` }, 404, 'RepoNotFound'],
    ] as const
    for (const [path, headers, status, code] of cases) {
      const r = await get(path, headers)
      expect([r.status, r.headers.get('x-error-code')], path).toEqual([status, code])
      expect(((await r.json()) as { error: string }).error).toBeTruthy()
    }
  })

  it('a gated repo answers 401 GatedRepo without the token (or with a wrong one) and 200 with it', async () => {
    const path = '/test-org/gated-demo/resolve/main/config.json'
    for (const headers of [{}, { Authorization: 'Bearer wrong' }] as Record<string, string>[]) {
      const r = await get(path, headers)
      expect(r.status).toBe(401)
      expect(r.headers.get('x-error-code')).toBe('GatedRepo')
      expect(r.headers.get('x-error-message')).toContain('test-org/gated-demo')
    }
    const ok = await get(path, { Authorization: `Bearer ${TOKEN}` })
    expect(ok.status).toBe(200)
    expect(hub.requests.at(-1)).toMatchObject({ method: 'GET', path, authorization: `Bearer ${TOKEN}`, status: 200 })
  })
})

describe('repo metadata', () => {
  it('/api/models lists siblings; blobs=true adds sizes and LFS info for large files', async () => {
    const info = await (await get(`/api/models/${MODEL}`)).json() as Record<string, unknown>
    expect(info).toMatchObject({ id: MODEL, author: 'test-org', private: false, gated: false, disabled: false, library_name: 'transformers.js' })
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(info.siblings).toContainEqual({ rfilename: 'onnx/model.onnx' })
    const blobs = await (await get(`/api/models/${MODEL}/revision/main?blobs=true`)).json() as { siblings: Record<string, unknown>[] }
    const onnx = blobs.siblings.find(s => s.rfilename === 'onnx/model.onnx')
    expect(onnx).toMatchObject({ size: ONNX.byteLength, lfs: { sha256: sha256(ONNX), size: ONNX.byteLength } })
    expect(blobs.siblings.find(s => s.rfilename === 'config.json')).toMatchObject({ size: CONFIG.byteLength })
    expect(blobs.siblings.find(s => s.rfilename === 'config.json')?.lfs).toBeUndefined()
    expect((await get('/api/models/test-org/gated-demo')).status).toBe(200)
    expect(((await (await get('/api/models/test-org/gated-demo')).json()) as { gated: unknown }).gated).toBe('auto')
    expect((await get(`/api/models/${MODEL}/revision/v9`)).headers.get('x-error-code')).toBe('RevisionNotFound')
  })

  it('/tree lists files (with lfs) and, when recursive, folders', async () => {
    const flat = await (await get(`/api/models/${MODEL}/tree/main`)).json() as { type: string; path: string }[]
    expect(flat.map(e => `${e.type}:${e.path}`)).toContain('directory:onnx')
    expect(flat.map(e => e.path)).not.toContain('onnx/model.onnx')
    const deep = await (await get(`/api/models/${MODEL}/tree/main?recursive=true`)).json() as Record<string, unknown>[]
    expect(deep.find(e => e.path === 'onnx/model.onnx')).toMatchObject({ type: 'file', size: ONNX.byteLength, lfs: { oid: sha256(ONNX) } })
    const sub = await (await get(`/api/models/${MODEL}/tree/main/onnx`)).json() as { path: string }[]
    expect(sub.map(e => e.path)).toEqual(['onnx/model.onnx'])
  })
})

describe('datasets: Parquet conversion', () => {
  it('lists parquet URLs at every level and redirects {n}.parquet to refs/convert/parquet', async () => {
    const url = (c: string, s: string) => `${hub.url}/api/datasets/mock-org/types/parquet/${c}/${s}/0.parquet`
    expect(await (await get('/api/datasets/mock-org/types/parquet')).json()).toEqual({ default: { train: [url('default', 'train')], test: [url('default', 'test')] } })
    expect(await (await get('/api/datasets/mock-org/types/parquet/default')).json()).toEqual({ train: [url('default', 'train')], test: [url('default', 'test')] })
    expect(await (await get('/api/datasets/mock-org/types/parquet/default/test')).json()).toEqual([url('default', 'test')])
    const r = await fetch(url('default', 'test'), { redirect: 'manual' })
    expect(r.status).toBe(302)
    expect(r.headers.get('location')).toBe(`${hub.url}/datasets/mock-org/types/resolve/refs%2Fconvert%2Fparquet/default/test/0000.parquet`)
    expect((await get('/api/datasets/mock-org/types/parquet/nope')).status).toBe(404)
    expect((await get('/api/datasets/mock-org/viewer-only/parquet')).status).toBe(404)
  })

  it('hyparquet reads back every JSON kind (ints as INT64, lists as LIST, objects as structs)', async () => {
    const expected = TYPED_ROWS.map(r => ({ tags: null, ...r }))
    expect(await readViaParquet('mock-org/types', 'default', 'test')).toEqual(expected)
    const meta = parquetMetadata(rowsToParquet(TYPED_ROWS).buffer as ArrayBuffer)
    const kinds = Object.fromEntries(parquetSchema(meta).children.map(c => [c.element.name, c.element.type ?? c.element.converted_type ?? 'STRUCT']))
    expect(kinds).toMatchObject({ id: 'BYTE_ARRAY', n: 'INT64', x: 'DOUBLE', ok: 'BOOLEAN', tags: 'LIST', choices: 'STRUCT', mixed: 'BYTE_ARRAY' })
    const ranged = hub.requests.filter(q => q.path.endsWith('/0000.parquet') && q.status === 206)
    expect(ranged.length).toBeGreaterThan(0)
  })

  it('serves raw jsonl files and lists them with the card in /api/datasets siblings', async () => {
    const info = await (await get('/api/datasets/mock-org/types')).json() as { siblings: { rfilename: string }[] }
    expect(info.siblings.map(s => s.rfilename)).toEqual(['README.md', 'default/test.jsonl', 'default/train.jsonl'])
    const raw = await get('/datasets/mock-org/types/resolve/main/default/test.jsonl')
    expect(raw.status).toBe(200)
    expect(jsonl(join(dataDir, 'mock-org/types/default/test.jsonl'))).toEqual((await raw.text()).trim().split('\n').map(l => JSON.parse(l)))
    expect((await get('/datasets/mock-org/gated/resolve/main/main/test.jsonl', { Authorization: `Bearer ${TOKEN}` })).headers.get('x-error-code')).toBe('EntryNotFound')
  })

  it('a gated dataset needs the token for the listing and the shard', async () => {
    const r = await get('/api/datasets/mock-org/gated/parquet/main/test')
    expect([r.status, r.headers.get('x-error-code')]).toEqual([401, 'GatedRepo'])
    const shard = await get('/datasets/mock-org/gated/resolve/refs%2Fconvert%2Fparquet/main/test/0000.parquet')
    expect(shard.status).toBe(401)
    const rows = await readViaParquet('mock-org/gated', 'main', 'test', { Authorization: `Bearer ${TOKEN}` })
    expect(rows).toHaveLength(250)
    expect(rows[249]).toEqual({ i: 249, q: 'question 249' })
  })

  it.skipIf(!shared)('ARC-Easy test read with hyparquet equals the jsonl', async () => {
    const listing = await (await get('/api/datasets/allenai/ai2_arc/parquet')).json() as Record<string, Record<string, string[]>>
    expect(Object.keys(listing)).toEqual(['ARC-Challenge', 'ARC-Easy'])
    expect(Object.keys(listing['ARC-Easy'])).toEqual(['validation', 'test'])
    const rows = await readViaParquet('allenai/ai2_arc', 'ARC-Easy', 'test')
    const want = jsonl(join(SHARED, 'allenai/ai2_arc/ARC-Easy/test.jsonl'))
    expect(rows).toHaveLength(2376)
    expect(rows).toEqual(want)
  })
})

describe('dataset-viewer endpoints', () => {
  it('/splits and /rows page through a split (length ≤ 100)', async () => {
    const splits = await (await get('/splits?dataset=mock-org/viewer-only')).json()
    expect(splits).toEqual({ splits: [{ dataset: 'mock-org/viewer-only', config: 'default', split: 'validation' }], pending: [], failed: [] })
    const page = await (await get('/rows?dataset=mock-org/viewer-only&config=default&split=validation&offset=200&length=100')).json() as Record<string, unknown>
    expect(page).toMatchObject({ num_rows_total: 250, num_rows_per_page: 100, partial: false })
    expect(page.features).toEqual([
      { feature_idx: 0, name: 'i', type: { dtype: 'int64', _type: 'Value' } },
      { feature_idx: 1, name: 'q', type: { dtype: 'string', _type: 'Value' } },
    ])
    const rows = page.rows as { row_idx: number; row: unknown }[]
    expect(rows).toHaveLength(50)
    expect(rows[0]).toEqual({ row_idx: 200, row: { i: 200, q: 'question 200' }, truncated_cells: [] })
    const typed = await (await get('/first-rows?dataset=mock-org/types&config=default&split=test')).json() as { features: { name: string; type: unknown }[] }
    expect(typed.features.find(f => f.name === 'choices')?.type).toEqual({
      text: { feature: { dtype: 'string', _type: 'Value' }, _type: 'List' }, label: { feature: { dtype: 'string', _type: 'Value' }, _type: 'List' },
    })
  })

  it('answers bad parameters, unknown and gated datasets with {error} and X-Error-Code', async () => {
    const cases = [
      ['/rows?dataset=mock-org/viewer-only&config=default&split=validation&length=101', {}, 422, 'InvalidParameter'],
      ['/rows?dataset=mock-org/viewer-only', {}, 422, 'MissingRequiredParameter'],
      ['/rows?dataset=mock-org/viewer-only&config=default&split=nope', {}, 404, 'ResponseNotFound'],
      ['/splits?dataset=nobody/nothing', {}, 401, 'ExternalUnauthenticatedError'],
      ['/splits?dataset=mock-org/gated', {}, 401, 'ExternalUnauthenticatedError'],
    ] as const
    for (const [path, headers, status, code] of cases) {
      const r = await get(path, headers)
      expect([r.status, r.headers.get('x-error-code')], path).toEqual([status, code])
      expect(((await r.json()) as { error: string }).error).toBeTruthy()
    }
    expect((await get('/splits?dataset=mock-org/gated', { Authorization: `Bearer ${TOKEN}` })).status).toBe(200)
  })

  it.skipIf(!shared)('/info and /parquet describe ARC', async () => {
    const info = await (await get('/info?dataset=allenai/ai2_arc&config=ARC-Easy')).json() as { dataset_info: { splits: Record<string, { num_examples: number }> } }
    expect(info.dataset_info.splits.test.num_examples).toBe(2376)
    const pq = await (await get('/parquet?dataset=allenai/ai2_arc&config=ARC-Easy')).json() as { parquet_files: { split: string; size: number; url: string }[] }
    const test = pq.parquet_files.find(f => f.split === 'test')!
    expect((await get(new URL(test.url).pathname, {}, 'HEAD')).headers.get('content-length')).toBe(String(test.size))
  })
})

describe('CORS, faults, request log and close', () => {
  it('answers preflights and puts CORS headers on every response, errors included', async () => {
    const pre = await fetch(`${hub.url}/${MODEL}/resolve/main/config.json`, { method: 'OPTIONS', headers: { Origin: 'http://127.0.0.1:9', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization,range' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('*')
    expect(pre.headers.get('access-control-allow-headers')).toBe('Authorization, Range, Accept, Content-Type')
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET, HEAD, OPTIONS')
    expect((await get('/%E0%A4%A/resolve/main/x')).status).toBe(400)
    for (const r of [await get(`/${MODEL}/resolve/main/config.json`), await get(`/${MODEL}/resolve/main/nope`)]) {
      expect(r.headers.get('access-control-allow-origin')).toBe('*')
      expect(r.headers.get('cross-origin-resource-policy')).toBe('cross-origin')
      expect(r.headers.get('access-control-expose-headers')?.split(', ')).toEqual(expect.arrayContaining(['Content-Range', 'ETag', 'X-Error-Code', 'X-Repo-Commit', 'X-Linked-Size', 'Link']))
    }
  })

  it('drop-mid-file cuts the body after the headers; the next request is whole', async () => {
    hub.fault({ path: /model\.onnx$/, mode: 'drop-mid-file' })
    const r = await get(`/${MODEL}/resolve/main/onnx/model.onnx`)
    expect(r.status).toBe(200)
    await expect(r.arrayBuffer()).rejects.toThrow()
    expect(hub.requests.at(-1)).toMatchObject({ path: `/${MODEL}/resolve/main/onnx/model.onnx`, status: 200 })
    expect((await bytes(await get(`/${MODEL}/resolve/main/onnx/model.onnx`))).byteLength).toBe(ONNX.byteLength)
  })

  it('status-500-once gives one 500, then the real answer; times counts matching requests', async () => {
    hub.fault({ path: /config\.json/, mode: 'status-500-once', times: 2 })
    const path = `/${MODEL}/resolve/main/config.json`
    expect([(await get(path)).status, (await get(path)).status, (await get(path)).status]).toEqual([500, 500, 200])
    expect(hub.requests.slice(-3).map(q => q.status)).toEqual([500, 500, 200])
  })

  it('stall never answers; close() ends the stalled request and stops listening', async () => {
    const local = await startMockHub({ models: { [MODEL]: { dir: DEMO } } })
    local.fault({ path: /config/, mode: 'stall' })
    const pending = fetch(`${local.url}/${MODEL}/resolve/main/config.json`, { headers: { Range: 'bytes=0-9' } })
    const outcome = pending.then(() => 'answered', () => 'failed')
    while (local.requests.length === 0) await new Promise(ok => setTimeout(ok, 5))
    expect(local.requests[0]).toMatchObject({ method: 'GET', range: 'bytes=0-9', status: 0 })
    await local.close()
    expect(await outcome).toBe('failed')
    await expect(fetch(`${local.url}/${MODEL}/resolve/main/config.json`)).rejects.toThrow()
  })
})
