/** The messages between `--num-workers` worker processes and their parent (IPC, structured clone). */
import type { BackendInfo, ModelBackend } from '../core/backend.ts'
import type { HubAccess } from './model-source.ts'
import type { LocalModelArgs } from './local-model.ts'

/** The backend methods a worker answers. */
export type WorkerMethod = keyof Pick<ModelBackend, 'loglikelihood' | 'loglikelihoodRolling' | 'generateUntil'>

/** A setup or run error as data. */
export interface WorkerError {
  /** HarnessError code, or BACKEND_ERROR */
  readonly code: string
  /** one line */
  readonly message: string
  readonly detail?: Record<string, unknown>
}

/** Parent → worker. */
export type WorkerRequest =
  | { readonly type: 'load'; readonly args: LocalModelArgs; readonly hub: HubAccess; readonly threads: number }
  | { readonly type: 'call'; readonly id: number; readonly method: WorkerMethod; readonly reqs: readonly unknown[]; readonly batchSize: number }
  | { readonly type: 'cancel'; readonly id: number }
  | { readonly type: 'dispose' }

/** Worker → parent. */
export type WorkerReply =
  | { readonly type: 'ready'; readonly info: BackendInfo }
  | { readonly type: 'failed'; readonly error: WorkerError }
  | { readonly type: 'progress'; readonly id: number; readonly done: number; readonly tokens: number }
  | { readonly type: 'result'; readonly id: number; readonly results: readonly unknown[] }
  | { readonly type: 'error'; readonly id: number; readonly error: WorkerError }
