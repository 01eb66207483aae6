/**
 * The EvalStore port (src/protocol) over src/storage (IndexedDB via idb), composed by the worker; both sides use the
 * protocol's RunRecord. A dropped checkpoint (a .gguf file, a safetensors folder, either with a PEFT adapter) is
 * converted into a model folder written straight into IndexedDB.
 */
import { convertDroppedCheckpoint, isDroppedCheckpoint } from '../src/backends/checkpoint/dropped-checkpoint.ts'
import { HarnessError } from '../src/core/errors.ts'
import { formatSize } from '../src/data/hub-model.ts'
import { convertedModelWriter } from '../src/storage/converted-model-store.ts'
import { addDatasetFiles, listDatasets, removeDataset, renameDatasetConfig } from '../src/storage/dataset-store.ts'
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
    addModel: (files, onProgress) => addModel(db, storage, files, onProgress),
    listModels: () => listModels(db),
    removeModel: (id) => removeModel(db, id),
    addDataset: (name, files, placement) => addDatasetFiles(db, name, files, placement),
    listDatasets: () => listDatasets(db),
    removeDataset: (id) => removeDataset(db, id),
    renameDatasetConfig: (id, from, to) => renameDatasetConfig(db, id, from, to),
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
 * Stores a dropped model folder, or converts a dropped checkpoint first, writing the converted files straight into
 * IndexedDB (never the whole model in memory). Progress of a conversion is reported as bytes hashed of the
 * checkpoint, then 'converting <name>' in weight bytes (tensors for float checkpoints), then 'storing <file>' in bytes.
 * Before any weight is written the conversion's size is checked against the storage quota (QUOTA_EXCEEDED, one line).
 */
async function addModel(db: EvalzDb, storage: StorageManager | undefined, files: readonly UploadFile[], onProgress?: (p: UploadProgress) => void): Promise<ModelInfo> {
  if (!isDroppedCheckpoint(files.map((f) => f.path))) return addModelFiles(db, files, onProgress)
  const label = files.find((f) => f.path.toLowerCase().endsWith('.gguf'))?.path.split('/').pop() ?? 'the dropped checkpoint'
  const out = convertedModelWriter(db, `convert:${Date.now()}:${Math.random().toString(36).slice(2)}`)
  try {
    const converted = await convertDroppedCheckpoint(files, {
      sink: (path, part) => out.write(path, part),
      beforeWrite: (weightBytes) => checkConversionRoom(storage, label, weightBytes),
      // a streamed (quantised) conversion reports weight bytes written; others report tensors
      onProgress: (p) => onProgress?.(p.stage === 'convert' && p.bytes !== undefined && p.totalBytes
        ? { file: `converting ${p.name}`, done: p.bytes, total: p.totalBytes }
        : p.stage === 'hash' ? { file: p.name, done: p.done, total: p.total } : { file: `converting ${p.name}`, done: p.done, total: p.total, unit: 'tensors' }),
    })
    const origin = {
      format: converted.format,
      base_sha256: converted.baseSha256,
      ...(converted.adapterSha256 ? { adapter_sha256: converted.adapterSha256 } : {}),
      description: converted.description,
      weight_dtype: converted.weightDtype,
    }
    return await out.finish(converted.name, (p) => onProgress?.({ file: `storing ${p.file}`, done: p.done, total: p.total }), origin)
  } catch (e) {
    await out.abort().catch(() => undefined)
    throw e
  }
}

/**
 * Refuses a conversion whose files cannot fit: its weights are written once as chunks and once more while the chunks
 * are joined into the stored file, so twice the weight bytes must be free.
 */
export async function checkConversionRoom(storage: StorageManager | undefined, label: string, weightBytes: number): Promise<void> {
  const u = await storageUsage(storage)
  if (!u || !(u.quota > 0)) return
  const needed = 2 * weightBytes
  const free = Math.max(0, u.quota - u.usage)
  if (needed <= free) return
  throw new HarnessError('QUOTA_EXCEEDED', `${label} converts to ${formatSize(weightBytes)} of weights and needs ${formatSize(needed)} of browser storage while it is stored, but this browser allows ${formatSize(free)} more for this site; delete stored models or datasets under “Stored in this browser”, or drop a smaller checkpoint`, { needed, free, weightBytes })
}
