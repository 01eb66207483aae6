/**
 * A task is data: lm-eval's TaskConfig fields (lm-eval.md §2.1), with hooks named by string and resolved
 * through the explicit registry in hooks.ts. Group configs follow §2.5.
 */
import type { FilterPipeline } from '../filters/index.ts'

/** lm-eval's output types. */
export type OutputType = 'loglikelihood' | 'loglikelihood_rolling' | 'multiple_choice' | 'generate_until'

/** A `!function` reference: the name of a hook in the registry (hooks.ts), e.g. 'hellaswag.process_docs'. */
export interface HookRef {
  readonly function: string
}

/** A doc_to_* value: feature name or Jinja template (string), a literal index (number), a list, a dict, or a hook. */
export type DocField = string | number | readonly unknown[] | { readonly [key: string]: unknown } | HookRef

/** One metric_list entry; extra keys are keyword arguments for the metric (e.g. ignore_case). */
export interface MetricConfig {
  /** metric name, e.g. 'acc', 'exact_match', or a Python metric function (`!function metrics.f`) */
  readonly metric: string | HookRef
  /** aggregation name, or a Python function (`!function utils.agg`); default from the metric registry */
  readonly aggregation?: string | HookRef
  /** default from the metric registry */
  readonly higher_is_better?: boolean
  readonly [kwarg: string]: unknown
}

/** fewshot_config: every unspecified key inherits the task-level value. */
export interface FewshotConfig {
  /** 'default' (random) or 'first_n' */
  readonly sampler?: 'default' | 'first_n'
  /** split to draw shots from; defaults to the task's fewshot_split */
  readonly split?: string
  /** hard-coded shot documents, or a Python function returning them */
  readonly samples?: readonly Record<string, unknown>[] | HookRef
  /** indices into the pool to keep before sampling */
  readonly fewshot_indices?: readonly number[]
  readonly doc_to_text?: DocField
  readonly doc_to_target?: DocField
  readonly doc_to_choice?: DocField
  readonly target_delimiter?: string
  readonly fewshot_delimiter?: string
}

/** lm-eval's TaskConfig, as data. Field names are lm-eval's so specs round-trip to YAML. */
export interface TaskSpec {
  /** registry name */
  readonly task: string
  /** display name in tables and results `alias` */
  readonly task_alias?: string
  /** tags (run-many shortcuts without an aggregate score) */
  readonly tag?: readonly string[]
  /** Hub dataset id */
  readonly dataset_path: string
  /** dataset config; undefined = default */
  readonly dataset_name?: string
  /** kept for fidelity of the configs dump */
  readonly dataset_kwargs?: Record<string, unknown>
  readonly training_split?: string
  readonly validation_split?: string
  readonly test_split?: string
  readonly fewshot_split?: string
  /** hook applied to every split's rows */
  readonly process_docs?: HookRef
  readonly doc_to_text?: DocField
  readonly doc_to_target?: DocField
  readonly doc_to_choice?: DocField
  /** hook (doc, results) → {metric: value}; replaces metric functions */
  readonly process_results?: HookRef
  /** prepended text: feature name or template, rendered per doc; default '' */
  readonly description?: string
  /** between question and answer; default ' ' */
  readonly target_delimiter?: string
  /** after each shot; default '\n\n' */
  readonly fewshot_delimiter?: string
  readonly fewshot_config?: FewshotConfig
  /** default shots; 0 here means --num-fewshot is ignored (lm-eval rule) */
  readonly num_fewshot?: number
  readonly metric_list?: readonly MetricConfig[]
  readonly output_type: OutputType
  /** generate_until parameters, as in the YAML */
  readonly generation_kwargs?: Record<string, unknown>
  /** requests per doc; default 1 */
  readonly repeats?: number
  readonly filter_list?: readonly FilterPipeline[]
  readonly should_decontaminate?: boolean
  readonly doc_to_decontamination_query?: string | HookRef
  /** assistant prefill / text after the question */
  readonly gen_prefix?: string
  /** metadata.version is the task VERSION */
  readonly metadata?: { readonly version?: number | string; readonly [key: string]: unknown }
}

/** aggregate_metric_list entry of a group. */
export interface AggregateMetricConfig {
  /** metric name to aggregate */
  readonly metric: string
  /** only 'mean' */
  readonly aggregation?: 'mean'
  /** Σ(v·n)/Σn when true, plain mean when false */
  readonly weight_by_size?: boolean
  /** filters to aggregate; default: every filter seen in the children */
  readonly filter_list?: readonly string[]
}

/**
 * A group member with overrides, lm-eval's `{task: name, **overrides}`: the overrides are merged shallowly onto the
 * member's config (onto every task under it when it names a group or tag), e.g. `{task: 'hellaswag', num_fewshot: 10}`.
 */
export interface GroupMember {
  /** task, group or tag name */
  readonly task: string
  /** TaskSpec fields to override */
  readonly [override: string]: unknown
}

/** A group: a named list of tasks, tags or subgroups, optionally with an aggregate score. */
export interface GroupSpec {
  readonly group: string
  readonly group_alias?: string
  /** members: task, tag (expanded sorted) or group names, or `{task: name, **overrides}` */
  readonly task: readonly (string | GroupMember)[]
  readonly aggregate_metric_list?: readonly AggregateMetricConfig[]
  readonly metadata?: { readonly version?: number | string; readonly num_fewshot?: number; readonly [key: string]: unknown }
}

/** Resolved delimiters and defaults of a TaskSpec. */
export function taskDefaults(spec: TaskSpec): { targetDelimiter: string; fewshotDelimiter: string; repeats: number } {
  return {
    targetDelimiter: spec.target_delimiter ?? ' ',
    fewshotDelimiter: spec.fewshot_delimiter ?? '\n\n',
    repeats: spec.repeats ?? 1,
  }
}

/** The split evaluated: test_split if set, else validation_split. */
export function evalSplit(spec: TaskSpec): string | undefined {
  return spec.test_split ?? spec.validation_split
}

/** The name a group member refers to. */
export function memberName(member: string | GroupMember): string {
  return typeof member === 'string' ? member : member.task
}

/** True when a DocField is a hook reference. */
export function isHookRef(v: unknown): v is HookRef {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as HookRef).function === 'string' && Object.keys(v).length === 1
}

/** A metric's name as results key it: the metric, or the Python function's name (lm-eval: `fn.__name__`). */
export function metricName(metric: string | HookRef): string {
  return typeof metric === 'string' ? metric : metric.function.slice(metric.function.lastIndexOf('.') + 1)
}
