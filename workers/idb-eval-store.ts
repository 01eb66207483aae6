/**
 * The EvalStore port (src/protocol) over src/storage (IndexedDB via idb), composed by the worker; both sides use the
 * protocol's RunRecord. A dropped checkpoint (a .gguf file, a safetensors folder, either with a PEFT adapter) is
 * converted into a model folder before it is stored.
 */
import { convertDroppedCheckpoint, isDroppedCheckpoint } from '../src/backends/checkpoint/dropped-checkpoint.ts'
import { addDatasetFiles, listDatasets, removeDataset } from '../src/storage/dataset-store.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { clearPartialDownloads, partialDownloadBytes } from '../src/storage/hub-model-store.ts'
import { addModelFiles, listModels, removeModel } from '../src/storage/model-store.ts'
import { storageUsage } from '../src/storage/quota.ts'
import { idbResponseCache } from '../src/storage/response-store.ts'
import { deleteRun, getRun, listRuns, putRun, updateRun } from '../src/storage/run-store.ts'
import type { EvalStore, ModelInfo, UploadFile, UploadProgress } from '../src/protocol/eval-store.ts'

/** An EvalStore over an open evalz database; `storage` is navigator.storage (usage and quota), when present. */
export function idbEvalStore(db: EvalzDb, storage: StorageManager | undefined): EvalStore {
  return {
    responses: idbResponseCache(db),
    addModel: (files, onProgress) => addModel(db, files, onProgress),
    listModels: () => listModels(db),
    removeModel: (id) => removeModel(db, id),
    addDataset: (name, files, placement) => addDatasetFiles(db, name, files, placement),
    listDatasets: () => listDatasets(db),
    removeDataset: (id) => removeDataset(db, id),
    putRun: (record) => putRun(db, record),
    getRun: (id) => getRun(db, id),
    listRuns: () => listRuns(db),
    deleteRun: (id) => deleteRun(db, id),
    updateRun: (id, change) => updateRun(db, id, change),
    clearPartialDownloads: () => clearPartialDownloads(db),
    async usage() {
      const u = await storageUsage(storage)
      return { usage: u?.usage, quota: u?.quota, persisted: u?.persisted, partialBytes: await partialDownloadBytes(db) }
    },
  }
}

/**
 * Stores a dropped model folder, or converts a dropped checkpoint first. Progress of a conversion is reported as
 * bytes hashed of the checkpoint, then 'converting <name>' in weight bytes (tensors for float checkpoints), then the stored folder's hashing.
 */
async function addModel(db: EvalzDb, files: readonly UploadFile[], onProgress?: (p: UploadProgress) => void): Promise<ModelInfo> {
  if (!isDroppedCheckpoint(files.map((f) => f.path))) return addModelFiles(db, files, onProgress)
  const converted = await convertDroppedCheckpoint(files, {
    // a streamed (quantised) conversion reports weight bytes written; others report tensors
    onProgress: (p) => onProgress?.(p.stage === 'convert' && p.bytes !== undefined && p.totalBytes
      ? { file: `converting ${p.name}`, done: p.bytes, total: p.totalBytes }
      : { file: p.stage === 'hash' ? p.name : `converting ${p.name}`, done: p.done, total: p.total }),
  })
  return addModelFiles(db, converted.files, onProgress)
}
