/**
 * `evalz run` without --data-dir reads datasets from the Hub: a mock Hub on 127.0.0.1 (Parquet listing + a shard
 * served with Range support) and bin/evalz.js as a child process; --offline, gated datasets, and the token kept secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { mcParquetShard } from '../data/mc-parquet.ts'
import type { McRow } from '../data/mc-parquet.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const TOKEN = 'secret-hf-token-4242'

/** An MMLU row as cais/mmlu stores it (answer as INT64). */
function rows(n: number, from: number): McRow[] {
  return Array.from({ length: n }, (_, i) => ({
    question: `Which bone is number ${from + i}?`,
    subject: 'anatomy',
    choices: ['femur', 'tibia', 'radius', 'ulna'],
    answer: (from + i) % 4,
  }))
}

/** split → shard bytes of cais/mmlu config anatomy */
const SHARDS = new Map([['test', mcParquetShard(rows(3, 0))], ['dev', mcParquetShard(rows(5, 100))]])

let server: Server
let base = ''
/** when true the mock answers 401 to requests without `Authorization: Bearer TOKEN` (a gated dataset) */
let gated = false
/** Authorization headers the mock saw */
const auths: (string | undefined)[] = []

function serveFile(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array): void {
  const size = bytes.byteLength
  const common = { 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' }
  if (req.method === 'HEAD') return void res.writeHead(200, { ...common, 'content-length': String(size) }).end()
  const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '')
  if (!m) return void res.writeHead(200, { ...common, 'content-length': String(size) }).end(bytes)
  const start = Number(m[1])
  const end = Math.min(m[2] === '' ? size - 1 : Number(m[2]), size - 1)
  res.writeHead(206, { ...common, 'content-length': String(end - start + 1), 'content-range': `bytes ${start}-${end}/${size}` })
    .end(bytes.subarray(start, end + 1))
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', base).pathname)
  auths.push(req.headers.authorization)
  const json = (status: number, body: unknown) => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
  if (gated && req.headers.authorization !== `Bearer ${TOKEN}`) return json(401, { error: 'gated' })
  const listing = Object.fromEntries([...SHARDS.keys()].map(s => [s, [`${base}/files/${s}/0.parquet`]]))
  if (path === '/api/datasets/cais/mmlu/parquet') return json(200, { anatomy: listing })
  if (path === '/api/datasets/cais/mmlu/parquet/anatomy') return json(200, listing)
  const split = /^\/api\/datasets\/cais\/mmlu\/parquet\/anatomy\/([^/]+)$/.exec(path)?.[1]
  if (split !== undefined) return SHARDS.has(split) ? json(200, listing[split]) : json(404, { error: 'no split' })
  const file = /^\/files\/([^/]+)\/0\.parquet$/.exec(path)?.[1]
  const bytes = file === undefined ? undefined : SHARDS.get(file)
  if (bytes !== undefined) return serveFile(req, res, bytes)
  json(404, { error: 'not found' })
}

/**
 * Runs bin/evalz.js asynchronously (the mock Hub lives in this process), without Hub env vars from outside and
 * with an empty cache of its own unless `env` names one.
 */
function evalz(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean: Record<string, string | undefined> = { ...process.env, EVALZ_CACHE: mkdtempSync(join(tmpdir(), 'evalz-cache-')) }
  for (const k of ['HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_OFFLINE']) delete clean[k]
  return new Promise(done => {
    execFile(process.execPath, [join(ROOT, 'bin/evalz.js'), ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : -1
      done({ code, stdout, stderr })
    })
  })
}

function run(...extra: string[]): string[] {
  return ['run', '--model', 'public/models/demo', '--tasks', 'mmlu_anatomy', '--limit', '2', '--hub-endpoint', base, ...extra]
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
}

beforeAll(async () => {
  server = createServer(handle)
  await new Promise<void>(ok => server.listen(0, '127.0.0.1', ok))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise(ok => server.close(ok))
})

describe('evalz run with Hub datasets', () => {
  it('reads the task\'s dataset from --hub-endpoint and prints the table', async () => {
    gated = false
    const r = await evalz(run())
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\|\s*Tasks\s*\|Version\|/)
    expect(r.stdout).toMatch(/anatomy/)
  }, 120_000)

  it('with --offline or HF_HUB_OFFLINE=1 and an empty cache fails in one line naming the split and how to cache it', async () => {
    for (const r of [await evalz(run('--offline')), await evalz(run(), { HF_HUB_OFFLINE: '1' })]) {
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
      expect(r.stderr).toContain("mmlu_anatomy: eval split 'test' of cais/mmlu (config anatomy)")
      expect(r.stderr).toContain('offline')
      expect(r.stderr).toContain('run once with the network on')
    }
  }, 120_000)

  it('caches what it read: the same run offline (or with the Hub gone) prints the same table', async () => {
    gated = false
    const cache = mkdtempSync(join(tmpdir(), 'evalz-cache-'))
    const online = await evalz(run(), { EVALZ_CACHE: cache })
    expect(online.code, online.stderr).toBe(0)
    expect(readFileSync(join(cache, 'datasets/cais/mmlu/anatomy/test.jsonl'), 'utf8').trim().split('\n')).toHaveLength(3)
    const seen = auths.length
    const offline = await evalz(run('--offline', '--cache-dir', cache))
    expect(offline.code, offline.stderr).toBe(0)
    expect(auths.length).toBe(seen)
    expect(offline.stdout).toBe(online.stdout)
  }, 120_000)

  it('a gated dataset without a token fails in one line naming HF_TOKEN', async () => {
    gated = true
    const r = await evalz(run())
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('HF_TOKEN')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  }, 120_000)

  it('sends --hf-token (or HF_TOKEN) to the Hub and never prints or writes it', async () => {
    gated = true
    for (const [extra, env] of [[['--hf-token', TOKEN], {}], [[], { HF_TOKEN: TOKEN }]] as const) {
      auths.length = 0
      const out = mkdtempSync(join(tmpdir(), 'evalz-hub-'))
      const r = await evalz(run(...extra, '--output', out, '--log-samples'), env)
      expect(r.code, r.stderr).toBe(0)
      expect(auths).toContain(`Bearer ${TOKEN}`)
      expect(r.stdout + r.stderr).not.toContain(TOKEN)
      const written = filesUnder(out)
      expect(written.some(f => f.endsWith('results.json'))).toBe(true)
      for (const f of written) expect(readFileSync(f, 'utf8'), f).not.toContain(TOKEN)
    }
  }, 240_000)
})
