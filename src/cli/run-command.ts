/**
 * `evalz run`: composes the core with the transformers.js backend and a local document source.
 */
import { join, resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { ProgressSink } from './progress.ts'
import { evaluate } from '../core/evaluator.ts'
import { catalogueWithIncludePaths } from './include-path.ts'
import { resultsTables } from '../core/results/table.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import { mirrorSource } from '../data/mirror-source.ts'
import { cachedSource } from '../data/cached-source.ts'
import { cacheRoot, nodeDatasetCache } from './dataset-cache.ts'
import { resolveModel } from './model-source.ts'
import type { HubAccess } from './model-source.ts'
import { HF_VIEWER_ENDPOINT, hubDatasetSource } from '../data/hub-dataset-source.ts'
import { nodeFileAccess } from './node-file-access.ts'
import { loadTransformersBackend } from '../backends/transformers/transformers-backend.ts'
import { configureTransformers } from '../backends/transformers/init.ts'
import { checkModelDir, dtypeSuffix, modelWeightsSha256 } from './model-files.ts'
import { writeOutcome } from './output-files.ts'
import { progressReporter } from './progress.ts'
import { EVALZ_VERSION } from './version.ts'
import { HarnessError } from '../core/errors.ts'
import { runInBrowser } from './browser-device.ts'
import { PACKAGE_ROOT } from './browser-server.ts'
import { builtinCatalogue } from '../core/catalogue.ts'
import { withDatasetTasks } from './dataset-task.ts'
import { checkSplits, neededSplits } from '../core/suite-check.ts'
import type { DocSource } from '../core/source.ts'

/** Where `run` prints. */
export interface RunIO {
  readonly stdout: (text: string) => void
  readonly progress: ProgressSink
}

/** Runs an evaluation; throws HarnessError on setup problems. */
export async function runCommand(args: RunArgs, io: RunIO): Promise<void> {
  const offline = args.offline || process.env.HF_HUB_OFFLINE === '1'
  const hub: HubAccess = { ...hubAccess(args), offline, cacheDir: cacheRoot(args.cacheDir) }
  if (args.device !== 'cpu') {
    const cpuOnly = [
      args.includePath.length > 0 && '--include-path',
      args.saveTask !== undefined && '--save-task',
      args.applyChatTemplate !== undefined && '--apply-chat-template',
      args.fewshotAsMultiturn !== undefined && '--fewshot-as-multiturn',
      args.systemInstruction !== undefined && '--system-instruction',
      args.tasks.some(t => t.includes('/')) && 'dataset names in --tasks',
    ].filter((x): x is string => typeof x === 'string')
    if (cpuOnly.length > 0) {
      throw new HarnessError('USAGE', `${cpuOnly.join(', ')} ${cpuOnly.length === 1 ? 'works' : 'work'} with --device cpu only in this version; drop ${cpuOnly.length === 1 ? 'it' : 'them'} or use --device cpu`)
    }
    // Hub splits are fetched into the cache here and the cache is served to the page as its dataset mirror
    const dataDir = args.dataDir ?? (await hubSplitsForPage(args, hub))
    // a Hub model is downloaded here and served to the page as a local folder
    const model = await resolveModel(args, hub, io.progress)
    return runInBrowser({ ...args, model: model.dir, dtype: model.dtype, dataDir }, io, model.name)
  }
  const catalogue = await catalogueWithIncludePaths(args.includePath)
  if (args.tokenizer !== undefined) checkTokenizerDir(args.tokenizer)
  const files = args.dataDir === undefined ? undefined : nodeFileAccess(resolve(args.dataDir))
  const mirror = files === undefined ? undefined : mirrorSource(files)
  // without --data-dir: the dataset cache, then (online) the Hub, whose splits are cached as they are read
  const source = mirror ?? cachedHubSource(hub)
  // --tasks entries naming a dataset (owner/name[:config][@split]) are auto-mapped into this run's catalogue
  const runCatalogue = await withDatasetTasks(catalogue, args.tasks, { files, source, saveTask: args.saveTask, write: t => io.progress.write(t) })
  const selection = resolveSelection(runCatalogue, args.tasks)
  // pre-flight: every eval and few-shot split must exist before the model loads (one error naming them all)
  await checkSplits(leafTasks(selection), source, args.numFewshot)
  const model = await resolveModel(args, hub, io.progress)
  const suffix = dtypeSuffix(model.dtype)
  checkModelDir(model.dir, suffix)
  configureTransformers({ allowRemote: false })
  const backend = await loadTransformersBackend({
    model: model.dir,
    tokenizer: args.tokenizer === undefined ? undefined : resolve(args.tokenizer),
    device: 'cpu',
    dtype: model.dtype,
    maxLength: args.maxLength,
    modelSha256: await modelWeightsSha256(model.dir, suffix),
  })
  const modelArgs = `pretrained=${model.name},dtype=${model.dtype}${args.tokenizer ? `,tokenizer=${args.tokenizer}` : ''}`
  try {
    const startTime = Date.now() / 1000
    const outcome = await evaluate({
      tasks: args.tasks,
      catalogue: runCatalogue,
      source,
      backend,
      numFewshot: args.numFewshot,
      limit: args.limit,
      batchSize: args.batchSize,
      fewshotSeed: args.seed,
      bootstrapIters: args.bootstrapIters,
      logSamples: args.logSamples,
      chat: { applyChatTemplate: args.applyChatTemplate, fewshotAsMultiturn: args.fewshotAsMultiturn, systemInstruction: args.systemInstruction },
      runInfo: {
        model: 'transformers.js',
        modelArgs,
        batchSize: args.batchSize,
        limit: args.limit,
        numFewshot: args.numFewshot,
        bootstrapIters: args.bootstrapIters,
        fewshotSeed: args.seed,
        evalzVersion: EVALZ_VERSION,
        startTime,
        tokenizer: args.tokenizer,
        modelOrigin: model.origin,
      },
      onEvent: progressReporter(io.progress, () => Date.now()),
      now: () => performance.now(),
    })
    const header = `transformers.js (${modelArgs}), limit: ${args.limit ?? 'None'}, num_fewshot: ${args.numFewshot ?? 'None'}, batch_size: ${args.batchSize}`
    io.stdout(`${header}\n${resultsTables(outcome.results)}\n`)
    if (args.output !== undefined) {
      const written = await writeOutcome(resolve(args.output), outcome, args.logSamples)
      io.progress.write(`evalz: wrote ${written.join(', ')}\n`)
    } else if (args.logSamples) {
      io.progress.write('evalz: --log-samples needs --output DIR; samples were not written\n')
    }
  } finally {
    await backend.dispose()
  }
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
  try {
    new URL(endpoint)
  } catch {
    throw new HarnessError('USAGE', `--hub-endpoint '${endpoint}' is not a URL (e.g. https://huggingface.co)`)
  }
  return { endpoint, token: args.hfToken ?? (process.env.HF_TOKEN || undefined) }
}

/** A tokenizer folder needs the model folder's files except the ONNX weights. */
function checkTokenizerDir(dir: string): void {
  try {
    checkModelDir(dir, '')
  } catch (e) {
    const err = e as { code?: string; detail?: { missing?: string[] } }
    const missing = err.detail?.missing?.filter(m => !m.startsWith('onnx/'))
    if (err.code === 'MODEL_INVALID' && missing?.length === 0) return
    if (err.code === 'MODEL_INVALID' && missing !== undefined) {
      throw new HarnessError('MODEL_INVALID', `tokenizer folder '${dir}' lacks ${missing.join(', ')} (a tokenizer folder has tokenizer.json, tokenizer_config.json and config.json)`, { missing })
    }
    throw e
  }
}
