/**
 * Setup errors with a stable code. Failures during a run are recorded per sample instead (see samples.ts).
 */

/** Stable error codes; tests and the CLI match on these, never on message text. */
export type ErrorCode =
  | 'TASK_UNKNOWN' // a task or group name that is not registered
  | 'TASK_ONLY_IN_LM_EVAL' // exists in lm-evaluation-harness but not in evalz
  | 'TASK_SPEC_INVALID' // a TaskSpec field has a bad value
  | 'TEMPLATE_ERROR' // a Jinja template failed to render for a doc
  | 'HOOK_UNKNOWN' // a !function name that is not in the hook registry
  | 'HOOK_UNAVAILABLE' // a Python hook that cannot run here (no runtime, or a module Pyodide lacks)
  | 'HOOK_FAILED' // a Python hook raised an exception
  | 'DATASET_NOT_FOUND' // no files for a dataset path/config in the data dir
  | 'DATASET_SPLIT_MISSING' // the dataset exists but the split does not
  | 'DATASET_CONFIG_MISMATCH' // the dataset is stored locally, but under other configs than the task's
  | 'DATASET_PARSE_ERROR' // a data file could not be parsed
  | 'HUB_UNAVAILABLE' // a run needs the Hugging Face Hub, which this build cannot reach
  | 'MODEL_NOT_FOUND' // the model path or files are missing
  | 'MODEL_INVALID' // the model files are inconsistent
  | 'BACKEND_ERROR' // the inference runtime failed
  | 'USAGE' // bad command-line usage
  | 'CANCELLED' // a run was cancelled
  | 'API_ERROR' // an OpenAI-compatible server failed, refused or could not be reached
  | 'API_UNSUPPORTED' // the server lacks something a task needs (e.g. prompt log-probabilities)
  | 'OUTPUT_UNWRITABLE' // --output failed after the run; the files were saved elsewhere (the message says where)
  | 'QUOTA_EXCEEDED' // the browser's storage quota cannot hold what a download or store needs

/** An error a user can fix; `message` names the bad value and the valid ones. */
export class HarnessError extends Error {
  /** stable machine-readable code */
  readonly code: ErrorCode
  /** structured context (the bad value, the valid options), JSON-safe */
  readonly detail: Record<string, unknown> | undefined

  constructor(code: ErrorCode, message: string, detail?: Record<string, unknown>) {
    super(message)
    this.name = 'HarnessError'
    this.code = code
    this.detail = detail
  }
}

/** True for HarnessError, including instances rebuilt across a worker boundary. */
export function isHarnessError(e: unknown): e is HarnessError {
  return e instanceof HarnessError || (typeof e === 'object' && e !== null && (e as { name?: unknown }).name === 'HarnessError')
}
