import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hubDatasetSource } from '../../src/data/hub-dataset-source.ts'
import { failure } from '../rejection.ts'
import { mcParquetShard } from './mc-parquet.ts'
import type { McRow } from './mc-parquet.ts'

const TOKEN = 'hf_secretTOKEN123'

/** One request the mock saw. */
interface Seen {
  readonly method: string
  readonly path: string
  readonly auth: string | undefined
  readonly range: string | undefined
}

/** MMLU-like rows; answer is written as INT64. */
function mcRows(n: number, from: number): McRow[] {
  return Array.from({ length: n }, (_, i) => ({
    question: `Q${from + i}: what is ${from + i} + 1?`,
    subject: 'abstract_algebra',
    choices: [`${from + i}`, `${from + i + 1}`, `${from + i + 2}`, '\u00e9t\u00e9'],
    answer: (from + i) % 4,
  }))
}

const TEST_ROWS = mcRows(5, 0)
const DEV_ROWS = mcRows(2, 100)
const GATED_ROWS = mcRows(2, 200)
const VIEWER_ROWS = Array.from({ length: 230 }, (_, i) => ({ text: `row ${i}`, label: i % 3 }))

/** resolve path (without '/datasets/' and the revision) → file bytes */
const FILES = new Map<string, Uint8Array>([
  ['evalz/mmlu-mini/abstract_algebra/test/0000.parquet', mcParquetShard(TEST_ROWS.slice(0, 3))],
  ['evalz/mmlu-mini/abstract_algebra/test/0001.parquet', mcParquetShard(TEST_ROWS.slice(3))],
  ['evalz/mmlu-mini/abstract_algebra/dev/0000.parquet', mcParquetShard(DEV_ROWS)],
  ['evalz/gated/default/test/0000.parquet', mcParquetShard(GATED_ROWS)],
])

let server: Server
let base = ''
const seen: Seen[] = []

/** The Parquet listing: { config: { split: [urls] } } for each dataset with a conversion. */
function listing(repo: string): Record<string, Record<string, string[]>> | undefined {
  const out: Record<string, Record<string, string[]>> = {}
  for (const key of FILES.keys()) {
    const [owner, name, config, split, file] = key.split('/')
    if (`${owner}/${name}` !== repo) continue
    const n = Number(file.slice(0, 4))
    out[config] ??= {}
    out[config][split] ??= []
    out[config][split].push(`${base}/api/datasets/${repo}/parquet/${config}/${split}/${n}.parquet`)
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
}

function notFound(res: ServerResponse, code = 'RepoNotFound'): void {
  res.writeHead(404, { 'content-type': 'application/json', 'x-error-code': code }).end('{"error":"not found"}')
}

function serveFile(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array): void {
  const size = bytes.byteLength
  const common = { 'accept-ranges': 'bytes', etag: '"mock"', 'content-type': 'application/octet-stream' }
  if (req.method === 'HEAD') {
    res.writeHead(200, { ...common, 'content-length': String(size) }).end()
    return
  }
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  if (!m) {
    res.writeHead(200, { ...common, 'content-length': String(size) }).end(bytes)
    return
  }
  const start = Number(m[1])
  const end = Math.min(m[2] === '' ? size - 1 : Number(m[2]), size - 1)
  if (start > end) {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end()
    return
  }
  res
    .writeHead(206, { ...common, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}` })
    .end(bytes.subarray(start, end + 1))
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', base)
  const path = decodeURIComponent(url.pathname)
  const auth = req.headers.authorization
  seen.push({ method: req.method ?? 'GET', path, auth, range: req.headers.range })
  const repoOf = (p: string) => p.split('/').slice(0, 2).join('/')

  // dataset-viewer (same server, /viewer prefix)
  if (path.startsWith('/viewer/')) {
    const dataset = url.searchParams.get('dataset')
    if (dataset !== 'evalz/rows-only' || url.searchParams.get('config') !== 'default') return notFound(res, 'ResponseNotFound')
    if (path === '/viewer/splits') return json(res, 200, { splits: [{ dataset, config: 'default', split: 'train' }], pending: [], failed: [] })
    if (path !== '/viewer/rows') return notFound(res, 'ResponseNotFound')
    if (url.searchParams.get('split') !== 'train') return notFound(res, 'ResponseNotFound')
    const offset = Number(url.searchParams.get('offset') ?? 0)
    const length = Number(url.searchParams.get('length') ?? 100)
    if (length > 100) return json(res, 422, { error: 'length too big' })
    const rows = VIEWER_ROWS.slice(offset, offset + length).map((row, i) => ({ row_idx: offset + i, row, truncated_cells: [] }))
    rows.reverse() // the client must order by row_idx
    return json(res, 200, {
      features: [],
      rows,
      num_rows_total: VIEWER_ROWS.length,
      num_rows_per_page: 100,
      partial: false,
    })
  }

  const api = /^\/api\/datasets\/([^/]+\/[^/]+)\/parquet(?:\/([^/]+))?(?:\/([^/]+))?(?:\/(\d+)\.parquet)?$/.exec(path)
  const resolve = /^\/datasets\/([^/]+\/[^/]+)\/resolve\/refs\/convert\/parquet\/(.+)$/.exec(path)
  const repo = api?.[1] ?? (resolve ? repoOf(resolve[1]) : undefined)
  if (repo === 'evalz/gated' && auth !== `Bearer ${TOKEN}`) {
    res.writeHead(401, { 'x-error-code': 'GatedRepo', 'content-type': 'application/json' }).end('{"error":"gated"}')
    return
  }
  if (api) {
    const [, id, config, split, n] = api
    const all = listing(id)
    if (!all) return notFound(res)
    if (config === undefined) return json(res, 200, all)
    const splits = all[config]
    if (!splits) return notFound(res)
    if (split === undefined) return json(res, 200, splits)
    const urls = splits[split]
    if (!urls) return notFound(res)
    if (n === undefined) return json(res, 200, urls)
    const target = `/datasets/${id}/resolve/refs%2Fconvert%2Fparquet/${config}/${split}/${n.padStart(4, '0')}.parquet`
    res.writeHead(302, { location: target }).end()
    return
  }
  if (resolve) {
    const bytes = FILES.get(`${resolve[1]}/${resolve[2]}`)
    if (!bytes) return notFound(res, 'EntryNotFound')
    return serveFile(req, res, bytes)
  }
  notFound(res)
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()))
})

beforeEach(() => {
  seen.length = 0
})

function source(token?: string) {
  return hubDatasetSource({ endpoint: base, viewerEndpoint: `${base}/viewer`, token })
}

const MMLU = { path: 'evalz/mmlu-mini', name: 'abstract_algebra', split: 'test' }

describe('hubDatasetSource: Parquet conversion', () => {
  it('reads every shard in order, with BigInt turned into numbers and lists into arrays', async () => {
    const docs = await source().loadSplit(MMLU)
    expect(docs).toEqual(TEST_ROWS)
    expect(typeof docs[0].answer).toBe('number')
    expect(Array.isArray(docs[0].choices)).toBe(true)
    expect(docs.map((d) => d.question)).toEqual(TEST_ROWS.map((r) => r.question))
  })

  it('reads shards with Range requests and sends no Authorization without a token', async () => {
    await source().loadSplit(MMLU)
    const shardGets = seen.filter((s) => s.path.includes('/resolve/') && s.method === 'GET')
    const ranged = shardGets.filter((s) => s.range !== undefined)
    expect(ranged.length).toBeGreaterThanOrEqual(2)
    expect(ranged.length).toBe(shardGets.length)
    expect(new Set(ranged.map((s) => s.path)).size).toBe(2)
    expect(seen.every((s) => s.auth === undefined)).toBe(true)
  })

  it('lists splits for hasSplit', async () => {
    const src = source()
    expect(await src.hasSplit(MMLU)).toBe(true)
    expect(await src.hasSplit({ ...MMLU, split: 'dev' })).toBe(true)
    expect(await src.hasSplit({ ...MMLU, split: 'validation' })).toBe(false)
    expect(await src.hasSplit({ ...MMLU, name: 'nope' })).toBe(false)
    expect(await src.hasSplit({ path: 'evalz/missing', name: undefined, split: 'test' })).toBe(false)
  })

  it('names a missing split and lists the ones that exist', async () => {
    const e = await failure(source().loadSplit({ ...MMLU, split: 'validation' }))
    expect(e.code).toBe('DATASET_SPLIT_MISSING')
    expect(e.message).toContain("'validation'")
    expect(e.message).toContain('test, dev')
    expect(e.message).not.toContain('\n')
  })

  it('names a missing config and lists the configs', async () => {
    const e = await failure(source().loadSplit({ ...MMLU, name: 'anatomy' }))
    expect(e.code).toBe('DATASET_NOT_FOUND')
    expect(e.message).toContain("'anatomy'")
    expect(e.message).toContain('abstract_algebra')
  })

  it('names a missing dataset', async () => {
    const e = await failure(source().loadSplit({ path: 'evalz/missing', name: undefined, split: 'test' }))
    expect(e.code).toBe('DATASET_NOT_FOUND')
    expect(e.message).toContain('evalz/missing')
    expect(e.message).not.toContain('\n')
  })

  it('refuses shard URLs outside the endpoint', async () => {
    const evil: typeof fetch = async (input, init) => {
      const url = String(input)
      if (url.endsWith('/parquet/default/test')) return Response.json(['http://example.invalid/0.parquet'])
      return fetch(input, init)
    }
    const e = await failure(hubDatasetSource({ endpoint: base, fetch: evil }).loadSplit({ path: 'a/b', name: undefined, split: 'test' }))
    expect(e.code).toBe('DATASET_PARSE_ERROR')
    expect(e.message).toContain('outside')
  })
})

describe('hubDatasetSource: gated datasets', () => {
  const GATED = { path: 'evalz/gated', name: undefined, split: 'test' }

  it('asks for a token on 401, naming the repo page, with no token in the message', async () => {
    const e = await failure(source().loadSplit(GATED))
    expect(e.code).toBe('DATASET_NOT_FOUND')
    expect(e.message).toContain('gated or private')
    expect(e.message).toContain('HF_TOKEN')
    expect(e.message).toContain(`${base}/datasets/evalz/gated`)
    const wrong = await failure(source('hf_wrongTOKEN').loadSplit(GATED))
    expect(wrong.message).not.toContain('hf_wrongTOKEN')
    expect(JSON.stringify(wrong.detail)).not.toContain('hf_wrongTOKEN')
  })

  it('reads with the token as a Bearer header, never in a URL', async () => {
    const docs = await source(TOKEN).loadSplit(GATED)
    expect(docs).toEqual(GATED_ROWS)
    expect(seen.length).toBeGreaterThan(0)
    expect(seen.every((s) => s.auth === `Bearer ${TOKEN}`)).toBe(true)
    expect(seen.some((s) => s.path.includes(TOKEN))).toBe(false)
    expect(seen.filter((s) => s.range !== undefined).length).toBeGreaterThanOrEqual(1)
  })
})

describe('hubDatasetSource: dataset-viewer fallback', () => {
  const ROWS_ONLY = { path: 'evalz/rows-only', name: undefined, split: 'train' }

  it('pages /rows by num_rows_total and returns rows in row_idx order', async () => {
    const docs = await source().loadSplit(ROWS_ONLY)
    expect(docs).toEqual(VIEWER_ROWS)
    const pages = seen.filter((s) => s.path === '/viewer/rows')
    expect(pages.length).toBe(3)
  })

  it('uses /splits for hasSplit and for the missing-split message', async () => {
    const src = source()
    expect(await src.hasSplit(ROWS_ONLY)).toBe(true)
    expect(await src.hasSplit({ ...ROWS_ONLY, split: 'test' })).toBe(false)
    const e = await failure(src.loadSplit({ ...ROWS_ONLY, split: 'test' }))
    expect(e.code).toBe('DATASET_SPLIT_MISSING')
    expect(e.message).toContain('train')
  })

  it('does not fall back without a viewer endpoint', async () => {
    const e = await failure(hubDatasetSource({ endpoint: base }).loadSplit(ROWS_ONLY))
    expect(e.code).toBe('DATASET_NOT_FOUND')
    expect(seen.some((s) => s.path.startsWith('/viewer'))).toBe(false)
  })
})
