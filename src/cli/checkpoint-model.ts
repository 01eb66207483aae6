/**
 * `--model model.gguf` / `--model safetensors-folder/` (+ `--adapter peft-folder/`) in Node: the checkpoint is
 * converted once into a transformers.js model folder under `<cacheDir>/converted/<key>/`, keyed by the sha256 of
 * the source files, and reused by later runs.
 */
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { processAlive } from './process-alive.ts'
import { basename, dirname, join, resolve } from 'node:path'
import { HarnessError } from '../core/errors.ts'
import { combinedSha256, convertCheckpoint, isIdentityFile } from '../backends/checkpoint/checkpoint-conversion.ts'
import type { CheckpointSource } from '../backends/checkpoint/checkpoint-conversion.ts'
import type { ExternalDataMode, FileSink } from '../backends/checkpoint/llama-onnx-writer.ts'
import { CONVERTER_VERSION } from '../backends/checkpoint/model-folder.ts'
import type { CheckpointFormat, CheckpointIdentity } from '../backends/checkpoint/model-folder.ts'
import type { ByteSource, FileOpener } from '../backends/safetensors/byte-source.ts'
import { sha256File } from './model-files.ts'

/** Options of `prepareCheckpointModel`. */
export interface CheckpointModelOptions {
  /** a .gguf file, or a folder with config.json, *.safetensors (or an index and shards) and tokenizer.json */
  model: string
  /** a PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors) merged into the model */
  adapter?: string
  /** cache root; converted folders go to `<cacheDir>/converted/<key>/` */
  cacheDir: string
  /** inline weights or external data chunks; default 'auto' (external above 1.5 GiB of weights) */
  externalData?: ExternalDataMode
  /** progress: 'hash' per source file, 'convert' per weight tensor written */
  onProgress?: (p: { stage: 'hash' | 'convert', done: number, total: number, name: string, bytes?: number, totalBytes?: number }) => void
}

/** A converted checkpoint, ready for `--model <dir>`. */
export interface PreparedCheckpointModel {
  /** the transformers.js model folder (absolute path) */
  dir: string
  /** format of the base checkpoint */
  format: CheckpointFormat
  /** sha256 (hex) of the base checkpoint (the .gguf file, or the folder's files combined) */
  baseSha256: string
  /** sha256 (hex) of the adapter folder's files combined; absent without an adapter */
  adapterSha256?: string
  /** one line: name, format, architecture, parameters, adapter */
  description: string
  /** how the ONNX file stores the weight matrices (config.json evalz.weight_dtype: 'float32', 'float16', 'bfloat16', 'matmulnbits', …) */
  weightDtype: string
  /** true when the folder came from the cache and nothing was converted */
  cached: boolean
}

/**
 * Memo of file hashes, so a cached conversion does not re-hash gigabytes. An entry is trusted only when size,
 * mtime, ctime (which no tool can set back) and a probe — sha256 of the size and the first and last MiB — all match:
 * a file rewritten in place with its old size and mtime is hashed again, never served its old conversion.
 */
type HashMemo = Record<string, { size: number, mtimeMs: number, ctimeMs?: number, probe?: string, sha256: string }>

/** Bytes read from each end of a file for its probe. */
const PROBE_BYTES = 1 << 20

/** sha256 over the size and the first and last PROBE_BYTES of a file. */
async function probeSha256(file: string, size: number): Promise<string> {
  const h = createHash('sha256').update(`${size}\n`)
  const fh = await open(file, 'r')
  try {
    for (const at of size <= 2 * PROBE_BYTES ? [0] : [0, size - PROBE_BYTES]) {
      const buf = Buffer.alloc(Math.min(size, size <= 2 * PROBE_BYTES ? size : PROBE_BYTES))
      const { bytesRead } = await fh.read(buf, 0, buf.length, at)
      h.update(buf.subarray(0, bytesRead))
    }
  } finally {
    await fh.close()
  }
  return h.digest('hex')
}

/**
 * Whether `--model` names a checkpoint to convert: a .gguf file, or a folder holding *.safetensors (or an index)
 * and no onnx/ folder.
 */
export function isCheckpointPath(model: string): boolean {
  try {
    const st = statSync(model)
    if (st.isFile()) return model.toLowerCase().endsWith('.gguf')
    if (!st.isDirectory() || existsSync(join(model, 'onnx'))) return false
    return readdirSync(model).some((f) => f.endsWith('.safetensors') || f.endsWith('.safetensors.index.json'))
  } catch {
    return false
  }
}

/**
 * Converts the checkpoint (or finds its earlier conversion) and returns the model folder. Throws HarnessError
 * MODEL_NOT_FOUND / MODEL_INVALID (one line) for missing files and unsupported architectures, dtypes or adapters.
 * @example
 * const m = await prepareCheckpointModel({ model: 'stories260K.gguf', cacheDir: '~/.cache/evalz' })
 * // load m.dir like any transformers.js folder; report m.baseSha256 / m.adapterSha256 with the results
 */
export async function prepareCheckpointModel(opts: CheckpointModelOptions): Promise<PreparedCheckpointModel> {
  const model = resolve(opts.model)
  const adapter = opts.adapter === undefined ? undefined : resolve(opts.adapter)
  if (adapter !== undefined && isOnnxFolder(model)) {
    throw new HarnessError('USAGE', `--adapter needs the base model's own weights, but '${opts.model}' is a transformers.js ONNX folder (onnx/*.onnx), which a LoRA adapter cannot be merged into; pass the base checkpoint (a safetensors folder or a .gguf file) with --model`, { model, adapter })
  }
  const format = checkpointFormat(model)
  if (adapter !== undefined) checkAdapterDir(adapter)
  const root = join(resolve(opts.cacheDir), 'converted')
  await mkdir(root, { recursive: true })
  const memoPath = join(root, 'file-hashes.json')
  const memo = await readMemo(memoPath)
  const baseFiles = format === 'gguf' ? [model] : folderFiles(model, false)
  const adapterFiles = adapter === undefined ? [] : folderFiles(adapter, true)
  const all = [...baseFiles, ...adapterFiles]
  const hashes = new Map<string, string>()
  for (const [i, file] of all.entries()) {
    hashes.set(file, await memoSha256(file, memo))
    opts.onProgress?.({ stage: 'hash', done: i + 1, total: all.length, name: basename(file) })
  }
  // written whole or not at all: a process killed here leaves the previous memo (a torn one reads as empty)
  await writeFile(`${memoPath}.${process.pid}.tmp`, JSON.stringify(memo, null, 1) + '\n')
  await rename(`${memoPath}.${process.pid}.tmp`, memoPath)
  const combined = (files: string[]) => combinedSha256(files.map((f) => ({ name: basename(f), sha256: hashes.get(f)! })))
  const identity: CheckpointIdentity = {
    format,
    base_sha256: combined(baseFiles),
    ...(adapter !== undefined ? { adapter_sha256: combined(adapterFiles) } : {}),
  }
  const mode = opts.externalData ?? 'auto'
  const key = createHash('sha256')
    .update(`evalz checkpoint conversion ${CONVERTER_VERSION}\n${format}\n${identity.base_sha256}\n${identity.adapter_sha256 ?? ''}\n${mode}\n`)
    .digest('hex').slice(0, 32)
  const dir = join(root, key)
  const result = (found: CachedConversion, cached: boolean): PreparedCheckpointModel => ({
    dir, format, baseSha256: identity.base_sha256, ...(identity.adapter_sha256 ? { adapterSha256: identity.adapter_sha256 } : {}), ...found, cached,
  })
  const existing = await cachedConversion(dir, identity)
  if (existing !== undefined) return result(existing, true)
  // a conversion killed part-way left its .partial folder; it is never used, only removed (the conversion is redone)
  await removeStalePartials(root)

  const partial = join(root, `.partial-${key}-${process.pid}-${randomBytes(4).toString('hex')}`)
  const handles: FileHandle[] = []
  const sink = folderSink(partial)
  try {
    const openFile = async (path: string) => {
      const src = await openByteSource(path)
      if (src) handles.push(src.handle)
      return src?.source
    }
    const source: CheckpointSource = format === 'gguf'
      ? { format, file: (await openFile(model))!, name: basename(model) }
      : { format, open: folderOpener(model, openFile), name: basename(model) }
    const converted = await convertCheckpoint({
      source,
      ...(adapter !== undefined ? { adapter: { open: folderOpener(adapter, openFile), name: basename(adapter) } } : {}),
      identity,
    }, sink.write, {
      externalData: mode,
      releaseWeights: true,
      onTensor: (p) => opts.onProgress?.({ stage: 'convert', ...p }),
    })
    await sink.close()
    try {
      await rename(partial, dir)
    } catch (e) {
      // another process finished the same conversion first: keep its folder
      const other = await cachedConversion(dir, identity)
      if (other === undefined) throw e
      await rm(partial, { recursive: true, force: true })
    }
    return result({ description: converted.description, weightDtype: weightDtypeOf(converted.configJson.evalz) }, false)
  } catch (e) {
    await sink.close().catch(() => {})
    await rm(partial, { recursive: true, force: true })
    throw e
  } finally {
    await Promise.all(handles.map((h) => h.close().catch(() => {})))
  }
}

/** Removes `.partial-<key>-<pid>-…` folders under `root` whose process is gone (killed mid-conversion). */
async function removeStalePartials(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    const pid = /^\.partial-[0-9a-f]+-(\d+)-/.exec(name)?.[1]
    if (pid !== undefined && !processAlive(Number(pid))) await rm(join(root, name), { recursive: true, force: true }).catch(() => {})
  }
}

/** 'gguf' for a .gguf file, 'safetensors' for a folder with safetensors weights; one-line errors otherwise. */
function checkpointFormat(model: string): CheckpointFormat {
  if (!existsSync(model)) throw new HarnessError('MODEL_NOT_FOUND', `model '${model}' does not exist`, { model })
  const st = statSync(model)
  if (st.isFile()) {
    if (model.toLowerCase().endsWith('.gguf')) return 'gguf'
    throw new HarnessError('MODEL_INVALID', `model file '${model}' is not a .gguf file; pass a .gguf file, a safetensors folder or a transformers.js model folder`, { model })
  }
  const names = readdirSync(model)
  if (names.includes('adapter_config.json') && !names.includes('config.json')) {
    throw new HarnessError('USAGE', `'${model}' is a PEFT adapter folder; pass the base model with --model and this folder with --adapter`, { model })
  }
  if (!names.some((f) => f.endsWith('.safetensors') || f.endsWith('.safetensors.index.json'))) {
    throw new HarnessError('MODEL_INVALID', `folder '${model}' holds no .safetensors weights; pass a .gguf file, a safetensors folder (config.json, *.safetensors, tokenizer.json) or a transformers.js model folder`, { model })
  }
  return 'safetensors'
}

function checkAdapterDir(adapter: string): void {
  const peft = 'pass the folder PEFT save_pretrained wrote (adapter_config.json, adapter_model.safetensors)'
  if (!existsSync(adapter) || !statSync(adapter).isDirectory()) {
    throw new HarnessError('MODEL_NOT_FOUND', `adapter folder '${adapter}' does not exist; ${peft}`, { adapter })
  }
  if (!existsSync(join(adapter, 'adapter_config.json'))) {
    const what = isOnnxFolder(adapter) ? 'is a transformers.js ONNX model folder, not a LoRA adapter'
      : existsSync(join(adapter, 'config.json')) ? 'is a model folder, not a LoRA adapter' : 'has no adapter_config.json'
    throw new HarnessError('USAGE', `--adapter '${adapter}' ${what}; ${peft}`, { adapter })
  }
}

/** A transformers.js model folder: ONNX weights under onnx/ (converted already; nothing can be merged into it). */
function isOnnxFolder(dir: string): boolean {
  const onnx = join(dir, 'onnx')
  return existsSync(onnx) && statSync(onnx).isDirectory() && readdirSync(onnx).some((f) => f.endsWith('.onnx'))
}

/** The folder's top-level files that identify the checkpoint, sorted. */
function folderFiles(dir: string, adapter: boolean): string[] {
  return readdirSync(dir).filter((f) => isIdentityFile(f, adapter) && statSync(join(dir, f)).isFile()).sort().map((f) => join(dir, f))
}

async function readMemo(path: string): Promise<HashMemo> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value as HashMemo : {}
  } catch {
    return {}
  }
}

async function memoSha256(file: string, memo: HashMemo): Promise<string> {
  const st = await stat(file)
  const hit = memo[file]
  const probe = await probeSha256(file, st.size)
  if (hit && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs && hit.probe === probe) return hit.sha256
  const sha256 = await sha256File(file)
  memo[file] = { size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, probe, sha256 }
  return sha256
}

/** What a finished conversion's config.json says about it. */
interface CachedConversion {
  /** evalz.source */
  description: string
  /** evalz.weight_dtype */
  weightDtype: string
}

/** config.json's evalz.source and weight_dtype when `dir` holds a finished conversion of the same identity. */
async function cachedConversion(dir: string, identity: CheckpointIdentity): Promise<CachedConversion | undefined> {
  try {
    const config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as { evalz?: Record<string, unknown> }
    const ev = config.evalz
    if (!ev || ev.base_sha256 !== identity.base_sha256 || (ev.adapter_sha256 ?? undefined) !== identity.adapter_sha256) return undefined
    if (!existsSync(join(dir, 'onnx', 'model.onnx'))) return undefined
    return { description: typeof ev.source === 'string' ? ev.source : '', weightDtype: weightDtypeOf(ev) }
  } catch {
    return undefined
  }
}

/** evalz.weight_dtype of a converted config.json ('float32' when absent). */
function weightDtypeOf(evalz: unknown): string {
  const v = (evalz as { weight_dtype?: unknown } | undefined)?.weight_dtype
  return typeof v === 'string' ? v : 'float32'
}

/** Random-access reads of a file, exactly `length` bytes each; undefined when the file is absent. */
async function openByteSource(path: string): Promise<{ source: ByteSource, handle: FileHandle } | undefined> {
  let handle: FileHandle
  try {
    handle = await open(path, 'r')
  } catch {
    return undefined
  }
  const size = (await handle.stat()).size
  const source: ByteSource = {
    size,
    async read(offset, length) {
      const buf = new Uint8Array(length)
      let at = 0
      while (at < length) {
        const { bytesRead } = await handle.read(buf, at, length - at, offset + at)
        if (bytesRead === 0) break
        at += bytesRead
      }
      return at === length ? buf : buf.subarray(0, at)
    },
  }
  return { source, handle }
}

/** Opens top-level files of `dir` by name (names with path separators are treated as absent). */
function folderOpener(dir: string, openFile: (path: string) => Promise<ByteSource | undefined>): FileOpener {
  return async (name) => (name.includes('/') || name.includes('\\') || name === '..' ? undefined : openFile(join(dir, name)))
}

/** A sink writing each path under `root`, appending parts; `close` closes every file. */
function folderSink(root: string): { write: FileSink, close: () => Promise<void> } {
  const files = new Map<string, Promise<FileHandle>>()
  const handleOf = (path: string) => {
    let h = files.get(path)
    if (!h) {
      const full = join(root, path)
      h = mkdir(dirname(full), { recursive: true }).then(() => open(full, 'w'))
      files.set(path, h)
    }
    return h
  }
  return {
    async write(path, part) {
      const h = await handleOf(path)
      let at = 0
      while (at < part.length) {
        const { bytesWritten } = await h.write(part, at, part.length - at)
        at += bytesWritten
      }
    },
    async close() {
      const all = [...files.values()]
      files.clear()
      for (const h of all) await (await h).close()
    },
  }
}
