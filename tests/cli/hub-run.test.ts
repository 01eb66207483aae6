/**
 * Issue 5's CLI acceptance: `evalz run --model <owner/name> --tasks arc_easy --hub-endpoint <mock>` with no
 * --data-dir downloads the model and the dataset from a mock Hub into the cache and evaluates; a connection dropped
 * mid-download resumes with a Range request; with the mock stopped, `--offline` evaluates again from the cache with
 * the same numbers; a gated repo works with --hf-token, and the token is in no URL and no written file.
 * ARC-Easy comes from ../shared/hf-data (skipped with a message when it is absent).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const HAS_DATA = existsSync(join(HF_DATA, 'allenai/ai2_arc/ARC-Easy/test.jsonl'))
const TOKEN = 'hf_secretToken4242forTests'

interface Result { code: number; stdout: string; stderr: string }

/** bin/evalz.js as a child process, without Hub settings from outside. */
function evalz(args: string[], env: Record<string, string> = {}): Promise<Result> {
  const clean: Record<string, string | undefined> = { ...process.env }
  for (const k of ['HF_TOKEN', 'HF_ENDPOINT', 'HF_HUB_OFFLINE', 'EVALZ_CACHE']) delete clean[k]
  return new Promise(done => {
    execFile(process.execPath, [join(ROOT, 'bin/evalz.js'), ...args], { cwd: ROOT, env: { ...clean, ...env }, timeout: 180_000 }, (err, stdout, stderr) => {
      done({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr })
    })
  })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter(e => e.isFile()).map(e => join(e.parentPath, e.name))
}

/** Each sample's doc id and raw responses, per line of samples_arc_easy.jsonl. */
function responses(out: string): unknown[] {
  return readFileSync(join(out, 'samples_arc_easy.jsonl'), 'utf8').trim().split('\n')
    .map(l => JSON.parse(l) as { doc_id: number; resps: unknown; acc: number }).map(s => [s.doc_id, s.resps, s.acc])
}

function tmp(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

describe.skipIf(!HAS_DATA)(`evalz run against a mock Hub${HAS_DATA ? '' : ` (skipped: ${HF_DATA} has no ARC-Easy)`}`, () => {
  let hub: MockHub
  const cache = tmp('evalz-cache-')
  const online = tmp('evalz-out-')

  beforeAll(async () => {
    hub = await startMockHub({
      models: { 'evalz/demo': { dir: join(ROOT, 'public/models/demo') }, 'evalz/gated-demo': { dir: join(ROOT, 'public/models/demo'), gated: true } },
      datasets: { 'allenai/ai2_arc': { hfDataDir: HF_DATA } },
      token: TOKEN,
    })
  })

  afterAll(async () => {
    await hub?.close()
  })

  const run = (model: string, out: string, ...extra: string[]) =>
    ['run', '--model', model, '--tasks', 'arc_easy', '--limit', '6', '--output', out, '--log-samples', ...extra]

  it('downloads the model and the dataset, evaluates, and names the repo and commit in results.json', async () => {
    const r = await evalz(run('evalz/demo', online, '--hub-endpoint', hub.url, '--cache-dir', cache))
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\|arc_easy\s*\|/)
    const results = JSON.parse(readFileSync(join(online, 'results.json'), 'utf8')) as {
      config: { model_sha: string; model_revision: string; model_args: string }
      evalz: { model_origin: { kind: string; repo: string; sha: string; files: { path: string; size: number; sha256: string }[] } }
    }
    const origin = results.evalz.model_origin
    expect(origin).toMatchObject({ kind: 'hub', repo: 'evalz/demo' })
    expect(origin.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(results.config.model_sha).toBe(origin.sha)
    expect(results.config.model_revision).toBe('main')
    expect(results.config.model_args).toBe('pretrained=evalz/demo,dtype=fp32')
    expect(origin.files.map(f => f.path)).toContain('onnx/model.onnx')
    expect(origin.files.every(f => /^[0-9a-f]{64}$/.test(f.sha256) && f.size > 0)).toBe(true)
    expect(existsSync(join(cache, 'datasets/allenai/ai2_arc/ARC-Easy/test.jsonl'))).toBe(true)
    // the dataset split is named with the dataset repo's commit
    const datasets = (results.evalz as unknown as { datasets: { path: string; name: string; split: string; revision: string | null }[] }).datasets
    expect(datasets).toEqual([expect.objectContaining({ path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test', revision: expect.stringMatching(/^[0-9a-f]{40}$/) })])
    // the same eval on the local folder gives the same answers
    const local = tmp('evalz-out-')
    const l = await evalz(['run', '--model', 'public/models/demo', '--tasks', 'arc_easy', '--limit', '6', '--output', local, '--log-samples', '--data-dir', HF_DATA])
    expect(l.code, l.stderr).toBe(0)
    expect(responses(online)).toEqual(responses(local))
  }, 180_000)

  it('resumes a model download whose connection dropped, with a Range request from where it stopped', async () => {
    const fresh = tmp('evalz-cache-')
    hub.fault({ path: /\/evalz\/demo\/resolve\/[^/]+\/onnx\/model\.onnx$/, mode: 'drop-mid-file' })
    const seen = hub.requests.length
    const r = await evalz(run('evalz/demo', tmp('evalz-out-'), '--hub-endpoint', hub.url, '--cache-dir', fresh))
    expect(r.code, r.stderr).toBe(0)
    const onnx = hub.requests.slice(seen).filter(q => q.path.endsWith('/onnx/model.onnx') && q.method === 'GET')
    expect(onnx.length).toBeGreaterThanOrEqual(2)
    expect(onnx.at(-1)?.range).toMatch(/^bytes=[1-9]\d*-$/)
  }, 180_000)

  it.skipIf(!existsSync('/usr/bin/chromium'))('on --device wasm the page gets the Hub model and the cached Hub split and gives the cpu numbers', async () => {
    const out = tmp('evalz-out-')
    const r = await evalz(run('evalz/demo', out, '--hub-endpoint', hub.url, '--cache-dir', cache, '--device', 'wasm'))
    expect(r.code, r.stderr).toBe(0)
    const cpu = responses(online) as [number, [string, boolean][][], number][]
    const wasm = responses(out) as [number, [string, boolean][][], number][]
    expect(wasm.map(x => [x[0], x[2]])).toEqual(cpu.map(x => [x[0], x[2]]))
    wasm.forEach((x, i) => x[1].forEach((resp, j) => expect(Math.abs(Number(resp[0][0]) - Number(cpu[i][1][j][0][0]))).toBeLessThan(1e-3)))
  }, 180_000)

  it('with the Hub gone, --offline evaluates from the cache with the same numbers', async () => {
    await hub.close()
    const out = tmp('evalz-out-')
    const r = await evalz(run('evalz/demo', out, '--offline', '--cache-dir', cache))
    expect(r.code, r.stderr).toBe(0)
    expect(responses(out)).toEqual(responses(online))
    const offlineResults = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { evalz: { datasets: { revision: string | null }[] } }
    const onlineResults = JSON.parse(readFileSync(join(online, 'results.json'), 'utf8')) as { evalz: { datasets: { revision: string | null }[] } }
    expect(offlineResults.evalz.datasets[0].revision).toBe(onlineResults.evalz.datasets[0].revision)
    // and HF_HUB_OFFLINE=1 with EVALZ_CACHE does the same
    const viaEnv = await evalz(run('evalz/demo', tmp('evalz-out-')), { HF_HUB_OFFLINE: '1', EVALZ_CACHE: cache })
    expect(viaEnv.code, viaEnv.stderr).toBe(0)
    expect(viaEnv.stdout).toBe(r.stdout)
  }, 180_000)

  it('offline, a model that was never downloaded fails in one line naming it', async () => {
    const r = await evalz(run('evalz/other', tmp('evalz-out-'), '--offline', '--cache-dir', cache))
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('evalz/other')
  }, 60_000)
})

describe.skipIf(!HAS_DATA)('a gated model repo', () => {
  let hub: MockHub

  beforeAll(async () => {
    hub = await startMockHub({
      models: { 'evalz/gated-demo': { dir: join(ROOT, 'public/models/demo'), gated: true } },
      datasets: { 'allenai/ai2_arc': { hfDataDir: HF_DATA } },
      token: TOKEN,
    })
  })

  afterAll(async () => {
    await hub?.close()
  })

  it('without a token fails in one line asking for one; with --hf-token or HF_TOKEN it runs and the token is written nowhere', async () => {
    const denied = await evalz(['run', '--model', 'evalz/gated-demo', '--tasks', 'arc_easy', '--limit', '2', '--hub-endpoint', hub.url, '--cache-dir', tmp('evalz-cache-')])
    expect(denied.code).toBe(1)
    expect(denied.stderr.trim().split('\n'), denied.stderr).toHaveLength(1)
    expect(denied.stderr).toMatch(/token/i)
    for (const [extra, env] of [[['--hf-token', TOKEN], {}], [[], { HF_TOKEN: TOKEN }]] as const) {
      const cache = tmp('evalz-cache-')
      const out = tmp('evalz-out-')
      const r = await evalz(['run', '--model', 'evalz/gated-demo', '--tasks', 'arc_easy', '--limit', '2', '--hub-endpoint', hub.url,
        '--cache-dir', cache, '--output', out, '--log-samples', ...extra], env)
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout + r.stderr).not.toContain(TOKEN)
      for (const f of [...filesUnder(cache), ...filesUnder(out)]) expect(readFileSync(f).includes(TOKEN), f).toBe(false)
    }
    expect(hub.requests.some(q => q.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(hub.requests.every(q => !q.path.includes(TOKEN))).toBe(true)
  }, 240_000)
})
