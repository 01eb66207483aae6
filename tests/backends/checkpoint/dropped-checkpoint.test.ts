import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { convertCheckpoint } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import { blobSource, convertDroppedCheckpoint, isDroppedCheckpoint } from '../../../src/backends/checkpoint/dropped-checkpoint.ts'
import { bytesSource } from '../../../src/backends/safetensors/byte-source.ts'
import { checkModelLayout } from '../../../src/storage/model-store.ts'
import { filesOpener } from '../safetensors/write-safetensors.ts'
import { loraAdapter, memorySink, safetensorsFolder, tinyWeights } from './convert-files.ts'
import { harnessFailure as errorOf } from '../../rejection.ts'

const STORIES_GGUF = resolve('../shared/models/stories260K/stories260K.gguf')
const HAVE_STORIES = existsSync(STORIES_GGUF)
if (!HAVE_STORIES) console.warn(`skipping dropped GGUF test: no ${STORIES_GGUF}`)

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')
const folderSha = (files: ReadonlyMap<string, Uint8Array>) =>
  sha(new TextEncoder().encode([...files].map(([n, b]) => `${n}:${sha(b)}\n`).sort().join('')))

function dropped(prefix: string, files: ReadonlyMap<string, Uint8Array>) {
  return [...files].map(([name, bytes]) => ({ path: `${prefix}${name}`, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) }))
}

async function blobBytes(files: { path: string, blob: Blob }[]): Promise<Map<string, Uint8Array>> {
  return new Map(await Promise.all(files.map(async (f) => [f.path, new Uint8Array(await f.blob.arrayBuffer())] as [string, Uint8Array])))
}


describe('convertDroppedCheckpoint', () => {
  const w = tinyWeights()
  const base = safetensorsFolder(w)
  const adapter = loraAdapter()

  it('turns a dropped safetensors folder plus an adapter folder into a model folder the model store accepts', async () => {
    const m = await convertDroppedCheckpoint([...dropped('tiny/', base), ...dropped('lora/', adapter.files), { path: 'tiny/.DS_Store', blob: new Blob(['x']) }])
    expect(m).toMatchObject({ name: 'tiny+lora', format: 'safetensors', baseSha256: folderSha(base), adapterSha256: folderSha(adapter.files) })
    const got = await blobBytes(m.files)
    const { sink, files } = memorySink()
    await convertCheckpoint({
      source: { format: 'safetensors', open: filesOpener(base), name: 'tiny' },
      adapter: { open: filesOpener(adapter.files), name: 'lora' },
      identity: { format: 'safetensors', base_sha256: m.baseSha256, adapter_sha256: m.adapterSha256! },
    }, sink)
    expect([...got.keys()].sort()).toEqual([...files.keys()].map((p) => `tiny+lora/${p}`).sort())
    for (const [p, bytes] of files) expect(sha(got.get(`tiny+lora/${p}`)!), p).toBe(sha(bytes))
    const config = JSON.parse(new TextDecoder().decode(got.get('tiny+lora/config.json')))
    expect(checkModelLayout([...got.keys()], config)).toEqual({ root: 'tiny+lora', missing: [], warnings: [] })
  })

  it('declares external data chunks in config.json so the model store finds every chunk', async () => {
    const m = await convertDroppedCheckpoint(dropped('', base), { externalData: 'always' })
    expect(m.name).toBe('model')
    const got = await blobBytes(m.files)
    expect(got.has('model/onnx/model.onnx_data')).toBe(true)
    const config = JSON.parse(new TextDecoder().decode(got.get('model/config.json')))
    expect(config['transformers.js_config'].use_external_data_format).toBe(true)
    expect(checkModelLayout([...got.keys()], config).missing).toEqual([])
    expect(checkModelLayout([...got.keys()].filter((p) => !p.endsWith('_data')), config).missing).toEqual(['onnx/model.onnx_data'])
  })

  it.skipIf(!HAVE_STORIES)('converts a dropped .gguf file; its hash is the file\'s sha256', async () => {
    const bytes = readFileSync(STORIES_GGUF)
    const progress: string[] = []
    const m = await convertDroppedCheckpoint([{ path: 'stories260K.gguf', blob: new Blob([bytes]) }], { onProgress: (p) => progress.push(p.stage) })
    expect(m).toMatchObject({ name: 'stories260K', format: 'gguf', baseSha256: sha(bytes), description: 'stories260K.gguf: gguf llama, 0.29M parameters (F32)' })
    expect(m.files.map((f) => f.path).sort()).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'].map((p) => `stories260K/${p}`))
    expect(progress[0]).toBe('hash')
    expect(progress.at(-1)).toBe('convert')
    const { sink, files } = memorySink()
    await convertCheckpoint({ source: { format: 'gguf', file: bytesSource(bytes), name: 'stories260K.gguf' }, identity: { format: 'gguf', base_sha256: sha(bytes) } }, sink)
    const got = await blobBytes(m.files)
    for (const [p, b] of files) expect(sha(got.get(`stories260K/${p}`)!), p).toBe(sha(b))
  })

  it('refuses drops without one base checkpoint in one line', async () => {
    const none = await errorOf(convertDroppedCheckpoint([{ path: 'notes/readme.md', blob: new Blob(['hi']) }]))
    expect(none.message).toBe('the dropped files hold no .gguf file and no folder with config.json and .safetensors weights; drop a .gguf file, a safetensors model folder, or a transformers.js model folder')
    const two = await errorOf(convertDroppedCheckpoint([{ path: 'a.gguf', blob: new Blob(['x']) }, { path: 'b.gguf', blob: new Blob(['y']) }]))
    expect(two.message).toBe('the dropped files hold 2 .gguf files (a.gguf, b.gguf); drop one')
    const both = await errorOf(convertDroppedCheckpoint([...dropped('tiny/', base), { path: 'x.gguf', blob: new Blob(['x']) }]))
    expect(both.message).toBe('the dropped files hold several checkpoints (x.gguf, tiny); drop one base model and at most one adapter')
    const adapters = await errorOf(convertDroppedCheckpoint([...dropped('tiny/', base), ...dropped('l1/', adapter.files), ...dropped('l2/', adapter.files)]))
    expect(adapters.message).toBe('the dropped files hold 2 adapter folders (l1, l2); drop one base model and at most one adapter')
  })
})

describe('isDroppedCheckpoint', () => {
  it('is true for .gguf files and safetensors folders, false for transformers.js folders', () => {
    expect(isDroppedCheckpoint(['x/Model.GGUF'])).toBe(true)
    expect(isDroppedCheckpoint(['m/config.json', 'm/model-00001-of-00002.safetensors'])).toBe(true)
    expect(isDroppedCheckpoint(['m/config.json', 'm/onnx/model.onnx', 'm/extra.safetensors'])).toBe(false)
    expect(isDroppedCheckpoint(['m/config.json', 'm/tokenizer.json'])).toBe(false)
  })
})

describe('blobSource', () => {
  it('reads any byte range through Blob.slice', async () => {
    const src = blobSource(new Blob([new Uint8Array([1, 2, 3, 4, 5])]))
    expect(src.size).toBe(5)
    expect([...await src.read(1, 3)]).toEqual([2, 3, 4])
    expect([...await src.read(5, 0)]).toEqual([])
  })
})
