/**
 * Progress on stderr: a redrawn bar on a TTY (requests done/total, tokens/s, ETA), plain lines otherwise.
 */
import type { EvalEvent } from '../core/events.ts'

/** Where progress goes. */
export interface ProgressSink {
  readonly isTTY: boolean
  write(text: string): void
}

/** Seconds as m:ss or h:mm:ss. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?'
  const s = Math.max(0, Math.round(seconds))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const ss = String(s % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}

/** Requests longer than this (characters) are reported when planned: their size, and how they are bounded. */
export const LONG_REQUEST_CHARS = 1_000_000

/** The note for a task whose longest request is `chars` characters. */
export function longRequestNote(task: string, chars: number): string {
  return `evalz: ${task}: a request is ${chars.toLocaleString('en-US')} characters; contexts past the model's max length are `
    + 'left-truncated to their last tokens as lm-eval does (only that tail is tokenised), while a perplexity document is scored whole'
}

/** Returns an event handler that renders progress to `sink`. */
export function progressReporter(sink: ProgressSink, now: () => number): (e: EvalEvent) => void {
  let lastLine = 0
  let lastPct = -1
  return (e: EvalEvent) => {
    if (e.type === 'planned') {
      const lines = e.tasks.map(t => `  ${t.task}: ${t.docs} docs, ${t.requests} requests, ${t.numFewshot}-shot`)
      sink.write(`evalz: ${e.totalRequests} requests for ${e.tasks.length} task(s)\n${lines.join('\n')}\n`)
      for (const t of e.tasks) if ((t.longestRequestChars ?? 0) > LONG_REQUEST_CHARS) sink.write(`${longRequestNote(t.task, t.longestRequestChars ?? 0)}\n`)
      return
    }
    if (e.type === 'scored') {
      if (sink.isTTY && lastLine > 0) {
        sink.write('\n')
        lastLine = 0
      }
      if (e.failedDocs > 0) sink.write(`evalz: ${e.task}: ${e.failedDocs} doc(s) failed to score (see evalz_error in the samples)\n`)
      return
    }
    if (e.type === 'task-progress') return
    const rate = e.elapsedMs > 0 ? e.tokens / (e.elapsedMs / 1000) : 0
    const reqRate = e.elapsedMs > 0 ? e.overallDone / (e.elapsedMs / 1000) : 0
    const eta = reqRate > 0 ? (e.overallTotal - e.overallDone) / reqRate : Number.NaN
    const pct = e.overallTotal > 0 ? e.overallDone / e.overallTotal : 1
    const text = `${e.overallDone}/${e.overallTotal} requests (${e.kind}) · ${Math.round(rate)} tok/s · ETA ${formatDuration(eta)}`
    if (sink.isTTY) {
      const width = 24
      const filled = Math.round(pct * width)
      sink.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${text}\x1b[K`)
      lastLine = 1
      return
    }
    const t = now()
    const step = Math.floor(pct * 10)
    if (step > lastPct || t - lastLine > 10_000) {
      lastPct = step
      lastLine = t
      sink.write(`evalz: ${text}\n`)
    }
  }
}
