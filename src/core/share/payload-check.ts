/**
 * Strict validation of a decoded share payload: every key known, every value of the documented type and within
 * bounds, per-sample rows consistent across filters. Anything else is refused with a one-line HarnessError naming
 * the path and the bad value, so nothing unexpected from a link reaches the page.
 */
import type {
  SampleRow, SampleTrack, ShareChat, ShareModel, SharePayload, SharePredictionKind, ShareRunSpec, ShareTaskResult,
} from './share-payload.ts'
import { SHARE_ERROR_CODE, SHARE_FORMAT_VERSION, SHARE_MODEL_KINDS } from './share-payload.ts'
import { HarnessError } from '../errors.ts'
import { isPredictionKind } from './sample-row.ts'

/** Task, group and tag names: lm-eval identifiers (letters, digits, _ . - + : @), at most 200 chars. */
export const TASK_NAME = /^[\w][\w.+:@-]{0,199}$/
/** A per-sample metric name, e.g. 'acc', 'exact_match'. */
const METRIC_NAME = /^[\w][\w.@+-]{0,63}$/
/** A filter pipeline name, e.g. 'none', 'strict-match', 'maj@8'. */
const FILTER_NAME = /^[\w][\w.@+ -]{0,63}$/
/** A results.json metric key: '<metric>,<filter>' or '<metric>_stderr,<filter>'. */
const METRIC_KEY = /^[\w][\w.@+-]{0,63},[\w][\w.@+ -]{0,63}$/
/** Hub repo id: '[owner/]name', each part alphanumeric at both ends with _ . - inside, no '..' (Hub naming rules). */
const HUB_REPO = /^(?!.*\.\.)(?:[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?\/)?[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9])?$/
const REVISION = /^[^\s\u0000-\u001f\u007f]{1,256}$/
const SHA1_HEX = /^[0-9a-f]{40}$/
const SHA256_HEX = /^[0-9a-f]{64}$/
const DTYPE = /^[\w-]{1,32}$/
const APP_MODEL_ID = /^[\w][\w.-]{0,127}$/
const VERSION = /^[0-9A-Za-z.+-]{1,40}$/
const HASH16 = /^[0-9a-f]{16}$/
const CONTROL = /[\u0000-\u001f\u007f]/
const METRIC_STRINGS = new Set(['N/A', 'NaN', 'Infinity', '-Infinity'])

const MAX_TASKS = 2000
const MAX_METRICS = 200
const MAX_FILTERS = 16

/** A refused field, turned into a HarnessError by checkSharePayload. */
class FieldError extends Error {
  constructor(readonly path: string, readonly problem: string) {
    super(`${path} ${problem}`)
  }
}

/** Refuses the payload: `path` names the field, `problem` what is wrong with it. */
function fail(path: string, problem: string): never {
  throw new FieldError(path, problem)
}

/** A value for a message, JSON, cut to 60 chars. */
function show(value: unknown): string {
  const text = value === undefined ? 'missing' : JSON.stringify(value) ?? String(value)
  return text.length > 60 ? `${text.slice(0, 57)}...` : text
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `is ${show(value)}, expected an object`)
  return value as Record<string, unknown>
}

/** An object whose keys are all in `allowed` and include every `required` one. */
function exact(value: unknown, path: string, required: readonly string[], optional: readonly string[] = []): Record<string, unknown> {
  const obj = record(value, path)
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key)) fail(`${path}.${key}`, `is not a field of this format (fields: ${[...required, ...optional].join(', ')})`)
  }
  for (const key of required) if (!(key in obj)) fail(`${path}.${key}`, 'is missing')
  return obj
}

function text(value: unknown, path: string, pattern: RegExp, what: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) fail(path, `is ${show(value)}, expected ${what}`)
  return value
}

function freeText(value: unknown, path: string, max: number): string {
  if (typeof value !== 'string') fail(path, `is ${show(value)}, expected text`)
  if (value.length > max) fail(path, `is ${value.length} chars long, at most ${max} allowed`)
  return value
}

function int(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    fail(path, `is ${show(value)}, expected an integer from ${min} to ${max}`)
  }
  return value
}

function entries(value: unknown, path: string, max: number, key: RegExp, keyWhat: string): [string, unknown][] {
  const list = Object.entries(record(value, path))
  if (list.length > max) fail(path, `has ${list.length} entries, at most ${max} allowed`)
  for (const [k] of list) if (!key.test(k)) fail(`${path}[${show(k)}]`, `is not ${keyWhat}`)
  return list
}

function checkModel(value: unknown): ShareModel {
  const kind = record(value, 'model').kind
  if (!(SHARE_MODEL_KINDS as readonly unknown[]).includes(kind)) fail('model.kind', `${show(kind)} is unknown (valid: ${SHARE_MODEL_KINDS.join(', ')}); a newer evalz may read it`)
  if (kind === 'hub') {
    const m = exact(value, 'model', ['kind', 'repo', 'revision', 'sha', 'dtype'])
    return {
      kind, repo: text(m.repo, 'model.repo', HUB_REPO, "a Hub repo id like 'owner/name'"),
      revision: text(m.revision, 'model.revision', REVISION, 'a branch, tag or commit name'),
      sha: text(m.sha, 'model.sha', SHA1_HEX, 'a commit sha of 40 lowercase hex chars'),
      dtype: text(m.dtype, 'model.dtype', DTYPE, "a dtype like 'fp32' or 'q4'"),
    }
  }
  if (kind === 'local') {
    const m = exact(value, 'model', ['kind', 'name', 'weightsSha256', 'dtype'])
    const name = freeText(m.name, 'model.name', 200)
    if (name === '' || CONTROL.test(name)) fail('model.name', `is ${show(name)}, expected a non-empty name without control characters`)
    return {
      kind, name,
      weightsSha256: text(m.weightsSha256, 'model.weightsSha256', SHA256_HEX, 'a sha256 of 64 lowercase hex chars'),
      dtype: text(m.dtype, 'model.dtype', DTYPE, "a dtype like 'fp32' or 'q4'"),
    }
  }
  const m = exact(value, 'model', ['kind', 'id'])
  return { kind: 'app', id: text(m.id, 'model.id', APP_MODEL_ID, "a folder name under the app's /models/") }
}

function checkChat(value: unknown): ShareChat {
  const c = exact(value, 'run.chat', [], ['applyChatTemplate', 'fewshotAsMultiturn', 'systemInstruction'])
  const chat: { applyChatTemplate?: string; fewshotAsMultiturn?: boolean; systemInstruction?: string } = {}
  if (c.applyChatTemplate !== undefined) chat.applyChatTemplate = freeText(c.applyChatTemplate, 'run.chat.applyChatTemplate', 200)
  if (c.fewshotAsMultiturn !== undefined) {
    if (typeof c.fewshotAsMultiturn !== 'boolean') fail('run.chat.fewshotAsMultiturn', `is ${show(c.fewshotAsMultiturn)}, expected true or false`)
    chat.fewshotAsMultiturn = c.fewshotAsMultiturn
  }
  if (c.systemInstruction !== undefined) chat.systemInstruction = freeText(c.systemInstruction, 'run.chat.systemInstruction', 20000)
  return chat
}

function checkRun(value: unknown): ShareRunSpec {
  const r = exact(value, 'run', ['tasks', 'numFewshot', 'limit', 'seed', 'batchSize', 'bootstrapIters', 'device'], ['chat'])
  if (!Array.isArray(r.tasks) || r.tasks.length === 0 || r.tasks.length > MAX_TASKS) fail('run.tasks', `is ${show(r.tasks)}, expected a list of 1 to ${MAX_TASKS} task names`)
  const tasks = r.tasks.map((t, i) => text(t, `run.tasks[${i}]`, TASK_NAME, 'a task, group or tag name'))
  const limit = r.limit
  if (limit !== null && !(typeof limit === 'number' && ((Number.isSafeInteger(limit) && limit >= 1) || (limit > 0 && limit < 1)))) {
    fail('run.limit', `is ${show(limit)}, expected null, an integer ≥ 1 or a fraction between 0 and 1`)
  }
  if (r.device !== 'auto' && r.device !== 'webgpu' && r.device !== 'wasm') fail('run.device', `is ${show(r.device)}, expected auto, webgpu or wasm`)
  return {
    tasks,
    numFewshot: r.numFewshot === null ? null : int(r.numFewshot, 'run.numFewshot', 0, 10000),
    limit: limit as number | null,
    seed: int(r.seed, 'run.seed', Number.MIN_SAFE_INTEGER),
    batchSize: int(r.batchSize, 'run.batchSize', 1, 65536),
    bootstrapIters: int(r.bootstrapIters, 'run.bootstrapIters', 0, 10_000_000),
    device: r.device,
    ...(r.chat === undefined ? {} : { chat: checkChat(r.chat) }),
  }
}

function checkResults(value: unknown): Record<string, ShareTaskResult> {
  const out: [string, ShareTaskResult][] = []
  for (const [task, entry] of entries(value, 'results', MAX_TASKS, TASK_NAME, 'a task or group name')) {
    const path = `results.${task}`
    const e = exact(entry, path, ['metrics'], ['samples', 'shots'])
    const metrics: Record<string, number | 'N/A' | 'NaN' | 'Infinity' | '-Infinity'> = {}
    for (const [key, v] of entries(e.metrics, `${path}.metrics`, MAX_METRICS, METRIC_KEY, "a metric key like 'acc,none'")) {
      if (typeof v === 'number' ? !Number.isFinite(v) : !METRIC_STRINGS.has(v as string)) {
        fail(`${path}.metrics[${show(key)}]`, `is ${show(v)}, expected a finite number or one of ${[...METRIC_STRINGS].join(', ')}`)
      }
      metrics[key] = v as number
    }
    out.push([task, {
      metrics,
      ...(e.samples === undefined ? {} : { samples: int(e.samples, `${path}.samples`, 0) }),
      ...(e.shots === undefined ? {} : { shots: int(e.shots, `${path}.shots`, 0, 10000) }),
    }])
  }
  return Object.fromEntries(out)
}

function checkPrediction(value: unknown, kind: SharePredictionKind, path: string): number | string | null {
  if (value === null) return null
  if (kind === 'multiple_choice' && typeof value === 'number') return int(value, path, 0, 100000)
  if (kind === 'generate_until' && typeof value === 'string' && HASH16.test(value)) return value
  if (kind === 'loglikelihood' && (value === 0 || value === 1)) return value
  const want = { multiple_choice: 'a choice index', generate_until: 'a 16-hex answer hash', loglikelihood: '0 or 1', loglikelihood_rolling: 'null' }[kind]
  return fail(path, `is ${show(value)}, expected ${want} or null for a ${kind} task`)
}

function checkRows(value: unknown, path: string, kind: SharePredictionKind, metric: string | null): SampleRow[] {
  if (!Array.isArray(value)) fail(path, `is ${show(value)}, expected a list of rows`)
  const width = metric === null ? 3 : 4
  let last = -1
  return value.map((row: unknown, i): SampleRow => {
    const at = `${path}[${i}]`
    if (!Array.isArray(row) || row.length !== width) {
      fail(at, `is ${show(row)}, expected [doc_id, prompt hash, prediction${metric === null ? '' : ', correct'}]`)
    }
    const docId = int(row[0], `${at}[0]`, 0)
    if (docId <= last) fail(`${at}[0]`, `doc_id ${docId} does not follow ${last}; rows are in increasing doc_id order`)
    last = docId
    if (typeof row[1] !== 'string' || !(row[1] === '' || HASH16.test(row[1]))) fail(`${at}[1]`, `is ${show(row[1])}, expected 16 lowercase hex chars`)
    const prediction = checkPrediction(row[2], kind, `${at}[2]`)
    if (metric === null) return [docId, row[1], prediction]
    if (row[3] !== 0 && row[3] !== 1 && row[3] !== null) fail(`${at}[3]`, `is ${show(row[3])}, expected 0, 1 or null`)
    return [docId, row[1], prediction, row[3] as 0 | 1 | null]
  })
}

function checkTrack(value: unknown, task: string): SampleTrack {
  const path = `samples.${task}`
  const t = exact(value, path, ['kind', 'metric', 'filters'])
  if (!isPredictionKind(t.kind)) fail(`${path}.kind`, `is ${show(t.kind)}, expected multiple_choice, generate_until, loglikelihood or loglikelihood_rolling`)
  const kind = t.kind
  const metric = t.metric === null ? null : text(t.metric, `${path}.metric`, METRIC_NAME, 'a metric name or null')
  const list = entries(t.filters, `${path}.filters`, MAX_FILTERS, FILTER_NAME, 'a filter name')
  if (list.length === 0) fail(`${path}.filters`, 'is empty, expected at least one filter')
  const filters: [string, SampleRow[]][] = []
  let first: SampleRow[] | undefined
  for (const [filter, rows] of list) {
    const checked = checkRows(rows, `${path}.filters[${show(filter)}]`, kind, metric)
    if (first === undefined) first = checked
    else if (checked.length !== first.length || checked.some((r, i) => r[0] !== first![i][0] || r[1] !== first![i][1])) {
      fail(`${path}.filters[${show(filter)}]`, 'lists other docs or prompt hashes than the first filter')
    }
    filters.push([filter, checked])
  }
  return { kind, metric, filters: Object.fromEntries(filters) }
}

/** Where a payload being checked comes from: a link someone opened, or a run being shared. */
export type PayloadOrigin = 'link' | 'build'

/**
 * Checks a decoded payload and returns it rebuilt from its checked parts (nothing unchecked is kept).
 * Throws HarnessError(SHARE_ERROR_CODE) with a one-line message naming the first bad field.
 * @example checkSharePayload(JSON.parse(text)).model.kind // 'hub'
 */
export function checkSharePayload(value: unknown, origin: PayloadOrigin = 'link'): SharePayload {
  try {
    return checkFields(value)
  } catch (e) {
    if (!(e instanceof FieldError)) throw e
    const message = origin === 'link'
      ? `share link: ${e.path} ${e.problem}; the link is damaged or was edited — ask for a fresh link`
      : `cannot share this run: ${e.path} ${e.problem}; share it without that part or re-run it`
    throw new HarnessError(SHARE_ERROR_CODE, message, { path: e.path })
  }
}

function checkFields(value: unknown): SharePayload {
  const v = record(value, 'payload').v
  if (v !== SHARE_FORMAT_VERSION) {
    if (typeof v === 'number') {
      throw new HarnessError(SHARE_ERROR_CODE, `share link: format version ${show(v)} is not one this evalz reads (version ${SHARE_FORMAT_VERSION}); open the link with the evalz version that made it`, { path: 'payload.v', version: v })
    }
    fail('payload.v', `is ${show(v)}, expected format version ${SHARE_FORMAT_VERSION} (is this an evalz share link?)`)
  }
  const p = exact(value, 'payload', ['v', 'evalz', 'model', 'run'], ['results', 'samples'])
  const samples = p.samples === undefined
    ? undefined
    : Object.fromEntries(entries(p.samples, 'samples', MAX_TASKS, TASK_NAME, 'a task name').map(([task, track]) => [task, checkTrack(track, task)]))
  return {
    v: SHARE_FORMAT_VERSION,
    evalz: text(p.evalz, 'evalz', VERSION, "an evalz version like '0.1.0'"),
    model: checkModel(p.model),
    run: checkRun(p.run),
    ...(p.results === undefined ? {} : { results: checkResults(p.results) }),
    ...(samples === undefined ? {} : { samples }),
  }
}
