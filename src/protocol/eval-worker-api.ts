/**
 * The worker contract: what workers/eval.worker.ts exposes through comlink and src/ui/worker-client.ts calls.
 * Everything that crosses is structured-clone safe; errors cross as data (WireError).
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DeviceReport } from './device.ts'
import type { RunRequest } from './run-request.ts'
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
}

/** A run that failed or was cancelled (code 'CANCELLED'). */
export interface RunFailure {
  readonly status: 'failed'
  readonly runId: string
  readonly error: WireError
}

export type RunResult = RunSuccess | RunFailure

/** The evaluation worker's API. */
export interface EvalWorkerApi {
  /** the built-in catalogue: groups and tags first, then tasks */
  listTasks(): Promise<CatalogueEntry[]>
  /** runs one evaluation; `onEvent` (a comlink proxy) receives throttled progress; never rejects for run errors */
  run(spec: RunRequest, onEvent: (e: WorkerEvent) => void): Promise<RunResult>
  /** asks a run to stop between forward passes; it then resolves with code 'CANCELLED' */
  cancel(runId: string): void
}
