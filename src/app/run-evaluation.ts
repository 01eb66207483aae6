/**
 * One evaluation run, the same for every front end: load the model, put the response cache in front of it, run the
 * engine with the run description built once from the settings and the model, serialise the results file and the
 * samples, dispose the model. The app's worker (src/app/eval-service.ts, also behind `evalz run --device
 * wasm|webgpu`) and `evalz run --device cpu` (src/cli/run-command.ts) call it; they differ only in the injected deps.
 */
import type { ModelBackend } from '../core/backend.ts'
import type { EvalOptions, EvalOutcome } from '../core/evaluator.ts'
import type { ChatRunOptions } from '../core/fewshot/chat-context.ts'
import type { EvalEvent } from '../core/events.ts'
import { cachingBackend } from '../core/response-cache.ts'
import type { ResponseCache } from '../core/response-cache.ts'
import type { ResultsJson, RunInfo } from '../core/results/results-json.ts'
import { samplesJsonl } from '../core/results/samples.ts'
import type { DocSource } from '../core/source.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import type { RunPhase } from '../protocol/worker-event.ts'
import { fromWireError } from './wire-error.ts'

/** The task settings of a run (the app's RunRequest carries them; the CLI's flags give them). */
export type RunSettings = Pick<RunRequest, 'tasks' | 'limit' | 'numFewshot' | 'batchSize' | 'seed' | 'bootstrapIters' | 'docIds'> & {
  /** keep per-doc records (lm-eval's --log_samples) */
  readonly logSamples: boolean
  /** chat-template settings (--apply-chat-template, …); undefined = plain prompts */
  readonly chat?: ChatRunOptions
}

/** How the results file names the model: the model half of lm-eval's `config` block and evalz's model fields. */
export type ModelRunInfo = Pick<RunInfo, 'model' | 'modelArgs' | 'tokenizer'> &
  Partial<Pick<RunInfo, 'modelName' | 'modelSha256' | 'numParameters' | 'modelOrigin' | 'compute'>>

/** A loaded model and how the results name it. */
export interface LoadedModel {
  /** the backend; runEvaluation disposes it */
  readonly backend: ModelBackend
  /** the model's fields of the run description */
  readonly runInfo: ModelRunInfo
  /** extra fields for the results' evalz block, given the requests answered from the response cache */
  readonly evalzExtra?: (cachedRequests: number) => Readonly<Record<string, unknown>>
  /** the task names to run when the model cannot run all of the settings' tasks; undefined = the settings' tasks */
  readonly tasks?: readonly string[]
  /** the response cache's model key; undefined = the backend's own (core/response-cache.ts modelKeyOf) */
  readonly cacheKey?: string
}

/** What a run needs besides its settings: where the front ends differ. */
export interface RunDeps {
  /** the catalogue the tasks are named in */
  readonly catalogue: TaskCatalogue
  /** where documents come from */
  readonly source: DocSource
  /** loads the model (the app: device choice with the wasm fallback; the CLI: onnxruntime-node, a pool, a server) */
  loadModel(): Promise<LoadedModel>
  /** the engine (core/evaluator.ts) */
  evaluate(opts: EvalOptions): Promise<EvalOutcome>
  /** the results file text (pyJsonDumps with indent 2), without a trailing newline */
  dumpResults(results: ResultsJson): string
  /** evalz version for the results file */
  readonly evalzVersion: string
  /** monotonic clock, milliseconds */
  now(): number
  /** wall clock, unix seconds */
  clock(): number
  /** finished responses shared by runs; undefined = no cache */
  readonly responses?: ResponseCache
  /** stops the run between forward passes (then it rejects with code CANCELLED) */
  readonly signal?: AbortSignal
  /** the engine's progress events */
  onEvent?(event: EvalEvent): void
  /** the run's phase as it changes */
  onPhase?(phase: RunPhase): void
}

/** A finished run. */
export interface RunOutput {
  /** the engine's outcome (results object, samples, timings) */
  readonly outcome: EvalOutcome
  /** the run description the results were built with */
  readonly runInfo: RunInfo
  /** the results file text, byte-for-byte as lm-eval writes it (json.dumps indent 2), no trailing newline */
  readonly resultsJson: string
  /** task → samples_<task>.jsonl text, for tasks with samples (none unless logSamples) */
  readonly samplesJsonl: { readonly [task: string]: string }
  /** requests answered from the response cache */
  readonly cachedRequests: number
  /** wall-clock time of the whole run, model loading included, milliseconds */
  readonly wallMs: number
}

/** Runs one evaluation; rejects with a HarnessError on setup problems and with code CANCELLED when cancelled. */
export async function runEvaluation(deps: RunDeps, settings: RunSettings): Promise<RunOutput> {
  const started = deps.now()
  deps.onPhase?.('loading-model')
  const loaded = await deps.loadModel()
  const cached = deps.responses ? cachingBackend(loaded.backend, deps.responses, loaded.cacheKey) : undefined
  const hits = (): number => cached?.stats.hits ?? 0
  try {
    if (deps.signal?.aborted) throw fromWireError({ code: 'CANCELLED', message: 'run cancelled', detail: undefined })
    deps.onPhase?.('evaluating')
    const evalzExtra = loaded.evalzExtra
    // the run description is built once, before the run; the evalz extras are read as the results are built
    const runInfo: RunInfo = {
      ...loaded.runInfo,
      ...(evalzExtra ? { evalzExtra: () => evalzExtra(hits()) } : {}),
      batchSize: settings.batchSize,
      limit: settings.limit,
      numFewshot: settings.numFewshot,
      bootstrapIters: settings.bootstrapIters,
      fewshotSeed: settings.seed,
      evalzVersion: deps.evalzVersion,
      startTime: deps.clock(),
    }
    const outcome = await deps.evaluate({
      tasks: loaded.tasks ?? settings.tasks,
      catalogue: deps.catalogue,
      source: deps.source,
      backend: cached ?? loaded.backend,
      numFewshot: settings.numFewshot,
      limit: settings.limit,
      docIds: settings.docIds,
      batchSize: settings.batchSize,
      fewshotSeed: settings.seed,
      bootstrapIters: settings.bootstrapIters,
      logSamples: settings.logSamples,
      ...(settings.chat ? { chat: settings.chat } : {}),
      runInfo,
      signal: deps.signal,
      onEvent: deps.onEvent,
      now: deps.now,
    })
    deps.onPhase?.('finishing')
    const samples = [...outcome.samples].filter(([, s]) => s.length > 0).map(([task, s]) => [task, samplesJsonl(s)])
    return {
      outcome, runInfo, resultsJson: deps.dumpResults(outcome.results), samplesJsonl: Object.fromEntries(samples),
      cachedRequests: hits(), wallMs: deps.now() - started,
    }
  } finally {
    await loaded.backend.dispose().catch(() => undefined)
  }
}
