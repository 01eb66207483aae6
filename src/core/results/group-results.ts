/**
 * Group roll-up (lm-eval.md §2.5): each aggregate metric over all leaf tasks of the group (not over subgroup
 * means), weighted by sample_len or plain, with the pooled stderr.
 */
import type { SelectionNode } from '../tasks/registry.ts'
import type { TaskPlan } from '../tasks/task-plan.ts'
import type { TaskScores } from '../task-scores.ts'
import { aggregateGroup, pooledStderr } from '../metrics/group.ts'
import { PyFloat } from '../python/json.ts'
import { suiteAverageOf, suiteAverages } from './suite-average.ts'

/** A group's results entry and the maps lm-eval derives for it. */
export interface GroupResult {
  /** results/groups entry */
  readonly entry: Record<string, unknown>
  /** false when the group has no aggregate_metric_list (a container only) */
  readonly aggregated: boolean
  /** shots, when every leaf task agrees */
  readonly nShot: number | undefined
  /** merged higher_is_better of the leaves; null where they conflict */
  readonly higherIsBetter: Record<string, boolean | null>
}

type ByTask = ReadonlyMap<string, { plan: TaskPlan; scores: TaskScores }>

function leaves(node: SelectionNode): string[] {
  if (node.kind === 'task') return [node.spec.task]
  return [...new Set(node.children.flatMap(leaves))]
}

/** Aggregates every group node in the selection (each group once). */
export function aggregateGroups(selection: readonly SelectionNode[], byTask: ByTask): Map<string, GroupResult> {
  const out = new Map<string, GroupResult>()
  const walk = (node: SelectionNode): void => {
    if (node.kind === 'task') return
    node.children.forEach(walk)
    if (!out.has(node.spec.group)) out.set(node.spec.group, groupResult(node, byTask))
  }
  selection.forEach(walk)
  return out
}

function groupResult(node: Extract<SelectionNode, { kind: 'group' }>, byTask: ByTask): GroupResult {
  const spec = node.spec
  const tasks = leaves(node).map(t => byTask.get(t)!)
  const entry: Record<string, unknown> = { name: spec.group, alias: spec.group_alias ?? spec.group }
  const sampleCount: Record<string, number> = {}
  for (const agg of spec.aggregate_metric_list ?? []) {
    const filters = agg.filter_list ?? [...new Set(tasks.flatMap(t => t.scores.metrics.filter(m => m.metric === agg.metric).map(m => m.filter)))]
    for (const filter of filters) {
      const members = tasks.flatMap(t => {
        const m = t.scores.metrics.find(x => x.metric === agg.metric && x.filter === filter)
        return m ? [{ value: m.value, stderr: m.stderr, size: t.scores.sampleLen }] : []
      })
      if (members.length === 0) continue
      const sizes = members.map(m => m.size)
      const key = `${agg.metric},${filter}`
      entry[key] = new PyFloat(aggregateGroup(members.map(m => m.value), sizes, agg.weight_by_size ?? true))
      const se = pooledStderr(members.map(m => m.stderr), sizes)
      entry[`${agg.metric}_stderr,${filter}`] = se === 'N/A' ? 'N/A' : new PyFloat(se)
      sampleCount[key] = sizes.reduce((a, b) => a + b, 0)
    }
  }
  // a suite's leaderboard average (evalz's own keys, e.g. 'average,none'; no stderr)
  const suite = suiteAverageOf(spec)
  const averages = suite === undefined ? {} : suiteAverages(node, byTask, suite)
  for (const [key, value] of Object.entries(averages)) entry[key] = new PyFloat(value)
  const aggregated = (spec.aggregate_metric_list ?? []).length > 0 || Object.keys(averages).length > 0
  if (aggregated) entry.sample_count = sampleCount
  const shots = [...new Set(tasks.map(t => t.plan.numFewshot))]
  const higherIsBetter: Record<string, boolean | null> = {}
  for (const t of tasks) {
    for (const m of t.scores.metrics) {
      const prev = higherIsBetter[m.metric]
      higherIsBetter[m.metric] = prev === undefined || prev === m.higherIsBetter ? m.higherIsBetter : null
    }
  }
  for (const key of Object.keys(averages)) higherIsBetter[key.slice(0, key.indexOf(','))] = true
  return { entry, aggregated, nShot: shots.length === 1 ? shots[0] : undefined, higherIsBetter }
}
