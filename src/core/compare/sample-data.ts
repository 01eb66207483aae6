/**
 * One line of a samples_<task>.jsonl file (lm-eval.md §7.2), as evalz or lm-eval wrote it, reduced to what a
 * comparison needs: the doc id and hashes, the per-sample metric values and the model's prediction.
 */
import { HarnessError } from '../errors.ts'
import { parsePythonJson, syntaxMessage } from '../python/json-parse.ts'

/** A logged sample of one doc under one filter. */
export interface SampleData {
  /** index of the doc in the eval split (lm-eval's doc_id) */
  readonly docId: number
  /** filter pipeline name, e.g. 'none', 'strict-match'; 'none' when the line has no `filter` */
  readonly filter: string
  /** sha256 hex of the doc's JSON; undefined when not logged (lm-eval < 0.4.3) */
  readonly docHash: string | undefined
  /** sha256 hex of the first request's context; undefined when not logged */
  readonly promptHash: string | undefined
  /** sha256 hex of the target text; undefined when not logged */
  readonly targetHash: string | undefined
  /** the target as logged: str(doc_to_target), e.g. '3' for a gold index */
  readonly target: string
  /** the target for display: for a multiple-choice gold index, the gold choice's text */
  readonly targetText: string
  /** the first request's context (arguments.gen_args_0.arg_0); '' when absent */
  readonly prompt: string
  /** per-sample metric values by metric name, as logged (numbers, or [value, weight] pairs) */
  readonly values: Readonly<Record<string, unknown>>
  /** raw responses as logged */
  readonly resps: unknown
  /** filtered responses as logged */
  readonly filteredResps: unknown
  /** the model's answer for display: the argmax choice's text, the extracted answer, or '' */
  readonly prediction: string
  /** argmax choice index (first maximum) for multiple-choice samples; undefined otherwise */
  readonly predictionIndex: number | undefined
  /** the doc as logged */
  readonly doc: unknown
}

/** Keys of a sample line that are not per-sample metric values. */
const RECORD_KEYS = new Set([
  'doc_id', 'doc', 'target', 'arguments', 'resps', 'filtered_resps', 'filter', 'metrics', 'doc_hash', 'prompt_hash',
  'target_hash', 'task_name',
])

/** A task's samples by filter, then by doc id (the first line wins when a doc id repeats). */
export function samplesByFilter(samples: readonly SampleData[]): Map<string, Map<number, SampleData>> {
  const out = new Map<string, Map<number, SampleData>>()
  for (const s of samples) {
    const m = out.get(s.filter) ?? new Map<number, SampleData>()
    if (!m.has(s.docId)) m.set(s.docId, s)
    out.set(s.filter, m)
  }
  return out
}

/** Parses one task's samples JSONL text; `task` names the file in error messages; `outputType` guides the prediction. */
export function parseSamples(text: string, task: string, outputType: string | undefined): SampleData[] {
  const out: SampleData[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    let record: unknown
    try {
      record = parsePythonJson(line)
    } catch (e) {
      throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}', line ${i + 1}: not valid JSON (${syntaxMessage(e)}); pass the samples_<task>.jsonl file lm-eval or evalz wrote`, { task, line: i + 1 })
    }
    out.push(sampleOf(record, task, i + 1, outputType))
  }
  return out
}

function sampleOf(record: unknown, task: string, line: number, outputType: string | undefined): SampleData {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}', line ${line}: expected a JSON object, got ${Array.isArray(record) ? 'an array' : typeof record}; each line of samples_<task>.jsonl is one sample object`, { task, line })
  }
  const r = record as Record<string, unknown>
  const docId = r.doc_id
  if (typeof docId !== 'number' || !Number.isInteger(docId) || docId < 0) {
    throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}', line ${line}: doc_id is ${JSON.stringify(docId) ?? 'missing'}, expected a non-negative integer; is this an lm-eval or evalz samples file?`, { task, line })
  }
  const names = Array.isArray(r.metrics) && r.metrics.every(m => typeof m === 'string')
    ? (r.metrics as string[])
    : Object.keys(r).filter(k => !RECORD_KEYS.has(k) && !k.startsWith('evalz_'))
  const values: Record<string, unknown> = {}
  for (const name of names) if (name in r) values[name] = r[name]
  const args = requestArgs(r.arguments)
  const target = r.target === undefined || r.target === null ? '' : typeof r.target === 'string' ? r.target : JSON.stringify(r.target)
  const kind = outputType ?? inferOutputType(args, r.filtered_resps)
  const pred = prediction(kind, args, r.filtered_resps)
  return {
    docId,
    filter: typeof r.filter === 'string' ? r.filter : 'none',
    docHash: typeof r.doc_hash === 'string' ? r.doc_hash : undefined,
    promptHash: typeof r.prompt_hash === 'string' ? r.prompt_hash : undefined,
    targetHash: typeof r.target_hash === 'string' ? r.target_hash : undefined,
    target,
    targetText: kind === 'multiple_choice' ? choiceText(args, target) ?? target : target,
    prompt: typeof args[0]?.[0] === 'string' ? args[0][0] : '',
    values,
    resps: r.resps,
    filteredResps: r.filtered_resps,
    prediction: pred.text,
    predictionIndex: pred.index,
    doc: r.doc,
  }
}

/** arguments.gen_args_i.arg_j as arrays, in request order. */
function requestArgs(value: unknown): unknown[][] {
  if (typeof value !== 'object' || value === null) return []
  const out: unknown[][] = []
  for (let i = 0; ; i++) {
    const req = (value as Record<string, unknown>)[`gen_args_${i}`]
    if (typeof req !== 'object' || req === null) break
    const a: unknown[] = []
    for (let j = 0; `arg_${j}` in req; j++) a.push((req as Record<string, unknown>)[`arg_${j}`])
    out.push(a)
  }
  return out
}

/** The output type a line's shape implies, for files whose results carry no configs. */
function inferOutputType(args: readonly unknown[][], filtered: unknown): string | undefined {
  const second = args[0]?.[1]
  if (typeof second === 'object' && second !== null) return 'generate_until'
  if (typeof second === 'string') return args.length > 1 ? 'multiple_choice' : 'loglikelihood'
  if (args.length === 1 && args[0].length === 1) return 'loglikelihood_rolling'
  if (Array.isArray(filtered) && filtered.every(f => typeof f === 'string')) return 'generate_until'
  return undefined
}

/** A logged number (lm-eval stringifies responses: '-12.5'). */
function num(v: unknown): number {
  return typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN
}

function prediction(kind: string | undefined, args: readonly unknown[][], filtered: unknown): { text: string; index: number | undefined } {
  if (!Array.isArray(filtered)) return { text: typeof filtered === 'string' ? filtered : '', index: undefined }
  if (kind === 'multiple_choice') {
    const lls = filtered.map(f => num(Array.isArray(f) ? f[0] : f))
    let best = -1
    for (let i = 0; i < lls.length; i++) if (!Number.isNaN(lls[i]) && (best < 0 || lls[i] > lls[best])) best = i
    if (best < 0) return { text: '', index: undefined }
    return { text: choiceText(args, String(best)) ?? String(best), index: best }
  }
  if (kind === 'generate_until') {
    const first = filtered[0]
    return { text: typeof first === 'string' ? first : Array.isArray(first) && typeof first[0] === 'string' ? first[0] : '', index: undefined }
  }
  if (kind === 'loglikelihood') {
    const first = filtered[0]
    return { text: Array.isArray(first) ? `greedy: ${String(first[1])}` : '', index: undefined }
  }
  return { text: '', index: undefined }
}

/** The continuation text of choice `index` (a decimal string), trimmed; undefined when it is no choice index. */
function choiceText(args: readonly unknown[][], index: string): string | undefined {
  if (!/^\d+$/.test(index)) return undefined
  const i = Number(index)
  if (i >= args.length) return undefined
  // multiple-input tasks (winogrande) vary the context and share one continuation: the index says more
  const sharedContinuation = args.length > 1 && args.every(a => a[1] === args[0][1])
  const cont = args[i][1]
  return typeof cont === 'string' && !sharedContinuation ? cont.trim() : undefined
}
