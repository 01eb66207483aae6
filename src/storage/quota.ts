/**
 * Storage usage against quota, and persistence (so the browser does not evict stored models under pressure).
 * The StorageManager (navigator.storage) is passed in, so this runs anywhere and tests can fake it.
 */
import type { StorageUsage as ProtocolStorageUsage } from '../protocol/eval-store.ts'

/** Origin storage figures from StorageManager.estimate() and persisted(): the protocol's StorageUsage fields, all known. */
export type StorageUsage = { readonly [K in 'usage' | 'quota' | 'persisted']-?: NonNullable<ProtocolStorageUsage[K]> }

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
