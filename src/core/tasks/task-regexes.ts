/**
 * Pre-flight for the regexes a task file holds (`filter_list` regex steps, `metric_list` entries'
 * `regexes_to_ignore`): each is compiled — and so passes the exponential-backtracking guard of
 * ../python/regex-guard.ts — before any doc is read or any model loads, and a bad one is named with its
 * task and field, instead of failing after the model has run.
 */
import { HarnessError, isHarnessError } from '../errors.ts'
import { pyRegex } from '../python/regex.ts'
import type { TaskSpec } from './task-spec.ts'

/** Where a task holds a regex, and the pattern. */
interface TaskRegex {
  /** the task's field, e.g. "filter_list 'strict-match' step 1 regex_pattern" */
  readonly field: string
  /** the Python pattern */
  readonly pattern: unknown
}

function regexesOf(spec: TaskSpec): TaskRegex[] {
  const out: TaskRegex[] = []
  for (const pipeline of spec.filter_list ?? []) {
    pipeline.filter.forEach((step, i) => {
      if (step.function === 'regex' && step.regex_pattern !== undefined) {
        out.push({ field: `filter_list '${pipeline.name}' step ${i + 1} regex_pattern`, pattern: step.regex_pattern })
      }
    })
  }
  for (const metric of spec.metric_list ?? []) {
    const ignore = (metric as { regexes_to_ignore?: unknown }).regexes_to_ignore
    if (Array.isArray(ignore)) {
      ignore.forEach((pattern, i) => out.push({ field: `metric_list '${metric.metric}' regexes_to_ignore[${i}]`, pattern }))
    }
  }
  return out
}

/** Compiles every regex of the tasks; throws TASK_SPEC_INVALID naming the task and field of the first bad one. */
export function checkTaskRegexes(specs: readonly TaskSpec[]): void {
  for (const spec of specs) {
    for (const { field, pattern } of regexesOf(spec)) {
      if (typeof pattern !== 'string') continue // the filter and metric builders name non-string values
      try {
        pyRegex(pattern)
      } catch (e) {
        if (!isHarnessError(e)) throw e
        throw new HarnessError(e.code, `task '${spec.task}', ${field}: ${e.message}`, { ...e.detail, task: spec.task, field })
      }
    }
  }
}
