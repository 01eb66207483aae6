/**
 * One lm-eval task config (a YAML mapping after `include` merging) → TaskSpec, validating every field of
 * lm-eval.md §2.1. Errors are one line naming the file, the field and the valid values.
 */
import type { DocField, FewshotConfig, HookRef, MetricConfig, OutputType, TaskSpec } from '../task-spec.ts'
import { isHookRef } from '../task-spec.ts'
import type { FilterPipeline, FilterStep } from '../../filters/index.ts'
import type { Hook } from '../hooks.ts'
import type { ConfigMap } from './config-files.ts'
import type { YamlKey } from './yaml-parse.ts'
import { compileFilterPipeline } from '../../filters/index.ts'
import { HarnessError, isHarnessError } from '../../errors.ts'
import { HOOKS, resolveHook } from '../hooks.ts'
import { HookMark, showValue } from './config-files.ts'
import { isYamlMap } from './yaml-parse.ts'

export { HookMark, showValue } from './config-files.ts'
export type { ConfigMap } from './config-files.ts'

const OUTPUT_TYPES: readonly OutputType[] = ['loglikelihood', 'loglikelihood_rolling', 'multiple_choice', 'generate_until']

/** TaskConfig fields evalz reads, in the order the writer emits them. */
export const TASK_FIELDS = [
  'task', 'task_alias', 'tag', 'dataset_path', 'dataset_name', 'dataset_kwargs', 'training_split', 'validation_split',
  'test_split', 'fewshot_split', 'process_docs', 'output_type', 'doc_to_text', 'doc_to_target', 'doc_to_choice',
  'process_results', 'description', 'target_delimiter', 'fewshot_delimiter', 'fewshot_config', 'num_fewshot',
  'gen_prefix', 'generation_kwargs', 'repeats', 'filter_list', 'metric_list', 'should_decontaminate',
  'doc_to_decontamination_query', 'metadata',
] as const

/** lm-eval fields that change what is evaluated but that evalz cannot run. */
const UNSUPPORTED: Readonly<Record<string, string>> = {
  class: 'Python-defined tasks (class:) are not supported by evalz',
  custom_dataset: 'custom_dataset (a Python dataset builder) is not supported by evalz; put the rows in --data-dir',
  use_prompt: 'promptsource templates (use_prompt) are not supported by evalz',
  doc_to_image: 'multimodal tasks (doc_to_image) are not supported by evalz',
  doc_to_audio: 'multimodal tasks (doc_to_audio) are not supported by evalz',
}

/** Accepted and ignored: no effect on what evalz computes. */
const IGNORED = new Set(['unsafe_code', 'group_alias'])

const FEWSHOT_KEYS = ['sampler', 'split', 'samples', 'fewshot_indices', 'doc_to_text', 'doc_to_target', 'doc_to_choice', 'target_delimiter', 'fewshot_delimiter']

/** Where a value came from, for messages. */
interface Ctx {
  readonly file: string
}

function invalid(ctx: Ctx, field: string, message: string): HarnessError {
  return new HarnessError('TASK_SPEC_INVALID', `${ctx.file}: ${field}: ${message}`, { file: ctx.file, field })
}

/** Where a `!function` is a Python value lm-eval calls: a metric, an aggregation or a filter class. */
const PYTHON_VALUE_FIELDS = /^(?:metric_list\[\d+\]\.(?:metric|aggregation)|filter_list\[\d+\]\.filter\[\d+\]\.(?:function|filter_fn))$/

/** Python's str() of a YAML key (dict keys become strings in TaskSpec's plain objects). */
function keyText(k: YamlKey): string {
  if (k === null) return 'None'
  if (typeof k === 'boolean') return k ? 'True' : 'False'
  return String(k)
}

/** A YAML value as plain data: mappings → objects; `!function` is refused here (only hook fields take one). */
export function plainValue(v: unknown, ctx: Ctx, field: string): unknown {
  if (v instanceof HookMark) {
    if (PYTHON_VALUE_FIELDS.test(field)) return pythonOrPorted(v, ctx, field, undefined)
    throw invalid(ctx, field, `!function ${v.spec} is not supported here (only hooks, fewshot samples, metrics, aggregations and filter functions take a !function)`)
  }
  if (Array.isArray(v)) return v.map((x, i) => plainValue(x, ctx, `${field}[${i}]`))
  if (isYamlMap(v)) {
    const out: Record<string, unknown> = {}
    for (const [k, x] of v) out[keyText(k)] = plainValue(x, ctx, `${field}.${keyText(k)}`)
    return out
  }
  return v
}

function str(v: unknown, ctx: Ctx, field: string): string {
  if (typeof v !== 'string') throw invalid(ctx, field, `must be a string, got ${showValue(v)}`)
  return v
}

function int(v: unknown, ctx: Ctx, field: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw invalid(ctx, field, `must be an integer ≥ ${min}, got ${showValue(v)}`)
  return v
}

function bool(v: unknown, ctx: Ctx, field: string): boolean {
  if (typeof v !== 'boolean') throw invalid(ctx, field, `must be true or false, got ${showValue(v)}`)
  return v
}

function dict(v: unknown, ctx: Ctx, field: string): Record<string, unknown> {
  if (!isYamlMap(v)) throw invalid(ctx, field, `must be a mapping, got ${showValue(v)}`)
  return plainValue(v, ctx, field) as Record<string, unknown>
}

function list(v: unknown, ctx: Ctx, field: string): unknown[] {
  if (!Array.isArray(v)) throw invalid(ctx, field, `must be a list, got ${showValue(v)}`)
  return v
}

function hook(v: unknown, ctx: Ctx, field: string, kind: Hook['kind']): HookRef {
  if (!(v instanceof HookMark)) throw invalid(ctx, field, `must be a !function (e.g. !function utils.${field}), got ${showValue(v)}`)
  return pythonOrPorted(v, ctx, field, kind)
}

/** A `!function` as a HookRef: the TS port (kind-checked) or the Python function its module defines. */
function pythonOrPorted(v: HookMark, ctx: Ctx, field: string, kind: Hook['kind'] | undefined): HookRef {
  const where = `${ctx.file}: ${field}: !function ${v.spec}`
  if (Object.hasOwn(HOOKS, v.name)) {
    if (kind !== undefined) resolveHook(v.name, kind, where)
    return { function: v.name }
  }
  if (v.missing !== undefined) throw new HarnessError('HOOK_UNKNOWN', `${where}: ${v.missing}`, { name: v.name })
  return { function: v.name }
}

function docField(v: unknown, ctx: Ctx, field: string, choice: boolean): DocField {
  if (v instanceof HookMark) return hook(v, ctx, field, 'doc')
  if (typeof v === 'string') return v
  if (typeof v === 'number' && Number.isInteger(v) && !choice) return v
  if (Array.isArray(v) && field.endsWith('doc_to_text') === false) return plainValue(v, ctx, field) as unknown[]
  // lm-eval takes list(dict.values()); keeping the values list preserves YAML order (JS objects reorder int keys)
  if (isYamlMap(v) && choice) return [...v.values()].map((x, i) => plainValue(x, ctx, `${field}[${i}]`))
  const valid = choice ? 'a feature name or Jinja template, a list, a mapping or a !function' : field.endsWith('doc_to_text')
    ? 'a feature name or Jinja template, an integer or a !function'
    : 'a feature name or Jinja template, an integer, a list or a !function'
  throw invalid(ctx, field, `must be ${valid}, got ${showValue(v)}`)
}

function optionalStr(v: unknown, ctx: Ctx, field: string): string | undefined {
  return v === null ? undefined : str(v, ctx, field)
}

function tags(v: unknown, ctx: Ctx, field: string): string[] {
  if (typeof v === 'string') return [v]
  return list(v, ctx, field).map((t, i) => str(t, ctx, `${field}[${i}]`))
}

function fewshotConfig(v: unknown, ctx: Ctx): FewshotConfig {
  if (!isYamlMap(v)) throw invalid(ctx, 'fewshot_config', `must be a mapping, got ${showValue(v)}`)
  const out: Record<string, unknown> = {}
  for (const [k, x] of v) {
    const key = keyText(k)
    const field = `fewshot_config.${key}`
    if (x === null) continue
    if (key === 'process_docs' || key === 'gen_prefix') throw invalid(ctx, field, 'is not supported by evalz (shots use the task-level value)')
    if (!FEWSHOT_KEYS.includes(key)) throw invalid(ctx, field, `unknown key (valid: ${FEWSHOT_KEYS.join(', ')})`)
    if (key === 'sampler') {
      if (x !== 'default' && x !== 'first_n') throw invalid(ctx, field, `unknown sampler ${showValue(x)} (valid: default, first_n)`)
      out.sampler = x
    } else if (key === 'samples') {
      out.samples = x instanceof HookMark ? pythonOrPorted(x, ctx, field, undefined) : list(x, ctx, field).map((d, i) => dict(d, ctx, `${field}[${i}]`))
    } else if (key === 'fewshot_indices') {
      out.fewshot_indices = list(x, ctx, field).map((n, i) => int(n, ctx, `${field}[${i}]`, 0))
    } else if (key.startsWith('doc_to_')) {
      out[key] = docField(x, ctx, field, key === 'doc_to_choice')
    } else out[key] = str(x, ctx, field)
  }
  return out as FewshotConfig
}

function metricList(v: unknown, ctx: Ctx): MetricConfig[] {
  return list(v, ctx, 'metric_list').map((m, i) => {
    const field = `metric_list[${i}]`
    if (!isYamlMap(m)) throw invalid(ctx, field, `must be a mapping with a 'metric' key, got ${showValue(m)}`)
    const out = plainValue(m, ctx, field) as Record<string, unknown>
    if (!isHookRef(out.metric)) str(out.metric, ctx, `${field}.metric`)
    if (out.aggregation !== undefined && !isHookRef(out.aggregation)) str(out.aggregation, ctx, `${field}.aggregation`)
    if (out.higher_is_better !== undefined) bool(out.higher_is_better, ctx, `${field}.higher_is_better`)
    return out as unknown as MetricConfig
  })
}

function filterList(v: unknown, ctx: Ctx): FilterPipeline[] {
  return list(v, ctx, 'filter_list').map((p, i) => {
    const field = `filter_list[${i}]`
    if (!isYamlMap(p)) throw invalid(ctx, field, `must be a mapping {name, filter}, got ${showValue(p)}`)
    const name = str(p.get('name'), ctx, `${field}.name`)
    const steps = list(p.get('filter'), ctx, `${field}.filter`).map((s, j) => {
      if (!isYamlMap(s)) throw invalid(ctx, `${field}.filter[${j}]`, `must be a mapping with a 'function' key, got ${showValue(s)}`)
      return plainValue(s, ctx, `${field}.filter[${j}]`) as FilterStep
    })
    try {
      // steps that are Python filter classes are checked when the Python runtime loads them
      if (!steps.some(st => isHookRef(st.function) || isHookRef(st.filter_fn))) compileFilterPipeline(steps)
    } catch (e) {
      if (isHarnessError(e)) throw invalid(ctx, `${field} (${name})`, e.message)
      throw e
    }
    return { name, filter: steps }
  })
}

function generationKwargs(v: unknown, ctx: Ctx): Record<string, unknown> {
  const out = dict(v, ctx, 'generation_kwargs')
  const until = out.until
  if (until !== undefined && until !== null && typeof until !== 'string' && !(Array.isArray(until) && until.every(u => typeof u === 'string'))) {
    throw invalid(ctx, 'generation_kwargs.until', `must be a string or a list of strings, got ${showValue(until)}`)
  }
  return out
}

/** Converts one task field's value; `key` must be a TASK_FIELDS name. */
function fieldValue(key: string, v: unknown, ctx: Ctx): unknown {
  switch (key) {
    case 'task': case 'dataset_path': return str(v, ctx, key)
    case 'tag': return tags(v, ctx, key)
    case 'task_alias': case 'dataset_name': case 'training_split': case 'validation_split': case 'test_split':
    case 'fewshot_split': case 'description': case 'target_delimiter': case 'fewshot_delimiter': case 'gen_prefix':
      return optionalStr(v, ctx, key)
    case 'doc_to_decontamination_query': return v instanceof HookMark ? pythonOrPorted(v, ctx, key, 'doc') : optionalStr(v, ctx, key)
    case 'dataset_kwargs': return dict(v, ctx, key)
    case 'process_docs': return hook(v, ctx, key, 'process_docs')
    case 'process_results': return hook(v, ctx, key, 'process_results')
    case 'output_type':
      if (!OUTPUT_TYPES.includes(v as OutputType)) throw invalid(ctx, key, `unknown output type ${showValue(v)} (valid: ${OUTPUT_TYPES.join(', ')})`)
      return v
    case 'doc_to_text': case 'doc_to_target': case 'doc_to_choice': return docField(v, ctx, key, key === 'doc_to_choice')
    case 'fewshot_config': return fewshotConfig(v, ctx)
    case 'num_fewshot': return int(v, ctx, key, 0)
    case 'repeats': return int(v, ctx, key, 1)
    case 'generation_kwargs': return generationKwargs(v, ctx)
    case 'filter_list': return filterList(v, ctx)
    case 'metric_list': return metricList(v, ctx)
    case 'should_decontaminate': return bool(v, ctx, key)
    case 'metadata': return dict(v, ctx, key)
  }
  throw invalid(ctx, key, 'internal: no converter')
}

/**
 * Validated task fields of a config mapping (also used for group overrides): null values are dropped (lm-eval's
 * None = default), the legacy `group:` of a task file is folded into `tag`, unknown keys are an error.
 */
export function taskFields(cfg: ConfigMap, file: string, skip: readonly string[] = []): Partial<Record<string, unknown>> {
  const ctx = { file }
  const out: Record<string, unknown> = {}
  const legacyGroups: string[] = []
  for (const [k, v] of cfg) {
    const key = keyText(k)
    if (skip.includes(key) || IGNORED.has(key)) continue
    if (Object.hasOwn(UNSUPPORTED, key)) throw invalid(ctx, key, UNSUPPORTED[key])
    if (key === 'group') {
      if (v !== null) legacyGroups.push(...tags(v, ctx, key))
      continue
    }
    if (!(TASK_FIELDS as readonly string[]).includes(key)) {
      throw invalid(ctx, key, `unknown task field (valid: ${TASK_FIELDS.join(', ')})`)
    }
    if (v === null || v === undefined) continue
    out[key] = fieldValue(key, v, ctx)
  }
  if (legacyGroups.length > 0) out.tag = [...(out.tag as string[] | undefined ?? []), ...legacyGroups]
  return out
}

/** Orders fields as TASK_FIELDS (stable output for the writer and the configs dump). */
function ordered(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const k of TASK_FIELDS) if (fields[k] !== undefined) out[k] = fields[k]
  return out
}

/** A full task config → TaskSpec (output_type defaults to generate_until as in lm-eval). */
export function taskSpecFromConfig(cfg: ConfigMap, file: string): TaskSpec {
  const fields = taskFields(cfg, file)
  const ctx = { file }
  if (fields.task === undefined) throw invalid(ctx, 'task', 'missing (every task file needs a task name)')
  if (fields.dataset_path === undefined) throw invalid(ctx, 'dataset_path', `missing in task '${String(fields.task)}' (the dataset's Hub id or mirror folder)`)
  fields.output_type ??= 'generate_until'
  if (fields.output_type === 'multiple_choice' && fields.doc_to_choice === undefined) {
    throw invalid(ctx, 'doc_to_choice', `missing in multiple_choice task '${String(fields.task)}'`)
  }
  if (fields.test_split === undefined && fields.validation_split === undefined) {
    throw invalid(ctx, 'test_split', `task '${String(fields.task)}' needs test_split or validation_split (the split to evaluate)`)
  }
  return ordered(fields) as unknown as TaskSpec
}
