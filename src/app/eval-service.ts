/**
 * Builds the EvalWorkerApi from injected parts, so the worker entry only composes and the run logic (device choice,
 * event stream, errors as data, cancellation, run records and the response cache) is testable in Node with a fake
 * backend and an in-memory or fake-indexeddb store.
 */
import type { ModelBackend } from '../core/backend.ts'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DocSource } from '../core/source.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { TaskSpec } from '../core/tasks/task-spec.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import type { StartPythonHooks } from '../core/tasks/python-hooks.ts'
import { preparePythonHooks, pythonModulesOf } from '../core/tasks/python-modules.ts'
import { modelKeyOf } from '../core/response-cache.ts'
import { pyJsonDumps } from '../core/python/json.ts'
import type { DeviceReport, GpuLike, RunDevice } from '../protocol/device.ts'
import { chooseDevice, isWireError, loadOnDevice, probeGpu } from './device.ts'
import type { EvalWorkerApi, RunResult } from '../protocol/eval-worker-api.ts'
import type { EvalStore, ModelInfo, RunRecord } from '../protocol/eval-store.ts'
import { createStoreApi } from './store-service.ts'
import { createTaskYamlService } from './task-yaml-service.ts'
import type { TaskYamlService } from './task-yaml-service.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import type { HubWorkerApi } from '../protocol/hub-api.ts'
import type { ServerWorkerApi } from '../protocol/server-api.ts'
import type { ModelOrigin } from '../core/results/results-json.ts'
import { modelRunInfo, runRequestProblems } from './run-request.ts'
import { runEvaluation } from './run-evaluation.ts'
import type { LoadedModel, RunDeps } from './run-evaluation.ts'
import { fromWireError, toWireError } from './wire-error.ts'
import { parsePyJson } from './wire-json.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'
import { throttleEvents } from './worker-event.ts'

/** Model-file read progress, in bytes. */
export interface LoadProgress {
  readonly file: string
  readonly loaded: number
  readonly total: number
}

/**
 * Loads a model (a folder name under /models/, or a stored model's id, then with its info) on a device; a stored
 * model must load from the store (customCache), with no network request.
 */
export type LoadBackend = (model: string, device: RunDevice, onProgress: (p: LoadProgress) => void, stored?: ModelInfo) => Promise<ModelBackend>

/** A connected served model (built by the worker from src/backends/openai-api). */
export interface ServedModelHandle {
  readonly backend: ModelBackend
  /** lm-eval-style model_args (never the key) */
  readonly modelArgs: string
  /** evalz.model_origin */
  readonly origin: ModelOrigin
  /** false when the server returns no prompt log-probabilities (only generate_until tasks can run) */
  readonly promptLogprobs: boolean
}

/**
 * Everything the service needs; the worker passes the real ones, tests pass fakes. The engine, the results writer,
 * the version and the clocks are runEvaluation's (RunDeps).
 */
export interface EvalServiceDeps extends Pick<RunDeps, 'evaluate' | 'dumpResults' | 'evalzVersion' | 'now' | 'clock'> {
  readonly catalogue: TaskCatalogue
  /** what listTasks returns (listCatalogue(catalogue)) */
  readonly entries: readonly CatalogueEntry[]
  /** where documents come from; a function is called once per run (so newly stored datasets and settings are seen) */
  readonly source: DocSource | (() => DocSource | Promise<DocSource>)
  /** navigator.gpu, or undefined where WebGPU is missing */
  readonly gpu: GpuLike | undefined
  /** onnxruntime-web threads configured for wasm runs (shown with the device); undefined = not reported */
  readonly wasmThreads?: number
  /** loads the model on a device (see LoadBackend) */
  readonly loadBackend: LoadBackend
  /** models, datasets, run records and the response cache; undefined = nothing is stored or cached */
  readonly store?: EvalStore
  /** minimum milliseconds between progress messages (default 100) */
  readonly throttleMs?: number
  /** the Hugging Face Hub calls (settings, model look-up and download); undefined = each answers HUB_UNAVAILABLE */
  readonly hub?: HubWorkerApi
  /**
   * starts the Python runtime (Pyodide) with the modules of added task folders, for `!function` hooks without a
   * TypeScript port; called only for runs whose tasks have such hooks; undefined = such runs fail in one line
   */
  readonly startPythonHooks?: StartPythonHooks
  /** models on OpenAI-compatible servers (settings, check, connect); undefined = each answers that storage is missing */
  readonly server?: ServerWorkerApi & {
    /** connects to the run's server with the stored key and its tokenizer loaded here */
    connect(spec: RunRequest, tokenizerModel: ModelInfo | undefined): Promise<ServedModelHandle>
  }
}

/** Creates the worker API. */
export function createEvalService(deps: EvalServiceDeps): EvalWorkerApi {
  const runs = new Map<string, AbortController>()
  const yaml = createTaskYamlService(deps.catalogue, deps.entries)
  return {
    ...createStoreApi(deps.store, () => deps.clock() * 1000),
    ...(deps.hub ?? noHub()),
    ...(deps.server ?? noServer()),
    async listTasks() {
      return [...yaml.entries()]
    },
    addTaskYaml: (files) => yaml.addTaskYaml(files),
    listTaskYaml: () => yaml.listTaskYaml(),
    removeTaskYaml: (name) => yaml.removeTaskYaml(name),
    async run(spec, onEvent) {
      const abort = new AbortController()
      runs.set(spec.runId, abort)
      const emit = throttleEvents(onEvent, deps.throttleMs ?? 100, deps.now)
      const record = new RunRecorder(deps, spec)
      try {
        const result = await runOnce(deps, yaml, spec, emit, abort.signal, record)
        await record.finish(result)
        return result
      } catch (e) {
        const result: RunResult = { status: 'failed', runId: spec.runId, error: toWireError(e) }
        await record.finish(result)
        return result
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

async function runOnce(
  deps: EvalServiceDeps, yaml: TaskYamlService, spec: RunRequest, emit: (e: WorkerEvent) => void, signal: AbortSignal, record: RunRecorder,
): Promise<RunResult> {
  const started = deps.now()
  const problems = runRequestProblems(spec)
  if (problems.length > 0) throw fromWireError({ code: 'USAGE', message: problems.join('; '), detail: { problems } })
  const stored = spec.modelSource === 'stored' ? await findStoredModel(deps.store, spec.model) : undefined
  await record.start(spec.modelSource === 'server' ? `${spec.model} @ ${spec.server?.url}` : stored?.name ?? spec.model)
  // Python hooks are imported before the model loads: a module Pyodide cannot import stops the run here
  const leaves = leafTasks(resolveSelection(yaml.catalogue(), spec.tasks))
  if (pythonModulesOf(leaves).size > 0) emit({ type: 'phase', phase: 'loading-python' })
  await preparePythonHooks(leaves, (path) => yaml.moduleSource(path), deps.startPythonHooks)
  if (spec.modelSource === 'server') return runServed(deps, yaml, spec, emit, signal, record, started, leaves)
  const choice = chooseDevice(spec.device, await probeGpu(deps.gpu))
  if (isWireError(choice)) throw fromWireError(choice)
  return evaluateWith(deps, yaml, spec, emit, signal, record, started, async () => {
    const loaded = await loadOnDevice(choice, (device) => deps.loadBackend(spec.model, device, (p) => emit({ type: 'load', ...p }), stored))
    const report = loaded.report.device === 'wasm' && deps.wasmThreads !== undefined ? { ...loaded.report, threads: deps.wasmThreads } : loaded.report
    return { backend: loaded.value, report, runInfo: modelRunInfo(spec, stored?.name, stored) }
  })
}

/** A served model: connected here (its tokenizer loaded in the worker), evaluated like a local one. */
async function runServed(
  deps: EvalServiceDeps, yaml: TaskYamlService, spec: RunRequest, emit: (e: WorkerEvent) => void, signal: AbortSignal, record: RunRecorder,
  started: number, leaves: readonly TaskSpec[],
): Promise<RunResult> {
  const server = deps.server
  if (!server || !spec.server) {
    const message = spec.server ? 'served models need this browser\'s storage (IndexedDB) for their settings' : 'a server run needs request.server (url, tokenizer)'
    throw fromWireError({ code: 'USAGE', message, detail: undefined })
  }
  const url = spec.server.url
  const tokenizerModel = spec.server.tokenizerSource === 'stored' ? await findStoredModel(deps.store, spec.server.tokenizer) : undefined
  return evaluateWith(deps, yaml, spec, emit, signal, record, started, async () => {
    const served = await server.connect(spec, tokenizerModel)
    refuseUnscorable(served, leaves, url, spec.model)
    const report: DeviceReport = {
      requested: spec.device, device: 'server', adapter: undefined, fellBack: false, reason: `the model runs on ${url}; its tokenizer runs here`,
    }
    return {
      backend: served.backend, report,
      runInfo: { ...modelRunInfo(spec, spec.model), model: 'local-completions', modelArgs: served.modelArgs, modelOrigin: served.origin },
      // cached answers belong to this server's model (its URL, name, root and our tokenizer), not to any model of that name
      cacheKey: `${modelKeyOf(served.backend)}|${pyJsonDumps(served.origin.detail)}`,
    }
  })
}

/**
 * A server without prompt log-probabilities cannot score: the tasks that need scores are refused in one line before
 * any request (naming those that can run), and the connection is let go.
 */
function refuseUnscorable(served: ServedModelHandle, leaves: readonly TaskSpec[], url: string, model: string): void {
  const needScores = leaves.filter((t) => t.output_type !== 'generate_until').map((t) => t.task)
  if (served.promptLogprobs || needScores.length === 0) return
  void served.backend.dispose().catch(() => undefined)
  const can = leaves.filter((t) => t.output_type === 'generate_until').map((t) => t.task)
  throw fromWireError({
    code: 'API_UNSUPPORTED',
    message: `the server at ${url} returns no log-probabilities for prompt tokens of '${model}', so ${needScores.join(', ')} cannot run on it`
      + `${can.length > 0 ? ` (${can.join(', ')} can: run them alone)` : ''}; or use a server that echoes prompt log-probabilities (vLLM, evalz serve)`,
    detail: { url, model, tasks: needScores },
  })
}

/** A loaded model with the device it runs on. */
type DeviceModel = Omit<LoadedModel, 'evalzExtra'> & { readonly report: DeviceReport }

/** Runs the evaluation (runEvaluation) with the model `load` gives, and builds the run's result. */
async function evaluateWith(
  deps: EvalServiceDeps, yaml: TaskYamlService, spec: RunRequest, emit: (e: WorkerEvent) => void, signal: AbortSignal, record: RunRecorder,
  started: number, load: () => Promise<DeviceModel>,
): Promise<RunResult> {
  let report: DeviceReport | undefined
  const output = await runEvaluation({
    catalogue: yaml.catalogue(),
    source: typeof deps.source === 'function' ? await deps.source() : deps.source,
    async loadModel() {
      const { report: device, ...model } = await load()
      report = device
      record.device = device
      emit({ type: 'device', report: device })
      // the device and the cache's answers go into the evalz block as the results are built, once
      return { ...model, evalzExtra: (hits) => deviceBlock(device, hits) }
    },
    evaluate: deps.evaluate,
    dumpResults: deps.dumpResults,
    evalzVersion: deps.evalzVersion,
    now: deps.now,
    clock: deps.clock,
    responses: deps.store?.responses,
    signal,
    onEvent: (event) => emit({ type: 'eval', event }),
    onPhase: (phase) => emit({ type: 'phase', phase }),
  }, { ...spec, logSamples: spec.logSamples === true })
  // the page's plain-JSON copy of the file (NaN/±Infinity as strings)
  const results = parsePyJson(output.resultsJson) as RunResultsObject
  return {
    status: 'done', runId: spec.runId, device: report!, results, resultsJson: output.resultsJson, wallMs: deps.now() - started,
    samplesJsonl: output.samplesJsonl, cachedRequests: output.cachedRequests,
  }
}

/** The evalz block's record of the device: what was asked, the adapter, a fallback and why, answers from the cache. */
function deviceBlock(report: DeviceReport, cachedRequests: number): Record<string, unknown> {
  return {
    device_requested: report.requested,
    webgpu_adapter: report.adapter === undefined ? null : {
      vendor: report.adapter.vendor, architecture: report.adapter.architecture, description: report.adapter.description,
      is_fallback_adapter: report.adapter.isFallbackAdapter,
    },
    fell_back_to_wasm: report.fellBack,
    fallback_reason: report.fellBack ? report.reason ?? null : null,
    cached_requests: cachedRequests,
    wasm_threads: report.threads ?? null,
  }
}

/** The stored model with `id`; MODEL_NOT_FOUND when there is none (or no store). */
async function findStoredModel(store: EvalStore | undefined, id: string): Promise<ModelInfo> {
  const models = store ? await store.listModels() : []
  const found = models.find((m) => m.id === id)
  if (!found) {
    const known = models.map((m) => `${m.id} (${m.name})`).join(', ') || 'none'
    throw fromWireError({ code: 'MODEL_NOT_FOUND', message: `stored model '${id}' is not in this browser's storage; stored models: ${known}`, detail: { model: id } })
  }
  return found
}

/**
 * Keeps a run's record: 'running' once the request is valid (keeping the first start time when a run is resumed),
 * then done/failed/cancelled with results, samples and device. Storage errors never fail the run.
 */
class RunRecorder {
  private base: RunRecord | undefined
  /** the device, once the model is loaded */
  device: RunRecord['device']

  constructor(private readonly deps: EvalServiceDeps, private readonly spec: RunRequest) {}

  async start(modelName: string): Promise<void> {
    const store = this.deps.store
    if (!store) return
    await quietly(async () => {
      const earlier = await store.getRun(this.spec.runId)
      this.base = {
        id: this.spec.runId, createdAt: earlier?.createdAt ?? this.deps.clock() * 1000, status: 'running', request: this.spec, modelName,
        // a resumed run keeps the labels the user gave it
        ...(earlier?.tags ? { tags: earlier.tags } : {}), ...(earlier?.note !== undefined ? { note: earlier.note } : {}),
      }
      await store.putRun(this.base)
    })
  }

  async finish(result: RunResult): Promise<void> {
    const store = this.deps.store
    if (!store || !this.base) return
    const finishedAt = this.deps.clock() * 1000
    const device = this.device === undefined ? {} : { device: this.device }
    const record: RunRecord = result.status === 'done'
      ? { ...this.base, ...device, status: 'done', finishedAt, resultsJson: result.resultsJson, samplesJsonl: result.samplesJsonl, cachedRequests: result.cachedRequests }
      : { ...this.base, ...device, status: result.error.code === 'CANCELLED' ? 'cancelled' : 'failed', finishedAt, error: result.error }
    await quietly(() => store.putRun(record))
  }
}

/** Hub calls where there is no Hub access (no storage to download into). */
function noServer(): ServerWorkerApi {
  const fail = async () => ({ ok: false as const, error: { code: 'USAGE' as const, message: 'served models need this browser\'s storage (IndexedDB), which is not available here (a private window?)', detail: undefined } })
  return { getServerSettings: fail, setServerSettings: fail, checkServer: fail }
}

function noHub(): HubWorkerApi {
  const fail = async () => ({
    ok: false as const,
    error: { code: 'HUB_UNAVAILABLE' as const, message: 'Hub models need this browser\'s storage (IndexedDB), which is not available here (a private window?)', detail: undefined },
  })
  return { getHubSettings: fail, setHubSettings: fail, resolveHubModel: fail, downloadHubModel: fail }
}

async function quietly(fn: () => Promise<void>): Promise<void> {
  try {
    await fn()
  } catch {
    // a full or broken store must not fail the evaluation; the run simply is not in the history
  }
}

type RunResultsObject = Extract<RunResult, { status: 'done' }>['results']
