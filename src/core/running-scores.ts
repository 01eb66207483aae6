/**
 * Live per-task progress while the model runs: docs whose requests are all answered, and the running value of the
 * task's first mean metric (first filter) with its 95% interval, for the run view: the Wilson score interval while every
 * score is 0 or 1 (a proportion: accuracy, exact match — never outside [0, 1], not zero width at n = 1), else
 * mean ± 1.96·stderr (Bessel).
 */
import type { TaskPlan } from './tasks/task-plan.ts'
import type { PlanAnswers } from './requests.ts'
import type { EvalEvent } from './events.ts'
import { applyFilterPipeline } from './filters/index.ts'
import { plainValue, scoreDoc } from './scoring.ts'
import { wilsonInterval, Z95 } from './metrics/interval.ts'

/** Running value of a task's headline metric. */
export interface RunningMetric {
  /** metric name, e.g. 'acc' */
  readonly name: string
  /** filter pipeline name */
  readonly filter: string
  /** mean over the docs scored so far */
  readonly value: number
  /** 95% interval [low, high]: Wilson for 0/1 scores, else normal (equal to value while fewer than 2 docs are scored) */
  readonly ci95: readonly [number, number]
  /** how ci95 was made */
  readonly interval: 'wilson' | 'normal'
  /** docs scored */
  readonly n: number
}

/** Tracks answered requests per doc and emits 'task-progress' events as docs complete. */
export class RunningScores {
  private readonly remaining: number[][]
  private readonly docsDone: number[]
  private readonly sums: { sum: number; sumSq: number; n: number; binary: boolean }[]

  constructor(
    private readonly plans: readonly TaskPlan[],
    private readonly responses: readonly PlanAnswers[],
    private readonly emit: ((e: EvalEvent) => void) | undefined,
  ) {
    this.remaining = plans.map(p => p.docs.map(d => d.requests.length * (p.spec.repeats ?? 1)))
    this.docsDone = plans.map(() => 0)
    this.sums = plans.map(() => ({ sum: 0, sumSq: 0, n: 0, binary: true }))
  }

  /** Records one answered request of doc `doc` of plan `plan`. */
  answered(plan: number, doc: number): void {
    if (--this.remaining[plan][doc] !== 0) return
    this.docsDone[plan]++
    const p = this.plans[plan]
    const metric = this.headline(plan, doc)
    this.emit?.({ type: 'task-progress', task: p.spec.task, docsDone: this.docsDone[plan], docsTotal: p.docs.length, metric })
  }

  private headline(plan: number, doc: number): RunningMetric | undefined {
    const p = this.plans[plan]
    const m = p.metrics.find(x => x.aggregation === 'mean')
    const pipeline = p.filters[0]
    if (m === undefined || pipeline === undefined || p.spec.process_results !== undefined && p.spec.output_type !== 'multiple_choice') return undefined
    let value: number
    try {
      const reqs = this.responses[plan][doc]
      const filtered = applyFilterPipeline(pipeline.filter, reqs.map(rs => rs.map(r => r.value)), reqs.map(() => p.docs[doc].doc))
      const scores = scoreDoc(p, p.docs[doc], filtered)
      const v = plainValue(scores[m.name])
      if (typeof v !== 'number') return undefined
      value = v
    } catch {
      return undefined
    }
    const s = this.sums[plan]
    s.sum += value
    s.sumSq += value * value
    s.n++
    s.binary &&= value === 0 || value === 1
    const mean = s.sum / s.n
    const base = { name: m.name, filter: pipeline.name, value: mean, n: s.n }
    if (s.binary) return { ...base, ci95: wilsonInterval(mean, s.n), interval: 'wilson' }
    if (s.n < 2) return { ...base, ci95: [mean, mean], interval: 'normal' }
    const variance = Math.max(0, (s.sumSq - s.n * mean * mean) / (s.n - 1))
    const half = Z95 * Math.sqrt(variance / s.n)
    return { ...base, ci95: [mean - half, mean + half], interval: 'normal' }
  }
}
