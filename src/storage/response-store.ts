/**
 * The ResponseCache port (src/core/response-cache.ts) over IndexedDB: model answers survive a reload, so a
 * resumed run recomputes none of the requests that finished.
 */
import type { ResponseCache } from '../core/response-cache.ts'
import type { EvalzDb } from './db.ts'
import { commit } from './db.ts'

/** A ResponseCache in the 'responses' store, plus its size and a way to empty it. */
export interface IdbResponseCache extends ResponseCache {
  /** number of stored responses */
  count(): Promise<number>
  /** deletes every stored response */
  clear(): Promise<void>
}

/** A ResponseCache over the 'responses' store: one readonly transaction per get, one readwrite per put. */
export function idbResponseCache(db: EvalzDb): IdbResponseCache {
  return {
    async get(keys) {
      if (keys.length === 0) return []
      const tx = db.transaction('responses', 'readonly')
      const rows = await Promise.all(keys.map(k => tx.store.get(k)))
      await tx.done
      return rows.map(r => r?.response)
    },
    async put(entries) {
      if (entries.length === 0) return
      const tx = db.transaction('responses', 'readwrite')
      await commit(tx, () => {
        // each request observed as it is made: a put that throws (the transaction aborted) leaves none unhandled
        const puts = entries.map(e => {
          const put = tx.store.put({ key: e.key, response: e.response })
          put.catch(() => undefined)
          return put
        })
        return Promise.all(puts)
      })
    },
    async count() {
      return db.count('responses')
    },
    async clear() {
      await db.clear('responses')
    },
  }
}
