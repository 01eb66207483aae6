import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it } from 'vitest'
import type { LoglikelihoodRequest, ModelResponse } from '../../src/core/requests.ts'
import { cachingBackend } from '../../src/core/response-cache.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import { idbResponseCache } from '../../src/storage/response-store.ts'
import { fakeBackend } from '../core/fake-backend.ts'

const reqs: LoglikelihoodRequest[] = ['a', 'bb', 'ccc', 'dddd'].map(c => ({ kind: 'loglikelihood', context: 'Q:', continuation: ` ${c}` }))

describe('idbResponseCache', () => {
  it('round-trips responses by key, misses as undefined, in key order', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const cache = idbResponseCache(db)
    const a: ModelResponse = { logprob: -1.25, isGreedy: true, contextTokens: [1, 2], continuationTokens: [3] }
    const b: ModelResponse = { text: ' 42', contextTokens: [1], generatedTokens: [7, 8] }
    expect(await cache.get(['k1', 'k2'])).toEqual([undefined, undefined])
    await cache.put([{ key: 'k1', response: a }, { key: 'k2', response: b }])
    await cache.put([])
    expect(await cache.get(['k2', 'nope', 'k1'])).toEqual([b, undefined, a])
    expect(await cache.get([])).toEqual([])
    expect(await cache.count()).toBe(2)
    await cache.put([{ key: 'k1', response: b }])
    expect(await cache.get(['k1'])).toEqual([b])
    expect(await cache.count()).toBe(2)
    await cache.clear()
    expect(await cache.count()).toBe(0)
    db.close()
  })

  it('lets cachingBackend resume: a second run over a reopened database makes no model calls', async () => {
    const factory = new IDBFactory()
    const name = 'resume'
    const db1 = await openEvalzDb({ factory, name })
    const first = fakeBackend()
    const out1 = await cachingBackend(first, idbResponseCache(db1)).loglikelihood(reqs, { batchSize: 2 })
    expect(first.calls).toEqual(['loglikelihood:4'])
    db1.close()

    const db2 = await openEvalzDb({ factory, name })
    const second = fakeBackend()
    const wrapped = cachingBackend(second, idbResponseCache(db2))
    const out2 = await wrapped.loglikelihood(reqs, { batchSize: 2 })
    expect(second.calls).toEqual([])
    expect(wrapped.stats).toEqual({ hits: 4, misses: 0 })
    expect(out2).toEqual(out1)
    expect(out2.map(r => r.logprob)).toEqual([-0.2, -0.3, -0.4, -0.5])
    db2.close()
  })
})
