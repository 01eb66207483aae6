/**
 * What the worker streams to the page during a run (a discriminated union on `type`), and a throttle that keeps
 * the stream to a few messages per second.
 */
import type { EvalEvent } from '../core/events.ts'
import type { DeviceReport } from './device.ts'

/** Coarse stage of a run. */
export type RunPhase = 'loading-model' | 'evaluating' | 'finishing'

export type WorkerEvent =
  | { readonly type: 'phase'; readonly phase: RunPhase }
  | {
    readonly type: 'load'
    /** model file being read, e.g. 'onnx/model.onnx' */
    readonly file: string
    /** bytes read so far */
    readonly loaded: number
    /** bytes in the file; 0 when unknown */
    readonly total: number
  }
  /** the device the model was loaded on (sent again if 'auto' falls back to wasm) */
  | { readonly type: 'device'; readonly report: DeviceReport }
  /** an engine event, unchanged */
  | { readonly type: 'eval'; readonly event: EvalEvent }

/** A throttled event sink. */
export interface EventThrottle {
  /** passes the event on, or holds it when it is a frequent one that came too soon */
  (e: WorkerEvent): void
  /** sends the held event, if any */
  flush(): void
}

/**
 * Wraps `emit` so that progress-like events (eval 'progress', 'load') go out at most once per `intervalMs`;
 * the last of a series (done === total) and every other event go out at once, after any held event, so order
 * is kept and the final state is never dropped.
 */
export function throttleEvents(emit: (e: WorkerEvent) => void, intervalMs: number, now: () => number): EventThrottle {
  let held: WorkerEvent | undefined
  let last = -Infinity
  const send = (e: WorkerEvent): void => {
    held = undefined
    last = now()
    emit(e)
  }
  const flush = (): void => {
    if (held) send(held)
  }
  const sink = (e: WorkerEvent): void => {
    if (!isFrequent(e) || isFinal(e)) {
      flush()
      send(e)
    } else if (now() - last >= intervalMs) {
      send(e)
    } else {
      held = e
    }
  }
  return Object.assign(sink, { flush })
}

function isFrequent(e: WorkerEvent): boolean {
  return e.type === 'load' || (e.type === 'eval' && e.event.type === 'progress')
}

function isFinal(e: WorkerEvent): boolean {
  if (e.type === 'load') return e.total > 0 && e.loaded >= e.total
  return e.type === 'eval' && e.event.type === 'progress' && e.event.done >= e.event.total
}

/** Input tokens per second of a progress event; 0 before any time has passed. */
export function tokensPerSecond(e: Extract<EvalEvent, { type: 'progress' }>): number {
  return e.elapsedMs > 0 ? e.tokens / (e.elapsedMs / 1000) : 0
}
