/**
 * The Node CLI as the reference for the browser e2e tests: runs `node bin/evalz.js run ... --log-samples` in a
 * child process, reads its results.json and samples files, and compares another run's files against them
 * (per-request log-likelihoods within a tolerance, accuracies identical).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** One run's files: results.json text and task → samples_<task>.jsonl text. */
export interface RunFiles {
  /** results.json text */
  readonly resultsJson: string
  /** task name → samples_<task>.jsonl text */
  readonly samplesJsonl: { readonly [task: string]: string }
}

/** What to run: the demo model on the bundled demo datasets (or others). */
export interface CliRun {
  /** task names */
  readonly tasks: readonly string[]
  /** docs per task */
  readonly limit: number
  /** where the datasets are (default the bundled public/datasets; a Hub-mirror folder such as ../shared/hf-data) */
  readonly dataDir?: string
}

/** A difference found by compareRuns, one line each. */
export type Mismatch = string

/** One sample line, as far as the comparison reads it. */
interface SampleLine {
  readonly doc_id: number
  readonly filter?: string
  readonly resps: unknown[][]
  readonly [metric: string]: unknown
}

/** Metric names compared exactly (accuracies); all other numbers are compared within the tolerance. */
const EXACT_METRICS = new Set(['acc', 'acc_norm', 'exact_match', 'mc1', 'mc2'])

/** Runs the CLI (`--device cpu`) on the demo model and data; resolves with its files. */
export async function runCli(root: string, run: CliRun): Promise<RunFiles> {
  const out = await mkdtemp(join(tmpdir(), 'evalz-e2e-cli-'))
  const args = [
    'bin/evalz.js', 'run', '--model', 'public/models/demo', '--tasks', run.tasks.join(','),
    '--data-dir', run.dataDir ?? 'public/datasets', '--limit', String(run.limit), '--output', out, '--log-samples',
  ]
  const stderr: string[] = []
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] })
    child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()))
    child.on('error', reject)
    child.on('close', resolve)
  })
  try {
    if (code !== 0) throw new Error(`evalz CLI exited with ${code}: ${stderr.join('').slice(-2000)}`)
    const samplesJsonl: Record<string, string> = {}
    for (const task of run.tasks) samplesJsonl[task] = await readFile(join(out, `samples_${task}.jsonl`), 'utf8')
    return { resultsJson: await readFile(join(out, 'results.json'), 'utf8'), samplesJsonl }
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}

/** Number of model requests in a run's samples (one per `arguments` entry of each doc, whatever its filters). */
export function requestCount(files: RunFiles): number {
  let n = 0
  for (const text of Object.values(files.samplesJsonl)) {
    const seen = new Set<number>()
    for (const s of parseSamples(text)) {
      if (seen.has(s.doc_id)) continue
      seen.add(s.doc_id)
      n += s.resps.length
    }
  }
  return n
}

/**
 * Differences between `actual` and the reference `expected`: per-request log-likelihoods (and rolling
 * log-likelihoods) within `tol`, per-sample and aggregated accuracies identical, other metrics within a
 * relative `tol`. Empty when they agree.
 */
export function compareRuns(actual: RunFiles, expected: RunFiles, tasks: readonly string[], tol: number): Mismatch[] {
  const out: Mismatch[] = []
  for (const task of tasks) {
    const a = actual.samplesJsonl[task]
    const e = expected.samplesJsonl[task]
    if (a === undefined || e === undefined) {
      out.push(`${task}: samples missing (${a === undefined ? 'actual' : 'expected'})`)
      continue
    }
    const outputType = taskOutputType(expected.resultsJson, task)
    const key = (s: SampleLine) => `${s.doc_id}/${String(s.filter)}`
    const as = parseSamples(a)
    const es = parseSamples(e)
    if (as.length !== es.length) out.push(`${task}: ${as.length} samples, expected ${es.length}`)
    const byDoc = new Map(as.map((s) => [key(s), s]))
    for (const es1 of es) {
      const where = `${task} doc ${es1.doc_id}${es1.filter === 'none' ? '' : ` (${String(es1.filter)})`}`
      const as1 = byDoc.get(key(es1))
      if (!as1) {
        out.push(`${where}: missing`)
        continue
      }
      if (as1.resps.length !== es1.resps.length) out.push(`${where}: ${as1.resps.length} requests, expected ${es1.resps.length}`)
      es1.resps.forEach((er, i) => {
        if (outputType === 'generate_until') {
          // greedy generations: the same text
          if (as1.resps[i]?.[0] !== er[0]) out.push(`${where} request ${i}: generated ${JSON.stringify(as1.resps[i]?.[0])} vs ${JSON.stringify(er[0])}`)
          return
        }
        const x = firstNumber(as1.resps[i]?.[0])
        const y = firstNumber(er[0])
        if (x === undefined || y === undefined) out.push(`${where} request ${i}: not a log-likelihood`)
        else if (!(Math.abs(x - y) <= tol)) out.push(`${where} request ${i}: ll ${x} vs ${y}`)
      })
      for (const m of EXACT_METRICS) {
        if (m in es1 && as1[m] !== es1[m]) out.push(`${where}: ${m} ${String(as1[m])} vs ${String(es1[m])}`)
      }
    }
    const ar = taskResults(actual.resultsJson, task)
    const er = taskResults(expected.resultsJson, task)
    for (const [key, ev] of Object.entries(er)) {
      if (typeof ev !== 'number' || key.includes('_stderr')) continue
      const av = ar[key]
      const metric = key.split(',')[0]
      if (EXACT_METRICS.has(metric)) {
        if (av !== ev) out.push(`${task} ${key}: ${String(av)} vs ${ev}`)
      } else if (typeof av !== 'number' || !(Math.abs(av - ev) <= tol * Math.max(1, Math.abs(ev)))) {
        out.push(`${task} ${key}: ${String(av)} vs ${ev}`)
      }
    }
  }
  return out
}

/** Parses samples_<task>.jsonl text. */
export function parseSamples(text: string): SampleLine[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as SampleLine)
}

/** The task's `output_type` from the `configs` block of a results.json text. */
function taskOutputType(resultsJson: string, task: string): string | undefined {
  const parsed = JSON.parse(resultsJson) as { configs?: Record<string, { output_type?: string }> }
  return parsed.configs?.[task]?.output_type
}

/** The `results[task]` block of a results.json text. */
function taskResults(resultsJson: string, task: string): Record<string, unknown> {
  const parsed = JSON.parse(resultsJson) as { results?: Record<string, Record<string, unknown>> }
  return parsed.results?.[task] ?? {}
}

/** A response's log-likelihood: lm-eval writes `[ll, is_greedy]` pairs (as strings) or a bare number. */
function firstNumber(resp: unknown): number | undefined {
  const v = Array.isArray(resp) ? resp[0] : resp
  const n = typeof v === 'string' ? Number(v) : v
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined
}
