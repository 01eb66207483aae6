/**
 * Browser quota faults (issue 17): every IndexedDB write of each store operation — a run, a dropped model folder,
 * a dataset, cached responses — is made to fail in turn with the browser's QuotaExceededError (the transaction
 * aborts, as a full origin does). Contract: the operation fails, the worker turns the error into one line
 * (QUOTA_EXCEEDED) that says what to do, everything stored before is still there and readable, nothing of the
 * failed write is left behind, and the same operation succeeds once there is room.
 */
import 'fake-indexeddb/auto'
import { IDBFactory, IDBObjectStore } from 'fake-indexeddb'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openEvalzDb } from '../../src/storage/db.ts'
import type { EvalzDb } from '../../src/storage/db.ts'
import { getRun, putRun } from '../../src/storage/run-store.ts'
import { addModelFiles, listModels, modelFileBlob } from '../../src/storage/model-store.ts'
import { addDatasetFiles } from '../../src/storage/dataset-store.ts'
import { idbResponseCache } from '../../src/storage/response-store.ts'
import { toWireError } from '../../src/app/wire-error.ts'
import type { RunRecord } from '../../src/protocol/eval-store.ts'
import type { DroppedFile } from '../../src/storage/blob-store.ts'
import { tally, tallyLines } from './fault-contract.ts'

const DEMO = join(import.meta.dirname, '../../public/models/demo')
const STORES = ['blobs', 'models', 'runs', 'responses', 'datasets', 'partials', 'settings', 'conversations'] as const

afterAll(() => {
  console.log(tallyLines('fault suite (browser quota)').join('\n'))
})

/** Makes the `failAt`-th write (put/add, counted from 1) abort its transaction with QuotaExceededError. */
function quotaAfter(failAt: number): { writes: () => number; restore: () => void } {
  const proto = IDBObjectStore.prototype as unknown as Record<'put' | 'add', (...a: unknown[]) => unknown>
  const original = { put: proto.put, add: proto.add }
  let n = 0
  for (const m of ['put', 'add'] as const) {
    proto[m] = function (this: { transaction: { _abort(name: string): void } }, ...args: unknown[]) {
      n++
      const request = original[m].apply(this, args)
      if (n === failAt) {
        // as a full origin does: this request fails with QuotaExceededError, the transaction aborts with it (rolled
        // back), and its other pending requests fail with AbortError
        const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError')
        Object.defineProperty(request, 'error', { get: () => quota, set: () => undefined, configurable: true })
        this.transaction._abort('QuotaExceededError')
      }
      return request
    }
  }
  return { writes: () => n, restore: () => Object.assign(proto, original) }
}

function demoFiles(root: string, tweak = ''): DroppedFile[] {
  const names = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx']
  return names.map(p => {
    let bytes: Uint8Array<ArrayBuffer> = new Uint8Array(readFileSync(join(DEMO, p)))
    if (p === 'generation_config.json' && tweak) bytes = new TextEncoder().encode(JSON.stringify({ tweak }))
    return { path: `${root}/${p}`, blob: new Blob([bytes]) }
  })
}

function run(id: string): RunRecord {
  return {
    id, createdAt: 1, status: 'done', modelName: 'demo', resultsJson: '{"results": {}}',
    request: { runId: id, model: 'demo', device: 'wasm', tasks: ['demo_capitals'], limit: 2, numFewshot: undefined, batchSize: 1, seed: 1234, bootstrapIters: 0 },
  }
}

/** Every record of every store, for before/after comparison. */
async function snapshot(db: EvalzDb): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {}
  for (const s of STORES) out[s] = await db.getAll(s)
  return out
}

/** A database holding an earlier model, dataset, run and cached response. */
async function seeded(): Promise<EvalzDb> {
  const db = await openEvalzDb({ factory: new IDBFactory() })
  await addModelFiles(db, demoFiles('demo'))
  await addDatasetFiles(db, 'me/old', [{ path: 'default/test.jsonl', blob: new Blob(['{"q": 1}\n']) }])
  await putRun(db, run('earlier'))
  await idbResponseCache(db).put([{ key: 'k0', response: { kind: 'loglikelihood', value: [-1, true] } as never }])
  return db
}

const OPERATIONS: Record<string, (db: EvalzDb) => Promise<unknown>> = {
  'save a run': db => putRun(db, run('new')),
  'add a model folder': db => addModelFiles(db, demoFiles('demo2', 'other')),
  'add a dataset': db => addDatasetFiles(db, 'me/new', [
    { path: 'default/test.jsonl', blob: new Blob(['{"q": 2}\n']) }, { path: 'default/train.jsonl', blob: new Blob(['{"q": 3}\n']) },
  ]),
  'cache responses': db => idbResponseCache(db).put(Array.from({ length: 5 }, (_, i) => ({ key: `n${i}`, response: { kind: 'loglikelihood', value: [-i, false] } as never }))),
}

describe('browser quota (QuotaExceededError on IndexedDB writes)', () => {
  it('each write of each operation fails in turn: one line, nothing earlier lost, nothing half-written, a retry works', async () => {
    for (const [name, op] of Object.entries(OPERATIONS)) {
      // how many writes the operation makes when there is room
      const probe = await seeded()
      const counter = quotaAfter(Number.POSITIVE_INFINITY)
      try {
        await op(probe)
      } finally {
        counter.restore()
      }
      const writes = counter.writes()
      expect(writes, name).toBeGreaterThan(0)
      for (let failAt = 1; failAt <= writes; failAt++) {
        const db = await seeded()
        const before = await snapshot(db)
        const fault = quotaAfter(failAt)
        let error: unknown
        try {
          await op(db)
        } catch (e) {
          error = e
        } finally {
          fault.restore()
        }
        const label = `${name}: write ${failAt} of ${writes}`
        expect(error, label).toBeDefined()
        const wire = toWireError(error)
        expect([wire.code, wire.message.includes('\n')], label).toEqual(['QUOTA_EXCEEDED', false])
        expect(wire.message).toMatch(/storage for this site is full; delete stored models, datasets or runs/)
        // nothing earlier lost, nothing of the failed write kept
        expect(await snapshot(db), label).toEqual(before)
        const [model] = await listModels(db)
        expect(await (await modelFileBlob(db, model!, 'config.json'))?.text(), label).toBe(readFileSync(join(DEMO, 'config.json'), 'utf8'))
        expect((await getRun(db, 'earlier'))?.resultsJson, label).toBe('{"results": {}}')
        // with room again the same operation succeeds
        await op(db)
        expect(await snapshot(db), label).not.toEqual(before)
        const t = tally.get('browser quota') ?? { tried: 0, refused: 0 }
        tally.set('browser quota', { tried: t.tried + 1, refused: t.refused + 1 })
      }
    }
    expect(tally.get('browser quota')?.tried).toBeGreaterThan(4)
  })
})
