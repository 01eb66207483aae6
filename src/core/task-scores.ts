/**
 * One task's scoring: filter pipelines over the raw responses, process_results per doc, then aggregation and
 * stderr per (metric, filter) in lm-eval's order (filter-major, metric-minor; each value followed by its stderr).
 */
import type { PlanAnswers } from './requests.ts'
import type { TaskPlan } from './tasks/task-plan.ts'
import type { SampleRecord } from './results/samples.ts'
import type { DocMetrics } from './scoring.ts'
import { applyFilterPipeline } from './filters/index.ts'
import { plainValue, scoreDoc } from './scoring.ts'
import { aggregate } from './metrics/aggregation.ts'
import { stderrFor } from './metrics/stderr.ts'
import { corpusAggregate, corpusStderr, isCorpusAggregation } from './metrics/corpus-metrics.ts'
import { sampleRecord } from './results/samples.ts'
import { HarnessError, isHarnessError } from './errors.ts'
import { pythonHookHost } from './tasks/python-hooks.ts'
import { resolveHook } from './tasks/hooks.ts'

/** One aggregated metric of a task. */
export interface MetricResult {
  /** metric name, e.g. 'acc' */
  readonly metric: string
  /** filter pipeline name, e.g. 'none', 'strict-match' */
  readonly filter: string
  readonly value: number
  /** standard error, or 'N/A' where lm-eval gives none */
  readonly stderr: number | 'N/A'
  readonly higherIsBetter: boolean
  /** docs aggregated */
  readonly count: number
}

/** A scored task. */
export interface TaskScores {
  readonly metrics: readonly MetricResult[]
  /** per doc and filter (empty unless samples are logged) */
  readonly samples: readonly SampleRecord[]
  /** docs whose scoring failed; recorded in their samples, left out of the metrics */
  readonly failedDocs: number
  /** docs evaluated */
  readonly sampleLen: number
}

/** Filters, scores and aggregates one task; responses[doc][request] = answers, one per repeat. */
export function scoreTask(plan: TaskPlan, raw: PlanAnswers, bootstrapIters: number, logSamples: boolean): TaskScores {
  const flat = raw.flatMap(doc => doc.map(reqs => reqs.map(r => r.value)))
  const flatDocs = plan.docs.flatMap(d => d.requests.map(() => d.doc))
  const perMetric = new Map<string, { metric: string; filter: string; items: unknown[] }>()
  const samples: SampleRecord[] = []
  const failed = new Set<number>()
  for (const pipeline of plan.filters) {
    const filtered = applyFilterPipeline(pipeline.filter, flat, flatDocs)
    let offset = 0
    plan.docs.forEach((planned, di) => {
      const docFiltered = filtered.slice(offset, offset + planned.requests.length)
      offset += planned.requests.length
      let metrics: DocMetrics = {}
      let error: { code: string; message: string } | undefined
      try {
        metrics = scoreDoc(plan, planned, docFiltered)
      } catch (e) {
        error = { code: isHarnessError(e) ? e.code : 'SCORING_ERROR', message: (e as Error).message }
        failed.add(di)
      }
      for (const [name, value] of Object.entries(metrics)) {
        const key = `${name},${pipeline.name}`
        const entry = perMetric.get(key) ?? { metric: name, filter: pipeline.name, items: [] }
        entry.items.push(plainValue(value))
        perMetric.set(key, entry)
      }
      if (logSamples) samples.push(sampleRecord(plan, planned, raw[di], docFiltered, pipeline.name, metrics, error))
    })
  }
  const hook = plan.spec.process_results
  const summation = hook !== undefined && resolveHook(hook.function, 'process_results', plan.spec.task).numpyValues ? 'naive' : 'neumaier'
  const metrics: MetricResult[] = []
  for (const { metric, filter, items } of perMetric.values()) {
    const resolved = plan.metrics.find(m => m.name === metric)
    const aggregation = resolved?.aggregation ?? 'mean'
    const python = resolved?.pythonAggregation
    metrics.push({
      metric, filter,
      value: python !== undefined ? pythonAggregate(python, items)
        : isCorpusAggregation(aggregation) ? corpusAggregate(aggregation, items) : aggregate(aggregation, items, summation),
      stderr: python !== undefined ? 'N/A'
        : isCorpusAggregation(aggregation) ? corpusStderr(aggregation, items, bootstrapIters) : stderrFor(aggregation, items, bootstrapIters, summation),
      higherIsBetter: resolved?.higherIsBetter ?? true,
      count: items.length,
    })
  }
  return { metrics, samples, failedDocs: failed.size, sampleLen: plan.docs.length }
}

/** A Python aggregation function over the per-doc values (lm-eval gives no stderr for one). */
function pythonAggregate(fn: string, items: readonly unknown[]): number {
  const host = pythonHookHost()
  if (host === undefined) throw new HarnessError('HOOK_UNAVAILABLE', `aggregation ${fn} is Python code and the Python runtime is not loaded`, { name: fn })
  const value = plainValue(host.call(fn, [items]))
  if (typeof value !== 'number') throw new HarnessError('HOOK_FAILED', `aggregation ${fn} returned ${JSON.stringify(value)}, not a number`, { name: fn })
  return value
}
