/**
 * A throttle that keeps the worker's event stream (protocol/worker-event.ts) to a few messages per second, and the
 * throughput figure the page shows.
 */
import type { EvalEvent } from '../core/events.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'

/** A throttled event sink. */
export interface EventThrottle {
  /** passes the event on, or holds it when it is a frequent one that came too soon */
  (e: WorkerEvent): void
  /** sends the held event, if any */
  flush(): void
}

/**
 * Wraps `emit` so that progress-like events (eval 'progress' and 'task-progress', 'load') go out at most once per
 * `intervalMs`, the latest of each series (per task for 'task-progress') replacing the one held before it; the
 * last of a series (done === total) and every other event go out at once, after any held events, so order is kept
 * and the final state is never dropped.
 */
export function throttleEvents(emit: (e: WorkerEvent) => void, intervalMs: number, now: () => number): EventThrottle {
  const held = new Map<string, WorkerEvent>()
  let last = -Infinity
  const send = (e: WorkerEvent): void => {
    last = now()
    emit(e)
  }
  const flush = (): void => {
    const pending = [...held.values()]
    held.clear()
    for (const e of pending) send(e)
  }
  const sink = (e: WorkerEvent): void => {
    const key = seriesKey(e)
    if (key === undefined || isFinal(e)) {
      if (key !== undefined) held.delete(key)
      flush()
      send(e)
      return
    }
    held.delete(key)
    held.set(key, e)
    if (now() - last >= intervalMs) flush()
  }
  return Object.assign(sink, { flush })
}

/** The series a frequent event belongs to; undefined for events that always go out at once. */
function seriesKey(e: WorkerEvent): string | undefined {
  if (e.type === 'load') return 'load'
  if (e.type !== 'eval') return undefined
  if (e.event.type === 'progress') return 'progress'
  if (e.event.type === 'task-progress') return `task:${e.event.task}`
  return undefined
}

function isFinal(e: WorkerEvent): boolean {
  if (e.type === 'load') return e.total > 0 && e.loaded >= e.total
  if (e.type !== 'eval') return false
  if (e.event.type === 'progress') return e.event.done >= e.event.total
  return e.event.type === 'task-progress' && e.event.docsDone >= e.event.docsTotal
}

/** Input tokens per second of a progress event; 0 before any time has passed. */
export function tokensPerSecond(e: Extract<EvalEvent, { type: 'progress' }>): number {
  return e.elapsedMs > 0 ? e.tokens / (e.elapsedMs / 1000) : 0
}
