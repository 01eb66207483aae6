/**
 * Resumable runs: a cache of model responses keyed by the request and the model that answered it (lm-eval's
 * CachingLM idea). A backend wrapped with `cachingBackend` answers cached requests without the model, sends only
 * the misses to it, and stores each new answer as soon as it arrives, so a reload or crash recomputes nothing
 * that finished.
 */
import type { BatchOptions, ModelBackend } from './backend.ts'
import type { ModelRequest, ModelResponse } from './requests.ts'
import { sha256Hex } from './hash.ts'
import { pyJsonDumps } from './python/json.ts'

/** Storage for responses (IndexedDB in the browser, memory in tests). */
export interface ResponseCache {
  /** responses for the keys, undefined for misses, in key order */
  get(keys: readonly string[]): Promise<(ModelResponse | undefined)[]>
  /** stores answers; called as they arrive */
  put(entries: readonly { readonly key: string; readonly response: ModelResponse }[]): Promise<void>
}

/**
 * The cache key of a request: sha256 over the model identity (weights hash, dtype, device, max length) and
 * the request's kind and arguments.
 */
export function requestKey(request: ModelRequest, modelKey: string): string {
  const args = request.kind === 'loglikelihood'
    ? [request.context, request.continuation]
    : request.kind === 'loglikelihood_rolling' ? [request.text] : [request.context, request.gen]
  return sha256Hex(pyJsonDumps([modelKey, request.kind, args]))
}

/** The identity part of the cache key for a backend. */
export function modelKeyOf(backend: ModelBackend): string {
  const i = backend.info
  return [i.model, i.modelSha256 ?? '', i.dtype, i.device, String(i.maxLength)].join('|')
}

/** Counts of one run's cache use. */
export interface CacheStats {
  /** requests answered from the cache */
  hits: number
  /** requests sent to the model */
  misses: number
}

/** Wraps `inner` so cached requests skip the model; `stats` counts hits and misses over the wrapper's life. */
export function cachingBackend(inner: ModelBackend, cache: ResponseCache, modelKey = modelKeyOf(inner)): ModelBackend & { stats: CacheStats } {
  const stats: CacheStats = { hits: 0, misses: 0 }
  async function call<Q extends ModelRequest, R extends ModelResponse>(
    reqs: readonly Q[], opts: BatchOptions<R>, run: (misses: Q[], o: BatchOptions<R>) => Promise<R[]>,
  ): Promise<R[]> {
    const keys = reqs.map(r => requestKey(r, modelKey))
    const cached = await cache.get(keys)
    const out: (R | undefined)[] = cached.map(c => c as R | undefined)
    const missIdx: number[] = []
    out.forEach((r, i) => {
      if (r === undefined) missIdx.push(i)
      else opts.onResult?.(i, r)
    })
    stats.hits += reqs.length - missIdx.length
    stats.misses += missIdx.length
    const hits = reqs.length - missIdx.length
    if (hits > 0) opts.onProgress?.({ done: hits, total: reqs.length, tokens: 0 })
    if (missIdx.length > 0) {
      // answers are written in one transaction per forward pass (flushed on progress) and once more at the end;
      // a progress event is passed on only once the answers it counts are stored, so whatever the progress view
      // shows as finished survives a reload or crash
      let buffer: { key: string; response: ModelResponse }[] = []
      const writes: Promise<void>[] = []
      let reported: Promise<void> = Promise.resolve()
      const flush = (): Promise<void> => {
        if (buffer.length === 0) return Promise.resolve()
        const write = cache.put(buffer)
        writes.push(write)
        buffer = []
        return write
      }
      let answers: R[]
      try {
        answers = await run(missIdx.map(i => reqs[i]), {
          batchSize: opts.batchSize,
          signal: opts.signal,
          onProgress: p => {
            const write = flush()
            const event = { done: hits + p.done, total: reqs.length, tokens: p.tokens }
            // in order, after this write and every earlier one; a failed write reports nothing (the call fails)
            reported = reported.then(() => write).then(() => opts.onProgress?.(event), () => undefined)
          },
          onResult: (j, r) => {
            const i = missIdx[j]
            out[i] = r
            buffer.push({ key: keys[i], response: r })
            opts.onResult?.(i, r)
          },
        })
      } finally {
        // a failed call still keeps what was answered before it failed
        flush()
        await Promise.all(writes)
        await reported
      }
      answers.forEach((r, j) => {
        const i = missIdx[j]
        if (out[i] !== undefined) return
        out[i] = r
        buffer.push({ key: keys[i], response: r })
        opts.onResult?.(i, r)
      })
      flush()
      await Promise.all(writes)
    }
    return out as R[]
  }
  return {
    info: inner.info,
    stats,
    loglikelihood: (reqs, opts) => call(reqs, opts, (m, o) => inner.loglikelihood(m, o)),
    loglikelihoodRolling: (reqs, opts) => call(reqs, opts, (m, o) => inner.loglikelihoodRolling(m, o)),
    generateUntil: (reqs, opts) => call(reqs, opts, (m, o) => inner.generateUntil(m, o)),
    dispose: () => inner.dispose(),
  }
}

/** An in-memory ResponseCache (tests, and runs without storage). */
export function memoryResponseCache(): ResponseCache & { readonly size: number } {
  const map = new Map<string, ModelResponse>()
  return {
    get size() {
      return map.size
    },
    async get(keys) {
      return keys.map(k => map.get(k))
    },
    async put(entries) {
      for (const e of entries) map.set(e.key, e.response)
    },
  }
}
