import { describe, expect, it } from 'vitest'
import type { LoglikelihoodRequest } from '../../src/core/requests.ts'
import { cachingBackend, memoryResponseCache, requestKey } from '../../src/core/response-cache.ts'
import { HarnessError } from '../../src/core/errors.ts'
import { fakeBackend } from './fake-backend.ts'

const reqs: LoglikelihoodRequest[] = ['a', 'bb', 'ccc', 'dddd'].map(c => ({ kind: 'loglikelihood', context: 'Q:', continuation: ` ${c}` }))

describe('cachingBackend', () => {
  it('answers cached requests without the model and sends only the misses', async () => {
    const cache = memoryResponseCache()
    const inner = fakeBackend()
    const first = cachingBackend(inner, cache)
    const a = await first.loglikelihood(reqs.slice(0, 2), { batchSize: 2 })
    expect(cache.size).toBe(2)
    const second = cachingBackend(inner, cache)
    const seen: number[] = []
    const b = await second.loglikelihood(reqs, { batchSize: 2, onResult: i => seen.push(i) })
    expect(b.slice(0, 2)).toEqual(a)
    expect(inner.calls).toEqual(['loglikelihood:2', 'loglikelihood:2'])
    expect(second.stats).toEqual({ hits: 2, misses: 2 })
    expect(seen.sort()).toEqual([0, 1, 2, 3])
    expect(b.map(r => r.logprob)).toEqual([-0.2, -0.3, -0.4, -0.5])
  })

  it('keeps answers that arrived before a crash, so a rerun recomputes none of them', async () => {
    const cache = memoryResponseCache()
    const inner = fakeBackend()
    let n = 0
    const crashing = {
      ...inner,
      async loglikelihood(rs: readonly LoglikelihoodRequest[], opts: Parameters<typeof inner.loglikelihood>[1]) {
        const out = await inner.loglikelihood(rs, { batchSize: 1 })
        for (let i = 0; i < out.length; i++) {
          if (n++ === 3) throw new HarnessError('BACKEND_ERROR', 'worker crashed')
          opts.onResult?.(i, out[i])
        }
        return out
      },
    }
    await expect(cachingBackend(crashing, cache).loglikelihood(reqs, { batchSize: 1 })).rejects.toThrow('crashed')
    expect(cache.size).toBe(3)
    const counting = fakeBackend()
    await cachingBackend(counting, cache).loglikelihood(reqs, { batchSize: 1 })
    expect(counting.calls).toEqual(['loglikelihood:1'])
  })

  it('reports progress only once the answers it counts are stored', async () => {
    const stored = memoryResponseCache()
    const pending: (() => void)[] = []
    const slow = {
      get: stored.get,
      put: (entries: Parameters<typeof stored.put>[0]) => new Promise<void>(resolve => {
        pending.push(() => void stored.put(entries).then(resolve))
      }),
    }
    const inner = fakeBackend()
    const stepping = {
      ...inner,
      async loglikelihood(rs: readonly LoglikelihoodRequest[], opts: Parameters<typeof inner.loglikelihood>[1]) {
        const out = await inner.loglikelihood(rs, { batchSize: 1 })
        out.forEach((r, i) => {
          opts.onResult?.(i, r)
          opts.onProgress?.({ done: i + 1, total: rs.length, tokens: i + 1 })
        })
        return out
      },
    }
    const shown: { done: number; stored: number }[] = []
    const call = cachingBackend(stepping, slow).loglikelihood(reqs, {
      batchSize: 1,
      onProgress: p => shown.push({ done: p.done, stored: stored.size }),
    })
    await new Promise(r => setTimeout(r, 10))
    expect(shown).toEqual([])
    while (pending.length > 0 || shown.length < reqs.length) {
      pending.shift()?.()
      await new Promise(r => setTimeout(r, 0))
    }
    await call
    expect(shown).toEqual([1, 2, 3, 4].map(n => ({ done: n, stored: n })))
  })

  it('keys requests by model identity and arguments', () => {
    expect(requestKey(reqs[0], 'm1')).not.toBe(requestKey(reqs[0], 'm2'))
    expect(requestKey(reqs[0], 'm1')).not.toBe(requestKey(reqs[1], 'm1'))
    expect(requestKey(reqs[0], 'm1')).toMatch(/^[0-9a-f]{64}$/)
  })
})
