/**
 * The contract between `evalz run --device webgpu|wasm` (src/cli/browser-device.ts, driving Chromium) and cli.html's
 * script (src/cli-page/cli-page.ts): what the page adds to `window`.
 */
import type { RunResult } from './eval-worker-api.ts'
import type { RunRequest } from './run-request.ts'
import type { WorkerEvent } from './worker-event.ts'

/** What this page adds to `window`. */
export interface CliPageWindow {
  /** runs one evaluation in the app's worker; resolves with the worker's result (never rejects for run errors) */
  evalzRun(spec: RunRequest): Promise<RunResult>
  /** receives every progress event of the run; set by the driver (Playwright's exposeFunction) */
  evalzProgress?: (e: WorkerEvent) => unknown
}
