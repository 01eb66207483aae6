/**
 * Builds a share payload from a stored run by allow-list: each field of the payload is read by name from the run
 * request, results.json or the samples records and checked; nothing else is copied, so tokens, Hub settings,
 * dataset rows and prompt texts cannot end up in a link whatever the run record holds.
 */
import type { ShareChat, ShareModel, ShareOptions, SharePayload, SharePredictionKind, ShareRunSpec, ShareTaskResult, SampleTrack, ShareMetricValue } from './share-payload.ts'
import { MAX_PAYLOAD_BYTES, SHARE_ERROR_CODE, SHARE_FORMAT_VERSION } from './share-payload.ts'
import { HarnessError } from '../errors.ts'
import { parsePythonJson, syntaxMessage } from '../python/json-parse.ts'
import { checkSharePayload } from './payload-check.ts'
import { isPredictionKind, parseSampleLines, sampleTrack } from './sample-row.ts'

/** A run to share: the fields of a RunRecord (either store's shape) plus the model's identity. */
export interface ShareSource {
  /** the run's request: a RunRequest or its stored JSON copy; only the run-spec fields are read */
  readonly request: object
  /** results.json text of the finished run; needed for includeResults */
  readonly resultsJson?: string
  /** task → samples_<task>.jsonl text; needed for includeSamples */
  readonly samplesJsonl?: { readonly [task: string]: string }
  /** which model ran (see shareModelFor) */
  readonly model: ShareModel
  /** this app's evalz version, used when results.json does not name the version that ran, e.g. '0.1.0' */
  readonly evalzVersion: string
}

/** What the app knows about the model of a run, to name it in a link. */
export interface ModelIdentity {
  /** 'app' = served by the app under /models/ (the demo model); 'stored' = in the model store */
  readonly source: 'app' | 'stored'
  /** app folder name, or the stored model's id */
  readonly id: string
  /** stored model's display name */
  readonly name?: string
  /** stored model's default weights sha256, 64 hex */
  readonly weightsSha256?: string
  /** for a model downloaded from the Hub: where from (StoredModel.hub) */
  readonly hub?: { readonly repo: string; readonly revision: string; readonly sha: string; readonly dtype: string }
  /** weights variant of a dropped model, e.g. 'fp32'; default: what results.json records */
  readonly dtype?: string
}

/** An object's own field, or undefined. */
function field(obj: unknown, key: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) && Object.hasOwn(obj, key) ? (obj as Record<string, unknown>)[key] : undefined
}

function refuse(message: string, detail?: Record<string, unknown>): never {
  throw new HarnessError(SHARE_ERROR_CODE, `cannot share this run: ${message}`, detail)
}

/** Parses results.json text; throws a one-line error. */
function parseResults(text: string): unknown {
  try {
    return parsePythonJson(text)
  } catch (e) {
    return refuse(`its results.json is not valid JSON (${syntaxMessage(e)}); share it without results`)
  }
}

/** The weights dtype results.json records (evalz.dtype, else config.model_dtype). */
function resultsDtype(results: unknown): string | undefined {
  const d = field(field(results, 'evalz'), 'dtype') ?? field(field(results, 'config'), 'model_dtype')
  return typeof d === 'string' && d !== '' ? d : undefined
}

/**
 * The link's model entry: the app's own model, a Hub download (repo + commit), or a dropped model (name + sha256).
 * @example shareModelFor({ source: 'app', id: 'demo' }) // { kind: 'app', id: 'demo' }
 */
export function shareModelFor(model: ModelIdentity, resultsJson?: string): ShareModel {
  if (model.source === 'app') return { kind: 'app', id: model.id }
  if (model.hub !== undefined) {
    const { repo, revision, sha, dtype } = model.hub
    return { kind: 'hub', repo, revision, sha, dtype }
  }
  const dtype = model.dtype ?? (resultsJson === undefined ? undefined : resultsDtype(parseResults(resultsJson)))
  if (model.weightsSha256 === undefined || dtype === undefined) {
    refuse(`stored model '${model.id}' has no ${model.weightsSha256 === undefined ? 'weights sha256' : 'dtype'} to name it by; add the model again`, { model: model.id })
  }
  return { kind: 'local', name: model.name ?? model.id, weightsSha256: model.weightsSha256, dtype }
}

/** A number field of the request: undefined/null → null. */
function optionalNumber(request: object, key: string): number | null {
  const v = field(request, key)
  return v === undefined || v === null ? null : (v as number)
}

/** The chat settings of the request (RunRequest.chat, when the app sends one); undefined when none. */
function chatOf(request: object): ShareChat | undefined {
  const c = field(request, 'chat')
  if (c === undefined || c === null) return undefined
  const chat: { applyChatTemplate?: string; fewshotAsMultiturn?: boolean; systemInstruction?: string } = {}
  const apply = field(c, 'applyChatTemplate')
  const multiturn = field(c, 'fewshotAsMultiturn')
  const system = field(c, 'systemInstruction')
  if (apply !== undefined) chat.applyChatTemplate = apply as string
  if (multiturn !== undefined) chat.fewshotAsMultiturn = multiturn as boolean
  if (system !== undefined) chat.systemInstruction = system as string
  return Object.keys(chat).length > 0 ? chat : undefined
}

/** The run spec from the request (values are type-checked afterwards by checkSharePayload). */
function runSpecOf(request: object): ShareRunSpec {
  const tasks = field(request, 'tasks')
  const chat = chatOf(request)
  return {
    tasks: Array.isArray(tasks) ? [...tasks] : (tasks as string[]),
    numFewshot: optionalNumber(request, 'numFewshot'),
    limit: optionalNumber(request, 'limit'),
    seed: field(request, 'seed') as number,
    batchSize: field(request, 'batchSize') as number,
    bootstrapIters: field(request, 'bootstrapIters') as number,
    device: field(request, 'device') as ShareRunSpec['device'],
    ...(chat === undefined ? {} : { chat }),
  }
}

/** A results.json metric value as the payload writes it; undefined for anything that is not a metric value. */
function metricValue(v: unknown): ShareMetricValue | undefined {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return v
    return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity'
  }
  return v === 'N/A' ? 'N/A' : undefined
}

/** '<metric>,<filter>' keys (stderr included); 'alias', 'name', 'sample_len', 'sample_count' and the like are not. */
const METRIC_KEY_SHAPE = /^[^,]+,[^,]+$/

/** Per task (and group) of results.json: its metric keys with numeric (or 'N/A') values, docs and shots. */
function resultsSummary(results: unknown): Record<string, ShareTaskResult> {
  const byTask = field(results, 'results')
  if (typeof byTask !== 'object' || byTask === null) refuse("its results.json has no 'results' object; share it without results")
  const out: [string, ShareTaskResult][] = []
  for (const [task, entry] of Object.entries(byTask)) {
    const metrics: [string, ShareMetricValue][] = []
    if (typeof entry === 'object' && entry !== null) {
      for (const [key, raw] of Object.entries(entry)) {
        const value = metricValue(raw)
        if (METRIC_KEY_SHAPE.test(key) && value !== undefined) metrics.push([key, value])
      }
    }
    if (metrics.length === 0) continue
    const samples = field(field(field(results, 'n-samples'), task), 'effective')
    const shots = field(field(results, 'n-shot'), task)
    out.push([task, {
      metrics: Object.fromEntries(metrics),
      ...(typeof samples === 'number' ? { samples } : {}),
      ...(typeof shots === 'number' ? { shots } : {}),
    }])
  }
  return Object.fromEntries(out)
}

/** The output type results.json's configs give a task, if it is one a link records. */
function configuredKind(results: unknown, task: string): SharePredictionKind | undefined {
  const kind = field(field(field(results, 'configs'), task), 'output_type')
  return isPredictionKind(kind) ? kind : undefined
}

/** Per task: the compact per-sample record (tasks with an empty samples file are left out). */
function samplesRecord(samplesJsonl: { readonly [task: string]: string }, results: unknown): Record<string, SampleTrack> {
  const out: [string, SampleTrack][] = []
  for (const task of Object.keys(samplesJsonl).sort()) {
    const records = parseSampleLines(samplesJsonl[task], task)
    if (records.length === 0) continue
    out.push([task, sampleTrack(records, task, configuredKind(results, task))])
  }
  return Object.fromEntries(out)
}

/** UTF-8 bytes of a payload's JSON text. */
export function payloadBytes(payload: SharePayload): number {
  return new TextEncoder().encode(JSON.stringify(payload)).length
}

/**
 * Builds the payload of a share link. Throws HarnessError(SHARE_ERROR_CODE) when a part the sharer asked for is
 * missing (no results.json, no samples) or the payload would exceed MAX_PAYLOAD_BYTES.
 * @example buildSharePayload({ request, resultsJson, samplesJsonl, model: { kind: 'app', id: 'demo' }, evalzVersion: '0.1.0' }, { includeResults: true, includeSamples: true })
 */
export function buildSharePayload(source: ShareSource, options: ShareOptions): SharePayload {
  const needResults = options.includeResults || options.includeSamples
  const results = source.resultsJson === undefined || !needResults ? undefined : parseResults(source.resultsJson)
  if (options.includeResults && results === undefined) refuse('it has no results.json (did it finish?); share it without results')
  if (options.includeSamples && (source.samplesJsonl === undefined || Object.keys(source.samplesJsonl).length === 0)) {
    refuse('it logged no samples; re-run it with samples logged, or share it without samples')
  }
  const version = field(field(results, 'evalz'), 'version')
  const draft = {
    v: SHARE_FORMAT_VERSION,
    evalz: typeof version === 'string' ? version : source.evalzVersion,
    model: source.model,
    run: runSpecOf(source.request),
    ...(options.includeResults ? { results: resultsSummary(results) } : {}),
    ...(options.includeSamples ? { samples: samplesRecord(source.samplesJsonl!, results) } : {}),
  }
  const payload = checkSharePayload(draft, 'build')
  const bytes = payloadBytes(payload)
  if (bytes > MAX_PAYLOAD_BYTES) {
    refuse(`its payload is ${(bytes / 1048576).toFixed(1)} MB, over the ${MAX_PAYLOAD_BYTES / 1048576} MB a link may carry; share it without samples`, { bytes })
  }
  return payload
}
