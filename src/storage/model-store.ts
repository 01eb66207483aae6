/**
 * Models dropped from the user's disk (a transformers.js model folder), stored in IndexedDB by content hash and
 * served to transformers.js through its custom cache (browser-stack.md §1.8), so loading makes no request.
 */
import { HarnessError } from '../core/errors.ts'
import { sha256Hex } from '../core/hash.ts'
import {
  deleteUnusedBlobs, fileListSha256, hashFiles, isHiddenPath, normalizePath, putBlobs, slugOf,
} from './blob-store.ts'
import type { DroppedFile, HashProgress, StoredFile } from './blob-store.ts'
import type { EvalzDb, EvalzSchema } from './db.ts'
import { commit } from './db.ts'
import type { ConvertedOrigin, HubOrigin, ModelInfo } from '../protocol/eval-store.ts'
import type { IDBPTransaction } from 'idb'

export type { DroppedFile, HashProgress } from './blob-store.ts'

/** One file of a stored model. */
export type StoredModelFile = StoredFile

/** A stored model: its files (bytes in 'blobs') and what the model list shows; one type with the protocol's ModelInfo. */
export type StoredModel = ModelInfo

/** The Hub revision a stored model was downloaded from. */
export type StoredHubOrigin = HubOrigin

/** A readwrite transaction over the stores a model record touches. */
export type ModelTx = IDBPTransaction<EvalzSchema, ('models' | 'datasets' | 'blobs')[], 'readwrite'>

/** Result of checking a dropped folder's paths. */
export interface ModelLayout {
  /** the folder holding config.json ('' = the top level), relative to the dropped paths */
  readonly root: string
  /** required files that are absent, relative to root (e.g. 'tokenizer.json', 'onnx/model*.onnx') */
  readonly missing: string[]
  /** problems that do not stop storing (e.g. external data that config.json does not declare) */
  readonly warnings: string[]
}

/** What a transformers.js model folder holds, for messages. */
export const MODEL_FOLDER_HINT = 'a transformers.js model folder has config.json, tokenizer.json, tokenizer_config.json and onnx/model*.onnx,' +
  ' plus the onnx/model*.onnx_data files its config.json declares'

const REQUIRED = ['config.json', 'tokenizer.json', 'tokenizer_config.json']
const ONNX_MODEL = /^onnx\/(model[^/]*\.onnx)$/
const ONNX_DATA = /^onnx\/(model[^/]*\.onnx)_data(?:_(\d+))?$/

/**
 * Checks dropped paths for a transformers.js model folder: finds the folder holding config.json and lists the
 * required files missing there. With the parsed config.json, also the external data chunks it declares.
 */
export function checkModelLayout(paths: readonly string[], config?: unknown): ModelLayout {
  const all = paths.map(normalizePath).filter(p => p !== '' && !isHiddenPath(p))
  const root = rootOf(all)
  const rel = new Set(underRoot(all, root))
  const missing = REQUIRED.filter(f => !rel.has(f))
  const warnings: string[] = []
  const models = [...rel].filter(p => ONNX_MODEL.test(p)).sort()
  if (models.length === 0) missing.push('onnx/model*.onnx')
  const chunks = new Map<string, number[]>()
  for (const p of rel) {
    const m = ONNX_DATA.exec(p)
    if (!m) continue
    const list = chunks.get(m[1]) ?? []
    list.push(m[2] === undefined ? 0 : Number(m[2]))
    chunks.set(m[1], list)
  }
  const declared = externalDataConfig(config)
  for (const [base, found] of [...chunks].sort()) {
    if (!rel.has(`onnx/${base}`)) missing.push(`onnx/${base}`)
    const most = Math.max(...found)
    for (let i = 0; i <= most; i++) if (!found.includes(i)) missing.push(`onnx/${chunkName(base, i)}`)
    if (config !== undefined && chunkCount(declared, base) === 0) {
      warnings.push(`onnx/${chunkName(base, 0)} is not declared in config.json (transformers.js_config.use_external_data_format), so transformers.js will not load it`)
    }
  }
  if (config !== undefined) {
    for (const p of models) {
      const base = p.slice('onnx/'.length)
      const n = chunkCount(declared, base)
      for (let i = 0; i < n; i++) {
        const name = `onnx/${chunkName(base, i)}`
        if (!rel.has(name) && !missing.includes(name)) missing.push(name)
      }
    }
  }
  return { root, missing, warnings }
}

/**
 * Checks, hashes and stores a dropped model folder (the common root folder is stripped; hidden files and files
 * outside the folder holding config.json are left out). Content already stored is not written again; the same
 * folder added twice updates the existing record. `onProgress` reports bytes hashed.
 */
export async function addModelFiles(
  db: EvalzDb, files: readonly DroppedFile[], onProgress?: (p: HashProgress) => void,
): Promise<StoredModel> {
  const dropped = dedupeByPath(files.map(f => ({ path: normalizePath(f.path), blob: f.blob })).filter(f => f.path !== '' && !isHiddenPath(f.path)))
  if (dropped.length === 0) throw new HarnessError('MODEL_INVALID', `no model files were dropped (${MODEL_FOLDER_HINT})`, { missing: REQUIRED })
  const paths = dropped.map(f => f.path)
  const { root } = checkModelLayout(paths)
  const prefix = root === '' ? '' : `${root}/`
  const inRoot = dropped.filter(f => f.path.startsWith(prefix)).map(f => ({ path: f.path.slice(prefix.length), blob: f.blob }))
  const configFile = inRoot.find(f => f.path === 'config.json')
  const config = configFile ? await parseConfig(configFile.blob, root) : undefined
  const layout = checkModelLayout(paths, config)
  if (layout.missing.length > 0) {
    const where = configFile ? `model folder '${root || '(top level)'}'` : 'the dropped files'
    throw new HarnessError('MODEL_INVALID', `${where} ${configFile ? 'lacks' : 'lack'} ${layout.missing.join(', ')} (${MODEL_FOLDER_HINT})`, {
      root, missing: layout.missing, dropped: paths.slice(0, 50),
    })
  }
  inRoot.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const hashed = await hashFiles(inRoot, onProgress)
  const stored: StoredModelFile[] = hashed.map(f => ({ path: f.path, sha256: f.sha256, size: f.size }))
  const name = root !== '' ? root.split('/').pop()! : nameFromConfig(config) ?? 'model'
  const tx = db.transaction(['models', 'datasets', 'blobs'], 'readwrite')
  return commit(tx, async () => {
    await putBlobs(tx, hashed)
    return putModelRecord(tx, name, stored)
  })
}

/**
 * Writes the record of a model whose files' bytes are in 'blobs' (a folder with the same contents keeps its id
 * and name) and returns it; the caller commits `tx`.
 */
export async function putModelRecord(tx: ModelTx, name: string, files: readonly StoredModelFile[], converted?: ConvertedOrigin): Promise<StoredModel> {
  const stored = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
  const content = fileListSha256(stored)
  const models = tx.objectStore('models')
  const same = (await models.getAll()).find(m => fileListSha256(m.files) === content)
  const record: StoredModel = {
    id: same?.id ?? `${slugOf(name, 'model')}-${content.slice(0, 8)}`,
    name: same?.name ?? name,
    files: stored,
    totalBytes: stored.reduce((n, f) => n + f.size, 0),
    addedAt: Date.now(),
    weightsSha256: defaultWeightsSha256(stored),
    ...(converted ? { converted } : {}),
  }
  await models.put(record)
  return record
}

/** Stored models, newest first. */
export async function listModels(db: EvalzDb): Promise<StoredModel[]> {
  const all = await db.getAll('models')
  return all.sort((a, b) => b.addedAt - a.addedAt || (a.id < b.id ? -1 : 1))
}

/** Removes a model and the file contents no other model or dataset uses. */
export async function removeModel(db: EvalzDb, id: string): Promise<void> {
  const tx = db.transaction(['models', 'datasets', 'blobs'], 'readwrite')
  tx.done.catch(() => undefined) // a failed write (quota) is reported by its own request, never as an unhandled rejection
  const model = await tx.objectStore('models').get(id)
  if (model) {
    await tx.objectStore('models').delete(id)
    await deleteUnusedBlobs(tx, model.files.map(f => f.sha256))
  }
  await tx.done
}

/** The bytes of one of a model's files; undefined when the model has no such file or its blob is gone. */
export async function modelFileBlob(db: EvalzDb, model: StoredModel, path: string): Promise<Blob | undefined> {
  const file = model.files.find(f => f.path === normalizePath(path))
  if (!file) return undefined
  return (await db.get('blobs', file.sha256))?.data
}

/** Paths of a model's files whose blob is missing or whose stored size differs from the record. */
export async function verifyModelFiles(db: EvalzDb, model: StoredModel): Promise<string[]> {
  const tx = db.transaction('blobs', 'readonly')
  const blobs = await Promise.all(model.files.map(f => tx.store.get(f.sha256)))
  await tx.done
  return model.files.filter((f, i) => {
    const b = blobs[i]
    return b === undefined || b.size !== f.size || b.data.size !== f.size
  }).map(f => f.path)
}

/**
 * sha256 of the weights for a dtype's file suffix ('' for fp32, '_q4', …), exactly as the CLI computes it:
 * the hash of onnx/model<suffix>.onnx when it is the only file, else sha256 over '<name>:<sha256>\n' lines of
 * it and its external data chunks in name order. Undefined when the model has no such file.
 */
export function modelWeightsSha256(files: readonly StoredFile[], dtypeSuffix: string): string | undefined {
  const base = `model${dtypeSuffix}.onnx`
  const parts = files
    .filter(f => f.path.startsWith('onnx/') && !f.path.slice(5).includes('/'))
    .map(f => ({ name: f.path.slice(5), sha256: f.sha256 }))
    .filter(f => f.name === base || f.name.startsWith(`${base}_data`))
    .sort((a, b) => (a.name < b.name ? -1 : 1))
  if (!parts.some(p => p.name === base)) return undefined
  if (parts.length === 1) return parts[0].sha256
  return sha256Hex(parts.map(p => `${p.name}:${p.sha256}\n`).join(''))
}

/** The dtype file suffixes a model has weights for ('' = onnx/model.onnx, '_q4' = onnx/model_q4.onnx, …). */
export function weightVariants(model: StoredModel): string[] {
  return model.files.map(f => ONNX_MODEL.exec(f.path)?.[1]).filter((n): n is string => n !== undefined)
    .map(n => n.slice('model'.length, -'.onnx'.length)).sort()
}

/** A transformers.js custom cache over stored model files. */
export interface StoredModelCache {
  /** a Response with the file's bytes (and content-length) for a key naming a stored model's file; undefined otherwise */
  match(key: string): Promise<Response | undefined>
  /** ignored: stored models are never downloaded */
  put(key: string, response: Response): Promise<void>
}

/**
 * transformers.js custom cache (env.customCache) serving stored models' files. Keys look like
 * '/models/<id>/<path>' or '<host>/<id>/resolve/<revision>/<path>': the '<id>/' segment is matched against
 * `models()`, then the path after it.
 */
export function modelFileCache(db: EvalzDb, models: () => readonly StoredModel[]): StoredModelCache {
  return {
    async match(key) {
      const hit = findModelFile(key, models())
      if (!hit) return undefined
      const blob = (await db.get('blobs', hit.sha256))?.data
      if (!blob) return undefined
      const type = hit.path.endsWith('.json') ? 'application/json' : 'application/octet-stream'
      return new Response(blob, { headers: { 'content-length': String(blob.size), 'content-type': type } })
    },
    async put() {},
  }
}

/**
 * The stored file a cache key names, if any. An id may span segments ('owner/name@1a2b3c4d' for Hub models);
 * ids with more segments are tried first.
 */
export function findModelFile(key: string, models: readonly StoredModel[]): StoredModelFile | undefined {
  const segments = key.split(/[?#]/)[0].split('/')
  const ordered = [...models].sort((a, b) => b.id.split('/').length - a.id.split('/').length)
  for (const model of ordered) {
    const at = indexOfRun(segments, model.id.split('/'))
    if (at < 0) continue
    let rest = segments.slice(at + model.id.split('/').length)
    if (rest[0] === 'resolve' && rest.length > 2) rest = rest.slice(2)
    const path = normalizePath(rest.join('/'))
    const file = model.files.find(f => f.path === path) ?? model.files.find(f => f.path === safeDecode(path))
    if (file) return file
  }
  return undefined
}

/** Where `run` first occurs as consecutive items of `segments`, or -1. */
function indexOfRun(segments: readonly string[], run: readonly string[]): number {
  for (let i = 0; i + run.length <= segments.length; i++) {
    if (run.every((s, j) => segments[i + j] === s)) return i
  }
  return -1
}

/** The folder holding the shallowest config.json; without one, the folder every path shares ('' if none). */
function rootOf(paths: readonly string[]): string {
  const configs = paths.filter(p => p === 'config.json' || p.endsWith('/config.json'))
    .sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1))
  if (configs.length > 0) return configs[0].slice(0, -'config.json'.length).replace(/\/$/, '')
  const firsts = new Set(paths.map(p => (p.includes('/') ? p.split('/')[0] : '')))
  return firsts.size === 1 ? [...firsts][0] : ''
}

/** Paths under `root`, relative to it. */
function underRoot(paths: readonly string[], root: string): string[] {
  if (root === '') return [...paths]
  return paths.filter(p => p.startsWith(`${root}/`)).map(p => p.slice(root.length + 1))
}

/** Name of external data chunk `i` of an .onnx file: model.onnx_data, model.onnx_data_1, … (transformers.js naming). */
function chunkName(base: string, i: number): string {
  return `${base}_data${i === 0 ? '' : `_${i}`}`
}

/** config.json's transformers.js_config.use_external_data_format, if any. */
function externalDataConfig(config: unknown): unknown {
  if (typeof config !== 'object' || config === null) return undefined
  const tjs = (config as Record<string, unknown>)['transformers.js_config']
  if (typeof tjs !== 'object' || tjs === null) return undefined
  return (tjs as Record<string, unknown>).use_external_data_format
}

/** How many external data chunks transformers.js loads for `base` (e.g. 'model_q4.onnx') under that setting. */
function chunkCount(setting: unknown, base: string): number {
  if (!setting) return 0
  if (typeof setting === 'object') {
    const map = setting as Record<string, unknown>
    const stem = 'model'
    const v = Object.hasOwn(map, base) ? map[base] : Object.hasOwn(map, stem) ? map[stem] : 0
    return Number(v) || 0
  }
  return Number(setting) || 0
}

/** Parses config.json; MODEL_INVALID when it is not a JSON object. */
async function parseConfig(blob: Blob, root: string): Promise<unknown> {
  let config: unknown
  try {
    config = JSON.parse(await blob.text())
  } catch (e) {
    throw new HarnessError('MODEL_INVALID', `${root ? `${root}/` : ''}config.json is not valid JSON (${(e as Error).message}); ${MODEL_FOLDER_HINT}`, { file: 'config.json' })
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new HarnessError('MODEL_INVALID', `${root ? `${root}/` : ''}config.json is not a JSON object; ${MODEL_FOLDER_HINT}`, { file: 'config.json' })
  }
  return config
}

/** The last segment of config.json's _name_or_path, if it has one. */
function nameFromConfig(config: unknown): string | undefined {
  const v = (config as { _name_or_path?: unknown } | undefined)?._name_or_path
  if (typeof v !== 'string') return undefined
  const last = normalizePath(v).split('/').pop()
  return last || undefined
}

/** Weights hash of the default variant: onnx/model.onnx, else the first onnx/model*.onnx by name ('' without one). */
export function defaultWeightsSha256(files: readonly StoredFile[]): string {
  const variants = files.map(f => ONNX_MODEL.exec(f.path)?.[1]).filter((n): n is string => n !== undefined).sort()
  const base = variants.includes('model.onnx') ? 'model.onnx' : variants[0]
  if (base === undefined) return ''
  return modelWeightsSha256(files, base.slice('model'.length, -'.onnx'.length)) ?? ''
}

/** Keeps the last file dropped for each path. */
function dedupeByPath(files: { path: string; blob: Blob }[]): { path: string; blob: Blob }[] {
  return [...new Map(files.map(f => [f.path, f])).values()]
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path)
  } catch {
    return path
  }
}
