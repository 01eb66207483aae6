/**
 * The storage port the worker's service writes through (IndexedDB in the browser via src/storage, memory in
 * tests): stored models, dataset files, run records and the response cache. The worker is its only writer.
 */
import type { ResponseCache } from '../core/response-cache.ts'
import type { DeviceReport } from './device.ts'
import type { RunRequest } from './run-request.ts'
import type { WireError } from './wire-error.ts'

/** A file the user dropped or picked, with its path inside the dropped folder. */
export interface UploadFile {
  /** path relative to the model (or dataset) root, '/'-separated, e.g. 'onnx/model.onnx' */
  readonly path: string
  /** the file's bytes */
  readonly blob: Blob
}

/** Progress of storing uploaded files. */
export interface UploadProgress {
  /** path of the file being hashed */
  readonly file: string
  /** bytes hashed so far, all files together */
  readonly done: number
  /** bytes to hash, all files together */
  readonly total: number
}

/** One stored file. */
export interface StoredFileInfo {
  /** path inside the model or dataset folder, e.g. 'onnx/model.onnx' */
  readonly path: string
  /** sha256 of the bytes, hex */
  readonly sha256: string
  /** bytes */
  readonly size: number
}

/** A model stored in IndexedDB (the shape of src/storage's StoredModel). */
export interface ModelInfo {
  /** url-safe id (name slug + content hash); transformers.js loads it as /models/<id>/ */
  readonly id: string
  /** display name: the dropped folder's name, else the config's */
  readonly name: string
  readonly files: readonly StoredFileInfo[]
  /** bytes over all files */
  readonly totalBytes: number
  /** when it was added, unix milliseconds */
  readonly addedAt: number
  /** sha256 of the default weights, hex, as the CLI computes it; part of the response-cache key */
  readonly weightsSha256: string
  /** for a model downloaded from the Hugging Face Hub: the repo, the revision asked for, the commit and the dtype loaded */
  readonly hub?: { readonly repo: string; readonly revision: string; readonly sha: string; readonly dtype: string }
}

/** A dataset stored in IndexedDB in mirror layout (the shape of src/storage's StoredDataset). */
export interface DatasetInfo {
  /** id derived from the name */
  readonly id: string
  /** dataset path as tasks name it, e.g. 'allenai/ai2_arc' */
  readonly name: string
  /** files as '<config>/<split>.<ext>' */
  readonly files: readonly StoredFileInfo[]
  /** when files were last added, unix milliseconds */
  readonly addedAt: number
}

/** Where top-level dropped data files go. */
export interface DatasetPlacement {
  /** split name for a single dropped data file (default: its file name without extension) */
  readonly split?: string
  /** config folder (default 'default') */
  readonly config?: string
}

/** A run's lifecycle state. */
export type RunStatus = 'running' | 'done' | 'failed' | 'cancelled'

/** One run as stored: written 'running' at start, updated when it ends. */
export interface RunRecord {
  /** the request's runId */
  readonly id: string
  /** unix milliseconds of the first start */
  readonly createdAt: number
  /** unix milliseconds of the end; absent while running */
  readonly finishedAt?: number
  readonly status: RunStatus
  /** the request, re-sent unchanged to resume */
  readonly request: RunRequest
  /** the model's display name */
  readonly modelName: string
  /** the device the model ran on, once known */
  readonly device?: DeviceReport
  /** results.json text, as the CLI writes it (done runs) */
  readonly resultsJson?: string
  /** task → samples_<task>.jsonl text (done runs that logged samples) */
  readonly samplesJsonl?: { readonly [task: string]: string }
  /** why it failed or was cancelled */
  readonly error?: WireError
  /** requests answered from the response cache in the last attempt */
  readonly cachedRequests?: number
  /** user labels, trimmed, unique, in the order given; absent = none */
  readonly tags?: readonly string[]
  /** user note, free text; absent = none */
  readonly note?: string
  /** present when the run was imported from results/samples files instead of run here */
  readonly imported?: ImportedRun
}

/** Where an imported run came from. */
export interface ImportedRun {
  /** 'lm-eval' (lm-evaluation-harness) or 'evalz', as the results file tells */
  readonly producer: 'lm-eval' | 'evalz'
  /** version of the producer as written in the results file; '' if absent */
  readonly producerVersion: string
  /** names of the files imported (results first) */
  readonly fileNames: readonly string[]
  /** when the run itself started (the results file's date), unix milliseconds; undefined if the file does not say */
  readonly ranAt: number | undefined
}

/** Storage use of this origin, in bytes (StorageManager.estimate). */
export interface StorageUsage {
  /** bytes used by this origin; undefined when the browser does not tell */
  readonly usage: number | undefined
  /** bytes this origin may use; undefined when unknown */
  readonly quota: number | undefined
  /** whether storage is persistent (not evicted under pressure); undefined when unknown */
  readonly persisted: boolean | undefined
  /** model responses in the response cache */
  readonly cachedResponses: number
  /** bytes held by unfinished Hub downloads (kept so they resume); 0 when there are none */
  readonly partialBytes: number
}

/** What the service stores and reads. */
export interface EvalStore {
  /** finished model responses, shared by all runs (key: request + model identity) */
  readonly responses: ResponseCache & { count(): Promise<number> }
  /** stores a model folder; rejects with HarnessError MODEL_INVALID naming what is missing */
  addModel(files: readonly UploadFile[], onProgress?: (p: UploadProgress) => void): Promise<ModelInfo>
  listModels(): Promise<ModelInfo[]>
  removeModel(id: string): Promise<void>
  /** stores data files under a dataset path (e.g. 'allenai/ai2_arc'), mirror layout or one file with a split */
  addDataset(name: string, files: readonly UploadFile[], placement?: DatasetPlacement): Promise<DatasetInfo>
  listDatasets(): Promise<DatasetInfo[]>
  removeDataset(id: string): Promise<void>
  putRun(record: RunRecord): Promise<void>
  getRun(id: string): Promise<RunRecord | undefined>
  /** every run, newest first */
  listRuns(): Promise<RunRecord[]>
  deleteRun(id: string): Promise<void>
  /** applies `change` to a stored run in one transaction; resolves with the new record, undefined when there is no such run */
  updateRun(id: string, change: (run: RunRecord) => RunRecord): Promise<RunRecord | undefined>
  /** usage, quota and unfinished-download bytes (cachedResponses filled in by the service) */
  usage(): Promise<Omit<StorageUsage, 'cachedResponses'>>
  /** deletes unfinished downloads */
  clearPartialDownloads(): Promise<void>
}
