/**
 * The CLI's dataset cache: splits fetched from the Hub, kept as a local mirror under
 * `<cacheDir>/datasets/<dataset_path>/<config>/<split>.jsonl`, with `<cacheDir>/datasets-index.json` recording
 * where and when each split was fetched. Runs read it before the Hub, and `--offline` runs read only it.
 */
import { mkdirSync } from 'node:fs'
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { SplitRef } from '../core/source.ts'
import type { CachedOrigin, DatasetCache } from '../data/cached-source.ts'
import { DEFAULT_CONFIG, mirrorSource } from '../data/mirror-source.ts'
import { relSegments } from '../data/file-access.ts'
import { HarnessError } from '../core/errors.ts'
import { nodeFileAccess } from './node-file-access.ts'
import { defaultCacheDir } from './hub-model-cache.ts'

/** One cached split in the index. */
export interface CachedSplitEntry extends CachedOrigin {
  /** path under `<cacheDir>/datasets`, e.g. 'allenai/ai2_arc/ARC-Easy/test.jsonl' */
  readonly file: string
  /** bytes of the JSONL file */
  readonly bytes: number
}

/** The cache root: --cache-dir, else $EVALZ_CACHE, else ~/.cache/evalz. */
export function cacheRoot(flag: string | undefined, env: Record<string, string | undefined> = process.env): string {
  return flag === undefined ? defaultCacheDir(env) : resolve(flag)
}

/** A DatasetCache over `<cacheDir>/datasets` (the folder is created). */
export function nodeDatasetCache(cacheDir: string): DatasetCache {
  const root = join(cacheDir, 'datasets')
  mkdirSync(root, { recursive: true })
  const indexPath = join(cacheDir, 'datasets-index.json')
  return {
    description: `dataset cache ${root}`,
    source: mirrorSource({ ...nodeFileAccess(root), description: `dataset cache ${root}` }),
    async save(ref, jsonl, origin) {
      const rel = relPathOf(ref)
      const path = join(root, ...rel.split('/'))
      await mkdir(dirname(path), { recursive: true })
      const tmp = `${path}.incomplete`
      await writeFile(tmp, jsonl)
      await rename(tmp, path)
      const index = await readIndex(indexPath)
      index[rel] = { ...origin, file: rel, bytes: Buffer.byteLength(jsonl) }
      await writeFile(`${indexPath}.incomplete`, JSON.stringify(index, null, 2) + '\n')
      await rename(`${indexPath}.incomplete`, indexPath)
    },
    async originOf(ref) {
      return (await readIndex(indexPath))[relPathOf(ref)]
    },
  }
}

/** The index of cached splits (empty when there is none yet). */
export async function readIndex(indexPath: string): Promise<Record<string, CachedSplitEntry>> {
  try {
    return JSON.parse(await readFile(indexPath, 'utf8')) as Record<string, CachedSplitEntry>
  } catch {
    return {}
  }
}

/** '<path>/<config>/<split>.jsonl' for a split; a name that cannot be a path is refused in one line. */
function relPathOf(ref: SplitRef): string {
  const rel = `${ref.path}/${ref.name ?? DEFAULT_CONFIG}/${ref.split}.jsonl`
  if (!relSegments(rel)) throw new HarnessError('DATASET_NOT_FOUND', `dataset ${ref.path} config ${ref.name} split ${ref.split} cannot be cached under a file path`, { rel })
  return rel
}
