/**
 * The EvalStore port over src/storage (IndexedDB via idb), composed by the worker (src/protocol may not import
 * src/storage). Run records are stored as
 * src/storage's JSON-safe RunRecord and read back as the protocol's typed one.
 */
import { addDatasetFiles, listDatasets, removeDataset } from '../src/storage/dataset-store.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { addModelFiles, listModels, removeModel } from '../src/storage/model-store.ts'
import { storageUsage } from '../src/storage/quota.ts'
import { idbResponseCache } from '../src/storage/response-store.ts'
import { deleteRun, getRun, listRuns, putRun } from '../src/storage/run-store.ts'
import type { RunRecord as StoredRun } from '../src/storage/run-store.ts'
import type { EvalStore, RunRecord } from '../src/protocol/eval-store.ts'

/** An EvalStore over an open evalz database; `storage` is navigator.storage (usage and quota), when present. */
export function idbEvalStore(db: EvalzDb, storage: StorageManager | undefined): EvalStore {
  return {
    responses: idbResponseCache(db),
    addModel: (files, onProgress) => addModelFiles(db, files, onProgress),
    listModels: () => listModels(db),
    removeModel: (id) => removeModel(db, id),
    addDataset: (name, files, placement) => addDatasetFiles(db, name, files, placement),
    listDatasets: () => listDatasets(db),
    removeDataset: (id) => removeDataset(db, id),
    putRun: (record) => putRun(db, toStored(record)),
    getRun: async (id) => fromStored(await getRun(db, id)),
    listRuns: async () => (await listRuns(db)).map((r) => fromStored(r)!),
    deleteRun: (id) => deleteRun(db, id),
    async usage() {
      const u = await storageUsage(storage)
      return { usage: u?.usage, quota: u?.quota, persisted: u?.persisted }
    },
  }
}

function toStored(record: RunRecord): StoredRun {
  return record as unknown as StoredRun
}

function fromStored(record: StoredRun | undefined): RunRecord | undefined {
  return record as unknown as RunRecord | undefined
}
