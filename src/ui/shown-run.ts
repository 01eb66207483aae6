/**
 * What the app shows about runs: the run in flight (progress) and the results on screen (from a finished run or
 * from the history), built from the worker's answers.
 */
import type { PlannedTaskSummary } from '../core/events.ts'
import type { DeviceReport } from '../protocol/device.ts'
import type { RunRecord } from '../protocol/eval-store.ts'
import type { RunSuccess } from '../protocol/eval-worker-api.ts'
import type { JsonValue } from '../protocol/wire-json.ts'
import { parsePyJson } from '../app/wire-json.ts'
import type { RunPhase } from '../protocol/worker-event.ts'
import type { LoadState, ProgressEvent, TaskProgressEvent } from './ez-run-progress.ts'
import { chanceLevels } from './sample-view.ts'

/** The run in flight, or the last one. */
export interface RunView {
  readonly runId: string
  readonly phase: RunPhase | undefined
  readonly progress: ProgressEvent | undefined
  readonly load: LoadState | undefined
  readonly device: DeviceReport | undefined
  readonly totalRequests: number | undefined
  readonly planned: readonly PlannedTaskSummary[]
  readonly tasks: { readonly [task: string]: TaskProgressEvent }
}

/** Results on screen: from the run just finished or from the history. */
export interface Shown {
  readonly runId: string
  readonly results: { readonly [key: string]: JsonValue }
  readonly resultsJson: string
  readonly samplesJsonl: { readonly [task: string]: string }
  readonly cachedRequests: number
  readonly device: string
  readonly chance: { readonly [task: string]: number }
  /** 'history' when opened from the run history */
  readonly from: 'run' | 'history'
}

/** Results on screen for a run that just finished. */
export function shownOf(r: RunSuccess): Shown {
  return {
    runId: r.runId, results: r.results, resultsJson: r.resultsJson, samplesJsonl: r.samplesJsonl, cachedRequests: r.cachedRequests,
    device: r.device.device, chance: chanceLevels(r.samplesJsonl, r.results), from: 'run',
  }
}

/** Results on screen for a stored run. */
export function shownOfRecord(r: RunRecord): Shown {
  const results = parsePyJson(r.resultsJson ?? '{}') as { [key: string]: JsonValue }
  const samples = r.samplesJsonl ?? {}
  return {
    runId: r.id, results, resultsJson: r.resultsJson ?? '', samplesJsonl: samples, cachedRequests: r.cachedRequests ?? 0,
    device: r.device?.device ?? '', chance: chanceLevels(samples, results), from: 'history',
  }
}
