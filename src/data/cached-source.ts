/**
 * A DocSource that reads through a local dataset cache: splits already cached come from the cache (no network);
 * others come from the remote source (the Hub) and are written to the cache as JSONL, so the next run — online or
 * offline — reads them locally. Offline (no remote), a split that is not cached fails in one line naming it and
 * how to fill the cache.
 */
import { HarnessError } from '../core/errors.ts'
import type { Doc, DocSource, SplitRef } from '../core/source.ts'
import { DEFAULT_CONFIG } from './mirror-source.ts'

/** Where fetched splits are kept. */
export interface DatasetCache {
  /** 'dataset cache ~/.cache/evalz/datasets', for messages */
  readonly description: string
  /** the cached splits, read as a mirror (src/data/mirror-source.ts over the cache) */
  readonly source: DocSource
  /** stores one split's rows (JSONL, one row per line) and where it came from */
  save(ref: SplitRef, jsonl: string, origin: CachedOrigin): Promise<void>
  /** where a cached split came from; undefined when not recorded */
  originOf?(ref: SplitRef): Promise<CachedOrigin | undefined>
}

/** Where a cached split came from, kept beside it. */
export interface CachedOrigin {
  /** the source's description, e.g. 'the Hugging Face Hub at https://huggingface.co' */
  readonly source: string
  /** the dataset repo's commit, when the source knew it */
  readonly revision?: string
  /** rows in the split */
  readonly rows: number
  /** when it was fetched, unix milliseconds */
  readonly fetchedAt: number
}

/** Options of cachedSource. */
export interface CachedSourceOptions {
  /** the cache */
  readonly cache: DatasetCache
  /** where uncached splits come from; undefined = offline (cache only) */
  readonly remote: DocSource | undefined
  /** wall clock, unix milliseconds (default Date.now) */
  readonly now?: () => number
  /** says why a split is unavailable offline, e.g. 'this run is offline (--offline)'; default 'offline' */
  readonly offlineReason?: string
}

/** The cache first, then the remote source (saving what it returns). */
export function cachedSource(opts: CachedSourceOptions): DocSource {
  const { cache, remote } = opts
  const now = opts.now ?? (() => Date.now())
  const reason = opts.offlineReason ?? 'offline'

  function notCached(ref: SplitRef): HarnessError {
    const config = ref.name ?? DEFAULT_CONFIG
    return new HarnessError(
      'HUB_UNAVAILABLE',
      `dataset ${ref.path} (config ${config}, split ${ref.split}) is not in the ${cache.description} and ${reason}; ` +
        'run once with the network on to cache it',
      { path: ref.path, name: ref.name, split: ref.split },
    )
  }

  /** splits fetched or read in this run, so a split used twice is fetched once */
  const loaded = new Map<string, Promise<Doc[]>>()

  async function load(ref: SplitRef): Promise<Doc[]> {
    if (await cache.source.hasSplit(ref)) return cache.source.loadSplit(ref)
    if (!remote) throw notCached(ref)
    const docs = await remote.loadSplit(ref)
    const jsonl = docs.map(d => JSON.stringify(d)).join('\n') + (docs.length > 0 ? '\n' : '')
    const revision = (await remote.originOf?.(ref))?.revision
    await cache.save(ref, jsonl, { source: remote.description, ...(revision ? { revision } : {}), rows: docs.length, fetchedAt: now() })
    return docs
  }

  return {
    description: remote ? `${remote.description} (cached in the ${cache.description})` : `the ${cache.description} (offline)`,
    ...(remote ? {} : { missingHint: `${reason}: run once with the network on to cache them` }),
    async hasSplit(ref) {
      if (await cache.source.hasSplit(ref)) return true
      return remote ? remote.hasSplit(ref) : false
    },
    async originOf(ref) {
      const o = await cache.originOf?.(ref)
      return o === undefined ? undefined : { source: o.source, ...(o.revision ? { revision: o.revision } : {}), fetchedAt: o.fetchedAt }
    },
    async loadSplit(ref) {
      const key = JSON.stringify([ref.path, ref.name ?? null, ref.split])
      let p = loaded.get(key)
      if (!p) {
        p = load(ref)
        loaded.set(key, p)
        p.catch(() => loaded.delete(key))
      }
      return [...(await p)]
    },
  }
}
