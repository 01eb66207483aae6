/**
 * The storage half of the worker API: stored models, datasets, run history and usage, each answer an Outcome
 * (errors as data). Without a store (IndexedDB unavailable) every call answers one clear error.
 */
import { tableRows } from '../core/results/table.ts'
import type { EvalWorkerApi, Outcome, RunSummary } from './eval-worker-api.ts'
import type { EvalStore, RunRecord } from './eval-store.ts'
import { toWireError } from './wire-error.ts'
import { parsePyJson } from './wire-json.ts'

/** The storage methods of EvalWorkerApi. */
export type StoreApi = Pick<EvalWorkerApi,
  'addModel' | 'listModels' | 'removeModel' | 'addDataset' | 'listDatasets' | 'removeDataset' | 'listRuns' | 'getRun' |
  'deleteRun' | 'abandonRun' | 'storageUsage'>

/** Creates the storage methods over `store` (undefined: storage unavailable); `clock` gives unix milliseconds. */
export function createStoreApi(store: EvalStore | undefined, clock: () => number): StoreApi {
  function call<T>(fn: (s: EvalStore) => Promise<T>): Promise<Outcome<T>> {
    if (!store) return Promise.resolve(unavailable())
    return fn(store).then((value) => ({ ok: true as const, value }), (e: unknown) => ({ ok: false as const, error: toWireError(e) }))
  }
  return {
    addModel: (files, onProgress) => call((s) => s.addModel(files, onProgress)),
    listModels: () => call((s) => s.listModels()),
    removeModel: (id) => call((s) => s.removeModel(id).then(() => null)),
    addDataset: (name, files, placement) => call((s) => s.addDataset(name, files, placement)),
    listDatasets: () => call((s) => s.listDatasets()),
    removeDataset: (id) => call((s) => s.removeDataset(id).then(() => null)),
    listRuns: () => call(async (s) => (await s.listRuns()).map(summarize)),
    getRun: (id) => call(async (s) => (await s.getRun(id)) ?? null),
    deleteRun: (id) => call((s) => s.deleteRun(id).then(() => null)),
    abandonRun: (id) => call(async (s) => {
      const run = await s.getRun(id)
      if (run && run.status === 'running') {
        await s.putRun({ ...run, status: 'cancelled', finishedAt: clock(), error: { code: 'CANCELLED', message: 'run abandoned after an interruption', detail: undefined } })
      }
      return null
    }),
    storageUsage: () => call(async (s) => ({ ...(await s.usage()), cachedResponses: await s.responses.count() })),
  }
}

function unavailable<T>(): Outcome<T> {
  return {
    ok: false,
    error: { code: 'INTERNAL', message: 'storage is unavailable: IndexedDB could not be opened in this browser (private mode?)', detail: undefined },
  }
}

/** A record without its big texts, plus each task's first metric for the history list. */
export function summarize(record: RunRecord): RunSummary {
  const { resultsJson, samplesJsonl: _samples, ...rest } = record
  return { ...rest, headline: resultsJson === undefined ? {} : headline(resultsJson) }
}

/** task → [metric, value] of the task's first row in lm-eval's table; {} when the text does not parse. */
function headline(resultsJson: string): RunSummary['headline'] {
  try {
    const results = parsePyJson(resultsJson) as Record<string, unknown>
    const out: Record<string, readonly [string, number | string]> = {}
    const section = (results.results ?? {}) as Record<string, Record<string, unknown>>
    for (const task of Object.keys(section)) {
      const row = tableRows({ ...results, results: { [task]: section[task] } }, 'results')[0]
      if (row) out[task] = [row[4], Number.isFinite(Number(row[6])) ? Number(row[6]) : row[6]]
    }
    return out
  } catch {
    return {}
  }
}
