/**
 * `evalz report RUN [RUN2] --output FILE`: a static report of one run, or the paired comparison of two runs
 * (RUN = baseline A, RUN2 = B), read from evalz or lm-eval output files. FILE's suffix picks the format:
 * .html (self-contained page), .md (Markdown) or .json.
 */
import { readdir, readFile, realpath, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { HarnessError } from '../core/errors.ts'
import { parseRun, type RunData } from '../core/compare/run-data.ts'
import { parsePythonJson } from '../core/python/json-parse.ts'
import { compareRuns } from '../core/compare/run-compare.ts'
import { comparisonJson } from '../core/compare/comparison-json.ts'
import { comparisonMarkdown, runLine } from '../core/compare/comparison-markdown.ts'
import { runSummaryJson } from '../core/compare/run-summary-json.ts'
import { DEFAULT_ITERATIONS, DEFAULT_SEED } from '../core/compare/bootstrap.ts'
import { comparisonReportHtml, runReportHtml } from '../core/report/html-report.ts'
import { resultsTables } from '../core/results/table.ts'
import { EVALZ_VERSION } from './version.ts'
import { ensureDir } from './output-files.ts'

/** Arguments of `evalz report`. */
export interface ReportArgs {
  /** 1 or 2 paths: a results JSON file, or a folder holding results*.json + samples_*.jsonl (or one model folder below) */
  readonly runs: readonly string[]
  /** output file; '.html' (default kind), '.md' or '.json' */
  readonly output: string
  /** bootstrap seed; default 1234 */
  readonly seed?: number
  /** bootstrap resamples; default 10000 */
  readonly iterations?: number
}

export const reportUsage = `evalz report RUN [RUN2] --output FILE [--seed N] [--iterations N]

  Writes a report of one run, or compares run RUN2 (B) against baseline RUN (A) doc by doc:
  delta with a paired bootstrap 95% interval, fixed/broken docs and McNemar's exact test, and
  the settings that differ (few-shot, seed, chat template, limit, dtype, task version, prompts).

  RUN            a results.json / results_<date>.json file, or the folder evalz --output or lm-eval
                 --output_path wrote (also one model folder deeper); samples_*.jsonl beside it are used
  --output FILE  .html (self-contained page), .md (Markdown) or .json
  --seed N       bootstrap seed (CPython random.Random), default ${DEFAULT_SEED}
  --iterations N bootstrap resamples, default ${DEFAULT_ITERATIONS}`

const FORMATS = ['.html', '.htm', '.md', '.json'] as const

function usage(message: string, detail?: Record<string, unknown>): HarnessError {
  return new HarnessError('USAGE', message, detail)
}

/** A results file and its samples texts by task. */
interface RunFiles {
  /** the results file read */
  readonly resultsPath: string
  /** its text */
  readonly resultsText: string
  /** task (file-name form) → samples JSONL text */
  readonly samples: Record<string, string>
  /** task (file-name form) → the samples file read */
  readonly samplesPaths: Record<string, string>
}

async function isDir(p: string): Promise<boolean | undefined> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return undefined
  }
}

const RESULTS_RE = /^results.*\.json$/

/** The results file a run path stands for. */
async function findResults(path: string): Promise<string> {
  const dir = await isDir(path)
  if (dir === undefined) throw usage(`run '${path}' not found; pass a results.json file or the folder evalz or lm-eval wrote`, { path })
  if (!dir) return path
  const own = (await readdir(path)).filter(f => RESULTS_RE.test(f)).sort()
  if (own.length > 0) return join(path, own[own.length - 1])
  const found: string[] = []
  for (const sub of (await readdir(path, { withFileTypes: true })).filter(e => e.isDirectory()).map(e => e.name).sort()) {
    const files = (await readdir(join(path, sub))).filter(f => RESULTS_RE.test(f)).sort()
    if (files.length > 0) found.push(join(path, sub, files[files.length - 1]))
  }
  if (found.length === 0) throw usage(`no results*.json in '${path}' or its subfolders; pass the folder evalz --output or lm-eval --output_path wrote`, { path })
  if (found.length > 1) throw usage(`'${path}' holds results of ${found.length} models (${found.map(f => basename(dirname(f))).join(', ')}); pass one of those folders`, { path })
  return found[0]
}

/** Samples files beside a results file: samples_<task>_<date>.jsonl for a dated results file, else samples_<task>.jsonl. */
async function readRun(path: string): Promise<RunFiles> {
  const resultsPath = await findResults(path)
  const dir = dirname(resultsPath)
  // lm-eval names files <stem>_<ISO date with '-' for ':'>.json: results_<date>.json, or <name>_<date>.json for --output_path <name>.json
  const date = /_(\d{4}-\d{2}-\d{2}T[\d-]+(?:\.\d+)?)\.json$/.exec(basename(resultsPath))?.[1]
  const samples: Record<string, string> = {}
  const samplesPaths: Record<string, string> = {}
  for (const f of (await readdir(dir)).sort()) {
    if (!f.startsWith('samples_') || !f.endsWith('.jsonl')) continue
    const stem = f.slice('samples_'.length, -'.jsonl'.length)
    const task = date === undefined ? stem : stem.endsWith(`_${date}`) ? stem.slice(0, -date.length - 1) : undefined
    if (task === undefined) continue
    samplesPaths[task] = join(dir, f)
    samples[task] = await readFile(samplesPaths[task], 'utf8')
  }
  return { resultsPath, resultsText: await readFile(resultsPath, 'utf8'), samples, samplesPaths }
}

function checkArgs(args: ReportArgs): '.html' | '.md' | '.json' {
  if (args.runs.length < 1 || args.runs.length > 2) throw usage(`evalz report takes 1 or 2 runs, got ${args.runs.length}; usage: evalz report RUN [RUN2] --output FILE`)
  const suffix = FORMATS.find(s => args.output.toLowerCase().endsWith(s))
  if (suffix === undefined) throw usage(`--output '${args.output}' must end in .html, .md or .json`, { output: args.output })
  if (args.seed !== undefined && !(Number.isSafeInteger(args.seed) && args.seed >= 0)) throw usage(`--seed must be an integer ≥ 0, got '${args.seed}'`)
  if (args.iterations !== undefined && !(Number.isSafeInteger(args.iterations) && args.iterations >= 1 && args.iterations <= 10_000_000)) {
    throw usage(`--iterations must be an integer from 1 to 10000000, got '${args.iterations}'`)
  }
  return suffix === '.htm' ? '.html' : suffix
}

/** Parses a run; the error names the file at fault (a samples file, or the results file). */
function parse(files: RunFiles): RunData {
  try {
    return parseRun(files.resultsText, files.samples)
  } catch (e) {
    if (!(e instanceof HarnessError)) throw e
    const task = typeof e.detail?.task === 'string' ? e.detail.task : undefined
    const samplesPath = task === undefined ? undefined
      : files.samplesPaths[task] ?? files.samplesPaths[task.replace(/["<>:/|\\?*[\]]+/g, '__')]
    throw new HarnessError(e.code, `${samplesPath ?? files.resultsPath}: ${e.message}`, e.detail)
  }
}

/** Refuses an --output that is one of the files the report reads (it would overwrite the run). */
async function checkNotInput(out: string, files: readonly RunFiles[]): Promise<void> {
  const real = async (p: string): Promise<string> => realpath(p).catch(() => resolve(p))
  const target = await real(out)
  for (const f of files) {
    for (const input of [f.resultsPath, ...Object.values(f.samplesPaths)]) {
      if ((await real(input)) === target) {
        throw usage(`--output '${out}' is ${input === f.resultsPath ? 'the results file' : 'a samples file'} this report reads; write the report to another file (e.g. report.html)`, { output: out })
      }
    }
  }
}

/** Two runs of the same model get their folder names (or A and B) in their labels so the report can tell them apart. */
function distinct(a: RunData, b: RunData, fa: RunFiles, fb: RunFiles): [RunData, RunData] {
  if (a.label !== b.label) return [a, b]
  const name = (f: RunFiles): string => basename(dirname(resolve(f.resultsPath)))
  const [na, nb] = name(fa) === name(fb) ? ['A', 'B'] : [name(fa), name(fb)]
  return [{ ...a, label: `${a.label} [${na}]` }, { ...b, label: `${b.label} [${nb}]` }]
}

/** Writes the report; returns the path written. */
export async function reportCommand(args: ReportArgs): Promise<string> {
  const format = checkArgs(args)
  const files = await Promise.all(args.runs.map(readRun))
  const out = resolve(args.output)
  await checkNotInput(out, files)
  const runs = files.map(parse)
  const generator = `evalz ${EVALZ_VERSION}`
  let text: string
  if (runs.length === 1) {
    const run = runs[0]
    if (format === '.html') text = runReportHtml(run, { generator })
    else if (format === '.json') text = runSummaryJson(run)
    else text = `# evalz report: ${run.label}\n\n${runLine(run)}\n\n${resultsTables(parsePythonJson(files[0].resultsText) as Record<string, unknown>)}\n`
  } else {
    const [a, b] = distinct(runs[0], runs[1], files[0], files[1])
    const cmp = compareRuns(a, b, { seed: args.seed, iterations: args.iterations })
    text = format === '.html' ? comparisonReportHtml(cmp, { generator }) : format === '.json' ? comparisonJson(cmp) : comparisonMarkdown(cmp)
  }
  try {
    await ensureDir(dirname(out))
    await writeFile(out, text)
  } catch (e) {
    throw usage(`--output '${args.output}' cannot be written (${(e as Error).message}); choose a file in a folder you can write to`, { output: args.output })
  }
  return out
}
