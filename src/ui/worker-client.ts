/**
 * The page's handle on the evaluation worker: a lit reactive controller that starts the module worker when its
 * host connects, talks to it through comlink and terminates it when the host disconnects. Failed runs come back
 * as WireError data and are rethrown here as WorkerError (with `code` and `detail`).
 */
import * as Comlink from 'comlink'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { EvalWorkerApi, RunResult, RunSuccess } from '../protocol/eval-worker-api.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import { fromWireError } from '../protocol/wire-error.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'

/** Owns one worker for the lifetime of its host element. */
export class EvalWorkerClient implements ReactiveController {
  private worker: Worker | undefined
  /** kept in a field for the worker's lifetime: a transient comlink proxy can be collected mid-call (comlink #692) */
  private api: Comlink.Remote<EvalWorkerApi> | undefined
  /** rejects when the worker fails to start or crashes, so pending calls do not hang */
  private crashed: Promise<never> = new Promise(() => undefined)

  constructor(host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    this.connect()
  }

  hostDisconnected(): void {
    this.api?.[Comlink.releaseProxy]()
    this.worker?.terminate()
    this.api = undefined
    this.worker = undefined
  }

  /** The built-in catalogue. */
  async listTasks(): Promise<CatalogueEntry[]> {
    return this.call((api) => api.listTasks())
  }

  /** Runs an evaluation; resolves with the results, rejects with a WorkerError (code 'CANCELLED' when cancelled). */
  async run(spec: RunRequest, onEvent: (e: WorkerEvent) => void): Promise<RunSuccess> {
    // comlink's Remote type distributes Promise over the union; it is one Promise<RunResult>
    const result = await this.call((api) => api.run(spec, Comlink.proxy(onEvent)) as Promise<RunResult>)
    if (result.status === 'failed') throw fromWireError(result.error)
    return result
  }

  /** Asks the worker to stop a run between forward passes. */
  async cancel(runId: string): Promise<void> {
    await this.api?.cancel(runId)
  }

  private call<T>(fn: (api: Comlink.Remote<EvalWorkerApi>) => Promise<T>): Promise<T> {
    const api = this.connect()
    return Promise.race([fn(api), this.crashed])
  }

  private connect(): Comlink.Remote<EvalWorkerApi> {
    if (!this.api) {
      const worker = new Worker(new URL('../../workers/eval.worker.ts', import.meta.url), { type: 'module', name: 'evalz-eval' })
      this.crashed = new Promise<never>((_, reject) => {
        worker.addEventListener('error', (e) => {
          e.preventDefault()
          reject(fromWireError({ code: 'INTERNAL', message: `the evaluation worker failed: ${e.message || 'it could not start'}`, detail: undefined }))
          this.hostDisconnected()
        })
      })
      this.crashed.catch(() => undefined)
      this.worker = worker
      this.api = Comlink.wrap<EvalWorkerApi>(worker)
    }
    return this.api
  }
}
