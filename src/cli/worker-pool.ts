/**
 * `--num-workers N` (alias `--num-gpus N`): data parallelism on one machine. N worker processes each load the
 * model into a session of their own with 1/N of the CPU threads; every backend call is sharded by document —
 * consecutive requests with the same context (one document's choices) form a unit and unit k goes to worker
 * k mod N, as lm-eval gives document i to rank i mod world_size — and the answers are merged back in request
 * order, so the evaluator (and every file it writes) sees exactly what one process would have answered.
 */
import { fork } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import type { BackendInfo, BatchOptions, ChatMessage, ChatTemplateOptions, ModelBackend } from '../core/backend.ts'
import { HarnessError } from '../core/errors.ts'
import type { ErrorCode } from '../core/errors.ts'
import type { ModelRequest } from '../core/requests.ts'
import { renderChatTemplate, selectChatTemplate } from '../backends/transformers/chat-template.ts'
import type { ChatTokenizerLike } from '../backends/transformers/chat-template.ts'
import { PACKAGE_ROOT } from './browser-server.ts'
import type { HubAccess } from './model-source.ts'
import type { LocalModelArgs } from './local-model.ts'
import type { WorkerError, WorkerMethod, WorkerReply, WorkerRequest } from './worker-messages.ts'

/** How to start the pool. */
export interface WorkerPoolOptions {
  /** the model as a local folder (already downloaded or converted by the parent) */
  readonly args: LocalModelArgs
  /** Hub settings (the workers read only the local folder) */
  readonly hub: HubAccess
  /** worker processes (≥ 2) */
  readonly workers: number
  /** the tokenizer, for chat templates (rendered in the parent) */
  readonly chatTokenizer?: ChatTokenizerLike
}

/** Units of consecutive requests sharing a key, dealt round-robin: the request indices of each worker, in order. */
export function shardByDocument(reqs: readonly ModelRequest[], workers: number): number[][] {
  const shards: number[][] = Array.from({ length: workers }, () => [])
  let unit = -1
  let lastKey: string | undefined
  reqs.forEach((r, i) => {
    const key = r.kind === 'loglikelihood' ? r.context : undefined
    if (key === undefined || key !== lastKey) unit++
    lastKey = key
    shards[unit % workers].push(i)
  })
  return shards
}

/** Starts the workers, waits until each has loaded the model, and returns the pooled backend. */
export async function workerPoolBackend(opts: WorkerPoolOptions): Promise<ModelBackend> {
  const threads = Math.max(1, Math.floor(availableParallelism() / opts.workers))
  const children: ChildProcess[] = []
  const pending = new Map<number, { onReply: (r: WorkerReply) => void; fail: (e: Error) => void }>()
  let nextId = 0
  const start = (w: number) => new Promise<BackendInfo>((ok, fail) => {
    const child = fork(join(PACKAGE_ROOT, 'bin/run-ts.js'), [join(PACKAGE_ROOT, 'src/cli/backend-worker.ts')], {
      serialization: 'advanced', stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    })
    children[w] = child
    child.once('error', e => fail(new HarnessError('BACKEND_ERROR', `worker ${w + 1} could not start: ${e.message}`)))
    child.on('exit', (code) => {
      const err = new HarnessError('BACKEND_ERROR', `worker ${w + 1} of ${opts.workers} exited (code ${code}) before answering`)
      fail(err)
      for (const p of pending.values()) p.fail(err)
    })
    child.on('message', (m: WorkerReply) => {
      if (m.type === 'ready') ok(m.info)
      else if (m.type === 'failed') fail(harnessError(m.error))
      else pending.get(m.id)?.onReply(m)
    })
    child.send({ type: 'load', args: opts.args, hub: opts.hub, threads } satisfies WorkerRequest)
  })
  let infos: BackendInfo[]
  try {
    infos = await Promise.all(Array.from({ length: opts.workers }, (_, w) => start(w)))
  } catch (e) {
    for (const c of children) c?.kill()
    throw e
  }

  async function call<R>(method: WorkerMethod, reqs: readonly ModelRequest[], o: BatchOptions<R>): Promise<R[]> {
    const shards = shardByDocument(reqs, children.length)
    const results: R[] = new Array(reqs.length)
    const done = shards.map(() => 0)
    const tokens = shards.map(() => 0)
    const ids: number[] = []
    const cancel = () => ids.forEach((id, w) => children[w].send({ type: 'cancel', id } satisfies WorkerRequest))
    o.signal?.addEventListener('abort', cancel, { once: true })
    try {
      await Promise.all(shards.map((shard, w) => new Promise<void>((ok, fail) => {
        if (shard.length === 0) return ok()
        const id = nextId++
        ids[w] = id
        pending.set(id, {
          fail,
          onReply(m) {
            if (m.type === 'progress') {
              done[w] = m.done
              tokens[w] = m.tokens
              o.onProgress?.({ done: sum(done), total: reqs.length, tokens: sum(tokens) })
            } else if (m.type === 'result') {
              m.results.forEach((r, j) => {
                results[shard[j]] = r as R
                o.onResult?.(shard[j], r as R)
              })
              ok()
            } else if (m.type === 'error') fail(harnessError(m.error))
          },
        })
        children[w].send({ type: 'call', id, method, reqs: shard.map(i => reqs[i]), batchSize: o.batchSize } satisfies WorkerRequest)
      }).catch((e: unknown) => {
        cancel()
        throw e
      })))
    } finally {
      ids.forEach(id => pending.delete(id))
      o.signal?.removeEventListener('abort', cancel)
    }
    return results
  }

  const tok = opts.chatTokenizer
  const info: BackendInfo = { ...infos[0], model: opts.args.model }
  return {
    info,
    ...(tok && {
      chatTemplate: (name?: string) => selectChatTemplate(tok, name, info.model),
      applyChatTemplate: (messages: readonly ChatMessage[], o: ChatTemplateOptions) => renderChatTemplate(tok, messages, o, info.model),
    }),
    loglikelihood: (reqs, o) => call('loglikelihood', reqs, o),
    loglikelihoodRolling: (reqs, o) => call('loglikelihoodRolling', reqs, o),
    generateUntil: (reqs, o) => call('generateUntil', reqs, o),
    async dispose() {
      await Promise.all(children.map(c => new Promise<void>((ok) => {
        if (c.exitCode !== null) return ok()
        c.removeAllListeners('exit')
        c.once('exit', () => ok())
        c.send({ type: 'dispose' } satisfies WorkerRequest)
      })))
    },
  }
}

function sum(xs: readonly number[]): number {
  return xs.reduce((a, b) => a + b, 0)
}

function harnessError(e: WorkerError): HarnessError {
  return new HarnessError(e.code as ErrorCode, e.message, e.detail)
}
