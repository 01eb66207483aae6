/**
 * lm-eval's results file layout (lm-eval.md §7.1, main-branch style: `name`, `alias` without indent,
 * `sample_len`; groups with `sample_count`), plus evalz's own `evalz` block.
 */
import type { BackendInfo } from '../backend.ts'
import type { SelectionNode } from '../tasks/registry.ts'
import type { TaskPlan } from '../tasks/task-plan.ts'
import type { TaskScores } from '../task-scores.ts'
import type { GroupSpec } from '../tasks/task-spec.ts'
import { aggregateGroups } from './group-results.ts'
import { dumpTaskConfig } from './task-config-dump.ts'
import { taskHash } from './samples.ts'
import { PyFloat } from '../python/json.ts'
import type { DatasetOrigin } from './dataset-origins.ts'
import type { ChatRecord } from '../fewshot/chat-context.ts'

/** What the user asked for, for the `config` block. */
export interface RunInfo {
  /** backend name as lm-eval's `model` (e.g. 'transformers.js') */
  readonly model: string
  /** lm-eval-style model_args string, e.g. 'pretrained=public/models/demo,dtype=fp32' */
  readonly modelArgs: string
  readonly batchSize: number
  readonly limit: number | undefined
  readonly numFewshot: number | undefined
  readonly bootstrapIters: number
  readonly fewshotSeed: number
  /** evalz package version */
  readonly evalzVersion: string
  /** unix time in seconds when the run started */
  readonly startTime: number
  /** tokenizer checkpoint when separate from the model */
  readonly tokenizer: string | undefined
  /** model_name and evalz.model when the backend names the model otherwise (a page serving the user's folder under a fixed name); default the backend's model */
  readonly modelName?: string
  /** sha256 of the weights when the backend did not hash them; default the backend's */
  readonly modelSha256?: string
  /** parameter count when the backend did not count it; default the backend's */
  readonly numParameters?: number
  /** evalz-block entries known only once every request is answered (device report, cached answers), JSON-safe; appended to evalz */
  readonly evalzExtra?: () => Readonly<Record<string, unknown>>
  /** where the model came from, named exactly (e.g. a Hub repo with its commit and file hashes, or a converted checkpoint's hashes); JSON-safe; written as evalz.model_origin */
  readonly modelOrigin?: ModelOrigin
  /** a quantised checkpoint's arithmetic ('exact' or 'int8'); written as evalz.compute when set */
  readonly compute?: string
}

/** Where the evaluated model came from. */
export interface ModelOrigin {
  /** 'hub' (downloaded from a Hub repo), 'checkpoint' (converted from GGUF/safetensors), 'local' (a model folder), 'api' (a served model) */
  readonly kind: 'hub' | 'checkpoint' | 'local' | 'api'
  /** revision asked for (lm-eval's model_revision), e.g. 'main'; default 'main' */
  readonly revision?: string
  /** commit sha (Hub) or content sha256 that names the weights (lm-eval's model_sha) */
  readonly sha?: string
  /** further facts (repo, endpoint, files with sizes and sha256, base/adapter hashes), JSON-safe */
  readonly detail: Readonly<Record<string, unknown>>
}

/** The results file as a JSON-ready object (floats marked with PyFloat). */
export type ResultsJson = Record<string, unknown>

/** Inputs of buildResults. */
export interface ResultsInput {
  readonly selection: readonly SelectionNode[]
  readonly plans: readonly TaskPlan[]
  readonly scored: readonly TaskScores[]
  readonly run: RunInfo
  readonly backend: BackendInfo
  /** seconds from start to scored */
  readonly wallSeconds: number
  /** seconds spent in the model phase */
  readonly modelSeconds: number
  /** input tokens fed to the model */
  readonly tokens: number
  /** chat template / system instruction settings; undefined = none used */
  readonly chat?: ChatRecord
  /** the splits the run read and where from (evalz.datasets); undefined = not recorded */
  readonly datasets?: readonly DatasetOrigin[]
}

/** Builds the results file. */
export function buildResults(input: ResultsInput): ResultsJson {
  const { plans, scored, run, backend } = input
  const byTask = new Map(plans.map((p, i) => [p.spec.task, { plan: p, scores: scored[i] }]))
  const groups = aggregateGroups(input.selection, byTask)
  const results: Record<string, Record<string, unknown>> = {}
  const groupSubtasks: Record<string, string[]> = {}
  const walk = (node: SelectionNode): void => {
    if (node.kind === 'task') {
      const { plan, scores } = byTask.get(node.spec.task)!
      results[node.spec.task] = taskEntry(plan, scores)
      return
    }
    results[node.spec.group] = groups.get(node.spec.group)?.entry ?? { name: node.spec.group, alias: node.spec.group_alias ?? node.spec.group }
    groupSubtasks[node.spec.group] = node.children.map(c => (c.kind === 'task' ? c.spec.task : c.spec.group))
    node.children.forEach(walk)
  }
  input.selection.forEach(walk)

  const groupEntries = Object.fromEntries(Object.keys(results).filter(k => groups.get(k)?.aggregated).map(k => [k, groups.get(k)!.entry]))
  const allGroups = collectGroups(input.selection)
  const out: ResultsJson = { results }
  if (Object.keys(groupEntries).length > 0) out.groups = groupEntries
  out.group_subtasks = groupSubtasks
  out.configs = Object.fromEntries([...plans].sort((a, b) => (a.spec.task < b.spec.task ? -1 : 1)).map(p => [p.spec.task, dumpTaskConfig(p)]))
  out.versions = {
    ...Object.fromEntries(plans.map(p => [p.spec.task, versionValue(p.spec.metadata?.version)])),
    ...Object.fromEntries(allGroups.map(g => [g.group, g.metadata?.version === undefined ? 'N/A' : String(g.metadata.version)])),
  }
  out['n-shot'] = {
    ...Object.fromEntries(plans.map(p => [p.spec.task, p.numFewshot])),
    ...Object.fromEntries([...groups].filter(([, g]) => g.nShot !== undefined).map(([name, g]) => [name, g.nShot])),
  }
  out.higher_is_better = {
    ...Object.fromEntries(plans.map((p, i) => [p.spec.task, higherIsBetter(scored[i])])),
    ...Object.fromEntries([...groups].map(([name, g]) => [name, g.higherIsBetter])),
  }
  out['n-samples'] = Object.fromEntries(plans.map(p => [p.spec.task, { original: p.originalCount, effective: p.docs.length }]))
  out.config = {
    model: run.model,
    model_args: run.modelArgs,
    model_num_parameters: run.numParameters ?? backend.numParameters ?? null,
    model_dtype: backend.dtype,
    model_revision: run.modelOrigin?.revision ?? 'main',
    model_sha: run.modelOrigin?.sha ?? run.modelSha256 ?? backend.modelSha256 ?? '',
    batch_size: run.batchSize,
    batch_sizes: [],
    device: backend.device,
    use_cache: null,
    limit: run.limit === undefined ? null : run.limit,
    bootstrap_iters: run.bootstrapIters,
    gen_kwargs: null,
    random_seed: 0,
    numpy_seed: 1234,
    torch_seed: 1234,
    fewshot_seed: run.fewshotSeed,
  }
  out.git_hash = null
  out.date = new PyFloat(run.startTime)
  out.tokenizer_pad_token = tokenPair(backend.padToken)
  out.tokenizer_eos_token = tokenPair(backend.eosToken)
  out.tokenizer_bos_token = tokenPair(backend.bosToken)
  out.eot_token_id = backend.eosToken?.[1] ?? null
  out.max_length = backend.maxLength
  const hashes = Object.fromEntries(plans.map((p, i) => [p.spec.task, scored[i].samples.length > 0 ? taskHash(scored[i].samples) : undefined]).filter(([, h]) => h !== undefined))
  if (Object.keys(hashes).length > 0) out.task_hashes = hashes
  out.model_source = run.model
  out.model_name = run.modelName ?? backend.model
  out.model_name_sanitized = sanitizeModelName(run.modelName ?? backend.model)
  out.system_instruction = input.chat?.system_instruction ?? null
  out.system_instruction_sha = input.chat?.system_instruction_sha ?? null
  out.fewshot_as_multiturn = input.chat?.fewshot_as_multiturn ?? false
  out.chat_template = input.chat?.chat_template ?? null
  out.chat_template_sha = input.chat?.chat_template_sha ?? null
  out.start_time = new PyFloat(run.startTime)
  out.end_time = new PyFloat(run.startTime + input.wallSeconds)
  out.total_evaluation_time_seconds = String(input.wallSeconds)
  out.evalz = {
    version: run.evalzVersion,
    backend: `${backend.name} ${backend.version}`,
    device: backend.device,
    dtype: backend.dtype,
    model: run.modelName ?? backend.model,
    model_sha256: run.modelSha256 ?? backend.modelSha256 ?? null,
    tokenizer: run.tokenizer ?? null,
    ...(run.compute ? { compute: run.compute } : {}),
    ...(run.modelOrigin ? { model_origin: { kind: run.modelOrigin.kind, ...run.modelOrigin.detail } } : {}),
    max_length: backend.maxLength,
    wall_time_seconds: new PyFloat(input.wallSeconds),
    model_time_seconds: new PyFloat(input.modelSeconds),
    input_tokens: input.tokens,
    tokens_per_second: new PyFloat(input.modelSeconds > 0 ? input.tokens / input.modelSeconds : 0),
    failed_docs: Object.fromEntries(plans.map((p, i) => [p.spec.task, scored[i].failedDocs])),
    ...(input.datasets ? { datasets: input.datasets.map(d => ({ ...d })) } : {}),
    ...run.evalzExtra?.(),
  }
  return out
}

function taskEntry(plan: TaskPlan, scores: TaskScores): Record<string, unknown> {
  const entry: Record<string, unknown> = { name: plan.spec.task, alias: plan.spec.task_alias ?? plan.spec.task }
  for (const m of scores.metrics) {
    entry[`${m.metric},${m.filter}`] = new PyFloat(m.value)
    entry[`${m.metric}_stderr,${m.filter}`] = m.stderr === 'N/A' ? 'N/A' : new PyFloat(m.stderr)
  }
  entry.sample_len = scores.sampleLen
  return entry
}

function higherIsBetter(scores: TaskScores): Record<string, boolean> {
  return Object.fromEntries(scores.metrics.map(m => [m.metric, m.higherIsBetter]))
}

function versionValue(v: number | string | undefined): unknown {
  if (v === undefined) return 'N/A'
  return typeof v === 'number' ? new PyFloat(v) : v
}

function tokenPair(t: readonly [string, number] | undefined): unknown {
  return t === undefined ? null : [t[0], String(t[1])]
}

function collectGroups(nodes: readonly SelectionNode[]): GroupSpec[] {
  const out: GroupSpec[] = []
  const walk = (n: SelectionNode): void => {
    if (n.kind === 'group') {
      if (!out.some(g => g.group === n.spec.group)) out.push(n.spec)
      n.children.forEach(walk)
    }
  }
  nodes.forEach(walk)
  return out
}

/** lm-eval's sanitised model name for paths: '/' → '__' and other unsafe characters → '_'. */
export function sanitizeModelName(name: string): string {
  return name.replace(/[^\w.-]/g, c => (c === '/' ? '__' : '_'))
}
