/**
 * Compares two runs task by task: docs matched by doc_id (and checked by doc_hash), per-metric paired statistics
 * (paired.ts), group deltas pooled over their member tasks, and the settings that differ (config-diff.ts).
 * Run A is the baseline; every delta is B − A.
 */
import type { GroupData, HeadlineMetric, RunData, SampleData, TaskData } from './run-data.ts'
import { samplesByFilter } from './sample-data.ts'
import { DEFAULT_ITERATIONS, DEFAULT_SEED } from './bootstrap.ts'
import { isPairable, pairedStats, type PairedStats } from './paired.ts'
import { runDiffs, taskDiffs, type ConfigDiff } from './config-diff.ts'

/** Options of compareRuns. */
export interface CompareOptions {
  /** seed of the bootstrap's CPython random.Random; default 1234 */
  readonly seed?: number
  /** bootstrap resamples; default 10000 */
  readonly iterations?: number
}

/** What the paired test says about B against A. */
export type Verdict =
  | 'better' // significant change in the good direction
  | 'worse' // significant change in the bad direction
  | 'changed' // significant, direction unknown (higher_is_better not stated)
  | 'unclear' // no significant change at the 5 % level
  | 'untested' // no paired statistics (no samples, no shared docs, or an unsupported aggregation)

/** One (metric, filter) of a task or group in both runs. */
export interface MetricComparison {
  /** metric name, e.g. 'acc' */
  readonly metric: string
  /** filter name, e.g. 'none' */
  readonly filter: string
  /** aggregation name, e.g. 'mean'; undefined when unknown */
  readonly aggregation: string | undefined
  /** true when higher is better; undefined when unknown */
  readonly higherIsBetter: boolean | undefined
  /** the value run A's results file reports; undefined if absent */
  readonly headlineA: HeadlineMetric | undefined
  /** the value run B's results file reports; undefined if absent */
  readonly headlineB: HeadlineMetric | undefined
  /** statistics over matched docs; undefined when they cannot be computed (see note) */
  readonly paired: PairedStats | undefined
  /** the paired test's reading (p < 0.05 by McNemar for 0/1 metrics, else the bootstrap interval excluding 0) */
  readonly verdict: Verdict
  /** why there are no paired statistics, or how they were pooled; '' when nothing to say */
  readonly note: string
}

/** How the docs of a task line up. */
export interface DocMatch {
  /** doc ids in both runs with the same doc_hash (or no hash to check), ascending */
  readonly matched: readonly number[]
  /** doc ids only run A has */
  readonly onlyA: readonly number[]
  /** doc ids only run B has */
  readonly onlyB: readonly number[]
  /** doc ids in both runs whose doc_hash differs ('different data'); left out of the statistics */
  readonly differentData: readonly number[]
  /** matched doc ids whose prompt_hash differs */
  readonly promptDiffers: readonly number[]
  /** matched doc ids whose target_hash differs */
  readonly targetDiffers: readonly number[]
}

/** A task both runs evaluated. */
export interface TaskComparison {
  /** task name */
  readonly task: string
  /** display name (run A's) */
  readonly alias: string
  /** output type (run A's, else B's); undefined if unknown */
  readonly outputType: string | undefined
  /** doc alignment; undefined when a run has no samples for the task */
  readonly docs: DocMatch | undefined
  /** one entry per (metric, filter) of either run's results, run A's order first */
  readonly metrics: readonly MetricComparison[]
  /** task settings that differ */
  readonly configDiffs: readonly ConfigDiff[]
}

/** A group both runs report. */
export interface GroupComparison {
  /** group name */
  readonly group: string
  /** display name */
  readonly alias: string
  /** member leaf tasks compared (present in both runs) */
  readonly tasks: readonly string[]
  /** per metric: headline values and statistics pooled over the member tasks' matched docs */
  readonly metrics: readonly MetricComparison[]
}

/** The comparison of run B against baseline run A. */
export interface RunComparison {
  /** baseline run */
  readonly a: RunData
  /** compared run */
  readonly b: RunData
  /** bootstrap seed used */
  readonly seed: number
  /** bootstrap resamples used */
  readonly iterations: number
  /** shared tasks, in run A's order */
  readonly tasks: readonly TaskComparison[]
  /** shared groups, in run A's order */
  readonly groups: readonly GroupComparison[]
  /** task names only run A has */
  readonly onlyInA: readonly string[]
  /** task names only run B has */
  readonly onlyInB: readonly string[]
  /** run-wide settings that differ */
  readonly runDiffs: readonly ConfigDiff[]
  /** everything a reader should check before trusting the deltas, one line each */
  readonly warnings: readonly string[]
}

/** Significance level of the verdicts. */
export const ALPHA = 0.05

/** Compares run B against baseline run A. */
export function compareRuns(a: RunData, b: RunData, opts: CompareOptions = {}): RunComparison {
  const seed = opts.seed ?? DEFAULT_SEED
  const iterations = opts.iterations ?? DEFAULT_ITERATIONS
  const bTasks = new Map(b.tasks.map(t => [t.name, t]))
  const aNames = new Set(a.tasks.map(t => t.name))
  const warnings: string[] = []
  const diffs = runDiffs(a, b)
  for (const d of diffs) warnings.push(`run setting ${d.field} differs: A ${d.a}, B ${d.b}`)
  const tasks: TaskComparison[] = []
  const pairsByTask = new Map<string, TaskPairs>()
  for (const ta of a.tasks) {
    const tb = bTasks.get(ta.name)
    if (!tb) continue
    const pairs = taskPairs(ta, tb)
    pairsByTask.set(ta.name, pairs)
    const cmp = compareTask(ta, tb, pairs, seed, iterations)
    tasks.push(cmp)
    warnings.push(...taskWarnings(cmp, ta, tb))
  }
  const onlyInA = a.tasks.filter(t => !bTasks.has(t.name)).map(t => t.name)
  const onlyInB = b.tasks.filter(t => !aNames.has(t.name)).map(t => t.name)
  if (onlyInA.length > 0) warnings.push(`only in run A (not compared): ${onlyInA.join(', ')}`)
  if (onlyInB.length > 0) warnings.push(`only in run B (not compared): ${onlyInB.join(', ')}`)
  const groups = compareGroups(a, b, pairsByTask, seed, iterations)
  return { a, b, seed, iterations, tasks, groups, onlyInA, onlyInB, runDiffs: diffs, warnings }
}

/** The matched samples of a task, per filter: doc id → [A's sample, B's sample]. */
interface TaskPairs {
  /** doc alignment; undefined when a run has no samples */
  readonly docs: DocMatch | undefined
  /** filter → matched doc id → [A's sample, B's sample] */
  readonly byFilter: ReadonlyMap<string, ReadonlyMap<number, readonly [SampleData, SampleData]>>
}

function taskPairs(a: TaskData, b: TaskData): TaskPairs {
  if (!a.hasSamples || !b.hasSamples) return { docs: undefined, byFilter: new Map() }
  const da = samplesByFilter(a.samples)
  const db = samplesByFilter(b.samples)
  // one sample per doc for the doc-level checks (hashes do not depend on the filter)
  const firstA = new Map<number, SampleData>()
  for (const s of a.samples) if (!firstA.has(s.docId)) firstA.set(s.docId, s)
  const firstB = new Map<number, SampleData>()
  for (const s of b.samples) if (!firstB.has(s.docId)) firstB.set(s.docId, s)
  const matched: number[] = []
  const differentData: number[] = []
  const promptDiffers: number[] = []
  const targetDiffers: number[] = []
  const differs = (x: string | undefined, y: string | undefined): boolean => x !== undefined && y !== undefined && x !== y
  for (const id of [...firstA.keys()].sort((x, y) => x - y)) {
    const sb = firstB.get(id)
    if (!sb) continue
    const sa = firstA.get(id)!
    if (differs(sa.docHash, sb.docHash)) {
      differentData.push(id)
      continue
    }
    matched.push(id)
    if (differs(sa.promptHash, sb.promptHash)) promptDiffers.push(id)
    if (differs(sa.targetHash, sb.targetHash)) targetDiffers.push(id)
  }
  const onlyA = [...firstA.keys()].filter(id => !firstB.has(id)).sort((x, y) => x - y)
  const onlyB = [...firstB.keys()].filter(id => !firstA.has(id)).sort((x, y) => x - y)
  const byFilter = new Map<string, Map<number, readonly [SampleData, SampleData]>>()
  for (const [filter, ma] of da) {
    const mb = db.get(filter)
    if (!mb) continue
    const m = new Map<number, readonly [SampleData, SampleData]>()
    for (const id of matched) {
      const sa = ma.get(id)
      const sb = mb.get(id)
      if (sa && sb) m.set(id, [sa, sb])
    }
    byFilter.set(filter, m)
  }
  return { docs: { matched, onlyA, onlyB, differentData, promptDiffers, targetDiffers }, byFilter }
}

/** Whether a per-sample value can enter the aggregation. */
function usable(aggregation: string, v: unknown): boolean {
  if (aggregation === 'weighted_perplexity' || aggregation === 'bits_per_byte') {
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number'
  }
  return typeof v === 'boolean' || (typeof v === 'number' && !Number.isNaN(v))
}

/** Metric keys (metric, filter) of both headlines, A's order first. */
function metricKeys(a: readonly HeadlineMetric[], b: readonly HeadlineMetric[]): { metric: string; filter: string }[] {
  const seen = new Set<string>()
  const out: { metric: string; filter: string }[] = []
  for (const h of [...a, ...b]) {
    const key = `${h.metric},${h.filter}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push({ metric: h.metric, filter: h.filter })
  }
  return out
}

/** Matched per-sample values of one metric under one filter, over the given task pairs. */
interface Collected {
  /** doc ids, in collection order */
  readonly ids: number[]
  /** run A's per-doc values */
  readonly a: unknown[]
  /** run B's per-doc values */
  readonly b: unknown[]
}

function collect(pairs: ReadonlyMap<number, readonly [SampleData, SampleData]> | undefined, metric: string, aggregation: string, into: Collected): void {
  if (!pairs) return
  for (const [id, [sa, sb]] of pairs) {
    const va = sa.values[metric]
    const vb = sb.values[metric]
    if (!usable(aggregation, va) || !usable(aggregation, vb)) continue
    into.ids.push(id)
    into.a.push(va)
    into.b.push(vb)
  }
}

function verdictOf(p: PairedStats | undefined, higherIsBetter: boolean | undefined): Verdict {
  if (!p) return 'untested'
  const significant = p.binary ? p.binary.mcnemarP < ALPHA : p.interval.low > 0 || p.interval.high < 0
  if (!significant) return 'unclear'
  if (higherIsBetter === undefined) return 'changed'
  return (p.delta > 0) === higherIsBetter ? 'better' : 'worse'
}

function compareTask(a: TaskData, b: TaskData, pairs: TaskPairs, seed: number, iterations: number): TaskComparison {
  const metrics: MetricComparison[] = []
  for (const { metric, filter } of metricKeys(a.headline, b.headline)) {
    const spec = a.config.metrics.find(m => m.metric === metric) ?? b.config.metrics.find(m => m.metric === metric)
    const aggregation = spec?.aggregation
    const higherIsBetter = spec?.higherIsBetter
    const headlineA = a.headline.find(h => h.metric === metric && h.filter === filter)
    const headlineB = b.headline.find(h => h.metric === metric && h.filter === filter)
    let paired: PairedStats | undefined
    let note = ''
    if (!pairs.docs) note = `no samples in run ${[a.hasSamples ? '' : 'A', b.hasSamples ? '' : 'B'].filter(Boolean).join(' and ')}`
    else if (!isPairable(aggregation)) note = `aggregation ${aggregation ?? 'unknown'} has no paired statistics in evalz`
    else {
      const c: Collected = { ids: [], a: [], b: [] }
      collect(pairs.byFilter.get(filter), metric, aggregation, c)
      if (c.ids.length === 0) note = 'no matched docs with this metric in both runs'
      else paired = pairedStats(c.a, c.b, aggregation, { seed, iterations }, c.ids)
    }
    metrics.push({ metric, filter, aggregation, higherIsBetter, headlineA, headlineB, paired, verdict: verdictOf(paired, higherIsBetter), note })
  }
  return {
    task: a.name, alias: a.alias, outputType: a.config.outputType ?? b.config.outputType,
    docs: pairs.docs, metrics, configDiffs: taskDiffs(a, b),
  }
}

function taskWarnings(cmp: TaskComparison, a: TaskData, b: TaskData): string[] {
  const out: string[] = []
  const t = cmp.task
  for (const d of cmp.configDiffs) out.push(`${t}: ${d.field} differs: A ${short(d.a)}, B ${short(d.b)}`)
  if (!a.hasSamples || !b.hasSamples) {
    const missing = [!a.hasSamples ? 'A' : '', !b.hasSamples ? 'B' : ''].filter(Boolean).join(' and ')
    out.push(`${t}: no samples in run ${missing}; paired statistics need the samples files (run with --log_samples)`)
    return out
  }
  const d = cmp.docs!
  if (d.differentData.length > 0) out.push(`${t}: different data for ${d.differentData.length} doc(s) (doc_hash differs: doc_id ${ids(d.differentData)}); left out of the statistics`)
  if (d.promptDiffers.length > 0) out.push(`${t}: prompts differ on ${d.promptDiffers.length} of ${d.matched.length} matched docs (prompt_hash); check few-shot count, seed, templates and chat settings`)
  if (d.targetDiffers.length > 0) out.push(`${t}: targets differ on ${d.targetDiffers.length} of ${d.matched.length} matched docs (target_hash)`)
  if (d.onlyA.length > 0) out.push(`${t}: ${d.onlyA.length} doc(s) only in run A (doc_id ${ids(d.onlyA)}); compared on the ${d.matched.length} shared docs`)
  if (d.onlyB.length > 0) out.push(`${t}: ${d.onlyB.length} doc(s) only in run B (doc_id ${ids(d.onlyB)}); compared on the ${d.matched.length} shared docs`)
  return out
}

function short(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}

function ids(list: readonly number[]): string {
  return list.length > 8 ? `${list.slice(0, 8).join(', ')}, ...` : list.join(', ')
}

/** Leaf task names under a group, following subgroups of run A. */
function leafTasks(group: GroupData, groups: ReadonlyMap<string, GroupData>, seen = new Set<string>()): string[] {
  if (seen.has(group.name)) return []
  seen.add(group.name)
  return group.children.flatMap(c => {
    const sub = groups.get(c)
    return sub ? leafTasks(sub, groups, seen) : [c]
  })
}

function compareGroups(a: RunData, b: RunData, pairsByTask: ReadonlyMap<string, TaskPairs>, seed: number, iterations: number): GroupComparison[] {
  const aGroups = new Map(a.groups.map(g => [g.name, g]))
  const bGroups = new Map(b.groups.map(g => [g.name, g]))
  const tasksA = new Map(a.tasks.map(t => [t.name, t]))
  const out: GroupComparison[] = []
  for (const ga of a.groups) {
    const gb = bGroups.get(ga.name)
    if (!gb) continue
    const members = [...new Set(leafTasks(ga, aGroups))].filter(t => pairsByTask.has(t))
    const metrics: MetricComparison[] = []
    for (const { metric, filter } of metricKeys(ga.headline, gb.headline)) {
      const spec = members.map(t => tasksA.get(t)?.config.metrics.find(m => m.metric === metric)).find(Boolean)
      const aggregation = spec?.aggregation
      const c: Collected = { ids: [], a: [], b: [] }
      const used = members.filter(t => pairsByTask.get(t)?.docs !== undefined)
      if (aggregation === 'mean') for (const t of used) collect(pairsByTask.get(t)!.byFilter.get(filter), metric, aggregation, c)
      const paired = c.ids.length > 0 ? pairedStats(c.a, c.b, 'mean', { seed, iterations }) : undefined
      const note = paired
        ? `pooled over ${used.length} task(s), every matched doc weighted equally`
        : aggregation === 'mean' ? 'no member task has samples in both runs' : 'pooled statistics only for mean metrics'
      metrics.push({
        metric, filter, aggregation, higherIsBetter: spec?.higherIsBetter,
        headlineA: ga.headline.find(h => h.metric === metric && h.filter === filter),
        headlineB: gb.headline.find(h => h.metric === metric && h.filter === filter),
        paired, verdict: verdictOf(paired, spec?.higherIsBetter), note,
      })
    }
    out.push({ group: ga.name, alias: ga.alias, tasks: members, metrics })
  }
  return out
}
