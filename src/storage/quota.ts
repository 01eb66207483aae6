/**
 * Storage usage against quota, and persistence (so the browser does not evict stored models under pressure).
 * The StorageManager (navigator.storage) is passed in, so this runs anywhere and tests can fake it.
 */

/** Origin storage figures from StorageManager.estimate() and persisted(). */
export interface StorageUsage {
  /** bytes used by this origin */
  readonly usage: number
  /** bytes this origin may use */
  readonly quota: number
  /** true when the browser will not evict this origin's data automatically */
  readonly persisted: boolean
}

/** Usage, quota and persistence; undefined when the browser offers no StorageManager or no estimate. */
export async function storageUsage(storage: StorageManager | undefined): Promise<StorageUsage | undefined> {
  if (!storage || typeof storage.estimate !== 'function') return undefined
  try {
    const e = await storage.estimate()
    const persisted = typeof storage.persisted === 'function' ? await storage.persisted() : false
    return { usage: e.usage ?? 0, quota: e.quota ?? 0, persisted }
  } catch {
    return undefined
  }
}

/** Asks the browser to keep this origin's data (navigator.storage.persist()); true when it is persisted. */
export async function requestPersistence(storage: StorageManager | undefined): Promise<boolean> {
  if (!storage) return false
  try {
    if (typeof storage.persisted === 'function' && (await storage.persisted())) return true
    return typeof storage.persist === 'function' ? await storage.persist() : false
  } catch {
    return false
  }
}
