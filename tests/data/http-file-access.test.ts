import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve, sep } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { httpFileAccess } from '../../src/data/http-file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { failure } from '../rejection.ts'

const ROOT = join(import.meta.dirname, 'fixtures', 'mirror')
let server: Server
let base = ''
const requested: string[] = []

/** Serves ROOT read-only; /status/<code> answers that status. */
beforeAll(async () => {
  server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    requested.push(path)
    const status = /^\/status\/(\d+)$/.exec(path)
    if (status) {
      res.writeHead(Number(status[1]), { 'content-type': 'text/plain' })
      res.end('nope')
      return
    }
    const file = resolve(ROOT, `.${path}`)
    if (!file.startsWith(ROOT + sep)) {
      res.writeHead(403).end()
      return
    }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body),
      () => res.writeHead(404).end('not found'),
    )
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(() => new Promise<void>((done) => server.close(() => done())))


describe('httpFileAccess', () => {
  it('reads a file, URL-encoding each segment, and has no list()', async () => {
    const files = httpFileAccess(`${base}/`)
    expect(files.description).toBe(`data URL ${base}/`)
    expect(files.list).toBeUndefined()
    const bytes = await files.read('fixture-org/odd names/default/test.jsonl')
    expect(new TextDecoder().decode(bytes)).toBe('{"ok": true}\n')
    expect(files.pathOf?.('fixture-org/odd names/default/test.jsonl')).toBe(`${base}/fixture-org/odd%20names/default/test.jsonl`)
  })

  it('returns undefined on 404', async () => {
    expect(await httpFileAccess(base).read('fixture-org/nothing/default/test.jsonl')).toBeUndefined()
  })

  it('throws a one-line DATASET_NOT_FOUND naming the URL on other statuses', async () => {
    const err = await failure(httpFileAccess(base).read('status/500'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(`could not fetch ${base}/status/500: HTTP 500 Internal Server Error`)
  })

  it('throws a one-line DATASET_NOT_FOUND when the server cannot be reached', async () => {
    const closed = createServer()
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((done) => closed.close(() => done()))
    const err = await failure(httpFileAccess(`http://127.0.0.1:${port}`).read('a.jsonl'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toMatch(new RegExp(`^could not fetch http://127\\.0\\.0\\.1:${port}/a\\.jsonl: `))
    expect(err.message).not.toContain('\n')
  })

  it('uses the fetch function it is given', async () => {
    const seen: string[] = []
    const fake = (async (url: string | URL | Request) => {
      seen.push(String(url))
      return new Response('{"x": 1}\n', { status: 200 })
    }) as typeof fetch
    const bytes = await httpFileAccess('/datasets', fake).read('a/b/default/test.jsonl')
    expect(new TextDecoder().decode(bytes)).toBe('{"x": 1}\n')
    expect(seen).toEqual(['/datasets/a/b/default/test.jsonl'])
  })

  it('refuses paths that climb out of the base', async () => {
    await expect(httpFileAccess(base).read('../x')).rejects.toMatchObject({ code: 'DATASET_NOT_FOUND' })
  })
})

describe('mirrorSource over httpFileAccess', () => {
  it('loads splits of every format over HTTP, trying extensions in order', async () => {
    const source = mirrorSource(httpFileAccess(base))
    requested.length = 0
    expect(await source.loadSplit({ path: 'fixture-org/csv-set', name: undefined, split: 'validation' })).toEqual([
      { question: 'q', answer: 1 },
    ])
    expect(requested).toEqual([
      '/fixture-org/csv-set/default/validation.jsonl',
      '/fixture-org/csv-set/default/validation.json',
      '/fixture-org/csv-set/default/validation.csv',
    ])
    const pq = await source.loadSplit({ path: 'fixture-org/parquet-set', name: undefined, split: 'test' })
    expect(pq[0].choices).toEqual(['3', '4', '5', '22'])
    const js = await source.loadSplit({ path: 'fixture-org/json-set', name: 'columns', split: 'test' })
    expect(js).toHaveLength(3)
  })

  it('names the URL it tried when a split is missing', async () => {
    const source = mirrorSource(httpFileAccess(base))
    const err = await failure(source.loadSplit({ path: 'fixture-org/jsonl-set', name: undefined, split: 'train' }))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(
      `dataset fixture-org/jsonl-set config default split 'train' not found in data URL ${base}` +
        ` (tried ${base}/fixture-org/jsonl-set/default/train.jsonl, then .json, .csv, .parquet)`,
    )
  })
})
