/**
 * A suite's leaderboard average (suites.ts `metadata.suite_average`): the plain mean of its headline scores,
 * times the scale, written into the suite's results entry as `<variant key>,none` (e.g. `average,none`).
 * lm-eval computes no such number (its `openllm` group is a container); the keys lm-eval writes are left as they are.
 */
import type { SelectionNode } from '../tasks/registry.ts'
import type { TaskPlan } from '../tasks/task-plan.ts'
import type { TaskScores } from '../task-scores.ts'
import type { GroupSpec } from '../tasks/task-spec.ts'
import { aggregateGroup } from '../metrics/group.ts'

/** One headline score of a suite average. */
export interface SuiteHeadline {
  /** task or group name as it appears in the results */
  readonly name: string
  /** results key, '<metric>,<filter>', e.g. 'acc_norm,none' */
  readonly metric: string
}

/** One average of a suite's headline scores. */
export interface SuiteAverageVariant {
  /** metric name of the average in the suite's results entry, e.g. 'average' → key 'average,none' */
  readonly key: string
  /** how a headline that names a group is averaged over its leaf tasks: 'macro' plain mean, 'micro' size-weighted */
  readonly groupMean: 'macro' | 'micro'
}

/** `metadata.suite_average`: the plain mean of the headline scores, times `scale`. */
export interface SuiteAverageSpec {
  /** multiplier, e.g. 100 for percentages */
  readonly scale: number
  readonly headline: readonly SuiteHeadline[]
  /** averages to report; the first is the suite's main number */
  readonly variants: readonly SuiteAverageVariant[]
}

/** The group's suite average, when its metadata declares a well-formed one. */
export function suiteAverageOf(group: GroupSpec): SuiteAverageSpec | undefined {
  const v = group.metadata?.suite_average as Partial<SuiteAverageSpec> | undefined
  if (v === undefined || typeof v !== 'object' || v === null) return undefined
  if (typeof v.scale !== 'number' || !Array.isArray(v.headline) || !Array.isArray(v.variants)) return undefined
  return v as SuiteAverageSpec
}

type ByTask = ReadonlyMap<string, { plan: TaskPlan; scores: TaskScores }>

function findNode(node: SelectionNode, name: string): SelectionNode | undefined {
  if ((node.kind === 'task' ? node.spec.task : node.spec.group) === name) return node
  if (node.kind === 'group') {
    for (const c of node.children) {
      const hit = findNode(c, name)
      if (hit) return hit
    }
  }
  return undefined
}

function leafNames(node: SelectionNode): string[] {
  if (node.kind === 'task') return [node.spec.task]
  return [...new Set(node.children.flatMap(leafNames))]
}

function taskValue(byTask: ByTask, task: string, key: string): { value: number; size: number } | undefined {
  const t = byTask.get(task)
  if (!t) return undefined
  const comma = key.indexOf(',')
  const m = t.scores.metrics.find(x => x.metric === key.slice(0, comma) && x.filter === key.slice(comma + 1))
  return m === undefined ? undefined : { value: m.value, size: t.scores.sampleLen }
}

/** One headline's score: a task's metric, or a group's over its leaf tasks (macro: plain mean, micro: size-weighted). */
export function headlineValue(root: SelectionNode, byTask: ByTask, h: SuiteHeadline, groupMean: 'macro' | 'micro'): number | undefined {
  const node = findNode(root, h.name)
  if (node === undefined) return undefined
  if (node.kind === 'task') return taskValue(byTask, node.spec.task, h.metric)?.value
  const members = leafNames(node).map(t => taskValue(byTask, t, h.metric))
  if (members.length === 0 || members.some(m => m === undefined)) return undefined
  const ok = members as { value: number; size: number }[]
  return aggregateGroup(ok.map(m => m.value), ok.map(m => m.size), groupMean === 'micro')
}

/** Every variant's average as `{'<key>,none': value}`; a variant is left out when a headline score is missing. */
export function suiteAverages(root: SelectionNode, byTask: ByTask, spec: SuiteAverageSpec): Record<string, number> {
  const out: Record<string, number> = {}
  for (const variant of spec.variants) {
    const values = spec.headline.map(h => headlineValue(root, byTask, h, variant.groupMean))
    if (values.some(v => v === undefined)) continue
    const mean = aggregateGroup(values as number[], values.map(() => 1), false)
    out[`${variant.key},none`] = mean * spec.scale
  }
  return out
}
