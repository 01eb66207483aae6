/**
 * The `--output DIR` files: results.json and samples_<task>.jsonl (Python json formatting, as lm-eval writes them),
 * written as one set, checked before any model loads, and never lost once an evaluation has finished.
 *
 * - `prepareOutputDir` runs before the model loads: it creates DIR (one level at a time: Node's recursive mkdir
 *   spins forever under /proc) and proves it writable, so a bad --output costs seconds, not a whole evaluation.
 * - `writeRunFiles` writes every file to a temporary name and renames it into place, results.json last; an earlier
 *   run's results.json and samples files in DIR are first moved into `DIR/earlier-<time>/`, so the folder never
 *   mixes two runs (a report would compare the wrong samples) and nothing earlier is deleted.
 * - `saveRunFiles` falls back to a new temporary folder when DIR fails after all, and says where.
 */
import { mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { RunOutput } from '../app/run-evaluation.ts'
import { HarnessError } from '../core/errors.ts'
import { processAlive } from './process-alive.ts'

/** Files of an earlier run that `writeRunFiles` moves aside. */
const RUN_FILE = /^(?:results\.json|samples_.*\.jsonl)$/

/** A file-system failure as a short reason ("permission denied", "read-only file system", …). */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  const known: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'operation not permitted', EROFS: 'read-only file system',
    ENOSPC: 'no space left on the device', EDQUOT: 'disk quota exceeded', ENOTDIR: 'a part of the path is a file',
    EEXIST: 'a file is in the way', ENOENT: 'the place does not exist or cannot hold folders', EISDIR: 'it is a folder',
  }
  return err?.code !== undefined && known[err.code] !== undefined ? `${known[err.code]} (${err.code})` : (err?.message ?? String(e))
}

async function kind(path: string): Promise<'dir' | 'file' | undefined> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file'
  } catch {
    return undefined
  }
}

/**
 * Creates `dir` and its missing parents one level at a time (mkdir without `recursive`, which spins on /proc);
 * throws the errno error of the level that failed.
 */
export async function ensureDir(dir: string): Promise<void> {
  const missing: string[] = []
  let at = dir
  for (;;) {
    const k = await kind(at)
    if (k === 'dir') break
    if (k === 'file') throw Object.assign(new Error(`'${at}' is a file`), { code: 'ENOTDIR' })
    missing.push(at)
    const up = dirname(at)
    if (up === at) break
    at = up
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d)
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || (await kind(d)) !== 'dir') throw e
    }
  }
}

/** Checks --output before the model loads: DIR is (or can be made) a folder evalz can write in. Throws USAGE. */
export async function prepareOutputDir(dir: string, flag = '--output'): Promise<void> {
  if ((await kind(dir)) === 'file') {
    throw new HarnessError('USAGE', `${flag} '${dir}' is a file; name a folder (evalz writes results.json and samples_<task>.jsonl in it)`, { output: dir })
  }
  try {
    await ensureDir(dir)
    const probe = join(dir, `.evalz-write-test-${process.pid}`)
    await writeFile(probe, '')
    await rm(probe, { force: true })
  } catch (e) {
    throw new HarnessError('USAGE', `${flag} '${dir}' cannot be written: ${reason(e)}; choose a folder you can write to`, { output: dir })
  }
}

/** Writes `text` to `path` through a temporary file and a rename, so `path` is never half-written. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.partial-${process.pid}`
  try {
    await writeFile(tmp, text)
    await rename(tmp, path)
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => undefined)
    throw e
  }
}

/** Moves an earlier run's results.json and samples files in `dir` into `dir/earlier-<time>/`; returns that folder. */
async function moveEarlierRun(dir: string, now: Date): Promise<string | undefined> {
  const old = (await readdir(dir)).filter(f => RUN_FILE.test(f)).sort()
  if (old.length === 0) return undefined
  const aside = join(dir, `earlier-${now.toISOString().replace(/[:.]/g, '-')}`)
  await mkdir(aside)
  for (const f of old) await rename(join(dir, f), join(aside, f))
  return aside
}

/** The samples file name of a task (dataset tasks hold '/' and ':', replaced as lm-eval does in model names). */
export function samplesFileName(task: string): string {
  return `samples_${task.replace(/["<>:/|\\?*[\]]+/g, '__')}.jsonl`
}

/** The texts of one run's files. */
export interface RunFileSet {
  /** results.json's text */
  readonly results: string
  /** [file name, text] of each samples file */
  readonly samples: readonly (readonly [string, string])[]
}

/** The files of an evaluation outcome (samples only with --log-samples). */
export function outcomeFiles(output: RunOutput, logSamples: boolean): RunFileSet {
  return {
    results: `${output.resultsJson}\n`,
    // every task logged, an empty file for a task without samples (runEvaluation's texts leave those out)
    samples: logSamples ? [...output.outcome.samples.keys()].map((task) => [samplesFileName(task), output.samplesJsonl[task] ?? ''] as const) : [],
  }
}

/** What `writeRunFiles` did. */
export interface WrittenRun {
  /** the files written, results.json last */
  readonly written: string[]
  /** where an earlier run's files in the folder were moved, if there were any */
  readonly movedEarlier: string | undefined
}

/** Writes a run's files under `dir` as one set (samples first, results.json last, each renamed into place). */
export async function writeRunFiles(dir: string, files: RunFileSet, now = new Date()): Promise<WrittenRun> {
  await ensureDir(dir)
  await removeStalePartials(dir)
  const movedEarlier = await moveEarlierRun(dir, now)
  const written: string[] = []
  try {
    for (const [name, text] of files.samples) {
      const p = join(dir, name)
      await writeAtomic(p, text)
      written.push(p)
    }
    const resultsPath = join(dir, 'results.json')
    await writeAtomic(resultsPath, files.results.endsWith('\n') ? files.results : `${files.results}\n`)
    written.push(resultsPath)
  } catch (e) {
    // nothing half-written is kept (a disk that fills up mid-set): this set's files go, the earlier run comes back
    for (const p of written) await rm(p, { force: true }).catch(() => undefined)
    if (movedEarlier !== undefined) await moveBack(movedEarlier, dir).catch(() => undefined)
    throw e
  }
  return { written, movedEarlier }
}

/** Removes `<file>.partial-<pid>` files of a process that is gone (killed while writing): never read, only removed. */
async function removeStalePartials(dir: string): Promise<void> {
  for (const name of await readdir(dir)) {
    const pid = /\.partial-(\d+)$/.exec(name)?.[1]
    if (pid !== undefined && !processAlive(Number(pid))) await rm(join(dir, name), { force: true }).catch(() => undefined)
  }
}

/** Moves an earlier run's files from `aside` back into `dir` and removes `aside`. */
async function moveBack(aside: string, dir: string): Promise<void> {
  for (const f of await readdir(aside)) await rename(join(aside, f), join(dir, f))
  await rm(aside, { recursive: true })
}

/**
 * Writes a finished evaluation's files to `dir` and returns the lines to print. When `dir` fails after all (disk
 * full, folder removed or made read-only during the run) the files go to a new temporary folder, and the
 * HarnessError OUTPUT_UNWRITABLE thrown says where: a finished evaluation is never lost.
 */
export async function saveRunFiles(dir: string, files: RunFileSet): Promise<string[]> {
  let why: string
  try {
    const { written, movedEarlier } = await writeRunFiles(dir, files)
    const lines = [`evalz: wrote ${written.join(', ')}`]
    if (movedEarlier !== undefined) lines.unshift(`evalz: moved the earlier run's files in ${dir} to ${movedEarlier}`)
    return lines
  } catch (e) {
    why = reason(e)
  }
  const fallback = await mkdtemp(join(tmpdir(), 'evalz-results-'))
  await writeRunFiles(fallback, files)
  throw new HarnessError('OUTPUT_UNWRITABLE',
    `could not write to '${dir}' (${why}); the finished evaluation was saved to ${fallback} instead — copy it from there`,
    { output: dir, savedTo: fallback })
}
