/**
 * A finished run as a comparison reads it: the results file (results.json / results_<date>.json) and the samples
 * files of evalz or lm-eval 0.4.x (lm-eval.md §7), parsed into per-task configs, headline metrics and samples.
 * Optional fields may be missing (older lm-eval versions, hand-trimmed files); what a field cannot tell is undefined.
 */
import { HarnessError } from '../errors.ts'
import { sha256Hex } from '../hash.ts'
import { parsePythonJson, syntaxMessage } from '../python/json-parse.ts'
import { checkSamplesMatch } from './samples-match.ts'
import { parseSamples, type SampleData } from './sample-data.ts'

export type { SampleData } from './sample-data.ts'
export { samplesByFilter } from './sample-data.ts'

/** The model a run evaluated. */
export interface ModelInfo {
  /** display name: model_args' pretrained=, else model_name, else the backend name; '' if none */
  readonly name: string
  /** lm-eval's `model` (backend registry name, e.g. 'hf', 'transformers.js'); '' if absent */
  readonly backend: string
  /** lm-eval-style model_args string; '' if absent */
  readonly args: string
  /** dtype as written, e.g. 'torch.float32', 'fp32', 'q4'; undefined if absent */
  readonly dtype: string | undefined
  /** model revision or commit sha; undefined if absent */
  readonly revision: string | undefined
  /** device, e.g. 'cuda:0', 'webgpu', 'cpu'; undefined if absent */
  readonly device: string | undefined
  /** parameter count; undefined if absent */
  readonly numParameters: number | undefined
}

/** Run-wide settings that change prompts or numbers. */
export interface RunSettings {
  /** --limit (docs, or a fraction below 1); null = all docs; undefined if the file does not say */
  readonly limit: number | null | undefined
  /** few-shot sampler seed; undefined if absent */
  readonly fewshotSeed: number | undefined
  /** iterations used for bootstrap stderrs; undefined if absent */
  readonly bootstrapIters: number | undefined
  /** sha256 hex of the chat template applied; null = no chat template; undefined if the file does not say */
  readonly chatTemplateSha: string | null | undefined
  /** few-shot examples as multi-turn chat; undefined if absent */
  readonly fewshotAsMultiturn: boolean | undefined
  /** sha256 hex of the system instruction; null = none; undefined if the file does not say */
  readonly systemInstructionSha: string | null | undefined
  /** --gen_kwargs as written (string or object); null/undefined = none */
  readonly genKwargs: unknown
  /** model context length in tokens; undefined if absent */
  readonly maxLength: number | undefined
}

/** One aggregated metric from the results file. */
export interface HeadlineMetric {
  /** metric name, e.g. 'acc' */
  readonly metric: string
  /** filter name, e.g. 'none', 'strict-match' */
  readonly filter: string
  /** the value; undefined when not a number (lm-eval writes 'N/A' or null for failed aggregations) */
  readonly value: number | undefined
  /** standard error; undefined when 'N/A' or absent */
  readonly stderr: number | undefined
}

/** A metric the task declares (configs[task].metric_list, else lm-eval's defaults). */
export interface MetricSpec {
  /** metric name */
  readonly metric: string
  /** aggregation name, e.g. 'mean', 'perplexity'; undefined when unknown (a custom function) */
  readonly aggregation: string | undefined
  /** true when higher values are better; undefined when unknown */
  readonly higherIsBetter: boolean | undefined
}

/** The per-task configuration a comparison checks. */
export interface TaskConfig {
  /** shots used; undefined if absent */
  readonly numFewshot: number | undefined
  /** few-shot seed of the run (the same for every task) */
  readonly fewshotSeed: number | undefined
  /** chat template sha of the run (null = none) */
  readonly chatTemplateSha: string | null | undefined
  /** few-shot as multi-turn of the run */
  readonly fewshotAsMultiturn: boolean | undefined
  /** 'multiple_choice', 'generate_until', 'loglikelihood', 'loglikelihood_rolling'; undefined if absent */
  readonly outputType: string | undefined
  /** declared metrics */
  readonly metrics: readonly MetricSpec[]
  /** task version as text ('1.0', '2', 'N/A'); undefined if absent */
  readonly version: string | undefined
  /** docs in the eval split; undefined if absent */
  readonly originalDocs: number | undefined
  /** docs evaluated (after --limit); undefined if absent */
  readonly effectiveDocs: number | undefined
  /** the raw configs[task] entry ({} if absent) */
  readonly raw: Readonly<Record<string, unknown>>
}

/** One leaf task of a run. */
export interface TaskData {
  /** task name */
  readonly name: string
  /** display name */
  readonly alias: string
  /** configuration from configs, n-shot, versions, n-samples */
  readonly config: TaskConfig
  /** aggregated metrics in the results file's order */
  readonly headline: readonly HeadlineMetric[]
  /** logged samples (every filter), in file order; empty when the run logged none */
  readonly samples: readonly SampleData[]
  /** true when a samples file was given for this task */
  readonly hasSamples: boolean
}

/** A group row of the results file (no samples of its own). */
export interface GroupData {
  /** group name */
  readonly name: string
  /** display name */
  readonly alias: string
  /** member task and group names */
  readonly children: readonly string[]
  /** aggregated metrics */
  readonly headline: readonly HeadlineMetric[]
}

/** A parsed run. */
export interface RunData {
  /** display label (the model name unless given) */
  readonly label: string
  /** 'evalz' when the results carry evalz's block, else 'lm-eval' */
  readonly producer: 'evalz' | 'lm-eval'
  /** version of the producer; '' if absent */
  readonly producerVersion: string
  /** the evaluated model */
  readonly model: ModelInfo
  /** run-wide settings */
  readonly settings: RunSettings
  /** unix seconds when the run started; undefined if absent */
  readonly date: number | undefined
  /** leaf tasks in the results file's order */
  readonly tasks: readonly TaskData[]
  /** groups in the results file's order */
  readonly groups: readonly GroupData[]
  /** things the reader noticed, e.g. a samples file that matches no task */
  readonly notes: readonly string[]
}

/** Options of parseRun. */
export interface ParseRunOptions {
  /** label to show instead of the model name */
  readonly label?: string
}

type Obj = Record<string, unknown>

/** lm-eval's default metric aggregations (DEFAULT_METRIC_REGISTRY and the metric registry). */
const DEFAULT_AGGREGATION: Readonly<Record<string, string>> = {
  acc: 'mean', acc_norm: 'mean', acc_mutual_info: 'mean', acc_bytes: 'mean', exact_match: 'mean', mc1: 'mean', mc2: 'mean',
  perplexity: 'perplexity', word_perplexity: 'weighted_perplexity', byte_perplexity: 'weighted_perplexity',
  bits_per_byte: 'bits_per_byte', f1: 'f1', mcc: 'matthews_corrcoef', bleu: 'bleu', chrf: 'chrf', ter: 'ter',
}

const LOWER_IS_BETTER = new Set(['perplexity', 'word_perplexity', 'byte_perplexity', 'bits_per_byte', 'ter'])

/** Parses a results file and its samples files (task name, or the file-name part after 'samples_', → JSONL text). */
export function parseRun(resultsText: string, samplesTexts: Readonly<Record<string, string>> = {}, opts: ParseRunOptions = {}): RunData {
  let parsed: unknown
  try {
    parsed = parsePythonJson(resultsText)
  } catch (e) {
    throw new HarnessError('DATASET_PARSE_ERROR', `results file is not valid JSON (${syntaxMessage(e)}); pass the results.json or results_<date>.json that evalz or lm-eval wrote`)
  }
  if (!isObj(parsed) || !isObj(parsed.results)) {
    throw new HarnessError('DATASET_PARSE_ERROR', `results file has no "results" object; pass the results.json or results_<date>.json that evalz or lm-eval wrote`, { keys: isObj(parsed) ? Object.keys(parsed).slice(0, 10) : [] })
  }
  const root = parsed
  const results = root.results as Obj
  const config = obj(root.config)
  const evalzBlock = isObj(root.evalz) ? root.evalz : undefined
  const groupSubtasks = obj(root.group_subtasks)
  const groupNames = new Set([...Object.keys(obj(root.groups)), ...Object.entries(groupSubtasks).filter(([, v]) => Array.isArray(v) && v.length > 0).map(([k]) => k)])
  const configs = obj(root.configs)
  const versions = obj(root.versions)
  const nShot = obj(root['n-shot'])
  const nSamples = obj(root['n-samples'])
  const hib = obj(root.higher_is_better)
  const settings = readSettings(root, config)
  const notes: string[] = []

  const samplesFor = matchSamples(Object.keys(results).filter(k => !groupNames.has(k)), samplesTexts, notes)
  const tasks: TaskData[] = []
  const groups: GroupData[] = []
  for (const [name, entryValue] of Object.entries(results)) {
    const entry = obj(entryValue)
    const alias = typeof entry.alias === 'string' ? entry.alias.replace(/^[\s-]+/, '') || name : name
    const headline = readHeadline(entry)
    if (groupNames.has(name)) {
      const children = Array.isArray(groupSubtasks[name]) ? (groupSubtasks[name] as unknown[]).map(String) : []
      groups.push({ name, alias, children, headline })
      continue
    }
    const raw = obj(configs[name])
    const outputType = typeof raw.output_type === 'string' ? raw.output_type : undefined
    const counts = obj(nSamples[name])
    const taskConfig: TaskConfig = {
      numFewshot: numOr(nShot[name]) ?? numOr(raw.num_fewshot),
      fewshotSeed: settings.fewshotSeed,
      chatTemplateSha: settings.chatTemplateSha,
      fewshotAsMultiturn: settings.fewshotAsMultiturn,
      outputType,
      metrics: readMetricSpecs(raw, headline, obj(hib[name])),
      version: versionText(versions[name]),
      originalDocs: numOr(counts.original),
      effectiveDocs: numOr(counts.effective),
      raw,
    }
    const text = samplesFor.get(name)
    const samples = text === undefined ? [] : parseSamples(text, name, outputType)
    if (text !== undefined) checkSamplesMatch(name, samples, taskConfig.effectiveDocs, obj(root.task_hashes)[name])
    tasks.push({
      name, alias, config: taskConfig, headline,
      samples,
      hasSamples: text !== undefined,
    })
  }
  const producer = evalzBlock ? 'evalz' : 'lm-eval'
  return {
    label: opts.label ?? (modelName(root, config) || 'run'),
    producer,
    producerVersion: String((producer === 'evalz' ? evalzBlock?.version : root.lm_eval_version) ?? ''),
    model: {
      name: modelName(root, config),
      backend: typeof config.model === 'string' ? config.model : '',
      args: typeof config.model_args === 'string' ? config.model_args : isObj(config.model_args) ? JSON.stringify(config.model_args) : '',
      dtype: strOr(config.model_dtype) ?? strOr(evalzBlock?.dtype),
      revision: strOr(config.model_sha) || strOr(config.model_revision),
      device: strOr(config.device) ?? strOr(evalzBlock?.device),
      numParameters: numOr(config.model_num_parameters),
    },
    settings,
    date: numOr(root.date) ?? numOr(root.start_time),
    tasks,
    groups,
    notes,
  }
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function obj(v: unknown): Obj {
  return isObj(v) ? v : {}
}

function numOr(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined
}

function strOr(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined
}

function versionText(v: unknown): string | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? `${v}.0` : String(v)
  return typeof v === 'string' ? v : undefined
}

function modelName(root: Obj, config: Obj): string {
  const args = typeof config.model_args === 'string' ? config.model_args : ''
  const pretrained = /(?:^|,)\s*pretrained=([^,]+)/.exec(args)?.[1]
  return pretrained ?? strOr(root.model_name) ?? strOr(config.model) ?? ''
}

function readSettings(root: Obj, config: Obj): RunSettings {
  const hasChatKeys = 'chat_template' in root || 'chat_template_sha' in root
  const template = root.chat_template
  const templateSha = strOr(root.chat_template_sha) ?? (typeof template === 'string' ? sha256Hex(template) : undefined)
  const system = root.system_instruction
  const systemSha = strOr(root.system_instruction_sha) ?? (typeof system === 'string' && system !== '' ? sha256Hex(system) : undefined)
  const limit = config.limit
  return {
    limit: typeof limit === 'number' ? limit : 'limit' in config ? null : undefined,
    fewshotSeed: numOr(config.fewshot_seed),
    bootstrapIters: numOr(config.bootstrap_iters),
    chatTemplateSha: templateSha ?? (hasChatKeys ? null : undefined),
    fewshotAsMultiturn: typeof root.fewshot_as_multiturn === 'boolean' ? root.fewshot_as_multiturn : undefined,
    systemInstructionSha: systemSha ?? ('system_instruction' in root ? null : undefined),
    genKwargs: config.gen_kwargs,
    maxLength: numOr(root.max_length),
  }
}

/** "metric,filter" keys of a results entry, each with its "_stderr" partner. */
function readHeadline(entry: Obj): HeadlineMetric[] {
  const out: HeadlineMetric[] = []
  for (const [key, value] of Object.entries(entry)) {
    const comma = key.indexOf(',')
    if (comma < 0) continue
    const metric = key.slice(0, comma)
    const filter = key.slice(comma + 1)
    if (metric.endsWith('_stderr') && `${metric.slice(0, -7)},${filter}` in entry) continue
    out.push({ metric, filter, value: numOr(value), stderr: numOr(entry[`${metric}_stderr,${filter}`]) })
  }
  return out
}

function readMetricSpecs(raw: Obj, headline: readonly HeadlineMetric[], hib: Obj): MetricSpec[] {
  const out: MetricSpec[] = []
  const seen = new Set<string>()
  const add = (metric: string, aggregation: unknown, higher: unknown): void => {
    if (seen.has(metric)) return
    seen.add(metric)
    const agg = typeof aggregation === 'string' && /^[A-Za-z_]+$/.test(aggregation) ? aggregation : aggregation === undefined ? DEFAULT_AGGREGATION[metric] : undefined
    const h = typeof hib[metric] === 'boolean' ? hib[metric] : typeof higher === 'boolean' ? higher : LOWER_IS_BETTER.has(metric) ? false : metric in DEFAULT_AGGREGATION ? true : undefined
    out.push({ metric, aggregation: agg, higherIsBetter: h as boolean | undefined })
  }
  if (Array.isArray(raw.metric_list)) {
    for (const m of raw.metric_list) if (isObj(m) && typeof m.metric === 'string') add(m.metric, m.aggregation, m.higher_is_better)
  }
  for (const h of headline) add(h.metric, undefined, undefined)
  return out
}

/** evalz's samples file-name sanitising (src/cli/output-files.ts). */
function fileTaskName(task: string): string {
  return task.replace(/["<>:/|\\?*[\]]+/g, '__')
}

/** Samples text per task: by exact name, else by the file-name form of the name. */
function matchSamples(tasks: readonly string[], texts: Readonly<Record<string, string>>, notes: string[]): Map<string, string> {
  const out = new Map<string, string>()
  const byFileName = new Map(tasks.map(t => [fileTaskName(t), t]))
  for (const [key, text] of Object.entries(texts)) {
    const task = tasks.includes(key) ? key : byFileName.get(key)
    if (task === undefined) notes.push(`samples for '${key}' match no task in the results file; ignored`)
    else out.set(task, text)
  }
  return out
}
