/**
 * Ctrl-C (SIGINT) or SIGTERM during `evalz run`: one line saying what was kept and how to go on, then exit 130
 * (128 + SIGINT, as shells expect). Nothing half-written is ever used afterwards: output files and converted
 * checkpoints are renamed into place only when complete, and Hub downloads keep their partial bytes to resume.
 */

/** What the interrupted run had asked for. */
export interface InterruptContext {
  /** --output DIR, if given */
  readonly output: string | undefined
  /** the cache root (downloads, dataset splits, converted checkpoints) */
  readonly cacheDir: string
}

/** The line printed when a run is interrupted. */
export function interruptMessage(signal: string, ctx: InterruptContext): string {
  const output = ctx.output === undefined
    ? 'no results were written (a run prints and writes them when it finishes)'
    : `nothing new was written to ${ctx.output} (results.json is written only when the run finishes)`
  return `evalz: interrupted by ${signal}; ${output}; kept in ${ctx.cacheDir}: finished downloads, partial downloads ` +
    '(they resume), dataset splits read so far and finished checkpoint conversions; rerun the same command to start again'
}

/**
 * Installs the SIGINT/SIGTERM handlers for one run; returns a function that removes them. `exit` is
 * process.exit in the CLI (a test passes its own).
 */
export function handleInterrupts(ctx: InterruptContext, write: (line: string) => void, exit: (code: number) => void): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    write(`${interruptMessage(signal, ctx)}\n`)
    exit(signal === 'SIGINT' ? 130 : 143)
  }
  process.once('SIGINT', handler)
  process.once('SIGTERM', handler)
  return () => {
    process.off('SIGINT', handler)
    process.off('SIGTERM', handler)
  }
}
