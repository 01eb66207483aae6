/**
 * The storage port the worker's service writes through (IndexedDB in the browser via src/storage, memory in
 * tests): stored models, dataset files, run records and the response cache. The worker is its only writer.
 */
import type { ResponseCache } from '../core/response-cache.ts'
import type { DeviceReport } from './device.ts'
import type { RunRequest } from './run-request.ts'
import type { WireError } from './wire-error.ts'

/**
 * A file the user dropped or picked (src/storage's DroppedFile): its path as dropped, '/'-separated, e.g.
 * 'demo/onnx/model.onnx' or 'config.json' (storage strips the common folder).
 */
export interface UploadFile {
  /** relative path as dropped, '/'-separated */
  readonly path: string
  /** its bytes (a File from the picker is a Blob) */
  readonly blob: Blob
}

/** Progress of storing uploaded files (src/storage's HashProgress): the file being hashed and bytes done of all. */
export interface UploadProgress {
  /** path of the file being hashed ('converting <tensor>' while a dropped checkpoint converts, 'storing <file>' after) */
  readonly file: string
  /** bytes hashed so far, all files together */
  readonly done: number
  /** bytes to hash, all files together */
  readonly total: number
  /** what `done` and `total` count when not bytes: 'tensors' while a float checkpoint converts */
  readonly unit?: 'tensors'
}

/** One stored file of a model or dataset (src/storage's StoredFile); its bytes are in 'blobs' under `sha256`. */
export interface StoredFileInfo {
  /** path inside the model or dataset folder, e.g. 'onnx/model.onnx' */
  readonly path: string
  /** sha256 of the bytes, hex */
  readonly sha256: string
  /** length in bytes */
  readonly size: number
}

/** The checkpoint a stored model was converted from in the page (config.json's `evalz` block, as the CLI records it). */
export interface ConvertedOrigin {
  /** 'gguf' or 'safetensors' */
  readonly format: string
  /** sha256 (hex) of the base checkpoint */
  readonly base_sha256: string
  /** sha256 (hex) of the merged adapter; absent without one */
  readonly adapter_sha256?: string
  /** one line: name, format, architecture, parameters, how the weights are stored, adapter */
  readonly description: string
  /** how the ONNX file stores the weight matrices: 'float32', 'float16', 'matmulnbits', or several joined by '+' */
  readonly weight_dtype: string
}

/** The Hub revision a stored model was downloaded from. */
export interface HubOrigin {
  /** 'owner/name' */
  readonly repo: string
  /** the revision asked for when it was (last) downloaded: 'main', a tag, a branch or a sha */
  readonly revision: string
  /** the commit the files are from, 40 hex */
  readonly sha: string
  /** the dtype (fp32, q8, q4, …) last downloaded; `files` holds every dtype downloaded for this commit */
  readonly dtype: string
}

/** A model stored in IndexedDB (src/storage's StoredModel is this type): its files (bytes in 'blobs') and list data. */
export interface ModelInfo {
  /**
   * url-safe id, also the model id transformers.js loads (/models/<id>/): 'demo-3f2a91c0' (name slug + content
   * hash) for a dropped folder, 'owner/name@1a2b3c4d' (repo + first 8 hex of the commit) for a Hub download
   */
  readonly id: string
  /** display name: the dropped folder's name, else config.json's _name_or_path, else 'model' */
  readonly name: string
  /** every stored file, sorted by path */
  readonly files: readonly StoredFileInfo[]
  /** sum of the files' sizes, bytes */
  readonly totalBytes: number
  /** when it was (last) added, unix milliseconds */
  readonly addedAt: number
  /**
   * sha256 of the default weights (onnx/model.onnx, else the first onnx/model*.onnx), hex, as the CLI computes it;
   * part of the response-cache key
   */
  readonly weightsSha256: string
  /** where a model downloaded from the Hugging Face Hub came from (src/storage/hub-model-store.ts); absent for dropped folders */
  readonly hub?: HubOrigin
  /** the checkpoint a model converted in the page came from (src/backends/checkpoint); absent otherwise */
  readonly converted?: ConvertedOrigin
}

/** A dataset stored in IndexedDB in mirror layout (src/storage's StoredDataset is this type). */
export interface DatasetInfo {
  /** id derived from the name (adding the same name again merges into it) */
  readonly id: string
  /** dataset path as tasks name it, e.g. 'allenai/ai2_arc' */
  readonly name: string
  /** its split files, paths '<config>/<split>.<ext>', sorted */
  readonly files: readonly StoredFileInfo[]
  /** when files were last added, unix milliseconds */
  readonly addedAt: number
}

/** Where top-level dropped data files go (src/storage's DatasetDropOptions). */
export interface DatasetPlacement {
  /** split name for a single dropped data file (default: its file name without extension) */
  readonly split?: string
  /** config folder for top-level files (default 'default', the mirror's folder for datasets without dataset_name) */
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
  /** moves a stored dataset's files from config `from` to config `to`; refuses one that would replace a file */
  renameDatasetConfig(id: string, from: string, to: string): Promise<DatasetInfo>
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
