import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { convertCheckpoint } from '../../src/backends/checkpoint/checkpoint-conversion.ts'
import { isCheckpointPath, prepareCheckpointModel } from '../../src/cli/checkpoint-model.ts'
import { checkModelDir } from '../../src/cli/model-files.ts'
import { filesOpener } from '../backends/safetensors/write-safetensors.ts'
import { DEMO, loraAdapter, memorySink, safetensorsFolder, tinyWeights, writeFiles } from '../backends/checkpoint/convert-files.ts'
import { harnessFailure as errorOf } from '../rejection.ts'

const STORIES_GGUF = resolve('../shared/models/stories260K/stories260K.gguf')
const HAVE_STORIES = existsSync(STORIES_GGUF)
if (!HAVE_STORIES) console.warn(`skipping GGUF CLI conversion test: no ${STORIES_GGUF}`)

const tmp = mkdtempSync(join(tmpdir(), 'evalz-ckpt-cli-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** sha256 over sorted '<name>:<sha256>\n' lines, written out independently of the code under test. */
function folderSha(files: ReadonlyMap<string, Uint8Array>): string {
  return sha(new TextEncoder().encode([...files].map(([n, b]) => `${n}:${sha(b)}\n`).sort().join('')))
}

function folder(name: string, files: ReadonlyMap<string, Uint8Array>): string {
  const dir = join(tmp, name)
  writeFiles(dir, files)
  return dir
}


/** Files of a folder (recursively), path → mtimeMs. */
function listing(dir: string, prefix = ''): Map<string, number> {
  const out = new Map<string, number>()
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name
    const st = statSync(join(dir, rel))
    if (st.isDirectory()) for (const [k, v] of listing(dir, rel)) out.set(k, v)
    else out.set(rel, st.mtimeMs)
  }
  return out
}

describe('prepareCheckpointModel on a safetensors folder', () => {
  const w = tinyWeights()
  const source = safetensorsFolder(w)
  const adapter = loraAdapter()
  const model = folder('tiny', source)
  const lora = folder('tiny-lora', adapter.files)
  const cacheDir = join(tmp, 'cache')

  it('converts into <cacheDir>/converted/<key>/ a folder equal to the in-memory conversion, then reuses it', async () => {
    const first = await prepareCheckpointModel({ model, cacheDir })
    expect(first).toMatchObject({ format: 'safetensors', baseSha256: folderSha(source), cached: false })
    expect(first.adapterSha256).toBeUndefined()
    expect(first.dir).toMatch(new RegExp(`^${join(cacheDir, 'converted')}/[0-9a-f]{32}$`))
    expect(() => checkModelDir(first.dir, '')).not.toThrow()
    const { sink, files } = memorySink()
    await convertCheckpoint({ source: { format: 'safetensors', open: filesOpener(source), name: 'tiny' }, identity: { format: 'safetensors', base_sha256: first.baseSha256 } }, sink)
    const onDisk = listing(first.dir)
    expect([...onDisk.keys()].sort()).toEqual([...files.keys()].sort())
    for (const [path, bytes] of files) expect(sha(readFileSync(join(first.dir, path))), path).toBe(sha(bytes))

    const second = await prepareCheckpointModel({ model, cacheDir })
    expect(second).toEqual({ ...first, cached: true })
    expect(listing(first.dir)).toEqual(onDisk)
    expect(readdirSync(join(cacheDir, 'converted')).filter((n) => n.startsWith('.partial'))).toEqual([])
  })

  it('gives a base + adapter its own folder and both hashes', async () => {
    const plain = await prepareCheckpointModel({ model, cacheDir })
    const merged = await prepareCheckpointModel({ model, adapter: lora, cacheDir })
    expect(merged).toMatchObject({ baseSha256: folderSha(source), adapterSha256: folderSha(adapter.files), cached: false })
    expect(merged.dir).not.toBe(plain.dir)
    expect(merged.description).toMatch(/\+ LoRA tiny-lora \(r 2, alpha 6/)
    const config = JSON.parse(readFileSync(join(merged.dir, 'config.json'), 'utf8'))
    expect(config.evalz).toMatchObject({ format: 'safetensors', base_sha256: merged.baseSha256, adapter_sha256: merged.adapterSha256 })
  })

  it('converts again when a source file changes', async () => {
    const changed = new Map(source)
    changed.set('tokenizer_config.json', new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(source.get('tokenizer_config.json'))), model_max_length: 64 })))
    const dir = folder('tiny-changed', source)
    const before = await prepareCheckpointModel({ model: dir, cacheDir })
    writeFiles(dir, changed)
    const after = await prepareCheckpointModel({ model: dir, cacheDir })
    expect(after.baseSha256).toBe(folderSha(changed))
    expect(after.cached).toBe(false)
    expect(after.dir).not.toBe(before.dir)
  })

  it('refuses, in one line and leaving nothing behind, a folder without tokenizer.json', async () => {
    const bare = new Map(source)
    bare.delete('tokenizer.json')
    const dir = folder('no-tokenizer', bare)
    const own = join(tmp, 'cache-bare')
    const e = await errorOf(prepareCheckpointModel({ model: dir, cacheDir: own }))
    expect(e.message).toBe("safetensors folder 'no-tokenizer' has no tokenizer.json; copy tokenizer.json (and tokenizer_config.json) of the base model into it")
    expect(readdirSync(join(own, 'converted')).filter((n) => n !== 'file-hashes.json')).toEqual([])
  })

  it('tells an adapter folder passed as the model, a file that is not GGUF and a folder without weights apart', async () => {
    expect((await errorOf(prepareCheckpointModel({ model: lora, cacheDir }))).message)
      .toBe(`'${lora}' is a PEFT adapter folder; pass the base model with --model and this folder with --adapter`)
    const txt = join(tmp, 'notes.txt')
    writeFileSync(txt, 'x')
    expect((await errorOf(prepareCheckpointModel({ model: txt, cacheDir }))).code).toBe('MODEL_INVALID')
    const empty = join(tmp, 'empty')
    mkdirSync(empty, { recursive: true })
    expect((await errorOf(prepareCheckpointModel({ model: empty, cacheDir }))).message).toMatch(/^folder '.*empty' holds no \.safetensors weights; /)
    expect((await errorOf(prepareCheckpointModel({ model, adapter: join(tmp, 'nope'), cacheDir }))).code).toBe('MODEL_NOT_FOUND')
  })

  it('isCheckpointPath: .gguf files and safetensors folders without onnx/, nothing else', () => {
    expect(isCheckpointPath(model)).toBe(true)
    expect(isCheckpointPath(DEMO)).toBe(false)
    expect(isCheckpointPath(join(tmp, 'notes.txt'))).toBe(false)
    expect(isCheckpointPath(join(tmp, 'missing'))).toBe(false)
    const withOnnx = folder('with-onnx', new Map([...source, ['onnx/model.onnx', new Uint8Array(1)]]))
    expect(isCheckpointPath(withOnnx)).toBe(false)
    if (HAVE_STORIES) expect(isCheckpointPath(STORIES_GGUF)).toBe(true)
  })
})

describe.skipIf(!HAVE_STORIES)('prepareCheckpointModel on stories260K.gguf', () => {
  it('names the file\'s sha256 as the base hash and writes a loadable folder', async () => {
    const m = await prepareCheckpointModel({ model: STORIES_GGUF, cacheDir: join(tmp, 'cache-gguf') })
    expect(m).toMatchObject({
      format: 'gguf', baseSha256: '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d',
      description: 'stories260K.gguf: gguf llama, 0.29M parameters (F32)', cached: false,
    })
    expect(() => checkModelDir(m.dir, '')).not.toThrow()
    expect(JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8'))._name_or_path).toBe('stories260K')
  })
})
