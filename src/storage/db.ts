/**
 * The app's IndexedDB database (idb): one schema with an explicit version. Model and dataset files live in
 * 'blobs' by content hash; 'models' and 'datasets' list which blobs they use; 'runs' is the run history;
 * 'responses' holds model answers for resumable runs (src/core/response-cache.ts); 'partials' (version 2) holds
 * the chunks of unfinished Hub downloads so they resume after a reload (src/storage/hub-model-store.ts);
 * 'settings' (version 2) holds the Hub endpoint and token (src/storage/settings-store.ts); 'conversations' (version 3)
 * holds the Chat view's conversations (src/storage/conversation-store.ts).
 */
import { wrap } from 'idb'
import type { DBSchema, IDBPDatabase, IDBPTransaction, StoreNames } from 'idb'
import type { ModelResponse } from '../core/requests.ts'
import type { StoredDataset } from './dataset-store.ts'
import type { StoredModel } from './model-store.ts'
import type { RunRecord } from '../protocol/eval-store.ts'
import type { HubSettingsRecord, ServerSettingsRecord } from './settings-store.ts'
import type { Conversation } from '../core/chat/conversation.ts'

/** Default database name. */
export const DB_NAME = 'evalz'

/** Schema version; bump it and add a step to `upgrade` when a store or index changes. */
export const DB_VERSION = 3

/** One file's bytes, stored once however many models or datasets use it. */
export interface StoredBlob {
  /** sha256 (64 lowercase hex chars) of the bytes; the key */
  readonly sha256: string
  /** length in bytes */
  readonly size: number
  /** the bytes */
  readonly data: Blob
}

/** A stored model response; `key` is requestKey() of the request. */
export interface StoredResponse {
  /** cache key (sha256 hex over the model identity and the request) */
  readonly key: string
  /** the answer, structured-cloned */
  readonly response: ModelResponse
}

/** One chunk of an unfinished download; a download's chunks share `key` and are numbered from 0. */
export interface StoredPartialChunk {
  /** the download this chunk belongs to, e.g. 'hub:owner/name@<sha>/onnx/model.onnx' */
  readonly key: string
  /** position of the chunk in the file, 0-based */
  readonly index: number
  /** length in bytes */
  readonly size: number
  /** the bytes */
  readonly data: Blob
}

/** The stores, their keys and indexes. */
export interface EvalzSchema extends DBSchema {
  blobs: { key: string; value: StoredBlob }
  models: { key: string; value: StoredModel; indexes: { addedAt: number } }
  runs: { key: string; value: RunRecord; indexes: { createdAt: number; status: string } }
  responses: { key: string; value: StoredResponse }
  datasets: { key: string; value: StoredDataset; indexes: { addedAt: number } }
  partials: { key: [string, number]; value: StoredPartialChunk }
  settings: { key: string; value: HubSettingsRecord | ServerSettingsRecord }
  conversations: { key: string; value: Conversation; indexes: { updatedAt: number } }
}

/** An open evalz database. */
export type EvalzDb = IDBPDatabase<EvalzSchema>

/** Where to open the database: name (tests use their own) and factory (default: the global indexedDB). */
export interface OpenOptions {
  /** database name (default DB_NAME) */
  readonly name?: string
  /** IndexedDB implementation (default globalThis.indexedDB; tests pass fake-indexeddb's) */
  readonly factory?: IDBFactory
}

/**
 * Runs the writes of a readwrite transaction and waits for it to commit. When a write fails the transaction aborts
 * and rolls back; the error thrown is then the transaction's own (QuotaExceededError for a full origin, which the
 * worker reports in one line) rather than the AbortError of whichever request noticed first, and no rejection is
 * left unhandled.
 */
export async function commit<T>(tx: { readonly done: Promise<void>; readonly error: DOMException | null }, writes: () => Promise<T>): Promise<T> {
  const done = tx.done
  done.catch(() => undefined)
  try {
    const value = await writes()
    await done
    return value
  } catch (e) {
    await done.catch(() => undefined)
    throw tx.error ?? e
  }
}

/** Opens (creating or upgrading) the evalz database; the connection closes itself when another tab upgrades it. */
export async function openEvalzDb(opts: OpenOptions = {}): Promise<EvalzDb> {
  const factory = opts.factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!factory) throw new Error('IndexedDB is not available here (evalz stores models and runs in IndexedDB)')
  const request = factory.open(opts.name ?? DB_NAME, DB_VERSION)
  request.addEventListener('upgradeneeded', event => {
    const db = wrap(request.result) as unknown as EvalzDb
    const tx = wrap(request.transaction!) as unknown as IDBPTransaction<EvalzSchema, StoreNames<EvalzSchema>[], 'versionchange'>
    upgrade(db, event.oldVersion, tx)
  })
  const db = (await wrap(request)) as unknown as EvalzDb
  db.addEventListener('versionchange', () => db.close())
  return db
}

/** Creates the stores for each version step from `oldVersion` up to DB_VERSION. */
function upgrade(db: EvalzDb, oldVersion: number, _tx: IDBPTransaction<EvalzSchema, StoreNames<EvalzSchema>[], 'versionchange'>): void {
  if (oldVersion < 1) {
    db.createObjectStore('blobs', { keyPath: 'sha256' })
    db.createObjectStore('models', { keyPath: 'id' }).createIndex('addedAt', 'addedAt')
    const runs = db.createObjectStore('runs', { keyPath: 'id' })
    runs.createIndex('createdAt', 'createdAt')
    runs.createIndex('status', 'status')
    db.createObjectStore('responses', { keyPath: 'key' })
    db.createObjectStore('datasets', { keyPath: 'id' }).createIndex('addedAt', 'addedAt')
  }
  if (oldVersion < 2) {
    db.createObjectStore('partials', { keyPath: ['key', 'index'] })
    db.createObjectStore('settings', { keyPath: 'key' })
  }
  if (oldVersion < 3) {
    db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('updatedAt', 'updatedAt')
  }
}
