import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openEvalzDb } from '../../src/storage/db.ts'
import {
  addModelFiles, checkModelLayout, listModels, modelFileBlob, modelFileCache, modelWeightsSha256, removeModel,
  verifyModelFiles, weightVariants,
} from '../../src/storage/model-store.ts'
import type { DroppedFile } from '../../src/storage/model-store.ts'
import { failure } from '../rejection.ts'

const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap(n => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
}

/** The demo model folder as dropped: paths 'demo/...' (or under `folder`), bytes from disk. */
function demoFiles(folder = 'demo', skip: string[] = []): DroppedFile[] {
  return walk(DEMO).map(p => relative(DEMO, p).split('\\').join('/')).filter(p => !skip.includes(p))
    .map(p => ({ path: folder === '' ? p : `${folder}/${p}`, blob: new Blob([readFileSync(join(DEMO, p))]) }))
}

function sha(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

function freshDb() {
  return openEvalzDb({ factory: new IDBFactory() })
}

const DEMO_PATHS = ['demo/config.json', 'demo/generation_config.json', 'demo/tokenizer.json', 'demo/tokenizer_config.json', 'demo/onnx/model.onnx']

describe('checkModelLayout', () => {
  it('finds the folder holding config.json and needs nothing more for a complete folder', () => {
    expect(checkModelLayout(DEMO_PATHS)).toEqual({ root: 'demo', missing: [], warnings: [] })
    expect(checkModelLayout(DEMO_PATHS.map(p => `models/${p}`)).root).toBe('models/demo')
    expect(checkModelLayout(DEMO_PATHS.map(p => p.slice('demo/'.length))).root).toBe('')
  })

  it('names each missing required file', () => {
    const paths = ['demo/config.json', 'demo/tokenizer.json', 'demo/onnx/notes.txt', 'demo/.cache/tokenizer_config.json']
    expect(checkModelLayout(paths)).toEqual({ root: 'demo', missing: ['tokenizer_config.json', 'onnx/model*.onnx'], warnings: [] })
    const noConfig = checkModelLayout(['demo/tokenizer.json', 'demo/onnx/model_q4.onnx'])
    expect(noConfig.root).toBe('demo')
    expect(noConfig.missing).toEqual(['config.json', 'tokenizer_config.json'])
  })

  it('checks external data chunks: gaps, orphans and the chunks config.json declares', () => {
    const base = ['m/config.json', 'm/tokenizer.json', 'm/tokenizer_config.json']
    const gap = checkModelLayout([...base, 'm/onnx/model.onnx', 'm/onnx/model.onnx_data_1'])
    expect(gap.missing).toEqual(['onnx/model.onnx_data'])
    const orphan = checkModelLayout([...base, 'm/onnx/model.onnx', 'm/onnx/model_q4.onnx_data'])
    expect(orphan.missing).toEqual(['onnx/model_q4.onnx'])
    const declared = { 'transformers.js_config': { use_external_data_format: { 'model_fp16.onnx': 2 } } }
    const short = checkModelLayout([...base, 'm/onnx/model_fp16.onnx', 'm/onnx/model_fp16.onnx_data'], declared)
    expect(short.missing).toEqual(['onnx/model_fp16.onnx_data_1'])
    const undeclared = checkModelLayout([...base, 'm/onnx/model.onnx', 'm/onnx/model.onnx_data'], {})
    expect(undeclared.missing).toEqual([])
    expect(undeclared.warnings).toHaveLength(1)
    expect(undeclared.warnings[0]).toContain('onnx/model.onnx_data')
    const all = checkModelLayout([...base, 'm/onnx/model.onnx', 'm/onnx/model.onnx_data'], { 'transformers.js_config': { use_external_data_format: true } })
    expect(all).toEqual({ root: 'm', missing: [], warnings: [] })
  })
})

describe('model store over the demo model', () => {
  it('rejects an incomplete folder with one line naming what is missing', async () => {
    const db = await freshDb()
    const e = await failure(addModelFiles(db, demoFiles('demo', ['tokenizer.json', 'onnx/model.onnx'])))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).not.toContain('\n')
    expect(e.message).toContain("model folder 'demo' lacks tokenizer.json, onnx/model*.onnx")
    expect(e.message).toContain('tokenizer_config.json')
    const empty = await failure(addModelFiles(db, []))
    expect(empty.code).toBe('MODEL_INVALID')
    const bad = demoFiles().map(f => (f.path === 'demo/config.json' ? { ...f, blob: new Blob(['{oops']) } : f))
    const badJson = await failure(addModelFiles(db, bad))
    expect(badJson.code).toBe('MODEL_INVALID')
    expect(badJson.message).toContain('demo/config.json is not valid JSON')
    expect(await listModels(db)).toEqual([])
    expect(await db.count('blobs')).toBe(0)
    db.close()
  })

  it('adds, lists, verifies and serves the files to transformers.js keys, then removes them', async () => {
    const db = await freshDb()
    const progress: { done: number; total: number }[] = []
    const model = await addModelFiles(db, demoFiles(), p => progress.push(p))
    const onDisk = walk(DEMO).map(p => relative(DEMO, p).split('\\').join('/')).sort()
    expect(model.files.map(f => f.path)).toEqual(onDisk)
    for (const f of model.files) {
      const bytes = readFileSync(join(DEMO, f.path))
      expect(f.size).toBe(bytes.length)
      expect(f.sha256).toBe(sha(bytes))
    }
    expect(model.name).toBe('demo')
    expect(model.id).toMatch(/^demo-[0-9a-f]{8}$/)
    expect(model.totalBytes).toBe(onDisk.reduce((n, p) => n + statSync(join(DEMO, p)).size, 0))
    expect(model.weightsSha256).toBe(sha(readFileSync(join(DEMO, 'onnx/model.onnx'))))
    expect(progress.at(-1)).toMatchObject({ done: model.totalBytes, total: model.totalBytes })
    expect(weightVariants(model)).toEqual([''])

    expect(await listModels(db)).toEqual([model])
    expect(await verifyModelFiles(db, model)).toEqual([])

    const cache = modelFileCache(db, () => [model])
    for (const key of [`/models/${model.id}/onnx/model.onnx`, `https://huggingface.co/${model.id}/resolve/main/onnx/model.onnx`]) {
      const res = await cache.match(key)
      expect(res, key).toBeDefined()
      const want = readFileSync(join(DEMO, 'onnx/model.onnx'))
      expect(res!.headers.get('content-length')).toBe(String(want.length))
      expect(Buffer.from(await res!.arrayBuffer()).equals(want)).toBe(true)
    }
    const tok = await cache.match(`http://127.0.0.1:9/${model.id}/resolve/main/tokenizer_config.json`)
    expect(JSON.parse(await tok!.text())).toEqual(JSON.parse(readFileSync(join(DEMO, 'tokenizer_config.json'), 'utf8')))
    expect(await cache.match(`/models/${model.id}/onnx/model_q4.onnx`)).toBeUndefined()
    expect(await cache.match('/models/other-00000000/config.json')).toBeUndefined()
    expect(await modelFileBlob(db, model, 'config.json')).toBeDefined()
    expect(await modelFileBlob(db, model, 'nope.json')).toBeUndefined()

    await removeModel(db, model.id)
    expect(await listModels(db)).toEqual([])
    expect(await db.count('blobs')).toBe(0)
    expect(await cache.match(`/models/${model.id}/config.json`)).toBeUndefined()
    db.close()
  })

  it('updates the record when the same content is added again, and keeps blobs other models share', async () => {
    const db = await freshDb()
    const a = await addModelFiles(db, demoFiles())
    await new Promise(r => setTimeout(r, 5))
    const again = await addModelFiles(db, demoFiles(''))
    expect(again.id).toBe(a.id)
    expect(again.addedAt).toBeGreaterThan(a.addedAt)
    expect(await listModels(db)).toHaveLength(1)
    expect(await db.count('blobs')).toBe(5)

    const config = JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8'))
    const other = demoFiles('demo-copy').map(f => (f.path.endsWith('/config.json')
      ? { ...f, blob: new Blob([JSON.stringify({ ...config, _note: 'changed' })]) }
      : f))
    await new Promise(r => setTimeout(r, 5))
    const b = await addModelFiles(db, other)
    expect(b.id).not.toBe(a.id)
    expect(b.id.startsWith('demo-copy-')).toBe(true)
    expect(b.weightsSha256).toBe(a.weightsSha256)
    expect((await listModels(db)).map(m => m.id)).toEqual([b.id, a.id])
    expect(await db.count('blobs')).toBe(6)

    await removeModel(db, a.id)
    expect(await db.count('blobs')).toBe(5)
    expect(await verifyModelFiles(db, b)).toEqual([])
    await db.delete('blobs', b.files.find(f => f.path === 'tokenizer.json')!.sha256)
    expect(await verifyModelFiles(db, b)).toEqual(['tokenizer.json'])
    await removeModel(db, b.id)
    expect(await db.count('blobs')).toBe(0)
    db.close()
  })

  it('computes the weights hash as the CLI does for external data', () => {
    const files = [
      { path: 'onnx/model.onnx', sha256: 'a'.repeat(64), size: 1 },
      { path: 'onnx/model.onnx_data', sha256: 'b'.repeat(64), size: 1 },
      { path: 'onnx/model_q4.onnx', sha256: 'c'.repeat(64), size: 1 },
    ]
    const want = createHash('sha256').update(`model.onnx:${'a'.repeat(64)}\nmodel.onnx_data:${'b'.repeat(64)}\n`).digest('hex')
    expect(modelWeightsSha256(files, '')).toBe(want)
    expect(modelWeightsSha256(files, '_q4')).toBe('c'.repeat(64))
    expect(modelWeightsSha256(files, '_fp16')).toBeUndefined()
  })
})
