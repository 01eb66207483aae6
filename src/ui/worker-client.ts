/**
 * The page's handle on the evaluation worker, derived from the API type (AppWorkerApi, protocol/chat-api.ts): every
 * worker method, called by name through comlink, with callbacks passed as comlink proxies. Answers are
 * settled on the way back: an Outcome gives its value, a finished run its RunSuccess; an Outcome's error or a
 * failed run is thrown as a WorkerError (with `code` and `detail`; code 'CANCELLED' for a cancelled run). It is a
 * lit reactive controller: the module worker starts on first use and is terminated when the host disconnects.
 */
import * as Comlink from 'comlink'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { Outcome, RunResult, RunSuccess } from '../protocol/eval-worker-api.ts'
import type { AppWorkerApi } from '../protocol/chat-api.ts'
import type { WireError } from '../protocol/wire-error.ts'
import { fromWireError } from '../app/wire-error.ts'

/** What a call resolves with on the page: an Outcome's value, a run's success, else the answer itself. */
export type Settled<T> = [T] extends [Outcome<infer V>] ? V : [T] extends [RunResult] ? RunSuccess : T

/** The worker's API (evaluation and chat) as the page calls it: the same methods and arguments, settled answers. */
export type WorkerCalls = {
  readonly [K in keyof AppWorkerApi]: (...args: Parameters<AppWorkerApi[K]>) => Promise<Settled<Awaited<ReturnType<AppWorkerApi[K]>>>>
}

/** The client: the worker's calls plus the controller hooks. */
export type EvalWorkerClient = WorkerCalls & ReactiveController

/** A worker method as comlink's remote holds it (the names and types come from WorkerCalls). */
type RemoteCall = (...args: unknown[]) => Promise<unknown>

/** Owns one worker for the lifetime of its host element. */
class WorkerConnection implements ReactiveController {
  private worker: Worker | undefined
  /** kept in a field for the worker's lifetime: a transient comlink proxy can be collected mid-call (comlink #692) */
  private remote: Comlink.Remote<Record<string, RemoteCall>> | undefined
  /** rejects when the worker fails to start or crashes, so pending calls do not hang */
  private crashed: Promise<never> = new Promise(() => undefined)

  hostConnected(): void {
    this.connect()
  }

  hostDisconnected(): void {
    this.remote?.[Comlink.releaseProxy]()
    this.worker?.terminate()
    this.remote = undefined
    this.worker = undefined
  }

  /** Calls `name` in the worker with callbacks proxied, and settles the answer. */
  async call(name: string, args: readonly unknown[]): Promise<unknown> {
    const remote = this.connect()
    const wired = args.map((a) => (typeof a === 'function' ? Comlink.proxy(a) : a))
    return settle(await Promise.race([remote[name]!(...wired), this.crashed]))
  }

  private connect(): Comlink.Remote<Record<string, RemoteCall>> {
    if (!this.remote) {
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
      this.remote = Comlink.wrap<Record<string, RemoteCall>>(worker)
    }
    return this.remote
  }
}

/** An Outcome's value or a run's success; an Outcome's error or a failed run is thrown. */
export function settle(answer: unknown): unknown {
  if (typeof answer !== 'object' || answer === null) return answer
  const a = answer as { ok?: unknown; value?: unknown; error?: WireError; status?: unknown }
  if (a.ok === true && 'value' in a) return a.value
  if ((a.ok === false || a.status === 'failed') && a.error !== undefined) throw fromWireError(a.error)
  return answer
}

/** Whether `name` can be an API method: a camelCase identifier, not `then` or `toJSON` (probed by await, JSON). */
export function isMethodName(name: string): boolean {
  return /^[a-z][A-Za-z0-9]*$/.test(name) && name !== 'then' && name !== 'toJSON'
}

/** The worker client of `host`: `client.listRuns()`, `client.run(spec, onEvent)`, … as AppWorkerApi declares them. */
export function evalWorkerClient(host: ReactiveControllerHost): EvalWorkerClient {
  const connection = new WorkerConnection()
  host.addController(connection)
  const calls = new Map<string, (...args: unknown[]) => Promise<unknown>>()
  return new Proxy(connection, {
    get(target, name, receiver) {
      if (typeof name !== 'string' || name in target) return Reflect.get(target, name, receiver)
      // API methods are camelCase words; anything else (lit's `_$litDirective$` probe, `then`, `toJSON`) is absent
      if (!isMethodName(name)) return undefined
      const known = calls.get(name)
      if (known !== undefined) return known
      const fn = (...args: unknown[]) => target.call(name, args)
      calls.set(name, fn)
      return fn
    },
  }) as unknown as EvalWorkerClient
}
