/**
 * The worker contract: what workers/eval.worker.ts exposes through comlink and src/ui/worker-client.ts calls.
 * Everything that crosses is structured-clone safe; errors cross as data (WireError).
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { RunComparison } from '../core/compare/run-compare.ts'
import type { DeviceReport } from './device.ts'
import type { EvalStore, RunRecord, StorageUsage } from './eval-store.ts'
import type { HubWorkerApi } from './hub-api.ts'
import type { ServerWorkerApi } from './server-api.ts'
import type { RunRequest } from './run-request.ts'
import type { AddedTaskYaml, TaskYamlFile, TaskYamlInfo } from './task-yaml.ts'
import type { WireError } from './wire-error.ts'
import type { JsonValue } from './wire-json.ts'
import type { WorkerEvent } from './worker-event.ts'

/** A finished run. */
export interface RunSuccess {
  readonly status: 'done'
  readonly runId: string
  /** the device the model ran on */
  readonly device: DeviceReport
  /** lm-eval's results object as plain JSON (NaN/±Infinity as strings, see wire-json.ts) */
  readonly results: { readonly [key: string]: JsonValue }
  /** the results file text, byte-for-byte as lm-eval writes it (json.dumps indent 2) */
  readonly resultsJson: string
  /** wall-clock time of the whole run, model loading included, in milliseconds */
  readonly wallMs: number
  /** task → samples_<task>.jsonl text, byte-for-byte as the CLI writes it; empty unless logSamples */
  readonly samplesJsonl: { readonly [task: string]: string }
  /** requests answered from the response cache (stored answers of an earlier, interrupted or equal run) */
  readonly cachedRequests: number
}

/** A run that failed or was cancelled (code 'CANCELLED'). */
export interface RunFailure {
  readonly status: 'failed'
  readonly runId: string
  readonly error: WireError
}

export type RunResult = RunSuccess | RunFailure

/** The answer of a storage call: a value, or an error as data. */
export type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: WireError }

/**
 * `S`'s methods as the worker answers them: the same arguments, each answer an Outcome (a method resolving with
 * nothing, or possibly nothing, answers null), so errors cross as data.
 */
export type OutcomeMethods<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<Outcome<[undefined] extends [R] ? null : R>> : never
}

/** The stored models and datasets (and deleting runs and partial downloads), as EvalStore (eval-store.ts) declares them, with Outcome answers. */
export type ModelAndDatasetCalls = OutcomeMethods<Pick<EvalStore,
  'addModel' | 'listModels' | 'removeModel' | 'addDataset' | 'listDatasets' | 'removeDataset' | 'renameDatasetConfig' |
  'deleteRun' | 'clearPartialDownloads'>>

/** A stored run without its (large) results and samples texts, for the history list. */
export type RunSummary = Omit<RunRecord, 'resultsJson' | 'samplesJsonl'> & {
  /** task → [metric name, value] of its first metric row, for done runs */
  readonly headline: { readonly [task: string]: readonly [string, number | string] }
  /** task → the same first metric with its stderr and docs, for charts; absent or {} when the results do not parse */
  readonly headlineStats?: { readonly [task: string]: HeadlineStat }
}

/** A task's first metric row with what an interval needs. */
export interface HeadlineStat {
  /** metric name, e.g. 'acc' */
  readonly metric: string
  /** filter name, e.g. 'none' */
  readonly filter: string
  /** the value; undefined when not a number ('N/A', NaN) */
  readonly value: number | undefined
  /** its standard error; undefined when absent or not a number */
  readonly stderr: number | undefined
  /** docs evaluated (n-samples.effective); undefined if absent */
  readonly docs: number | undefined
}

/** Results and samples files to store as a run (importRun). */
export interface ImportRunInput {
  /** the results file's text (lm-eval's results_<date>.json or evalz's results.json) */
  readonly resultsJson: string
  /** task name → that task's samples JSONL text (may be empty: no paired statistics then) */
  readonly samplesJsonl: { readonly [task: string]: string }
  /** display name for the history; '' or absent = the model name from the results file */
  readonly label?: string
  /** names of the files read, results file first, for the record */
  readonly fileNames?: readonly string[]
}

/** How to compare two stored runs (compareRuns). */
export interface CompareRequest {
  /** display names of run A (baseline) and run B */
  readonly labels: readonly [string, string]
  /** bootstrap seed (CPython random) */
  readonly seed: number
  /** bootstrap resamples */
  readonly iterations: number
}

/** User labels of a run (setRunLabels); each field replaces the stored one when given. */
export interface RunLabels {
  /** tags; trimmed, empty ones dropped, duplicates removed; at most MAX_TAGS of at most MAX_TAG_LENGTH characters */
  readonly tags?: readonly string[]
  /** note; trimmed, '' removes it; at most MAX_NOTE_LENGTH characters */
  readonly note?: string
}

/**
 * The evaluation worker's API; the model and dataset calls are EvalStore's (a dropped model folder or checkpoint is
 * stored by addModel, MODEL_INVALID naming what is missing; addDataset stores files under a dataset path, e.g.
 * 'allenai/ai2_arc', mirror layout or one file + split).
 */
export interface EvalWorkerApi extends HubWorkerApi, ServerWorkerApi, ModelAndDatasetCalls {
  /** the catalogue (built-ins plus tasks added from YAML): groups and tags first, then tasks */
  listTasks(): Promise<CatalogueEntry[]>
  /** loads task/group YAML files (paths as dropped, include targets among them) for later runs, this session only */
  addTaskYaml(files: readonly TaskYamlFile[]): Promise<Outcome<AddedTaskYaml>>
  /** the tasks and groups added from YAML */
  listTaskYaml(): Promise<Outcome<TaskYamlInfo[]>>
  /** drops a task or group added from YAML */
  removeTaskYaml(name: string): Promise<Outcome<null>>
  /** runs one evaluation; `onEvent` (a comlink proxy) receives throttled progress; never rejects for run errors */
  run(spec: RunRequest, onEvent: (e: WorkerEvent) => void): Promise<RunResult>
  /** asks a run to stop between forward passes; it then resolves with code 'CANCELLED' */
  cancel(runId: string): void
  /** stored runs, newest first */
  listRuns(): Promise<Outcome<RunSummary[]>>
  getRun(id: string): Promise<Outcome<RunRecord | null>>
  /** marks an interrupted ('running') run that will not be resumed as cancelled */
  abandonRun(id: string): Promise<Outcome<null>>
  /** storage used vs quota, persistence, cached responses, unfinished downloads */
  storageUsage(): Promise<Outcome<StorageUsage>>
  /** stores results (+ samples) files as a finished, imported run; DATASET_PARSE_ERROR names what is wrong with them */
  importRun(input: ImportRunInput): Promise<Outcome<RunSummary>>
  /** sets a stored run's tags and/or note; USAGE for an unknown id or labels over the limits */
  setRunLabels(id: string, labels: RunLabels): Promise<Outcome<RunSummary>>
  /** two stored runs compared doc by doc (core/compare), computed here so the page stays responsive */
  compareRuns(aId: string, bId: string, opts: CompareRequest): Promise<Outcome<RunComparison>>
}
