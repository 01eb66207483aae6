/**
 * Builds the EvalWorkerApi from injected parts, so the worker entry only composes and the run logic (device choice,
 * event stream, errors as data, cancellation) is testable in Node with a fake backend.
 */
import type { ModelBackend } from '../core/backend.ts'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { EvalOptions, EvalOutcome } from '../core/evaluator.ts'
import type { ResultsJson } from '../core/results/results-json.ts'
import type { DocSource } from '../core/source.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { GpuLike, RunDevice } from './device.ts'
import { chooseDevice, isWireError, loadOnDevice, probeGpu } from './device.ts'
import type { EvalWorkerApi, RunResult } from './eval-worker-api.ts'
import type { RunRequest } from './run-request.ts'
import { runInfoFor, runRequestProblems } from './run-request.ts'
import { fromWireError, toWireError } from './wire-error.ts'
import { parsePyJson } from './wire-json.ts'
import type { WorkerEvent } from './worker-event.ts'
import { throttleEvents } from './worker-event.ts'
import { samplesJsonl as toJsonl } from '../core/results/samples.ts'

/** Model-file read progress, in bytes. */
export interface LoadProgress {
  readonly file: string
  readonly loaded: number
  readonly total: number
}

/** Everything the service needs; the worker passes the real ones, tests pass fakes. */
export interface EvalServiceDeps {
  readonly catalogue: TaskCatalogue
  /** what listTasks returns (listCatalogue(catalogue)) */
  readonly entries: readonly CatalogueEntry[]
  readonly source: DocSource
  /** navigator.gpu, or undefined where WebGPU is missing */
  readonly gpu: GpuLike | undefined
  /** loads the model (a folder name under /models/) on a device */
  loadBackend(model: string, device: RunDevice, onProgress: (p: LoadProgress) => void): Promise<ModelBackend>
  /** the engine (core/evaluator.ts) */
  evaluate(opts: EvalOptions): Promise<EvalOutcome>
  /** the results file text (pyJsonDumps with indent 2) */
  dumpResults(results: ResultsJson): string
  /** evalz version for the results file */
  readonly evalzVersion: string
  /** monotonic clock in milliseconds */
  now(): number
  /** wall clock in unix seconds */
  clock(): number
  /** minimum milliseconds between progress messages (default 100) */
  readonly throttleMs?: number
}

/** Creates the worker API. */
export function createEvalService(deps: EvalServiceDeps): EvalWorkerApi {
  const runs = new Map<string, AbortController>()
  return {
    async listTasks() {
      return [...deps.entries]
    },
    async run(spec, onEvent) {
      const abort = new AbortController()
      runs.set(spec.runId, abort)
      const emit = throttleEvents(onEvent, deps.throttleMs ?? 100, deps.now)
      try {
        return await runOnce(deps, spec, emit, abort.signal)
      } catch (e) {
        return { status: 'failed', runId: spec.runId, error: toWireError(e) }
      } finally {
        emit.flush()
        runs.delete(spec.runId)
      }
    },
    cancel(runId) {
      runs.get(runId)?.abort()
    },
  }
}

async function runOnce(deps: EvalServiceDeps, spec: RunRequest, emit: (e: WorkerEvent) => void, signal: AbortSignal): Promise<RunResult> {
  const started = deps.now()
  const problems = runRequestProblems(spec)
  if (problems.length > 0) throw fromWireError({ code: 'USAGE', message: problems.join('; '), detail: { problems } })
  const choice = chooseDevice(spec.device, await probeGpu(deps.gpu))
  if (isWireError(choice)) throw fromWireError(choice)
  emit({ type: 'phase', phase: 'loading-model' })
  const loaded = await loadOnDevice(choice, (device) => deps.loadBackend(spec.model, device, (p) => emit({ type: 'load', ...p })))
  const backend = loaded.value
  try {
    emit({ type: 'device', report: loaded.report })
    if (signal.aborted) throw fromWireError({ code: 'CANCELLED', message: 'run cancelled', detail: undefined })
    emit({ type: 'phase', phase: 'evaluating' })
    const outcome = await deps.evaluate({
      tasks: spec.tasks,
      catalogue: deps.catalogue,
      source: deps.source,
      backend,
      numFewshot: spec.numFewshot,
      limit: spec.limit,
      batchSize: spec.batchSize,
      fewshotSeed: spec.seed,
      bootstrapIters: spec.bootstrapIters,
      logSamples: spec.logSamples === true,
      runInfo: runInfoFor(spec, deps.evalzVersion, deps.clock()),
      signal,
      onEvent: (event) => emit({ type: 'eval', event }),
      now: deps.now,
    })
    emit({ type: 'phase', phase: 'finishing' })
    const text = deps.dumpResults(outcome.results)
    const results = parsePyJson(text) as RunResultsObject
    const samples = Object.fromEntries([...outcome.samples].filter(([, s]) => s.length > 0).map(([task, s]) => [task, toJsonl(s)]))
    return { status: 'done', runId: spec.runId, device: loaded.report, results, resultsJson: text, wallMs: deps.now() - started, samplesJsonl: samples }
  } finally {
    await backend.dispose().catch(() => undefined)
  }
}

type RunResultsObject = Extract<RunResult, { status: 'done' }>['results']
