/**
 * Datasets the user drops: a folder in the mirror layout (`<config>/<split>.<ext>`) or one jsonl/json/csv/parquet
 * file with a split name. Bytes go to 'blobs' by content hash; `storedDatasetFiles` reads them back as a mirror
 * (`<name>/<config>/<split>.<ext>`) for src/data/mirror-source.ts.
 */
import { HarnessError } from '../core/errors.ts'
import { sha256Hex } from '../core/hash.ts'
import { deleteUnusedBlobs, hashFiles, isHiddenPath, normalizePath, putBlobs, slugOf } from './blob-store.ts'
import type { DroppedFile } from './blob-store.ts'
import type { EvalzDb } from './db.ts'
import { commit } from './db.ts'
import type { DatasetInfo, DatasetPlacement } from '../protocol/eval-store.ts'

/** A stored dataset (one type with the protocol's DatasetInfo). */
export type StoredDataset = DatasetInfo

/** How to place dropped files that sit at the top level (no config folder): the protocol's DatasetPlacement. */
export type DatasetDropOptions = DatasetPlacement

/** A FileAccess-shaped reader (src/data/file-access.ts) over stored datasets. */
export interface StoredDatasetFiles {
  /** 'stored datasets', for messages */
  readonly description: string
  /** bytes of '<name>/<config>/<split>.<ext>'; undefined when not stored */
  read(relPath: string): Promise<Uint8Array | undefined>
  /** entry names in a folder of the virtual mirror ('' = root); undefined when there is no such folder */
  list(relDir: string): Promise<string[] | undefined>
}

/** Data file extensions a mirror reads. */
const DATA_EXTENSIONS = ['jsonl', 'json', 'csv', 'parquet']
/** Hub metadata files that are not splits. */
const METADATA_FILES = new Set(['dataset_infos.json', 'dataset_info.json', 'dataset_dict.json', 'state.json'])
const CONFIG_DEFAULT = 'default'

/**
 * Stores dropped data files under a dataset name. A file's config is its parent folder (a parent named like
 * the dataset itself, or none, means `opts.config` or 'default') and its split is the file name without
 * extension (or `opts.split`, for a single file). Adding to an existing name adds or replaces files.
 */
export async function addDatasetFiles(
  db: EvalzDb, name: string, files: readonly DroppedFile[], opts: DatasetDropOptions = {},
): Promise<StoredDataset> {
  const datasetName = checkName(name)
  const data = files
    .map(f => ({ path: normalizePath(f.path), blob: f.blob }))
    .filter(f => f.path !== '' && !isHiddenPath(f.path) && extOf(f.path) !== undefined && !METADATA_FILES.has(baseOf(f.path)))
  if (data.length === 0) {
    throw new HarnessError('DATASET_NOT_FOUND', `no data file among the ${files.length} dropped for dataset '${datasetName}'` +
      ` (expected <config>/<split>.jsonl|json|csv|parquet, or one such file with a split name)`, { dataset: datasetName })
  }
  if (opts.split !== undefined && data.length > 1) {
    throw new HarnessError('USAGE', `a split name ('${opts.split}') applies to one dropped data file; ${data.length} were dropped (name each <split>.<ext> inside <config>/ folders instead)`, {
      dataset: datasetName, split: opts.split,
    })
  }
  const lastName = datasetName.split('/').pop()!
  const placed = data.map(f => {
    const segs = f.path.split('/')
    const file = segs[segs.length - 1]
    const parent = segs.length >= 2 ? segs[segs.length - 2] : undefined
    const config = parent === undefined || parent === lastName ? (opts.config ?? CONFIG_DEFAULT) : parent
    const split = opts.split ?? file.slice(0, file.lastIndexOf('.'))
    checkSegment(config, 'config', datasetName)
    checkSegment(split, 'split', datasetName)
    return { path: `${config}/${split}.${extOf(f.path)}`, blob: f.blob }
  })
  const hashed = await hashFiles([...new Map(placed.map(p => [p.path, p])).values()])
  const id = `${slugOf(datasetName, 'dataset')}-${sha256Hex(datasetName).slice(0, 8)}`
  const tx = db.transaction(['datasets', 'models', 'blobs'], 'readwrite')
  return commit(tx, async () => {
    const store = tx.objectStore('datasets')
    const before = await store.get(id)
    const merged = new Map((before?.files ?? []).map(f => [f.path, f]))
    for (const h of hashed) merged.set(h.path, { path: h.path, sha256: h.sha256, size: h.size })
    const record: StoredDataset = {
      id,
      name: datasetName,
      files: [...merged.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
      addedAt: Date.now(),
    }
    await putBlobs(tx, hashed)
    await store.put(record)
    if (before) await deleteUnusedBlobs(tx, before.files.map(f => f.sha256))
    return record
  })
}

/** Stored datasets, newest first. */
export async function listDatasets(db: EvalzDb): Promise<StoredDataset[]> {
  return (await db.getAll('datasets')).sort((a, b) => b.addedAt - a.addedAt || (a.id < b.id ? -1 : 1))
}

/** Removes a dataset and the file contents nothing else uses. */
export async function removeDataset(db: EvalzDb, id: string): Promise<void> {
  const tx = db.transaction(['datasets', 'models', 'blobs'], 'readwrite')
  tx.done.catch(() => undefined) // a failed write (quota) is reported by its own request, never as an unhandled rejection
  const d = await tx.objectStore('datasets').get(id)
  if (d) {
    await tx.objectStore('datasets').delete(id)
    await deleteUnusedBlobs(tx, d.files.map(f => f.sha256))
  }
  await tx.done
}

/**
 * Moves the files of config `from` of a stored dataset to config `to` (e.g. 'default' → 'ARC-Easy', when a task
 * reads the dataset under a config the files were not dropped under). The bytes stay where they are; only paths
 * change. Refuses (DATASET_NOT_FOUND) an unknown dataset or config and a `to` that is not a plain name, and (USAGE)
 * a `to` that already holds a split of the same name, naming it, so nothing is overwritten.
 */
export async function renameDatasetConfig(db: EvalzDb, id: string, from: string, to: string): Promise<StoredDataset> {
  const tx = db.transaction(['datasets'], 'readwrite')
  const store = tx.objectStore('datasets')
  const d = await store.get(id)
  if (!d) throw new HarnessError('DATASET_NOT_FOUND', `no stored dataset has id '${id}' (it may have been deleted; reload the page)`, { id })
  const configs = [...new Set(d.files.map(f => f.path.split('/')[0]))].sort()
  if (!configs.includes(from)) {
    throw new HarnessError('DATASET_NOT_FOUND', `stored dataset '${d.name}' has no config '${from}' (it has: ${configs.join(', ')})`, {
      dataset: d.name, config: from, configs,
    })
  }
  const target = to.trim()
  checkSegment(target, 'config', d.name)
  if (target === from) return d
  const moved = d.files.filter(f => f.path.split('/')[0] === from).map(f => ({ ...f, path: `${target}/${f.path.slice(from.length + 1)}` }))
  const taken = new Set(d.files.map(f => f.path))
  const clash = moved.find(f => taken.has(f.path))
  if (clash) {
    throw new HarnessError('USAGE', `stored dataset '${d.name}' already has ${clash.path}; renaming config '${from}' to '${target}' would replace it: pick another name`, {
      dataset: d.name, path: clash.path,
    })
  }
  const files = [...d.files.filter(f => f.path.split('/')[0] !== from), ...moved].sort((a, b) => (a.path < b.path ? -1 : 1))
  const record: StoredDataset = { ...d, files }
  await store.put(record)
  await tx.done
  return record
}

/** Every stored dataset as one read-only mirror laid out '<name>/<config>/<split>.<ext>' (read fresh on each call). */
export function storedDatasetFiles(db: EvalzDb): StoredDatasetFiles {
  async function entries(): Promise<{ path: string; sha256: string }[]> {
    return (await db.getAll('datasets')).flatMap(d => d.files.map(f => ({ path: `${d.name}/${f.path}`, sha256: f.sha256 })))
  }
  return {
    description: 'stored datasets',
    async read(relPath) {
      const want = normalizePath(relPath)
      const hit = (await entries()).find(e => e.path === want)
      if (!hit) return undefined
      const blob = (await db.get('blobs', hit.sha256))?.data
      return blob ? new Uint8Array(await blob.arrayBuffer()) : undefined
    },
    async list(relDir) {
      const dir = normalizePath(relDir)
      const prefix = dir === '' ? '' : `${dir}/`
      const names = (await entries()).filter(e => e.path.startsWith(prefix)).map(e => e.path.slice(prefix.length).split('/')[0])
      return names.length === 0 ? undefined : [...new Set(names)].sort()
    },
  }
}

/** A dataset name as a '/'-separated path; DATASET_NOT_FOUND when it cannot name a mirror folder. */
function checkName(name: string): string {
  const segs = name.split('/')
  if (name === '' || segs.some(s => s === '' || s === '.' || s === '..' || s.includes('\\') || s.startsWith('.'))) {
    throw new HarnessError('DATASET_NOT_FOUND', `dataset name '${name}' cannot name a mirror folder (expected 'owner/dataset'-style path segments without '.', '..' or '\\')`, { dataset: name })
  }
  return name
}

/** Checks a config or split name is one plain path segment. */
function checkSegment(value: string, what: 'config' | 'split', dataset: string): void {
  if (value === '' || value.includes('/') || value.includes('\\') || value === '.' || value === '..' || value.startsWith('.')) {
    throw new HarnessError('DATASET_NOT_FOUND', `${what} name '${value}' for dataset '${dataset}' is not a plain folder or file name`, { dataset, [what]: value })
  }
}

function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The data extension of a path (lowercased), undefined for other files. */
function extOf(path: string): string | undefined {
  const base = baseOf(path)
  const dot = base.lastIndexOf('.')
  if (dot <= 0) return undefined
  const ext = base.slice(dot + 1).toLowerCase()
  return DATA_EXTENSIONS.includes(ext) ? ext : undefined
}
