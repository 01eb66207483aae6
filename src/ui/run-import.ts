/**
 * Which picked files make an importable run: one results file (lm-eval's results_<date>.json or <name>_<date>.json,
 * evalz's results.json) and any samples_<task>[_<date>].jsonl beside it, keyed by task name and checked by parsing
 * them as a comparison would (core/compare/run-data.ts), so a bad file is refused with one line before it is stored.
 */
import { HarnessError } from '../core/errors.ts'
import { parseRun, type RunData } from '../core/compare/run-data.ts'
import type { ImportRunInput } from '../protocol/eval-worker-api.ts'

/** A picked file's name and text. */
export interface NamedText {
  /** file name without folders, e.g. 'results_2025-03-14T09-26-53.589793.json' */
  readonly name: string
  /** the file's text */
  readonly text: string
}

/** What importFiles found: the worker's input and the parsed run (for a label and a summary). */
export interface ImportPlan {
  /** the input of the worker's importRun (label filled in by the caller) */
  readonly input: ImportRunInput
  /** the run as parsed here */
  readonly run: RunData
}

/** lm-eval's date suffix: '_' + ISO date with '-' for ':' (datetime.now().isoformat().replace(':', '-')). */
const DATE_SUFFIX = /_(\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(?:\.\d+)?)$/

/** evalz's samples file-name form of a task name (src/cli/output-files.ts). */
function fileTaskName(task: string): string {
  return task.replace(/["<>:/|\\?*[\]]+/g, '__')
}

/** The date suffix of a file stem, or undefined. */
function dateOf(stem: string): string | undefined {
  return DATE_SUFFIX.exec(stem)?.[1]
}

/** The task key of a samples file: the stem after 'samples_' without lm-eval's date suffix. */
export function samplesTaskKey(fileName: string): string | undefined {
  if (!fileName.startsWith('samples_') || !fileName.endsWith('.jsonl')) return undefined
  const stem = fileName.slice('samples_'.length, -'.jsonl'.length)
  const date = dateOf(stem)
  return date === undefined ? stem : stem.slice(0, -date.length - 1)
}

/**
 * Picks the results file and keys the samples files by task; throws a one-line HarnessError (DATASET_PARSE_ERROR)
 * naming the file at fault: no or several results files, a file that is neither, or a file that does not parse.
 */
export function importPlan(files: readonly NamedText[]): ImportPlan {
  const results = files.filter((f) => f.name.toLowerCase().endsWith('.json'))
  const samples = files.filter((f) => f.name.toLowerCase().endsWith('.jsonl'))
  const other = files.filter((f) => !results.includes(f) && !samples.includes(f))
  if (other.length > 0) {
    throw new HarnessError('DATASET_PARSE_ERROR', `'${other[0].name}' is neither a results .json nor a samples .jsonl file; pick lm-eval's results_<date>.json and samples_<task>_<date>.jsonl files`, { file: other[0].name })
  }
  if (results.length !== 1) {
    throw new HarnessError('DATASET_PARSE_ERROR', results.length === 0
      ? 'no results file among the picked files; add the results_<date>.json (lm-eval) or results.json (evalz) of the run'
      : `${results.length} results files picked (${results.map((f) => f.name).join(', ')}); import one run at a time`, { files: results.map((f) => f.name) })
  }
  const resultsFile = results[0]
  const runDate = dateOf(resultsFile.name.slice(0, -'.json'.length))
  const texts: Record<string, string> = {}
  const fileOf = new Map<string, string>()
  for (const f of samples) {
    const key = samplesTaskKey(f.name)
    if (key === undefined) throw new HarnessError('DATASET_PARSE_ERROR', `'${f.name}' is not named samples_<task>.jsonl or samples_<task>_<date>.jsonl; pick the samples files lm-eval or evalz wrote`, { file: f.name })
    const date = dateOf(f.name.slice(0, -'.jsonl'.length))
    if (runDate !== undefined && date !== undefined && date !== runDate) {
      throw new HarnessError('DATASET_PARSE_ERROR', `'${f.name}' is from another run than ${resultsFile.name} (date ${date}, not ${runDate}); pick the samples files written with the results`, { file: f.name })
    }
    if (key in texts) throw new HarnessError('DATASET_PARSE_ERROR', `two samples files for task '${key}'; pick the files of one run`, { task: key })
    texts[key] = f.text
    fileOf.set(key, f.name)
  }
  let run: RunData
  try {
    run = parseRun(resultsFile.text, texts)
  } catch (e) {
    // name the file at fault: a samples file for errors about a task's samples, else the results file
    const task = e instanceof HarnessError && typeof e.detail?.task === 'string' ? e.detail.task : undefined
    const file = (task === undefined ? undefined : fileOf.get(task) ?? fileOf.get(fileTaskName(task))) ?? resultsFile.name
    if (e instanceof HarnessError) throw new HarnessError(e.code, `${file}: ${e.message}`, e.detail)
    throw e
  }
  if (run.tasks.length === 0) throw new HarnessError('DATASET_PARSE_ERROR', `${resultsFile.name}: the results list no tasks; pick the results file of a run that evaluated tasks`)
  const stray = Object.keys(texts).find((k) => !run.tasks.some((t) => t.name === k || fileTaskName(t.name) === k))
  if (stray !== undefined) {
    throw new HarnessError('DATASET_PARSE_ERROR', `samples for '${stray}' match no task of ${resultsFile.name} (tasks: ${run.tasks.map((t) => t.name).join(', ')}); pick the samples files of the same run`, { task: stray })
  }
  return {
    input: { resultsJson: resultsFile.text, samplesJsonl: texts, fileNames: [resultsFile.name, ...samples.map((f) => f.name)] },
    run,
  }
}
