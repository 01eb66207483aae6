/**
 * Drives the web app from playwright for the e2e tests: open a view, drop a model folder, pick tasks and options, start a run,
 * and read finished runs and the response cache straight from the app's IndexedDB ('evalz').
 */
import type { Page } from 'playwright-core'
import type { RunFiles } from './cli-reference.ts'

/** A stored run as the tests read it (a subset of src/protocol/eval-store.ts RunRecord). */
export interface StoredRun extends RunFiles {
  /** run id */
  readonly id: string
  /** 'running' | 'done' | 'failed' | 'cancelled' */
  readonly status: string
  /** the device report ({ device: 'webgpu' | 'wasm', ... }) */
  readonly device?: { readonly device?: string }
  /** requests answered from the response cache in the last attempt */
  readonly cachedRequests?: number
  /** the error of a failed run */
  readonly error?: { readonly code: string; readonly message: string }
}

/** What to run. */
export interface RunChoice {
  /** task names to tick */
  readonly tasks: readonly string[]
  /** docs per task */
  readonly limit: number
  /** device: forced, or 'auto' */
  readonly device: 'webgpu' | 'wasm' | 'auto'
  /** rows per forward pass (default: the picker's) */
  readonly batchSize?: number
}

/** Opens a view of the app through its navigation link (`nav-<view>`) and waits until it shows. */
export async function showView(page: Page, view: 'run' | 'results' | 'history' | 'compare' | 'chat' | 'storage'): Promise<void> {
  await page.getByTestId(`nav-${view}`).click()
  await page.getByTestId(`view-${view}`).waitFor()
}

/**
 * Drops the model folder at `dir` into the model-files input, waits until it is stored (a new entry in the model
 * list) and selects it.
 */
export async function dropModel(page: Page, dir: string): Promise<void> {
  await showView(page, 'run')
  const models = page.locator('[data-testid="model-list"] [data-model]')
  await models.first().waitFor()
  const ids = () => models.evaluateAll((els) => els.map((e) => e.getAttribute('data-model') ?? ''))
  const before = new Set(await ids())
  await page.getByTestId('model-files').setInputFiles(dir)
  const after = await until(ids, 'the dropped model shows up in the model list', 30_000, (list) => list.some((id) => !before.has(id)))
  const error = page.getByTestId('model-error')
  if (await error.count() > 0) throw new Error(`model drop failed: ${await error.textContent()}`)
  // the list is newest first: select the entry that was not there before
  const added = after.find((id) => !before.has(id))!
  const radio = page.locator(`[data-testid="model-list"] [data-model="${added}"] input[type=radio]`)
  if (!(await radio.isChecked())) await radio.check()
}

/** Picks the tasks (unticking every other one), limit and device, and clicks Run; resolves with the run ids stored before. */
export async function startRun(page: Page, choice: RunChoice): Promise<ReadonlySet<string>> {
  await showView(page, 'run')
  const known = new Set((await storedRuns(page)).map((r) => r.id))
  const ticked = page.locator('[data-testid="task-list"] input[type=checkbox][data-task]:checked')
  for (const name of await ticked.evaluateAll((els) => els.map((e) => e.getAttribute('data-task') ?? ''))) {
    if (!choice.tasks.includes(name)) await page.locator(`[data-testid="task-list"] [data-task="${name}"]`).uncheck()
  }
  for (const name of choice.tasks) await page.locator(`[data-testid="task-list"] [data-task="${name}"]`).check()
  await page.getByTestId('limit').fill(String(choice.limit))
  await page.getByTestId('device-select').selectOption(choice.device)
  if (choice.batchSize !== undefined) await page.locator('ez-task-picker #batch').fill(String(choice.batchSize))
  await page.getByTestId('run').click()
  return known
}

/** Number of responses in the app's response cache (0 before the database exists). */
export async function storedResponses(page: Page): Promise<number> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'evalz')) return 0
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('evalz')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('responses')) return 0
      return await new Promise<number>((resolve, reject) => {
        const r = db.transaction('responses').objectStore('responses').count()
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
    } finally {
      db.close()
    }
  })
}

/** The run form as the page state store holds it (database 'evalz-page', key 'form'); undefined before it is written. */
export async function storedForm(page: Page): Promise<{ readonly limit?: string; readonly modelId?: string } | undefined> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'evalz-page')) return undefined
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('evalz-page')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('state')) return undefined
      return await new Promise<{ limit?: string; modelId?: string } | undefined>((resolve, reject) => {
        const r = db.transaction('state').objectStore('state').get('form')
        r.onsuccess = () => resolve(r.result as { limit?: string; modelId?: string } | undefined)
        r.onerror = () => reject(r.error)
      })
    } finally {
      db.close()
    }
  })
}

/** Every stored run, newest first (none before the app created its database). */
export async function storedRuns(page: Page): Promise<StoredRun[]> {
  const runs = await page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'evalz')) return []
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('evalz')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('runs')) return []
      return await new Promise<unknown[]>((resolve, reject) => {
        const r = db.transaction('runs').objectStore('runs').getAll()
        r.onsuccess = () => resolve(r.result)
        r.onerror = () => reject(r.error)
      })
    } finally {
      db.close()
    }
  })
  return (runs as (StoredRun & { createdAt: number })[]).sort((a, b) => b.createdAt - a.createdAt)
}

/**
 * Waits until a run that is not in `known` (the ids before it started) has ended and returns it; throws with the
 * run's error when it failed or was cancelled.
 */
export async function waitForRun(page: Page, known: ReadonlySet<string>, timeoutMs: number): Promise<StoredRun> {
  const ended = (runs: StoredRun[]) => runs.find((r) => !known.has(r.id) && r.status !== 'running')
  const runs = await until(() => storedRuns(page), 'the run has ended', timeoutMs, (rs) => ended(rs) !== undefined)
  const run = ended(runs)!
  if (run.status !== 'done') throw new Error(`run ${run.id} ${run.status}: ${run.error?.code ?? ''} ${run.error?.message ?? ''}`)
  return run
}

/** What the app stored for a model: its record, its file paths and its config.json. */
export interface StoredModelView {
  /** model id */
  id: string
  /** display name */
  name: string
  /** sha256 of onnx/model.onnx (+ external data) */
  weightsSha256: string
  /** the stored files' paths, relative to the model folder */
  paths: string[]
  /** the stored config.json, parsed */
  config: { evalz?: Record<string, unknown> }
}

/** The app's stored models with their config.json, read from its IndexedDB ('evalz'); none before it exists. */
export async function storedModels(page: Page): Promise<StoredModelView[]> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'evalz')) return []
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('evalz')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    const get = <T>(store: string, key?: IDBValidKey) => new Promise<T>((resolve, reject) => {
      const os = db.transaction(store).objectStore(store)
      const r = key === undefined ? os.getAll() : os.get(key)
      r.onsuccess = () => resolve(r.result as T)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('models')) return []
      const models = await get<{ id: string, name: string, weightsSha256: string, files: { path: string, sha256: string }[] }[]>('models')
      const out: StoredModelView[] = []
      for (const m of models) {
        const sha = m.files.find((f) => f.path === 'config.json')?.sha256
        const blob = sha === undefined ? undefined : await get<{ data: Blob } | undefined>('blobs', sha)
        const config = blob ? JSON.parse(await blob.data.text()) as StoredModelView['config'] : {}
        out.push({ id: m.id, name: m.name, weightsSha256: m.weightsSha256, paths: m.files.map((f) => f.path), config })
      }
      return out
    } finally {
      db.close()
    }
  })
}

/** Polls `read` every 100 ms until `ok` holds; throws `what` after `timeoutMs`. */
async function until<T>(read: () => Promise<T>, what: string, timeoutMs: number, ok: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what} (last: ${String(v)})`)
    await new Promise((r) => setTimeout(r, 100))
  }
}
