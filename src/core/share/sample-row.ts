/**
 * The compact per-sample record of a share link, computed from samples_<task>.jsonl records (lm-eval.md §7.2):
 * the same functions read the sharer's run and the recipient's re-run, so a spot-check compares like with like.
 */
import type { SampleRecord } from '../results/samples.ts'
import type { SampleRow, SampleTrack, SharePredictionKind } from './share-payload.ts'
import { ANSWER_HASH_CHARS, PROMPT_HASH_CHARS } from './share-payload.ts'
import { HarnessError } from '../errors.ts'
import { sha256Hex } from '../hash.ts'
import { PyFloat } from '../python/json.ts'
import { parsePythonJson, syntaxMessage } from '../python/json-parse.ts'

/** Binary metrics preferred for `correct`, in this order; any other all-0/1 metric comes after them. */
const PREFERRED_METRICS = ['acc', 'exact_match', 'acc_norm']

/** The output types a prediction can be written for. */
const KINDS: readonly SharePredictionKind[] = ['multiple_choice', 'generate_until', 'loglikelihood', 'loglikelihood_rolling']

/** True when `value` is one of the output types a share link records. */
export function isPredictionKind(value: unknown): value is SharePredictionKind {
  return typeof value === 'string' && (KINDS as readonly string[]).includes(value)
}

/**
 * Parses one task's samples JSONL text (Python json: bare NaN/Infinity allowed) into records.
 * @example parseSampleLines('{"doc_id": 0, "prompt_hash": "ab…"}\n', 'demo_capitals')
 */
export function parseSampleLines(text: string, task: string): SampleRecord[] {
  const out: SampleRecord[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim()
    if (line === '') continue
    let value: unknown
    try {
      value = parsePythonJson(line)
    } catch (e) {
      throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}', line ${i + 1}: not valid JSON (${syntaxMessage(e)}); pass the samples_<task>.jsonl text evalz or lm-eval wrote`, { task, line: i + 1 })
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}', line ${i + 1}: expected a JSON object per line`, { task, line: i + 1 })
    }
    out.push(value as SampleRecord)
  }
  return out
}

/** The doc id of a record; throws when it is not a non-negative integer. */
export function docIdOf(record: SampleRecord, task: string): number {
  const id = record.doc_id
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) {
    throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}': doc_id ${JSON.stringify(id) ?? 'missing'} is not an integer ≥ 0; pass an evalz or lm-eval samples file`, { task })
  }
  return id
}

/** The filter a record was scored under ('none' when the line names none). */
export function filterOf(record: SampleRecord): string {
  return typeof record.filter === 'string' ? record.filter : 'none'
}

/** The logged request arguments as arrays, in request order (arguments.gen_args_i.arg_j). */
function requestArgs(record: SampleRecord): unknown[][] {
  const args = record.arguments
  if (typeof args !== 'object' || args === null) return []
  const out: unknown[][] = []
  for (let i = 0; ; i++) {
    const req = (args as Record<string, unknown>)[`gen_args_${i}`]
    if (typeof req !== 'object' || req === null) break
    const a: unknown[] = []
    for (let j = 0; `arg_${j}` in req; j++) a.push((req as Record<string, unknown>)[`arg_${j}`])
    out.push(a)
  }
  return out
}

/** The output type a record's shape implies (used when results.json has no config for the task). */
export function inferKind(record: SampleRecord): SharePredictionKind | undefined {
  const args = requestArgs(record)
  if (args.length === 0) return undefined
  const second = args[0][1]
  if (typeof second === 'object' && second !== null) return 'generate_until'
  if (typeof second === 'string') return args.length > 1 ? 'multiple_choice' : 'loglikelihood'
  if (args[0].length === 1) return 'loglikelihood_rolling'
  return undefined
}

/** A logged number: lm-eval stringifies responses ('-12.5'); NaN when it is none. */
function num(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string' && value.trim() !== '') return Number(value)
  return NaN
}

/** The per-request responses of a record: filtered_resps, else each request's first raw response. */
function responses(record: SampleRecord): unknown[] | undefined {
  if (Array.isArray(record.filtered_resps) && record.filtered_resps.length > 0) return record.filtered_resps
  if (Array.isArray(record.resps) && record.resps.length > 0) return record.resps.map(r => (Array.isArray(r) ? r[0] : r))
  return undefined
}

/**
 * Argmax over the conditional log-likelihoods (first maximum, as lm-eval's np.argmax); acc_mutual_info's
 * unconditional requests (empty context, logged after the conditional ones) are left out.
 */
function choicePrediction(record: SampleRecord): number | null {
  const resps = responses(record)
  if (resps === undefined) return null
  const args = requestArgs(record)
  const conditional = args.filter(a => a[0] !== '').length
  const count = conditional > 0 && conditional < resps.length && args.length === resps.length ? conditional : resps.length
  let best = -1
  let bestLl = -Infinity
  for (let i = 0; i < count; i++) {
    const r = resps[i]
    const ll = num(Array.isArray(r) ? r[0] : r)
    if (Number.isNaN(ll)) continue
    if (best < 0 || ll > bestLl) {
      best = i
      bestLl = ll
    }
  }
  return best < 0 ? null : best
}

/** sha256 prefix of the filtered answer of a generation (lists, as majority-vote filters leave, as JSON). */
function answerPrediction(record: SampleRecord): string | null {
  const resps = responses(record)
  if (resps === undefined) return null
  const first = resps[0]
  if (first === undefined || first === null) return null
  const text = typeof first === 'string' ? first : JSON.stringify(first)
  return sha256Hex(text).slice(0, ANSWER_HASH_CHARS)
}

/** 1 when the (single) continuation is the greedy one, 0 when not, null when not logged. */
function greedyPrediction(record: SampleRecord): 0 | 1 | null {
  const first = responses(record)?.[0]
  const flag = Array.isArray(first) ? first[1] : undefined
  if (flag === true || flag === 'True') return 1
  if (flag === false || flag === 'False') return 0
  return null
}

/** The prediction a row records for `kind` (see SampleRow). */
export function predictionOf(record: SampleRecord, kind: SharePredictionKind): number | string | null {
  switch (kind) {
    case 'multiple_choice': return choicePrediction(record)
    case 'generate_until': return answerPrediction(record)
    case 'loglikelihood': return greedyPrediction(record)
    case 'loglikelihood_rolling': return null
  }
}

/** A metric value as a JS value: PyFloat (records built in memory, before dumping) unwrapped. */
function plain(value: unknown): unknown {
  return value instanceof PyFloat ? value.value : value
}

/**
 * A per-sample metric value as 0/1; null when it is not binary (a fraction, NaN, a [value, weight] pair).
 * Takes records as parsed from JSONL (1.0 → 1) and as built in memory (PyFloat(1)).
 */
export function binaryValue(value: unknown): 0 | 1 | null {
  const v = plain(value)
  if (v === true || v === 1) return 1
  if (v === false || v === 0) return 0
  return null
}

/** The prompt hash prefix of a record ('' when the line has no prompt_hash). */
export function promptHashOf(record: SampleRecord): string {
  return typeof record.prompt_hash === 'string' ? record.prompt_hash.slice(0, PROMPT_HASH_CHARS).toLowerCase() : ''
}

/** The row of one record. `metric` null → a 3-item row. */
export function sampleRow(record: SampleRecord, task: string, kind: SharePredictionKind, metric: string | null): SampleRow {
  const base = [docIdOf(record, task), promptHashOf(record), predictionOf(record, kind)] as const
  return metric === null ? base : [...base, binaryValue(record[metric])]
}

/** Names of a record's per-sample metrics (its `metrics` list, as lm-eval logs it). */
function metricNames(record: SampleRecord): string[] {
  return Array.isArray(record.metrics) ? record.metrics.filter((m): m is string => typeof m === 'string') : []
}

/**
 * The metric a task's `correct` column records: the first of acc, exact_match, acc_norm, then of the logged
 * metric names, that every record logs with a 0/1 value (NaN or missing allowed for failed docs); null if none.
 */
export function binaryMetric(records: readonly SampleRecord[]): string | null {
  if (records.length === 0) return null
  const logged = metricNames(records[0])
  const candidates = [...PREFERRED_METRICS.filter(m => logged.includes(m)), ...logged.filter(m => !PREFERRED_METRICS.includes(m))]
  for (const name of candidates) {
    let seen = false
    let binary = true
    for (const r of records) {
      const v = plain(r[name])
      if (binaryValue(v) !== null) seen = true
      else if (!(v === undefined || v === null || (typeof v === 'number' && Number.isNaN(v)))) binary = false
      if (!binary) break
    }
    if (seen && binary) return name
  }
  return null
}

/**
 * A task's per-sample record: rows per filter, each in doc_id order. `kind` comes from the task's config
 * (results.json configs[task].output_type) when known, else from the first record's shape.
 */
export function sampleTrack(records: readonly SampleRecord[], task: string, kind: SharePredictionKind | undefined): SampleTrack {
  const resolved = kind ?? (records.length > 0 ? inferKind(records[0]) : undefined)
  if (resolved === undefined) {
    throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}': cannot tell the output type from the records; keep the task's config in results.json`, { task })
  }
  const metric = resolved === 'loglikelihood_rolling' ? null : binaryMetric(records)
  const byFilter = new Map<string, SampleRow[]>()
  for (const r of records) {
    const filter = filterOf(r)
    const rows = byFilter.get(filter) ?? []
    rows.push(sampleRow(r, task, resolved, metric))
    byFilter.set(filter, rows)
  }
  for (const [filter, rows] of byFilter) {
    rows.sort((a, b) => a[0] - b[0])
    for (let i = 1; i < rows.length; i++) {
      if (rows[i][0] === rows[i - 1][0]) {
        throw new HarnessError('DATASET_PARSE_ERROR', `samples of task '${task}': doc_id ${rows[i][0]} is logged twice under filter '${filter}'; pass one run's samples file`, { task, filter })
      }
    }
  }
  return { kind: resolved, metric, filters: Object.fromEntries(byFilter) }
}
