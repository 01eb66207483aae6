/**
 * cachedSource: cached splits come from the cache without touching the remote; others are fetched once, saved as
 * JSONL and read back identically; offline, uncached splits are reported as missing with how to cache them.
 */
import { describe, expect, it } from 'vitest'
import { cachedSource } from '../../src/data/cached-source.ts'
import type { CachedOrigin, DatasetCache } from '../../src/data/cached-source.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import type { Doc, DocSource, SplitRef } from '../../src/core/source.ts'
import { checkSplits } from '../../src/core/suite-check.ts'
import { isHarnessError } from '../../src/core/errors.ts'
import type { TaskSpec } from '../../src/core/tasks/task-spec.ts'

/** A DatasetCache in memory: saved JSONL is served back through a mirror. */
function memoryCache(): DatasetCache & { files: Map<string, string>; origins: CachedOrigin[] } {
  const files = new Map<string, string>()
  const origins: CachedOrigin[] = []
  const access = {
    description: 'memory cache',
    async read(rel: string) {
      const text = files.get(rel)
      return text === undefined ? undefined : new TextEncoder().encode(text)
    },
  }
  return {
    description: 'memory cache',
    files,
    origins,
    get source() {
      return mirrorSource(access)
    },
    async save(ref, jsonl, origin) {
      files.set(`${ref.path}/${ref.name ?? 'default'}/${ref.split}.jsonl`, jsonl)
      origins.push(origin)
    },
  }
}

/** A remote with one split, counting calls. */
function remote(rows: Doc[]): DocSource & { loads: number } {
  const r = {
    description: 'the mock Hub',
    loads: 0,
    async hasSplit(ref: SplitRef) {
      return ref.split === 'test'
    },
    async loadSplit(ref: SplitRef) {
      r.loads++
      if (ref.split !== 'test') throw new Error('no such split')
      return rows.map(d => ({ ...d }))
    },
  }
  return r
}

const REF: SplitRef = { path: 'me/qa', name: undefined, split: 'test' }
const ROWS: Doc[] = [{ q: 'a "quoted" ☃', a: 1, xs: [1.5, 2], o: { k: null } }, { q: 'b', a: 0, xs: [], o: { k: true } }]

describe('cachedSource', () => {
  it('fetches an uncached split once, caches it as JSONL and serves it back equal', async () => {
    const cache = memoryCache()
    const hub = remote(ROWS)
    const source = cachedSource({ cache, remote: hub, now: () => 42 })
    expect(await source.loadSplit(REF)).toEqual(ROWS)
    expect(await source.loadSplit(REF)).toEqual(ROWS)
    expect(hub.loads).toBe(1)
    expect(cache.files.get('me/qa/default/test.jsonl')?.trim().split('\n')).toHaveLength(2)
    expect(cache.origins).toEqual([{ source: 'the mock Hub', rows: 2, fetchedAt: 42 }])
    const again = cachedSource({ cache, remote: hub })
    expect(await again.loadSplit(REF)).toEqual(ROWS)
    expect(hub.loads).toBe(1)
  })

  it('offline: cached splits load; uncached ones fail the pre-flight naming them and how to cache them', async () => {
    const cache = memoryCache()
    await cachedSource({ cache, remote: remote(ROWS) }).loadSplit(REF)
    const offline = cachedSource({ cache, remote: undefined, offlineReason: 'this run is offline (--offline)' })
    expect(await offline.loadSplit(REF)).toEqual(ROWS)
    expect(await offline.hasSplit({ ...REF, split: 'train' })).toBe(false)
    const spec = { task: 'qa', dataset_path: 'me/qa', test_split: 'validation', output_type: 'multiple_choice' } as unknown as TaskSpec
    const e = await checkSplits([spec], offline, 0).then(() => undefined, (err: unknown) => err)
    expect(isHarnessError(e)).toBe(true)
    expect((e as Error).message).toBe(
      "1 dataset split(s) missing in the memory cache (offline): qa: eval split 'validation' of me/qa; " +
        'this run is offline (--offline): run once with the network on to cache them',
    )
    const load = await offline.loadSplit({ ...REF, split: 'validation' }).then(() => undefined, (err: unknown) => err)
    expect((load as Error).message).toContain('dataset me/qa (config default, split validation) is not in the memory cache')
  })

  it('a failed fetch is not cached and is retried', async () => {
    const cache = memoryCache()
    let fail = true
    const flaky: DocSource = {
      description: 'flaky',
      hasSplit: async () => true,
      loadSplit: async () => {
        if (fail) throw new Error('network down')
        return ROWS
      },
    }
    const source = cachedSource({ cache, remote: flaky })
    await expect(source.loadSplit(REF)).rejects.toThrow('network down')
    expect(cache.files.size).toBe(0)
    fail = false
    expect(await source.loadSplit(REF)).toEqual(ROWS)
  })
})
