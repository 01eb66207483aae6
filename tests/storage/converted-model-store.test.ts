/**
 * A converted checkpoint written straight into IndexedDB (fake-indexeddb): the writer's chunks become one stored
 * Blob per file with the right sha256, nothing is left in 'partials', and the worker's store converts a dropped
 * quantised GGUF through it (the same files as the in-memory conversion), with progress in bytes, after checking
 * the storage quota (one line naming what does not fit). The GGUF cases skip when ../shared is absent.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { convertDroppedCheckpoint } from '../../src/backends/checkpoint/dropped-checkpoint.ts'
import { convertedModelWriter } from '../../src/storage/converted-model-store.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import type { EvalzDb } from '../../src/storage/db.ts'
import { listModels, modelFileBlob } from '../../src/storage/model-store.ts'
import type { UploadProgress } from '../../src/protocol/eval-store.ts'
import { idbEvalStore } from '../../workers/idb-eval-store.ts'
import { rewriteGguf } from '../backends/gguf/fixtures/quantize-gguf.ts'
import { harnessFailure } from '../rejection.ts'

const STORIES = resolve(import.meta.dirname, '../../../shared/models/stories260K/stories260K.gguf')
const HAVE_STORIES = existsSync(STORIES)
const SKIP_NOTE = HAVE_STORIES ? '' : ` (skipped: ${STORIES} is absent)`

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const freshDb = (): Promise<EvalzDb> => openEvalzDb({ factory: new IDBFactory() })
const partials = (db: EvalzDb) => db.count('partials')

/** A StorageManager whose estimate says `free` bytes are left. */
function storageWith(free: number): StorageManager {
  return { estimate: async () => ({ usage: 1000, quota: 1000 + free }), persisted: async () => false } as unknown as StorageManager
}

describe('convertedModelWriter', () => {
  it('joins each file\'s parts into one stored blob with its sha256 and leaves no chunks behind', async () => {
    const db = await freshDb()
    const out = convertedModelWriter(db, 'convert:test', { chunkBytes: 16 })
    const data = Uint8Array.from({ length: 100 }, (_, i) => i)
    const part = new Uint8Array(10)
    for (let i = 0; i < 10; i++) {
      part.set(data.subarray(i * 10, i * 10 + 10))
      await out.write('onnx/model.onnx_data', part) // the same array, reused: the writer keeps its own copy
    }
    await out.write('config.json', new TextEncoder().encode('{"model_type":"llama"}'))
    expect(out.bytes()).toBe(122)
    expect(await partials(db)).toBeGreaterThan(1)
    const steps: number[] = []
    const model = await out.finish('tiny', (p) => steps.push(p.done))
    expect(steps.at(-1)).toBe(122)
    expect(model.name).toBe('tiny')
    expect(model.files.map((f) => [f.path, f.size])).toEqual([['config.json', 22], ['onnx/model.onnx_data', 100]])
    const blob = await modelFileBlob(db, model, 'onnx/model.onnx_data')
    const stored = new Uint8Array(await blob!.arrayBuffer())
    expect(stored).toEqual(data)
    expect(model.files[1]!.sha256).toBe(sha(data))
    expect(await partials(db)).toBe(0)
    expect((await listModels(db)).map((m) => m.id)).toEqual([model.id])
  })

  it('abort deletes what was written', async () => {
    const db = await freshDb()
    const out = convertedModelWriter(db, 'convert:aborted', { chunkBytes: 4 })
    await out.write('onnx/model.onnx', new Uint8Array(40))
    expect(await partials(db)).toBeGreaterThan(0)
    await out.abort()
    expect(await partials(db)).toBe(0)
    expect(await listModels(db)).toEqual([])
  })
})

describe.skipIf(!HAVE_STORIES)(`the worker's store converts a dropped quantised GGUF into IndexedDB${SKIP_NOTE}`, () => {
  const q8 = HAVE_STORIES
    ? rewriteGguf(new Uint8Array(readFileSync(STORIES)), (_n, dims) => (dims.length === 2 && dims[0]! % 32 === 0 ? 'Q8_0' : 'F32'))
    : Promise.resolve(new Uint8Array(0))
  const dropped = async () => [{ path: 'stories260K-Q8_0.gguf', blob: new Blob([await q8 as Uint8Array<ArrayBuffer>]) }]

  it('stores the same files as the in-memory conversion, reporting progress in bytes', async () => {
    const db = await freshDb()
    const progress: UploadProgress[] = []
    const model = await idbEvalStore(db, storageWith(1e9)).addModel(await dropped(), (p) => progress.push(p))
    const reference = await convertDroppedCheckpoint(await dropped())
    const expected = await Promise.all(reference.files.map(async (f) => [f.path.slice(reference.name.length + 1), sha(new Uint8Array(await f.blob.arrayBuffer()))]))
    expect(model.name).toBe('stories260K-Q8_0')
    const stored = (await listModels(db))[0]!
    expect(stored.files.map((f) => [f.path, f.sha256]).sort()).toEqual(expected.sort())
    expect(stored.files.map((f) => f.path)).toContain('onnx/model_int8.onnx')
    expect(await partials(db)).toBe(0)
    const converting = progress.filter((p) => p.file.startsWith('converting '))
    expect(converting.length).toBeGreaterThan(1)
    const weights = stored.files.find((f) => f.path === 'onnx/model.onnx_data')!.size
    expect(converting.at(-1)!.total).toBeGreaterThan(0.95 * weights) // bytes, not tensors (alignment padding aside)
    expect(converting.at(-1)!.done).toBe(converting.at(-1)!.total)
    const storing = progress.filter((p) => p.file.startsWith('storing '))
    expect(storing.at(-1)).toMatchObject({ done: storing.at(-1)!.total })
  })

  it('refuses in one line, before writing, when the converted model does not fit the quota', async () => {
    const db = await freshDb()
    const err = await harnessFailure(idbEvalStore(db, storageWith(50_000)).addModel(await dropped()))
    expect(err.code).toBe('QUOTA_EXCEEDED')
    expect(err.message).toMatch(/^stories260K-Q8_0\.gguf converts to [\d.]+ kB of weights and needs [\d.]+ kB of browser storage .* allows 50 kB more/)
    expect(await partials(db)).toBe(0)
    expect(await listModels(db)).toEqual([])
  })

  it('checks the quota for a float checkpoint too, and stores it when it fits', async () => {
    const f32 = [{ path: 'stories260K.gguf', blob: new Blob([readFileSync(STORIES)]) }]
    const db = await freshDb()
    const err = await harnessFailure(idbEvalStore(db, storageWith(50_000)).addModel(f32))
    expect(err.code).toBe('QUOTA_EXCEEDED')
    expect(await partials(db)).toBe(0)
    const progress: UploadProgress[] = []
    const model = await idbEvalStore(db, storageWith(1e9)).addModel(f32, (p) => progress.push(p))
    expect(model.files.map((f) => f.path)).toContain('onnx/model.onnx')
    expect(progress.some((p) => p.unit === 'tensors')).toBe(true)
    expect(await partials(db)).toBe(0)
  })
})
