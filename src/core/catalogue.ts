/** The catalogue evalz ships: built-in tasks and groups, and the lm-eval names it knows it lacks. */
import type { TaskCatalogue } from './tasks/registry.ts'
import { makeCatalogue } from './tasks/registry.ts'
import { memberName, metricName } from './tasks/task-spec.ts'
import { neededSplits } from './suite-check.ts'
import { builtinGroups, builtinTasks, LM_EVAL_ONLY } from './tasks/builtin/index.ts'

/** Builds the built-in catalogue. */
export function builtinCatalogue(): TaskCatalogue {
  return makeCatalogue(builtinTasks(), builtinGroups(), LM_EVAL_ONLY)
}

/** One row of `evalz ls`. */
export interface CatalogueEntry {
  /** task, group or tag name */
  readonly name: string
  readonly kind: 'task' | 'group' | 'tag'
  /** Hub dataset id (tasks) */
  readonly dataset: string | undefined
  /** dataset config (tasks) */
  readonly config: string | undefined
  /** splits a task reads at its default shots, eval split first, then its few-shot split if it differs (tasks) */
  readonly splits: readonly string[]
  readonly outputType: string | undefined
  /** default shots */
  readonly numFewshot: number | undefined
  readonly metrics: readonly string[]
  /** member names (groups and tags) */
  readonly members: readonly string[]
}

/** Lists the catalogue: groups and tags first, then tasks, each sorted by name. */
export function listCatalogue(cat: TaskCatalogue): CatalogueEntry[] {
  const groups = [...cat.groups.values()].map((g): CatalogueEntry => ({
    name: g.group, kind: 'group', dataset: undefined, config: undefined, splits: [], outputType: undefined,
    numFewshot: g.metadata?.num_fewshot, metrics: (g.aggregate_metric_list ?? []).map(a => a.metric), members: g.task.map(memberName),
  }))
  const tags = [...cat.tags].map(([name, members]): CatalogueEntry => ({
    name, kind: 'tag', dataset: undefined, config: undefined, splits: [], outputType: undefined, numFewshot: undefined, metrics: [], members,
  }))
  const tasks = [...cat.tasks.values()].map((t): CatalogueEntry => ({
    name: t.task, kind: 'task', dataset: t.dataset_path, config: t.dataset_name,
    splits: [...new Set(neededSplits(t, undefined).map(n => n.ref.split))], outputType: t.output_type,
    numFewshot: t.num_fewshot ?? 0,
    metrics: (t.metric_list ?? []).map(m => metricName(m.metric)),
    members: [],
  }))
  const byName = (a: CatalogueEntry, b: CatalogueEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  return [...groups.sort(byName), ...tags.sort(byName), ...tasks.sort(byName)]
}
