/**
 * What the page remembers across reloads, in its own small IndexedDB database ('evalz-page', one key-value store),
 * apart from the worker's 'evalz' database: the run form (model, tasks, shots, docs per task, seed, batch size,
 * device), the task YAML files added in the session, and the run whose results were on screen. Reads never throw:
 * without IndexedDB (private modes) or with a damaged record the page starts with its defaults.
 */
import { wrap } from 'idb'
import type { IDBPDatabase } from 'idb'

/** Database name. */
export const PAGE_DB_NAME = 'evalz-page'
const STORE = 'state'

/** The run form as the user left it (text fields as typed, so a half-typed value comes back as it was). */
export interface FormState {
  /** 'app' (the bundled demo model) or 'stored' */
  readonly modelSource: string
  /** 'demo', or the stored model's id */
  readonly modelId: string
  /** ticked task, group and tag names */
  readonly tasks: readonly string[]
  /** shots ('' = each task's default) */
  readonly numFewshot: string
  /** docs per task ('' = all) */
  readonly limit: string
  /** few-shot seed */
  readonly seed: string
  /** rows per forward pass */
  readonly batchSize: string
  /** 'auto' | 'webgpu' | 'wasm' */
  readonly device: string
}

/** One addTaskYaml call's files, kept so a reload can add them again. */
export interface YamlBatch {
  /** tasks and groups the batch defined (a batch whose names were all removed is dropped) */
  readonly names: readonly string[]
  /** the files, path and text */
  readonly files: readonly { readonly path: string; readonly text: string }[]
}

/** Everything remembered, by key. */
export interface PageState {
  readonly form: FormState
  readonly taskYaml: readonly YamlBatch[]
  /** id of the stored run whose results were shown */
  readonly shownRun: string
}

/** The page's state store. */
export interface PageStateStore {
  /** the value under `key`; undefined when none is stored or storage is unavailable */
  get<K extends keyof PageState>(key: K): Promise<PageState[K] | undefined>
  /** stores `value` under `key` (undefined deletes it); failures are swallowed (the page works without memory) */
  set<K extends keyof PageState>(key: K, value: PageState[K] | undefined): Promise<void>
}

/** Opens the store lazily (first use); `factory` defaults to the global indexedDB (tests pass fake-indexeddb's). */
export function pageStateStore(opts: { readonly name?: string; readonly factory?: IDBFactory } = {}): PageStateStore {
  let db: Promise<IDBPDatabase | undefined> | undefined
  function open(): Promise<IDBPDatabase | undefined> {
    db ??= openPageDb(opts.name ?? PAGE_DB_NAME, opts.factory).catch(() => undefined)
    return db
  }
  return {
    async get(key) {
      try {
        return (await (await open())?.get(STORE, key)) as never
      } catch {
        return undefined
      }
    },
    async set(key, value) {
      try {
        const d = await open()
        if (!d) return
        if (value === undefined) await d.delete(STORE, key)
        else await d.put(STORE, value, key)
      } catch {
        // storage full or gone: the page goes on without remembering
      }
    },
  }
}

async function openPageDb(name: string, factory: IDBFactory | undefined): Promise<IDBPDatabase | undefined> {
  const f = factory ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (!f) return undefined
  const request = f.open(name, 1)
  request.addEventListener('upgradeneeded', () => { request.result.createObjectStore(STORE) })
  const db = (await wrap(request)) as unknown as IDBPDatabase
  db.addEventListener('versionchange', () => db.close())
  return db
}
