/** What the evaluator reports while it runs (a discriminated union; the CLI and the worker render it). */
import type { RequestKind } from './requests.ts'
import type { RunningMetric } from './running-scores.ts'

/** Requests planned for one task. */
export interface PlannedTaskSummary {
  readonly task: string
  /** docs evaluated */
  readonly docs: number
  /** model requests (after repeats) */
  readonly requests: number
  /** shots per prompt */
  readonly numFewshot: number
  /** characters of the task's longest request text (context + continuation, or a rolling doc) */
  readonly longestRequestChars?: number
}

export type EvalEvent =
  | { readonly type: 'planned'; readonly tasks: readonly PlannedTaskSummary[]; readonly totalRequests: number }
  | {
    readonly type: 'progress'
    /** request kind being run */
    readonly kind: RequestKind
    /** requests of this kind answered */
    readonly done: number
    /** requests of this kind */
    readonly total: number
    /** requests of all kinds answered so far */
    readonly overallDone: number
    /** requests of all kinds */
    readonly overallTotal: number
    /** input tokens fed so far, all kinds */
    readonly tokens: number
    /** milliseconds since the model phase started */
    readonly elapsedMs: number
  }
  | {
    readonly type: 'task-progress'
    readonly task: string
    /** docs whose requests are all answered */
    readonly docsDone: number
    readonly docsTotal: number
    /** running value of the task's first mean metric, when it has one */
    readonly metric: RunningMetric | undefined
  }
  | { readonly type: 'scored'; readonly task: string; readonly failedDocs: number }
