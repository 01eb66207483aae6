/**
 * Checkpoints dropped into the app: one .gguf file, or a safetensors folder, either optionally with a PEFT adapter
 * folder, become the files of a transformers.js model folder, written through a sink (the app's writes straight
 * into IndexedDB) or collected as Blobs (for the model store's addModelFiles).
 * Files are read through Blob.slice, so a multi-gigabyte checkpoint is never one ArrayBuffer.
 */
import { HarnessError } from '../../core/errors.ts'
import { Sha256 } from '../../core/hash.ts'
import type { ByteSource, FileOpener } from '../safetensors/byte-source.ts'
import { combinedSha256, convertCheckpoint, isIdentityFile } from './checkpoint-conversion.ts'
import type { CheckpointSource } from './checkpoint-conversion.ts'
import type { ExternalDataMode, FileSink } from './llama-onnx-writer.ts'
import type { CheckpointFormat, CheckpointIdentity } from './model-folder.ts'

/** A dropped file. */
export interface DroppedCheckpointFile {
  /** '/'-separated path as dropped, e.g. 'SmolLM2-135M/model.safetensors' or 'stories260K.gguf' */
  readonly path: string
  /** its bytes */
  readonly blob: Blob
}

/** Options of `convertDroppedCheckpoint`. */
export interface DroppedCheckpointOptions {
  /** inline weights or external data chunks; default 'auto' */
  externalData?: ExternalDataMode
  /** progress: 'hash' in bytes over all source files, 'convert' in weight tensors */
  onProgress?: (p: { stage: 'hash' | 'convert', done: number, total: number, name: string, bytes?: number, totalBytes?: number }) => void
  /**
   * receives the model folder's files (paths relative to the folder) instead of Blobs in memory, e.g. a writer into
   * IndexedDB; the result's `files` is then empty
   */
  sink?: FileSink
  /** called with the weight bytes the conversion will write, before it writes any; may throw to refuse */
  beforeWrite?: (weightBytes: number) => Promise<void>
}

/** A converted dropped checkpoint. */
export interface DroppedCheckpointModel {
  /** the model folder's files under `<name>/` ('<name>/config.json', '<name>/onnx/model.onnx', …); empty with a `sink` */
  files: { path: string, blob: Blob }[]
  /** paths written, relative to the model folder */
  written: string[]
  /** folder name: the .gguf file's stem or the safetensors folder's name (+ '+<adapter folder>') */
  name: string
  /** format of the base checkpoint */
  format: CheckpointFormat
  /** sha256 (hex) of the base checkpoint */
  baseSha256: string
  /** sha256 (hex) of the adapter; absent without one */
  adapterSha256?: string
  /** one line: name, format, architecture, parameters, adapter */
  description: string
  /** config.json's evalz.weight_dtype: how the ONNX file stores the weight matrices */
  weightDtype: string
}

/** What the dropped files hold. */
interface DroppedLayout {
  /** the .gguf file, or the folder ('' = top level) holding config.json and safetensors weights */
  base: { kind: 'gguf', file: DroppedCheckpointFile } | { kind: 'safetensors', dir: string }
  /** folder holding adapter_config.json */
  adapterDir?: string
}

const HASH_SLICE = 32 * 2 ** 20

/** Whether dropped paths look like a checkpoint to convert rather than a transformers.js model folder. */
export function isDroppedCheckpoint(paths: readonly string[]): boolean {
  const all = paths.map(normalize)
  if (all.some((p) => p.endsWith('.onnx'))) return false
  return all.some((p) => p.toLowerCase().endsWith('.gguf') || p.endsWith('.safetensors') || p.endsWith('.safetensors.index.json'))
}

/**
 * Converts the dropped checkpoint into model folder files. Throws HarnessError (one line) when the files hold no
 * checkpoint, several, or an unsupported one.
 * @example
 * const m = await convertDroppedCheckpoint([{ path: 'stories260K.gguf', blob: file }])
 * await addModelFiles(db, m.files)
 */
export async function convertDroppedCheckpoint(dropped: readonly DroppedCheckpointFile[], opts: DroppedCheckpointOptions = {}): Promise<DroppedCheckpointModel> {
  const files = dropped.map((f) => ({ path: normalize(f.path), blob: f.blob })).filter((f) => f.path !== '' && !f.path.split('/').some((s) => s.startsWith('.')))
  const layout = droppedLayout(files)
  const inDir = (dir: string) => files.filter((f) => dirOf(f.path) === dir)
  const baseFiles = layout.base.kind === 'gguf' ? [layout.base.file] : inDir(layout.base.dir).filter((f) => isIdentityFile(baseName(f.path)))
  const adapterFiles = layout.adapterDir === undefined ? [] : inDir(layout.adapterDir).filter((f) => isIdentityFile(baseName(f.path), true))
  const hashed = await hashAll([...baseFiles, ...adapterFiles], opts)
  const combined = (list: readonly DroppedCheckpointFile[]) => combinedSha256(list.map((f) => ({ name: baseName(f.path), sha256: hashed.get(f)! })))
  const format: CheckpointFormat = layout.base.kind
  const identity: CheckpointIdentity = {
    format,
    base_sha256: combined(baseFiles),
    ...(layout.adapterDir !== undefined ? { adapter_sha256: combined(adapterFiles) } : {}),
  }
  const baseLabel = layout.base.kind === 'gguf' ? baseName(layout.base.file.path) : baseName(layout.base.dir) || 'model'
  const source: CheckpointSource = layout.base.kind === 'gguf'
    ? { format: 'gguf', file: blobSource(layout.base.file.blob), name: baseLabel }
    : { format: 'safetensors', open: dirOpener(files, layout.base.dir), name: baseLabel }
  const adapterLabel = layout.adapterDir === undefined ? undefined : baseName(layout.adapterDir) || 'adapter'
  const parts = new Map<string, Blob[]>()
  const converted = await convertCheckpoint({
    source,
    ...(layout.adapterDir !== undefined ? { adapter: { open: dirOpener(files, layout.adapterDir), name: adapterLabel! } } : {}),
    identity,
  }, opts.sink ?? (async (path, part) => {
    const list = parts.get(path) ?? []
    list.push(new Blob([part as Uint8Array<ArrayBuffer>]))
    parts.set(path, list)
  }), {
    externalData: opts.externalData ?? 'auto',
    releaseWeights: true,
    onTensor: (p) => opts.onProgress?.({ stage: 'convert', ...p }),
    ...(opts.beforeWrite ? { beforeWrite: opts.beforeWrite } : {}),
  })
  const stem = layout.base.kind === 'gguf' ? baseLabel.replace(/\.gguf$/i, '') : baseLabel
  const name = (adapterLabel ? `${stem}+${adapterLabel}` : stem).replace(/[/\\]/g, '-')
  return {
    files: [...parts].map(([path, list]) => ({ path: `${name}/${path}`, blob: new Blob(list) })),
    written: converted.files,
    name,
    format,
    baseSha256: identity.base_sha256,
    ...(identity.adapter_sha256 ? { adapterSha256: identity.adapter_sha256 } : {}),
    description: converted.description,
    weightDtype: String((converted.configJson.evalz as { weight_dtype?: unknown } | undefined)?.weight_dtype ?? 'float32'),
  }
}

/**
 * A ByteSource over a Blob (a dropped File): each read is one `slice().arrayBuffer()`.
 * @example
 * const header = await blobSource(file).read(0, 8)
 */
export function blobSource(blob: Blob): ByteSource {
  return {
    size: blob.size,
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  }
}

/** Finds the base checkpoint and the adapter among the dropped files. */
function droppedLayout(files: readonly DroppedCheckpointFile[]): DroppedLayout {
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith('.gguf'))
  const dirs = [...new Set(files.map((f) => dirOf(f.path)))]
  const has = (dir: string, test: (name: string) => boolean) => files.some((f) => dirOf(f.path) === dir && test(baseName(f.path)))
  const adapterDirs = dirs.filter((d) => has(d, (n) => n === 'adapter_config.json'))
  if (adapterDirs.length > 1) {
    throw new HarnessError('MODEL_INVALID', `the dropped files hold ${adapterDirs.length} adapter folders (${adapterDirs.join(', ')}); drop one base model and at most one adapter`, { adapters: adapterDirs })
  }
  const adapter = adapterDirs.length === 1 ? { adapterDir: adapterDirs[0]! } : {}
  if (ggufs.length > 1) {
    throw new HarnessError('MODEL_INVALID', `the dropped files hold ${ggufs.length} .gguf files (${ggufs.slice(0, 3).map((f) => f.path).join(', ')}); drop one`, { gguf: ggufs.map((f) => f.path) })
  }
  const bases = dirs.filter((d) => !adapterDirs.includes(d) && has(d, (n) => n === 'config.json') && has(d, (n) => n.endsWith('.safetensors') || n.endsWith('.safetensors.index.json')))
  if (ggufs.length === 1 && bases.length === 0) return { base: { kind: 'gguf', file: ggufs[0]! }, ...adapter }
  if (bases.length === 1 && ggufs.length === 0) return { base: { kind: 'safetensors', dir: bases[0]! }, ...adapter }
  if (bases.length + ggufs.length > 1) {
    const found = [...ggufs.map((f) => f.path), ...bases.map((d) => d || '(top level)')]
    throw new HarnessError('MODEL_INVALID', `the dropped files hold several checkpoints (${found.join(', ')}); drop one base model and at most one adapter`, { found })
  }
  throw new HarnessError('MODEL_INVALID', 'the dropped files hold no .gguf file and no folder with config.json and .safetensors weights; drop a .gguf file, a safetensors model folder, or a transformers.js model folder', { dropped: files.slice(0, 20).map((f) => f.path) })
}

/** sha256 of each file, read in slices. */
async function hashAll(files: readonly DroppedCheckpointFile[], opts: DroppedCheckpointOptions): Promise<Map<DroppedCheckpointFile, string>> {
  const total = files.reduce((n, f) => n + f.blob.size, 0)
  const out = new Map<DroppedCheckpointFile, string>()
  let done = 0
  for (const f of files) {
    const h = new Sha256()
    for (let at = 0; at < f.blob.size; at += HASH_SLICE) {
      const piece = new Uint8Array(await f.blob.slice(at, at + HASH_SLICE).arrayBuffer())
      h.update(piece)
      done += piece.length
      opts.onProgress?.({ stage: 'hash', done, total, name: f.path })
    }
    out.set(f, h.hex())
  }
  return out
}

/** Opens files directly inside `dir` by name. */
function dirOpener(files: readonly DroppedCheckpointFile[], dir: string): FileOpener {
  return async (name) => {
    const path = dir === '' ? name : `${dir}/${name}`
    const file = files.find((f) => f.path === path)
    return file ? blobSource(file.blob) : undefined
  }
}

function normalize(path: string): string {
  return path.replace(/\\/g, '/').split('/').filter((s) => s !== '' && s !== '.').join('/')
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/')
  return i < 0 ? '' : path.slice(0, i)
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}
