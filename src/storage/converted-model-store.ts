/**
 * A model folder written straight into IndexedDB while a checkpoint converts (browser): each file's parts are
 * hashed as they arrive and gathered into ~8 MiB Blob records in 'partials' (idbDownloadSink), so neither the
 * checkpoint nor the converted model is ever held in memory; `finish` joins each file's chunks into one Blob in
 * 'blobs' (no copy into JS memory) and writes the model record.
 */
import { Sha256 } from '../core/hash.ts'
import type { DownloadSink } from '../core/download.ts'
import type { EvalzDb } from './db.ts'
import { idbDownloadSink } from './hub-model-store.ts'
import { putModelRecord } from './model-store.ts'
import type { StoredModel, StoredModelFile } from './model-store.ts'
import type { ConvertedOrigin } from '../protocol/eval-store.ts'

/** Progress of storing the converted files: bytes joined into 'blobs' so far. */
export interface StoreProgress {
  /** path of the file being stored, relative to the model folder */
  readonly file: string
  /** bytes stored so far, all files together */
  readonly done: number
  /** bytes to store, all files together */
  readonly total: number
}

/** A converted model being written into IndexedDB. */
export interface ConvertedModelWriter {
  /** appends `part` to the file at `path` (relative to the model folder); `part` may be reused once this resolves */
  write(path: string, part: Uint8Array): Promise<void>
  /** bytes written so far, all files together */
  bytes(): number
  /** stores every written file and the model record under `name` (with the checkpoint it came from); returns the record */
  finish(name: string, onProgress?: (p: StoreProgress) => void, converted?: ConvertedOrigin): Promise<StoredModel>
  /** deletes what was written (a failed or cancelled conversion) */
  abort(): Promise<void>
}

/** One file being written. */
interface OpenFile {
  /** its chunks in 'partials' */
  sink: DownloadSink
  /** sha256 of the bytes so far */
  hash: Sha256
  /** length so far, bytes */
  size: number
}

/**
 * A writer for one conversion; `key` keeps its chunks apart from other conversions and downloads in 'partials'.
 * @example
 * const out = convertedModelWriter(db, `convert:${crypto.randomUUID()}`)
 * await convertCheckpoint(conv, (path, part) => out.write(path, part))
 * const model = await out.finish('stories260K')
 */
export function convertedModelWriter(db: EvalzDb, key: string, opts: { chunkBytes?: number } = {}): ConvertedModelWriter {
  const files = new Map<string, OpenFile>()
  let written = 0
  return {
    async write(path, part) {
      let f = files.get(path)
      if (!f) {
        f = { sink: idbDownloadSink(db, `${key}/${path}`, opts), hash: new Sha256(), size: 0 }
        files.set(path, f)
      }
      f.hash.update(part)
      f.size += part.length
      written += part.length
      // the sink keeps parts until it has a chunk's worth: give it its own copy
      await f.sink.write(part.slice())
    },
    bytes: () => written,
    async finish(name, onProgress, converted) {
      const stored: StoredModelFile[] = []
      let done = 0
      for (const [path, f] of files) {
        onProgress?.({ file: path, done, total: written })
        const sha256 = f.hash.hex()
        await f.sink.commit(sha256)
        stored.push({ path, sha256, size: f.size })
        done += f.size
      }
      onProgress?.({ file: stored[stored.length - 1]?.path ?? '', done, total: written })
      const tx = db.transaction(['models', 'datasets', 'blobs'], 'readwrite')
      tx.done.catch(() => undefined) // a failed write (quota) is reported by its own request, never as an unhandled rejection
      const record = await putModelRecord(tx, name, stored, converted)
      await tx.done
      return record
    },
    async abort() {
      for (const f of files.values()) await f.sink.reset()
      files.clear()
    },
  }
}
