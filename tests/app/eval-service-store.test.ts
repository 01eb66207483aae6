/**
 * The worker's service over the real IndexedDB store (fake-indexeddb): runs are recorded, a resumed or repeated
 * run answers finished requests from the response cache (no model calls for them), stored models are loaded by id,
 * and storage errors come back as data.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { BatchOptions, ModelBackend } from '../../src/core/backend.ts'
import { builtinCatalogue, listCatalogue } from '../../src/core/catalogue.ts'
import { evaluate } from '../../src/core/evaluator.ts'
import { pyJsonDumps } from '../../src/core/python/json.ts'
import { httpFileAccess } from '../../src/data/http-file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import type { RunDevice } from '../../src/protocol/device.ts'
import { createEvalService } from '../../src/app/eval-service.ts'
import type { EvalServiceDeps } from '../../src/app/eval-service.ts'
import type { EvalStore, ModelInfo } from '../../src/protocol/eval-store.ts'
import type { Outcome } from '../../src/protocol/eval-worker-api.ts'
import { idbEvalStore } from '../../workers/idb-eval-store.ts'
import type { RunRequest } from '../../src/protocol/run-request.ts'
import { RUN_DEFAULTS } from '../../src/app/run-request.ts'
import type { WorkerEvent } from '../../src/protocol/worker-event.ts'
import { openEvalzDb } from '../../src/storage/db.ts'

const PUBLIC = fileURLToPath(new URL('../../public/', import.meta.url))

async function diskFetch(input: string | URL | Request): Promise<Response> {
  const path = new URL(String(input)).pathname.replace(/^\/datasets\//, '')
  try {
    return new Response(await readFile(`${PUBLIC}datasets/${decodeURIComponent(path)}`))
  } catch {
    return new Response('not found', { status: 404 })
  }
}

/** Model calls: how many requests of each kind reached the (fake) model. */
interface CallLog {
  requests: number
  loads: { model: string; stored: ModelInfo | undefined }[]
}

/**
 * A deterministic backend: logprob depends on the continuation's length, so runs give non-trivial metrics.
 * `failAfter` makes the loglikelihood call throw after answering that many requests (a crash mid-run).
 */
function fakeBackend(device: RunDevice, calls: CallLog, failAfter?: number): ModelBackend {
  const info = {
    name: 'fake', version: '0', model: 'demo', modelSha256: undefined, numParameters: undefined, device, dtype: 'fp32',
    maxLength: 2048, bosToken: undefined, eosToken: undefined, padToken: undefined, prefixTokenId: 0,
  }
  async function answer<Q, T>(reqs: readonly Q[], opts: BatchOptions<T>, make: (q: Q) => T): Promise<T[]> {
    const out: T[] = []
    for (const [i, q] of reqs.entries()) {
      if (failAfter !== undefined && calls.requests >= failAfter) throw new Error('device lost')
      calls.requests += 1
      const r = make(q)
      out.push(r)
      opts.onResult?.(i, r)
      opts.onProgress?.({ done: i + 1, total: reqs.length, tokens: 5 })
    }
    return out
  }
  return {
    info,
    loglikelihood: (reqs, opts) => answer(reqs, opts, (q) => ({ logprob: -q.continuation.length / 3, isGreedy: false, contextTokens: [1], continuationTokens: [2] })),
    loglikelihoodRolling: (reqs, opts) => answer(reqs, opts, (q) => ({ logprob: -q.text.length / 4, tokens: [1, 2, 3], windows: 1 })),
    generateUntil: (reqs, opts) => answer(reqs, opts, () => ({ text: ' 4', contextTokens: [1], generatedTokens: [3] })),
    async dispose() {},
  }
}

async function freshStore(): Promise<EvalStore> {
  const db = await openEvalzDb({ factory: new IDBFactory(), name: 'evalz-test' })
  return idbEvalStore(db, undefined)
}

function service(store: EvalStore, calls: CallLog, over: Partial<EvalServiceDeps> = {}) {
  const catalogue = builtinCatalogue()
  let t = 0
  return createEvalService({
    catalogue,
    entries: listCatalogue(catalogue),
    source: () => mirrorSource(httpFileAccess('http://app/datasets/', diskFetch)),
    gpu: undefined,
    async loadBackend(model, device, _onProgress, stored) {
      calls.loads.push({ model, stored })
      return fakeBackend(device, calls)
    },
    evaluate,
    dumpResults: (r) => pyJsonDumps(r, { indent: 2 }),
    evalzVersion: '9.9.9',
    now: () => (t += 1),
    clock: () => 1700000000,
    throttleMs: 0,
    store,
    ...over,
  })
}

function request(over: Partial<RunRequest> = {}): RunRequest {
  return { ...RUN_DEFAULTS, runId: 'run-1', tasks: ['demo_capitals', 'demo_cloze'], limit: 4, numFewshot: undefined, bootstrapIters: 10, logSamples: true, ...over }
}

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`)
  return o.value
}

async function demoModelFiles(): Promise<{ path: string; blob: Blob }[]> {
  const root = `${PUBLIC}models/demo/`
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  const files = entries.filter((e) => e.isFile()).map((e) => `${e.parentPath}/${e.name}`.slice(root.length).replace(/^\//, ''))
  return Promise.all(files.map(async (p) => ({ path: `demo/${p}`, blob: new Blob([await readFile(root + p)]) })))
}

describe('eval service with the IndexedDB store', () => {
  it('records the run: running while it runs, then done with results, samples, device and no cached requests', async () => {
    const store = await freshStore()
    const calls: CallLog = { requests: 0, loads: [] }
    const svc = service(store, calls)
    const seen: string[] = []
    const result = await svc.run(request(), (e: WorkerEvent) => {
      if (e.type === 'phase' && e.phase === 'evaluating') void store.getRun('run-1').then((r) => seen.push(r?.status ?? 'none'))
    })
    if (result.status !== 'done') throw new Error(result.error.message)
    expect(seen).toEqual(['running'])
    expect(result.cachedRequests).toBe(0)
    expect(calls.requests).toBeGreaterThan(0)
    const record = await store.getRun('run-1')
    expect(record).toMatchObject({ status: 'done', modelName: 'demo', request: request(), device: { device: 'wasm' }, cachedRequests: 0 })
    expect(record?.resultsJson).toBe(result.resultsJson)
    expect(record?.samplesJsonl).toEqual(result.samplesJsonl)
    expect(Object.keys(result.samplesJsonl).sort()).toEqual(['demo_capitals', 'demo_cloze'])
    const runs = value(await svc.listRuns())
    expect(runs).toHaveLength(1)
    expect(runs[0]).not.toHaveProperty('resultsJson')
    expect(runs[0].headline.demo_capitals?.[0]).toBe('acc')
  })

  it('resumes an interrupted run from the cache: finished requests never reach the model again', async () => {
    const store = await freshStore()
    const first: CallLog = { requests: 0, loads: [] }
    const crashing = service(store, first, {
      loadBackend: async (_m, device) => fakeBackend(device, first, 7),
    })
    const failed = await crashing.run(request(), () => undefined)
    expect(failed).toMatchObject({ status: 'failed', error: { message: 'device lost' } })
    expect(first.requests).toBe(7)
    expect(value(await crashing.getRun('run-1'))?.status).toBe('failed')

    // the same request again (what the page sends on resume)
    const second: CallLog = { requests: 0, loads: [] }
    const resumed = await service(store, second).run(request(), () => undefined)
    if (resumed.status !== 'done') throw new Error(resumed.error.message)
    expect(resumed.cachedRequests).toBe(7)
    // a clean run's request count: every request exactly once over both attempts
    const clean: CallLog = { requests: 0, loads: [] }
    const reference = await service(await freshStore(), clean).run(request({ runId: 'ref' }), () => undefined)
    if (reference.status !== 'done') throw new Error(reference.error.message)
    expect(second.requests).toBe(clean.requests - 7)
    expect(resumed.results.results).toEqual(reference.results.results)
    expect(resumed.samplesJsonl).toEqual(reference.samplesJsonl)

    // a third run of the same request: zero model calls
    const third: CallLog = { requests: 0, loads: [] }
    const again = await service(store, third).run(request({ runId: 'run-2' }), () => undefined)
    expect(again.status === 'done' && again.cachedRequests).toBe(clean.requests)
    expect(third.requests).toBe(0)
    expect(value(await service(store, third).storageUsage()).cachedResponses).toBe(clean.requests)
  })

  it('keeps the first start time and the labels when a run is resumed, and abandons an interrupted run', async () => {
    const store = await freshStore()
    await store.putRun({ id: 'old', createdAt: 123, status: 'running', request: request({ runId: 'old' }), modelName: 'demo', tags: ['base'], note: 'before the finetune' })
    const calls: CallLog = { requests: 0, loads: [] }
    const svc = service(store, calls)
    await svc.run(request({ runId: 'old' }), () => undefined)
    expect(await store.getRun('old')).toMatchObject({ createdAt: 123, status: 'done', tags: ['base'], note: 'before the finetune' })
    await store.putRun({ id: 'gone', createdAt: 5, status: 'running', request: request({ runId: 'gone' }), modelName: 'demo' })
    value(await svc.abandonRun('gone'))
    expect(await store.getRun('gone')).toMatchObject({ status: 'cancelled', error: { code: 'CANCELLED' } })
    value(await svc.deleteRun('gone'))
    expect(value(await svc.getRun('gone'))).toBeNull()
  })

  it('stores a dropped model folder and runs it by id through loadBackend with its stored info', async () => {
    const store = await freshStore()
    const calls: CallLog = { requests: 0, loads: [] }
    const svc = service(store, calls)
    const progress: number[] = []
    const model = value(await svc.addModel(await demoModelFiles(), (p) => progress.push(p.done)))
    expect(model.name).toBe('demo')
    expect(model.files.map((f) => f.path)).toContain('onnx/model.onnx')
    expect(progress.at(-1)).toBe(model.totalBytes)
    expect(value(await svc.listModels()).map((m) => m.id)).toEqual([model.id])
    const result = await svc.run(request({ modelSource: 'stored', model: model.id, tasks: ['demo_cloze'] }), () => undefined)
    if (result.status !== 'done') throw new Error(result.error.message)
    expect(calls.loads).toEqual([{ model: model.id, stored: model }])
    expect((result.results.config as Record<string, unknown>).model_args).toBe('pretrained=demo,dtype=fp32')
    expect(await store.getRun('run-1')).toMatchObject({ modelName: 'demo' })
    value(await svc.removeModel(model.id))
    expect(value(await svc.listModels())).toEqual([])
  })

  it('returns storage and model errors as data', async () => {
    const store = await freshStore()
    const calls: CallLog = { requests: 0, loads: [] }
    const svc = service(store, calls)
    const files = (await demoModelFiles()).filter((f) => !f.path.endsWith('tokenizer.json'))
    const bad = await svc.addModel(files)
    expect(bad).toMatchObject({ ok: false, error: { code: 'MODEL_INVALID' } })
    expect(!bad.ok && bad.error.message).toMatch(/tokenizer\.json/)
    const missing = await svc.run(request({ modelSource: 'stored', model: 'nope-1234' }), () => undefined)
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'MODEL_NOT_FOUND', detail: { model: 'nope-1234' } } })
    expect(calls.loads).toEqual([])
    const none = service(undefined as unknown as EvalStore, calls, { store: undefined })
    const off = await none.listModels()
    expect(off).toMatchObject({ ok: false, error: { code: 'INTERNAL' } })
    expect(!off.ok && off.error.message).toMatch(/IndexedDB/)
    // without a store a run still works, uncached
    const plain = await none.run(request({ tasks: ['demo_cloze'] }), () => undefined)
    expect(plain.status === 'done' && plain.cachedRequests).toBe(0)
  })

  it('reads datasets the user stored before the app mirror', async () => {
    const calls: CallLog = { requests: 0, loads: [] }
    const { layeredFileAccess } = await import('../../workers/layered-files.ts')
    const { storedDatasetFiles } = await import('../../src/storage/dataset-store.ts')
    const db = await openEvalzDb({ factory: new IDBFactory(), name: 'evalz-ds' })
    const dsStore = idbEvalStore(db, undefined)
    const svc = service(dsStore, calls, {
      source: () => mirrorSource(layeredFileAccess([storedDatasetFiles(db), httpFileAccess('http://app/datasets/', diskFetch)])),
    })
    // one jsonl with two capitals, stored as the demo_capitals dataset's test split
    const rows = [
      { country: 'Atlantis', choices: ['Poseidonia', 'Paris'], answer: 0 },
      { country: 'Lemuria', choices: ['Mu', 'Rome', 'Oslo'], answer: 0 },
    ].map((r) => JSON.stringify(r)).join('\n')
    const ds = value(await svc.addDataset('evalz/demo-capitals', [{ path: 'mine.jsonl', blob: new Blob([rows]) }], { split: 'test' }))
    expect(ds.files.map((f) => f.path)).toEqual(['default/test.jsonl'])
    const result = await svc.run(request({ tasks: ['demo_capitals'], limit: undefined }), () => undefined)
    if (result.status !== 'done') throw new Error(result.error.message)
    const lines = result.samplesJsonl.demo_capitals.trim().split('\n')
    expect(lines).toHaveLength(2)
    expect(lines[0]).toContain('Atlantis')
    value(await svc.removeDataset(ds.id))
    expect(value(await svc.listDatasets())).toEqual([])
  })
})
