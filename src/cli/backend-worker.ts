/**
 * One `--num-workers` worker process: loads the local model with its share of the CPU threads (its own
 * onnxruntime session) and answers the parent's backend calls over the IPC channel (worker-pool.ts).
 * Started by the parent as `node bin/run-ts.js src/cli/backend-worker.ts`; not a command of its own.
 */
import type { BatchOptions, ModelBackend } from '../core/backend.ts'
import { isHarnessError } from '../core/errors.ts'
import { makeBackend } from '../backends/transformers/transformers-backend.ts'
import { loadLocalModel } from './local-model.ts'
import type { WorkerReply, WorkerRequest } from './worker-messages.ts'

let backend: ModelBackend | undefined
const running = new Map<number, AbortController>()

function send(reply: WorkerReply): void {
  process.send?.(reply)
}

function errorOf(e: unknown): { code: string; message: string; detail?: Record<string, unknown> } {
  if (isHarnessError(e)) return { code: e.code, message: e.message, detail: e.detail }
  return { code: 'BACKEND_ERROR', message: e instanceof Error ? e.message : String(e) }
}

async function handle(msg: WorkerRequest): Promise<void> {
  if (msg.type === 'load') {
    try {
      const sink = { isTTY: false, write: () => {} }
      const { parts } = await loadLocalModel(msg.args, msg.hub, sink, msg.threads)
      backend = makeBackend(parts)
      send({ type: 'ready', info: backend.info })
    } catch (e) {
      send({ type: 'failed', error: errorOf(e) })
    }
    return
  }
  if (msg.type === 'cancel') {
    running.get(msg.id)?.abort()
    return
  }
  if (msg.type === 'dispose') {
    await backend?.dispose()
    process.exit(0)
  }
  const controller = new AbortController()
  running.set(msg.id, controller)
  const opts: BatchOptions<unknown> = {
    batchSize: msg.batchSize,
    signal: controller.signal,
    onProgress: (p) => send({ type: 'progress', id: msg.id, done: p.done, tokens: p.tokens }),
  }
  try {
    const b = backend!
    const results = msg.method === 'loglikelihood' ? await b.loglikelihood(msg.reqs as never, opts)
      : msg.method === 'loglikelihoodRolling' ? await b.loglikelihoodRolling(msg.reqs as never, opts)
        : await b.generateUntil(msg.reqs as never, opts)
    send({ type: 'result', id: msg.id, results })
  } catch (e) {
    send({ type: 'error', id: msg.id, error: errorOf(e) })
  } finally {
    running.delete(msg.id)
  }
}

process.on('message', (msg: WorkerRequest) => {
  void handle(msg)
})
process.on('disconnect', () => process.exit(0))
