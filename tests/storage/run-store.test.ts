import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import { openEvalzDb } from '../../src/storage/db.ts'
import { deleteRun, getRun, listRuns, putRun, unfinishedRuns, updateRun } from '../../src/storage/run-store.ts'
import type { RunRecord } from '../../src/protocol/eval-store.ts'
import type { RunRequest } from '../../src/protocol/run-request.ts'

function run(id: string, createdAt: number, status: RunRecord['status']): RunRecord {
  const request: RunRequest = {
    runId: id, model: 'demo', device: 'wasm', tasks: ['demo_capitals'], limit: 5, numFewshot: undefined, batchSize: 1, seed: 1234,
    bootstrapIters: 0,
  }
  return { id, createdAt, status, request, modelName: 'demo' }
}

describe('run store', () => {
  it('stores, lists newest first, updates, finds unfinished runs and deletes', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    expect(await listRuns(db)).toEqual([])
    await putRun(db, run('b', 2000, 'running'))
    await putRun(db, run('a', 1000, 'running'))
    await putRun(db, run('c', 3000, 'done'))
    expect((await listRuns(db)).map(r => r.id)).toEqual(['c', 'b', 'a'])
    expect((await unfinishedRuns(db)).map(r => r.id)).toEqual(['b', 'a'])

    const done: RunRecord = {
      ...run('a', 1000, 'done'), finishedAt: 1500, resultsJson: '{"results": {}}', samplesJsonl: { demo_capitals: '{"doc_id": 0}\n' },
      device: { requested: 'wasm', device: 'wasm', adapter: undefined, fellBack: false, reason: 'wasm was requested' }, tags: ['x'], note: 'first',
    }
    await putRun(db, done)
    expect(await getRun(db, 'a')).toEqual(done)
    expect((await unfinishedRuns(db)).map(r => r.id)).toEqual(['b'])

    const failed = await updateRun(db, 'b', r => ({ ...r, status: 'failed', finishedAt: 2500, error: { code: 'BACKEND_ERROR', message: 'boom', detail: undefined } }))
    expect(failed?.status).toBe('failed')
    expect((await getRun(db, 'b'))?.error).toEqual({ code: 'BACKEND_ERROR', message: 'boom', detail: undefined })
    expect(await updateRun(db, 'zzz', r => r)).toBeUndefined()
    expect(await unfinishedRuns(db)).toEqual([])

    await deleteRun(db, 'c')
    await deleteRun(db, 'missing')
    expect(await getRun(db, 'c')).toBeUndefined()
    expect((await listRuns(db)).map(r => r.id)).toEqual(['b', 'a'])
    db.close()
  })
})
