/**
 * lm-eval filter pipelines (`filter_list` entries of a task YAML; `FilterEnsemble`): named sequences
 * of filters that turn each doc's model responses (one per repeat) into the value the metrics score.
 */

import { HarnessError } from '../errors.ts'
import { FILTER_DEFS, pythonFilterStep, type FilterFn } from './steps.ts'

/** One pipeline step as written in YAML: `function` plus the filter's keyword arguments. */
export interface FilterStep {
  /** registry name of the filter, e.g. 'regex', 'take_first', or a Python filter class (`!function utils.F`) */
  readonly function: string | { readonly function: string }
  /** keyword arguments of the filter (regex_pattern, group_select, fallback, k, mapping_dict, …) */
  readonly [kwarg: string]: unknown
}

/** A named pipeline (one `filter_list` entry); the name is the metric key suffix, e.g. 'strict-match'. */
export interface FilterPipeline {
  /** filter name used in metric keys (`exact_match,strict-match`) */
  readonly name: string
  /** the steps, applied in order */
  readonly filter: readonly FilterStep[]
}

/** lm-eval's pipeline when a task has no filter_list: keep the first response. */
export const DEFAULT_FILTER: FilterPipeline = { name: 'none', filter: [{ function: 'take_first' }] }

/** Registry names of the supported filters. */
export const FILTER_NAMES: readonly string[] = Object.keys(FILTER_DEFS)

/** Validate the steps and build the pipeline (throws HarnessError 'TASK_SPEC_INVALID' on a bad step). */
export function compileFilterPipeline(steps: readonly FilterStep[]): (resps: readonly (readonly unknown[])[], docs?: readonly unknown[]) => unknown[] {
  const fns: FilterFn[] = steps.map((step, i) => compileStep(step, i))
  return (resps, docs = []) => {
    let values: unknown[] = resps.slice()
    for (const fn of fns) values = fn(values, docs)
    return values
  }
}

/**
 * Run the steps over every instance: resps[i] = its responses (one per repeat), docs[i] = its doc. Returns the
 * filtered value per doc (a string after take_first; a list if no step reduces the list).
 */
export function applyFilterPipeline(steps: readonly FilterStep[], resps: readonly (readonly unknown[])[], docs: readonly unknown[] = []): unknown[] {
  return compileFilterPipeline(steps)(resps, docs)
}

function compileStep(step: FilterStep, index: number): FilterFn {
  if (typeof step.function === 'object' && step.function !== null) {
    const { function: cls, ...kwargs } = step
    return pythonFilterStep((cls as { function: string }).function, kwargs)
  }
  const name = step.function
  const def = typeof name === 'string' && Object.hasOwn(FILTER_DEFS, name) ? FILTER_DEFS[name] : undefined
  if (def === undefined) {
    throw new HarnessError('TASK_SPEC_INVALID',
      `unknown filter function ${JSON.stringify(name)} (step ${index}); known filters: ${FILTER_NAMES.join(', ')}`,
      { function: name, step: index, known: [...FILTER_NAMES] })
  }
  const kwargs: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(step)) {
    if (key === 'function') continue
    if (!def.kwargs.includes(key)) {
      if (def.extraOk) continue
      throw new HarnessError('TASK_SPEC_INVALID',
        `filter '${name}' has no argument ${JSON.stringify(key)}; valid arguments: ${def.kwargs.join(', ') || '(none)'}`,
        { function: name, kwarg: key, valid: [...def.kwargs] })
    }
    kwargs[key] = value
  }
  for (const key of def.required ?? []) {
    if (kwargs[key] === undefined) {
      throw new HarnessError('TASK_SPEC_INVALID', `filter '${name}' needs argument '${key}'`, { function: name, kwarg: key })
    }
  }
  return def.build(kwargs)
}
