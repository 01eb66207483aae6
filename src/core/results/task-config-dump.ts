/**
 * The `configs` entry of a task: lm-eval's TaskConfig fields that are set, in TaskConfig's field order;
 * hooks appear by name; num_fewshot is the value used.
 */
import type { TaskPlan } from '../tasks/task-plan.ts'
import { isHookRef } from '../tasks/task-spec.ts'
import { PyFloat } from '../python/json.ts'

const FIELD_ORDER = [
  'task', 'task_alias', 'tag', 'dataset_path', 'dataset_name', 'dataset_kwargs', 'training_split', 'validation_split',
  'test_split', 'fewshot_split', 'process_docs', 'doc_to_text', 'doc_to_target', 'doc_to_choice', 'process_results',
  'description', 'target_delimiter', 'fewshot_delimiter', 'fewshot_config', 'num_fewshot', 'metric_list', 'output_type',
  'generation_kwargs', 'repeats', 'filter_list', 'should_decontaminate', 'doc_to_decontamination_query', 'gen_prefix',
  'metadata',
] as const

/** The dumped config of a planned task. */
export function dumpTaskConfig(plan: TaskPlan): Record<string, unknown> {
  const spec = plan.spec as unknown as Record<string, unknown>
  const withDefaults: Record<string, unknown> = {
    ...spec,
    description: spec.description ?? '',
    target_delimiter: spec.target_delimiter ?? ' ',
    fewshot_delimiter: spec.fewshot_delimiter ?? '\n\n',
    num_fewshot: plan.numFewshot,
    repeats: spec.repeats ?? 1,
    should_decontaminate: spec.should_decontaminate ?? false,
    metric_list: plan.metrics.map(m => ({ metric: m.name, aggregation: m.aggregation, higher_is_better: m.higherIsBetter, ...m.kwargs })),
  }
  const out: Record<string, unknown> = {}
  for (const key of FIELD_ORDER) {
    const v = withDefaults[key]
    if (v === undefined) continue
    out[key] = isHookRef(v) ? `!function ${v.function}` : floatsIn(key, v)
  }
  return out
}

function floatsIn(key: string, v: unknown): unknown {
  if (key === 'metadata' && typeof v === 'object' && v !== null) {
    const m = { ...(v as Record<string, unknown>) }
    if (typeof m.version === 'number') m.version = new PyFloat(m.version)
    return m
  }
  if (key === 'generation_kwargs' && typeof v === 'object' && v !== null) {
    const g = { ...(v as Record<string, unknown>) }
    if (typeof g.temperature === 'number') g.temperature = new PyFloat(g.temperature)
    return g
  }
  return v
}
