/**
 * Documents from a local mirror of Hub datasets: `<root>/<dataset_path>/<dataset_name or default>/<split>.<ext>`,
 * ext one of jsonl, json, csv, parquet (looked for in that order), read through a FileAccess.
 */
import { HarnessError } from '../core/errors.ts'
import type { Doc, DocSource, SplitRef } from '../core/source.ts'
import { DATA_FORMATS, formatOf, parseDataFile } from './data-file.ts'
import type { DataFormat } from './data-file.ts'
import { displayPath, relSegments } from './file-access.ts'
import type { FileAccess } from './file-access.ts'

/** Config folder name used when a SplitRef has no dataset_name. */
export const DEFAULT_CONFIG = 'default'

/** A split's file, once found. */
interface Located {
  /** path relative to the mirror root, e.g. 'allenai/ai2_arc/ARC-Easy/test.jsonl' */
  readonly relPath: string
  /** its format, from the extension */
  readonly format: DataFormat
  /** its bytes when finding it meant reading it (media that cannot list); dropped once parsed */
  bytes: Uint8Array | undefined
}

/** A DocSource over a mirror; parsed splits are kept in memory (loadSplit returns a fresh array of shared rows). */
export function mirrorSource(files: FileAccess): DocSource {
  const located = new Map<string, Promise<Located | undefined>>()
  const loaded = new Map<string, Promise<Doc[]>>()

  function locateCached(ref: SplitRef): Promise<Located | undefined> {
    const key = refKey(ref)
    let p = located.get(key)
    if (!p) {
      p = locate(files, ref)
      located.set(key, p)
      p.catch(() => located.delete(key))
    }
    return p
  }

  async function load(ref: SplitRef): Promise<Doc[]> {
    const loc = await locateCached(ref)
    if (!loc) throw await missingError(files, ref)
    const bytes = loc.bytes ?? (await files.read(loc.relPath))
    loc.bytes = undefined
    if (!bytes) {
      throw new HarnessError('DATASET_NOT_FOUND', `data file ${displayPath(files, loc.relPath)} disappeared while reading it`, {
        file: loc.relPath,
      })
    }
    return parseDataFile(bytes, loc.format, displayPath(files, loc.relPath))
  }

  return {
    description: files.description,
    async hasSplit(ref) {
      checkRef(ref)
      return loaded.has(refKey(ref)) || (await locateCached(ref)) !== undefined
    },
    async loadSplit(ref) {
      checkRef(ref)
      const key = refKey(ref)
      let p = loaded.get(key)
      if (!p) {
        p = load(ref)
        loaded.set(key, p)
        p.catch(() => {
          loaded.delete(key)
          located.delete(key)
        })
      }
      return (await p).slice()
    },
  }
}

/** Cache key of a SplitRef. */
function refKey(ref: SplitRef): string {
  return JSON.stringify([ref.path, ref.name ?? null, ref.split])
}

/** The folder of a ref's config, relative to the root. */
function configDir(ref: SplitRef): string {
  return `${ref.path}/${ref.name ?? DEFAULT_CONFIG}`
}

/** Throws DATASET_NOT_FOUND when a ref's parts cannot form a path inside the mirror. */
function checkRef(ref: SplitRef): void {
  const okPath = relSegments(ref.path)
  const okName = ref.name === undefined || relSegments(ref.name)?.length === 1
  const okSplit = relSegments(ref.split)?.length === 1
  if (!okPath || okPath.length === 0 || !okName || !okSplit) {
    throw new HarnessError(
      'DATASET_NOT_FOUND',
      `dataset path '${ref.path}', name '${ref.name ?? ''}', split '${ref.split}' cannot name a mirror file` +
        ` (expected 'owner/dataset'-style path segments without '.', '..' or '\\', and a config and split without '/')`,
      { path: ref.path, name: ref.name, split: ref.split },
    )
  }
}

/** Finds a split's file: by listing its config folder when the medium can list, else by trying each extension. */
async function locate(files: FileAccess, ref: SplitRef): Promise<Located | undefined> {
  const dir = configDir(ref)
  if (files.list) {
    const entries = await files.list(dir)
    if (!entries) return undefined
    for (const format of DATA_FORMATS) {
      if (entries.includes(`${ref.split}.${format}`)) return { relPath: `${dir}/${ref.split}.${format}`, format, bytes: undefined }
    }
    return undefined
  }
  for (const format of DATA_FORMATS) {
    const relPath = `${dir}/${ref.split}.${format}`
    const bytes = await files.read(relPath)
    if (bytes) return { relPath, format, bytes }
  }
  return undefined
}

/** The error for a split with no file: names what is there instead, or what path was tried. */
async function missingError(files: FileAccess, ref: SplitRef): Promise<HarnessError> {
  const config = ref.name ?? DEFAULT_CONFIG
  const dir = configDir(ref)
  const detail = { path: ref.path, name: ref.name, split: ref.split, dataDir: files.description }
  const expected = displayPath(files, `${dir}/${ref.split}.jsonl`)
  if (!files.list) {
    return new HarnessError(
      'DATASET_NOT_FOUND',
      `dataset ${ref.path} config ${config} split '${ref.split}' not found in ${files.description}` +
        ` (tried ${expected}, then .json, .csv, .parquet)`,
      { ...detail, tried: DATA_FORMATS.map((f) => `${dir}/${ref.split}.${f}`) },
    )
  }
  const inConfig = await files.list(dir)
  if (inConfig) {
    const splits = unique(inConfig.filter((e) => formatOf(e) !== undefined).map((e) => e.slice(0, e.lastIndexOf('.'))))
    return new HarnessError(
      'DATASET_SPLIT_MISSING',
      `dataset ${ref.path} config ${config} has no split '${ref.split}' in ${files.description}` +
        ` (splits there: ${splits.join(', ') || 'none'})`,
      { ...detail, available: splits },
    )
  }
  const inDataset = await files.list(ref.path)
  if (inDataset) {
    const configs = unique(inDataset.filter(isConfigName))
    const what = ref.name === undefined ? 'no default config' : `no config '${ref.name}'`
    const hint = ref.name === undefined ? '; set dataset_name' : ''
    return new HarnessError(
      'DATASET_NOT_FOUND',
      `dataset ${ref.path} has ${what} in ${files.description} (configs there: ${configs.join(', ') || 'none'}${hint})`,
      { ...detail, available: configs },
    )
  }
  return new HarnessError(
    'DATASET_NOT_FOUND',
    `dataset ${ref.path} not found in ${files.description} (expected ${expected})`,
    { ...detail, expected },
  )
}

/** True for a dataset-folder entry that can be a config (not a dotfile, data file or README-like file). */
function isConfigName(entry: string): boolean {
  return !entry.startsWith('.') && formatOf(entry) === undefined && !/\.(md|txt|yaml|yml)$/i.test(entry)
}

function unique(names: string[]): string[] {
  return [...new Set(names)].sort()
}
