/**
 * The storage half of the worker API: stored models, datasets, run history (with imported runs and user labels)
 * and usage, each answer an Outcome (errors as data). Without a store (IndexedDB unavailable) every call answers
 * one clear error.
 */
import { HarnessError } from '../core/errors.ts'
import { parseRun } from '../core/compare/run-data.ts'
import { compareRuns } from '../core/compare/run-compare.ts'
import { tableRows } from '../core/results/table.ts'
import type { EvalWorkerApi, HeadlineStat, ImportRunInput, Outcome, RunLabels, RunSummary } from '../protocol/eval-worker-api.ts'
import type { EvalStore, RunRecord } from '../protocol/eval-store.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import { toWireError } from './wire-error.ts'
import { parsePyJson } from './wire-json.ts'

/** The storage methods of EvalWorkerApi. */
export type StoreApi = Pick<EvalWorkerApi,
  'addModel' | 'listModels' | 'removeModel' | 'addDataset' | 'listDatasets' | 'removeDataset' | 'renameDatasetConfig' |
  'listRuns' | 'getRun' |
  'deleteRun' | 'abandonRun' | 'storageUsage' | 'clearPartialDownloads' | 'importRun' | 'setRunLabels' | 'compareRuns'>

/** Most tags on one run. */
export const MAX_TAGS = 20
/** Longest tag, in characters (UTF-16 code units). */
export const MAX_TAG_LENGTH = 40
/** Longest note, in characters (UTF-16 code units). */
export const MAX_NOTE_LENGTH = 4000

/**
 * Creates the storage methods over `store` (undefined: storage unavailable); `clock` gives unix milliseconds,
 * `newId` the id of an imported run (default: a random UUID).
 */
export function createStoreApi(store: EvalStore | undefined, clock: () => number, newId: () => string = () => crypto.randomUUID()): StoreApi {
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
    renameDatasetConfig: (id, from, to) => call((s) => s.renameDatasetConfig(id, from, to)),
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
    clearPartialDownloads: () => call((s) => s.clearPartialDownloads().then(() => null)),
    importRun: (input) => call(async (s) => {
      const record = importedRecord(input, newId(), clock())
      await s.putRun(record)
      return summarize(record)
    }),
    compareRuns: (aId, bId, opts) => call(async (s) => {
      const [a, b] = await Promise.all([s.getRun(aId), s.getRun(bId)])
      if (!a?.resultsJson || !b?.resultsJson) {
        throw new HarnessError('USAGE', `run '${a?.resultsJson ? bId : aId}' is gone or has no results; reload the history and pick again`, { aId, bId })
      }
      const da = parseRun(a.resultsJson, a.samplesJsonl ?? {}, { label: opts.labels[0] })
      const db = parseRun(b.resultsJson, b.samplesJsonl ?? {}, { label: opts.labels[1] })
      return compareRuns(da, db, { seed: opts.seed, iterations: opts.iterations })
    }),
    setRunLabels: (id, labels) => call(async (s) => {
      const clean = cleanLabels(labels)
      const next = await s.updateRun(id, (run) => withLabels(run, clean))
      if (!next) throw new HarnessError('USAGE', `no stored run has id '${id}'; it may have been deleted: reload the history`, { id })
      return summarize(next)
    }),
  }
}

/** evalz's samples file-name form of a task name (src/cli/output-files.ts). */
function fileTaskName(task: string): string {
  return task.replace(/["<>:/|\\?*[\]]+/g, '__')
}

/**
 * The record of an imported run: the files are parsed (core/compare/run-data.ts) so a bad file fails here with
 * DATASET_PARSE_ERROR, samples are keyed by task name, and the request is rebuilt from the results' settings.
 */
export function importedRecord(input: ImportRunInput, id: string, now: number): RunRecord {
  if (typeof input?.resultsJson !== 'string') throw new HarnessError('DATASET_PARSE_ERROR', 'no results file given; pick the results_<date>.json (lm-eval) or results.json (evalz) file')
  const run = parseRun(input.resultsJson, input.samplesJsonl ?? {})
  const tasks = run.tasks.map((t) => t.name)
  if (tasks.length === 0) {
    throw new HarnessError('DATASET_PARSE_ERROR', 'the results file lists no tasks (only groups or nothing under "results"); pick the results file of a run that evaluated tasks')
  }
  const samples: Record<string, string> = {}
  for (const [key, text] of Object.entries(input.samplesJsonl ?? {})) {
    const task = tasks.find((t) => t === key) ?? tasks.find((t) => fileTaskName(t) === key)
    if (task === undefined) {
      throw new HarnessError('DATASET_PARSE_ERROR', `samples file for '${key}' matches no task of the results file (tasks: ${tasks.join(', ')}); pick the samples files of the same run`, { task: key, tasks })
    }
    samples[task] = text
  }
  const shots = [...new Set(run.tasks.map((t) => t.config.numFewshot))]
  const limit = run.settings.limit
  const request: RunRequest = {
    runId: id,
    model: 'imported',
    modelSource: 'app',
    device: 'auto',
    tasks,
    limit: typeof limit === 'number' && Number.isInteger(limit) && limit >= 1 ? limit : undefined,
    numFewshot: shots.length === 1 ? shots[0] : undefined,
    batchSize: 1,
    seed: run.settings.fewshotSeed ?? 1234,
    bootstrapIters: run.settings.bootstrapIters ?? 100000,
    logSamples: Object.keys(samples).length > 0,
  }
  const label = input.label?.trim() || run.model.name || 'imported run'
  return {
    id,
    createdAt: now,
    finishedAt: now,
    status: 'done',
    request,
    modelName: label,
    resultsJson: input.resultsJson,
    samplesJsonl: samples,
    imported: {
      producer: run.producer,
      producerVersion: run.producerVersion,
      fileNames: [...(input.fileNames ?? [])],
      // lm-eval's `date` is unix seconds; smaller values are process timers, not dates
      ranAt: run.date !== undefined && run.date >= 1e9 ? Math.round(run.date * 1000) : undefined,
    },
  }
}

/** Labels checked and normalised: tags trimmed, empty ones dropped, duplicates removed; the note trimmed. */
export function cleanLabels(labels: RunLabels): RunLabels {
  const out: { tags?: string[]; note?: string } = {}
  if (labels.tags !== undefined) {
    if (!Array.isArray(labels.tags) || !labels.tags.every((t) => typeof t === 'string')) {
      throw new HarnessError('USAGE', 'tags must be a list of strings', { tags: labels.tags })
    }
    const tags = [...new Set(labels.tags.map((t) => t.trim()).filter((t) => t !== ''))]
    const long = tags.find((t) => t.length > MAX_TAG_LENGTH)
    if (long !== undefined) throw new HarnessError('USAGE', `tag '${long.slice(0, 20)}…' is ${long.length} characters long; keep tags to ${MAX_TAG_LENGTH}`, { tag: long })
    if (tags.length > MAX_TAGS) throw new HarnessError('USAGE', `${tags.length} tags given; a run keeps at most ${MAX_TAGS}`, { count: tags.length })
    out.tags = tags
  }
  if (labels.note !== undefined) {
    if (typeof labels.note !== 'string') throw new HarnessError('USAGE', 'note must be a string', { note: labels.note })
    const note = labels.note.trim()
    if (note.length > MAX_NOTE_LENGTH) throw new HarnessError('USAGE', `note is ${note.length} characters long; keep it to ${MAX_NOTE_LENGTH}`, { length: note.length })
    out.note = note
  }
  return out
}

/** The record with clean labels applied: empty tags or note remove the field. */
function withLabels(run: RunRecord, labels: RunLabels): RunRecord {
  const { tags, note, ...rest } = run
  const nextTags = labels.tags ?? tags
  const nextNote = labels.note ?? note
  return {
    ...rest,
    ...(nextTags !== undefined && nextTags.length > 0 ? { tags: nextTags } : {}),
    ...(nextNote !== undefined && nextNote !== '' ? { note: nextNote } : {}),
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
  if (resultsJson === undefined) return { ...rest, headline: {} }
  const { headline, stats } = headlines(resultsJson)
  return { ...rest, headline, headlineStats: stats }
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

/**
 * task → [metric, value] of the task's first row in lm-eval's table, and the same metric with its stderr and
 * docs; both {} when the text does not parse.
 */
function headlines(resultsJson: string): { headline: RunSummary['headline']; stats: Record<string, HeadlineStat> } {
  try {
    const results = parsePyJson(resultsJson) as Record<string, unknown>
    const out: Record<string, readonly [string, number | string]> = {}
    const stats: Record<string, HeadlineStat> = {}
    const section = (results.results ?? {}) as Record<string, Record<string, unknown>>
    const counts = (results['n-samples'] ?? {}) as Record<string, { effective?: unknown } | undefined>
    for (const task of Object.keys(section)) {
      const row = tableRows({ ...results, results: { [task]: section[task] } }, 'results')[0]
      if (!row) continue
      out[task] = [row[4], Number.isFinite(Number(row[6])) ? Number(row[6]) : row[6]]
      const [metric, filter] = [row[4], row[2]]
      stats[task] = {
        metric, filter,
        value: finite(section[task][`${metric},${filter}`]),
        stderr: finite(section[task][`${metric}_stderr,${filter}`]),
        docs: finite(counts[task]?.effective),
      }
    }
    return { headline: out, stats }
  } catch {
    return { headline: {}, stats: {} }
  }
}
