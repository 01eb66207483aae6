/**
 * `evalz run`: composes the core with the transformers.js backend and a local document source.
 */
import { existsSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { ProgressSink } from './progress.ts'
import { evaluate } from '../core/evaluator.ts'
import { pyJsonDumps } from '../core/python/json.ts'
import { runEvaluation } from '../app/run-evaluation.ts'
import { preparePythonHooks } from './python-hooks.ts'
import { catalogueWithIncludePaths, taskFileEntries } from './include-path.ts'
import { resultsTables } from '../core/results/table.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import { mirrorSource } from '../data/mirror-source.ts'
import { cachedSource } from '../data/cached-source.ts'
import { cacheRoot, nodeDatasetCache } from './dataset-cache.ts'
import { resolveModel } from './model-source.ts'
import type { HubAccess } from './model-source.ts'
import { HF_VIEWER_ENDPOINT, hubDatasetSource } from '../data/hub-dataset-source.ts'
import { nodeFileAccess } from './node-file-access.ts'
import { makeBackend } from '../backends/transformers/transformers-backend.ts'
import { loadLocalModel } from './local-model.ts'
import { checkJsonFiles } from './model-files.ts'
import { hasCredentials, redactCredentials } from './credentials.ts'
import { outcomeFiles, prepareOutputDir, saveRunFiles } from './output-files.ts'
import { progressReporter } from './progress.ts'
import { EVALZ_VERSION } from './version.ts'
import { HarnessError } from '../core/errors.ts'
import { runInBrowser } from './browser-device.ts'
import { PACKAGE_ROOT } from './browser-server.ts'
import { builtinCatalogue } from '../core/catalogue.ts'
import { withDatasetTasks } from './dataset-task.ts'
import { checkSplits, neededSplits } from '../core/suite-check.ts'
import type { DocSource } from '../core/source.ts'
import type { ModelBackend } from '../core/backend.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { ModelOrigin } from '../core/results/results-json.ts'
import { loadApiModel } from './api-model.ts'
import { workerPoolBackend } from './worker-pool.ts'
import { loadApiTokenizer } from '../backends/openai-api/api-tokenizer.ts'
import { noPromptLogprobs } from '../backends/openai-api/completion-response.ts'

/** Where `run` prints. */
export interface RunIO {
  readonly stdout: (text: string) => void
  readonly progress: ProgressSink
}

/** Runs an evaluation; throws HarnessError on setup problems. */
export async function runCommand(given: RunArgs, io: RunIO): Promise<void> {
  // --tasks path/to/task.yaml (lm-eval accepts a task file there): loaded on its own, replaced by what it defines
  const builtins = builtinCatalogue()
  const taskFiles = await taskFileEntries(given.tasks, [...builtins.tasks.keys(), ...builtins.groups.keys(), ...builtins.tags.keys()])
  const args: RunArgs = { ...given, tasks: taskFiles.tasks }
  const offline = args.offline || process.env.HF_HUB_OFFLINE === '1'
  const hub: HubAccess = { ...hubAccess(args), offline, cacheDir: cacheRoot(args.cacheDir) }
  if (args.device !== 'cpu') {
    const cpuOnly = [
      args.includePath.length > 0 && '--include-path',
      args.saveTask !== undefined && '--save-task',
      args.applyChatTemplate !== undefined && '--apply-chat-template',
      args.fewshotAsMultiturn !== undefined && '--fewshot-as-multiturn',
      args.systemInstruction !== undefined && '--system-instruction',
      taskFiles.loaded.length > 0 && 'task files in --tasks',
      args.tasks.some(t => t.includes('/')) && 'dataset names in --tasks',
      (args.numWorkers ?? 1) > 1 && '--num-workers',
      args.modelApi !== undefined && '--model-api',
    ].filter((x): x is string => typeof x === 'string')
    if (cpuOnly.length > 0) {
      throw new HarnessError('USAGE', `${cpuOnly.join(', ')} ${cpuOnly.length === 1 ? 'works' : 'work'} with --device cpu only in this version; drop ${cpuOnly.length === 1 ? 'it' : 'them'} or use --device cpu`)
    }
    if (args.output !== undefined) await prepareOutputDir(resolve(args.output))
    // Hub splits are fetched into the cache here and the cache is served to the page as its dataset mirror
    const dataDir = args.dataDir ?? (await hubSplitsForPage(args, hub))
    // a Hub model is downloaded here and served to the page as a local folder
    const model = await resolveModel(args, hub, io.progress)
    return runInBrowser({ ...args, model: model.dir, dtype: model.dtype, dataDir }, io, model.name)
  }
  const catalogue = await catalogueWithIncludePaths(args.includePath, taskFiles.loaded)
  if (args.tokenizer !== undefined && args.modelApi === undefined) checkTokenizerDir(args.tokenizer)
  const files = args.dataDir === undefined ? undefined : nodeFileAccess(resolve(args.dataDir))
  const mirror = files === undefined ? undefined : mirrorSource(files)
  // without --data-dir: the dataset cache, then (online) the Hub, whose splits are cached as they are read
  const source = mirror ?? cachedHubSource(hub)
  // --tasks entries naming a dataset (owner/name[:config][@split]) are auto-mapped into this run's catalogue
  const runCatalogue = await withDatasetTasks(catalogue, args.tasks, { files, source, saveTask: args.saveTask, write: t => io.progress.write(t) })
  const selection = resolveSelection(runCatalogue, args.tasks)
  // pre-flight: every eval and few-shot split must exist before the model loads (one error naming them all)
  await checkSplits(leafTasks(selection), source, args.numFewshot)
  if (args.output !== undefined) await prepareOutputDir(resolve(args.output))
  await preparePythonHooks(leafTasks(selection), t => io.progress.write(t))
  const output = await runEvaluation({
    catalogue: runCatalogue,
    source,
    async loadModel() {
      const loaded = args.modelApi !== undefined ? await apiRunModel(args, hub, io, runCatalogue) : await localRunModel(args, hub, io)
      const runInfo = { model: loaded.lmEvalModel, modelArgs: loaded.modelArgs, tokenizer: args.tokenizer, modelOrigin: loaded.origin }
      return { backend: loaded.backend, runInfo: loaded.compute ? { ...runInfo, compute: loaded.compute } : runInfo, tasks: loaded.tasks }
    },
    evaluate,
    dumpResults: (results) => pyJsonDumps(results, { indent: 2 }),
    evalzVersion: EVALZ_VERSION,
    now: () => performance.now(),
    clock: () => Date.now() / 1000,
    onEvent: progressReporter(io.progress, () => Date.now()),
  }, {
    tasks: args.tasks, limit: args.limit, numFewshot: args.numFewshot, batchSize: args.batchSize, seed: args.seed,
    bootstrapIters: args.bootstrapIters, logSamples: args.logSamples, docIds: undefined,
    chat: { applyChatTemplate: args.applyChatTemplate, fewshotAsMultiturn: args.fewshotAsMultiturn, systemInstruction: args.systemInstruction },
  })
  const { model, modelArgs } = output.runInfo
  const header = `${model} (${modelArgs}), limit: ${args.limit ?? 'None'}, num_fewshot: ${args.numFewshot ?? 'None'}, batch_size: ${args.batchSize}`
  io.stdout(`${header}\n${resultsTables(output.outcome.results)}\n`)
  if (args.output !== undefined) {
    for (const line of await saveRunFiles(resolve(args.output), outcomeFiles(output, args.logSamples))) io.progress.write(`${line}\n`)
  } else if (args.logSamples) {
    io.progress.write('evalz: --log-samples needs --output DIR; samples were not written\n')
  }
}

/** The model side of a run: the backend and how results name it. */
interface RunModel {
  readonly backend: ModelBackend
  /** lm-eval's `model` (config.model) */
  readonly lmEvalModel: string
  /** lm-eval-style model_args */
  readonly modelArgs: string
  /** evalz.model_origin */
  readonly origin: ModelOrigin | undefined
  /** a quantised checkpoint's arithmetic, written as evalz.compute */
  readonly compute?: 'exact' | 'int8'
  /** the --tasks entries to run when some had to be left out; undefined = all */
  readonly tasks?: readonly string[]
}

/** A model evalz loads itself (folder, Hub repo, converted checkpoint) on onnxruntime-node. */
async function localRunModel(args: RunArgs, hub: HubAccess, io: RunIO): Promise<RunModel> {
  if ((args.numWorkers ?? 1) > 1) return pooledRunModel(args, hub, io)
  const { parts, model } = await loadLocalModel(args, hub, io.progress)
  const modelArgs = `pretrained=${model.name},dtype=${model.dtype}${args.tokenizer ? `,tokenizer=${args.tokenizer}` : ''}`
  return { backend: makeBackend(parts), lmEvalModel: 'transformers.js', modelArgs, origin: model.origin, ...(model.compute ? { compute: model.compute } : {}) }
}

/** --num-workers N: the model resolved (downloaded, converted) once here, then loaded by N worker processes. */
async function pooledRunModel(args: RunArgs, hub: HubAccess, io: RunIO): Promise<RunModel> {
  const model = await resolveModel(args, hub, io.progress)
  const tokenizerDir = args.tokenizer === undefined ? model.dir : resolve(args.tokenizer)
  const workers = args.numWorkers!
  io.progress.write(`evalz: starting ${workers} model workers (documents dealt round-robin, CPU threads split between them)\n`)
  const backend = await workerPoolBackend({
    args: { model: model.dir, dtype: model.dtype, adapter: undefined, tokenizer: tokenizerDir, maxLength: args.maxLength },
    hub, workers, chatTokenizer: (await loadApiTokenizer(tokenizerDir)).chatTokenizer,
  })
  const modelArgs = `pretrained=${model.name},dtype=${model.dtype}${args.tokenizer ? `,tokenizer=${args.tokenizer}` : ''}`
  return { backend: { ...backend, info: { ...backend.info, model: model.name } }, lmEvalModel: 'transformers.js', modelArgs, origin: model.origin }
}

/**
 * A served model (--model-api). A server without prompt log-probabilities runs the generation tasks only: the
 * others are named in one line (or, when nothing is left, the run stops with that line).
 */
async function apiRunModel(args: RunArgs, hub: HubAccess, io: RunIO, catalogue: TaskCatalogue): Promise<RunModel> {
  const api = await loadApiModel(args, hub, t => io.progress.write(t))
  const run: RunModel = { backend: api.backend, lmEvalModel: api.lmEvalModel, modelArgs: api.modelArgs, origin: api.origin }
  if (api.promptLogprobs) return run
  const leavesOf = (names: readonly string[]) => leafTasks(resolveSelection(catalogue, names))
  const needsScores = new Set(leavesOf(args.tasks).filter(t => t.output_type !== 'generate_until').map(t => t.task))
  if (needsScores.size === 0) return run
  const refusal = noPromptLogprobs(api.client.baseUrl, args.model)
  const keep = args.tasks.filter(name => leavesOf([name]).every(t => !needsScores.has(t.task)))
  if (keep.length === 0) throw refusal
  io.progress.write(`evalz: ${refusal.message}; skipping ${[...needsScores].join(', ')}\n`)
  return { ...run, tasks: keep }
}

/**
 * For --device wasm|webgpu without --data-dir: undefined when the app's own datasets hold every split the tasks
 * read; else those splits are read through the dataset cache (fetched from the Hub unless offline, with the usual
 * pre-flight error naming what is missing) and the cache's mirror folder is returned for the page.
 */
async function hubSplitsForPage(args: RunArgs, hub: HubAccess): Promise<string | undefined> {
  const specs = leafTasks(resolveSelection(builtinCatalogue(), args.tasks))
  const appData = mirrorSource(nodeFileAccess(join(PACKAGE_ROOT, 'public/datasets')))
  const needs = specs.flatMap(spec => neededSplits(spec, args.numFewshot))
  const inApp = await Promise.all(needs.map(n => appData.hasSplit(n.ref)))
  if (inApp.every(Boolean)) return undefined
  const source = cachedHubSource(hub)
  await checkSplits(specs, source, args.numFewshot)
  for (const n of needs) await source.loadSplit(n.ref)
  return join(hub.cacheDir, 'datasets')
}

/** The dataset cache, then (online) the Hub, whose splits are cached as they are read. */
function cachedHubSource(hub: HubAccess): DocSource {
  return cachedSource({
    cache: nodeDatasetCache(hub.cacheDir),
    remote: hub.offline ? undefined : hubDatasetSource({
      endpoint: hub.endpoint,
      viewerEndpoint: hub.endpoint === 'https://huggingface.co' ? HF_VIEWER_ENDPOINT : undefined,
      token: hub.token,
    }),
    offlineReason: 'this run is offline (--offline or HF_HUB_OFFLINE=1)',
  })
}

/** The Hub: --hub-endpoint, else HF_ENDPOINT, else huggingface.co; --hf-token, else HF_TOKEN. */
export function hubAccess(args: Pick<RunArgs, 'hubEndpoint' | 'hfToken'>): { endpoint: string; token: string | undefined } {
  const endpoint = (args.hubEndpoint ?? (process.env.HF_ENDPOINT || undefined) ?? 'https://huggingface.co').replace(/\/+$/, '')
  let url: URL
  try {
    url = new URL(endpoint)
  } catch {
    throw new HarnessError('USAGE', `--hub-endpoint '${redactCredentials(endpoint)}' is not a URL (e.g. https://huggingface.co)`)
  }
  if (hasCredentials(url)) {
    throw new HarnessError('USAGE', `--hub-endpoint '${redactCredentials(endpoint)}' carries a credential in the URL, which evalz never sends or prints; pass the URL without it and the token with --hf-token (or $HF_TOKEN)`)
  }
  return { endpoint, token: args.hfToken ?? (process.env.HF_TOKEN || undefined) }
}

/** A tokenizer folder needs the model folder's files except the ONNX weights; errors name --tokenizer, not the model. */
function checkTokenizerDir(dir: string): void {
  const what = 'a tokenizer folder has tokenizer.json, tokenizer_config.json and config.json'
  if (!existsSync(dir)) throw new HarnessError('MODEL_NOT_FOUND', `--tokenizer folder '${dir}' does not exist (${what})`, { tokenizer: dir })
  if (!statSync(dir).isDirectory()) throw new HarnessError('MODEL_INVALID', `--tokenizer '${dir}' is a file; pass its folder (${what})`, { tokenizer: dir })
  const missing = ['config.json', 'tokenizer.json'].filter(f => !existsSync(join(dir, f)))
  if (missing.length > 0) {
    throw new HarnessError('MODEL_INVALID', `--tokenizer folder '${dir}' lacks ${missing.join(', ')} (${what})`, { tokenizer: dir, missing })
  }
  checkJsonFiles(dir, '--tokenizer folder')
}
