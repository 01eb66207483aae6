/**
 * The evalz command as a child process for tests that run it on a checkpoint (tests/cli/gguf-run.test.ts,
 * tests/e2e/gguf-app.test.ts): `node bin/evalz.js run ...` with a cache of its own, and the files it wrote.
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunFiles } from '../e2e/cli-reference.ts'

/** What to run. */
export interface EvalzRun {
  /** --model: a path relative to `root` or absolute */
  readonly model: string
  /** --tasks */
  readonly tasks: readonly string[]
  /** --data-dir */
  readonly dataDir: string
  /** --limit, docs per task */
  readonly limit: number
  /** further options, e.g. ['--compute', 'int8'] */
  readonly extraArgs?: readonly string[]
}

/** A finished run: its files, the output folder and the cache it used (both removed by `dispose`). */
export interface EvalzResult extends RunFiles {
  /** the --output folder */
  readonly outDir: string
  /** the --cache-dir folder (also EVALZ_CACHE) */
  readonly cacheDir: string
  /** removes outDir and cacheDir */
  dispose(): Promise<void>
}

/**
 * Runs `evalz run ... --log-samples` from `root` with an empty cache of its own (EVALZ_CACHE and --cache-dir);
 * rejects with the tail of stderr when it does not exit 0.
 */
export async function runEvalz(root: string, run: EvalzRun): Promise<EvalzResult> {
  const outDir = await mkdtemp(join(tmpdir(), 'evalz-run-out-'))
  const cacheDir = await mkdtemp(join(tmpdir(), 'evalz-run-cache-'))
  const dispose = async () => {
    await rm(outDir, { recursive: true, force: true })
    await rm(cacheDir, { recursive: true, force: true })
  }
  const args = [
    'bin/evalz.js', 'run', '--model', run.model, '--tasks', run.tasks.join(','), '--data-dir', run.dataDir,
    '--limit', String(run.limit), '--log-samples', '--output', outDir, '--cache-dir', cacheDir, ...(run.extraArgs ?? []),
  ]
  const stderr: string[] = []
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EVALZ_CACHE: cacheDir } })
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()))
    child.on('error', reject)
    child.on('close', resolve)
  })
  try {
    if (code !== 0) throw new Error(`evalz exited with ${code}: ${stderr.join('').slice(-2000)}`)
    const samplesJsonl: Record<string, string> = {}
    for (const task of run.tasks) samplesJsonl[task] = await readFile(join(outDir, `samples_${task}.jsonl`), 'utf8')
    return { resultsJson: await readFile(join(outDir, 'results.json'), 'utf8'), samplesJsonl, outDir, cacheDir, dispose }
  } catch (e) {
    await dispose()
    throw e
  }
}
