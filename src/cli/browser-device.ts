/**
 * `evalz run --device webgpu|wasm`: runs the evaluation in the web app's own worker inside headless Chromium
 * (Vite serves the app, the model folder and the datasets; Playwright drives cli.html) and writes the same
 * results.json and samples_<task>.jsonl files as `--device cpu`.
 */
import { existsSync } from 'node:fs'
import { open } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { RunIO } from './run-command.ts'
import type { CliPageWindow } from '../protocol/cli-page.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import type { WireError } from '../protocol/wire-error.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'
import type { DeviceReport } from '../protocol/device.ts'
import { builtinCatalogue } from '../core/catalogue.ts'
import { HarnessError } from '../core/errors.ts'
import { parsePythonJson } from '../core/python/json-parse.ts'
import { resultsTables } from '../core/results/table.ts'
import { resolveSelection } from '../core/tasks/registry.ts'
import { saveRunFiles } from './output-files.ts'
import { checkModelDir, dtypeSuffix, modelWeightsSha256 } from './model-files.ts'
import { progressReporter } from './progress.ts'
import { countOnnxParameters } from '../backends/transformers/onnx-params.ts'
import { CLI_MODEL_ID, importOrExplain, startBrowserServer } from './browser-server.ts'

/** Debian's Chromium; the one browser this path is tested with. */
export const CHROMIUM_PATH = '/usr/bin/chromium'

/** Chromium flags: headless WebGPU on any machine (SwiftShader when there is no GPU), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
]

/** Runs `args` (device webgpu or wasm) in headless Chromium; throws HarnessError on setup problems. */
export async function runInBrowser(args: RunArgs, io: RunIO, modelName = args.model): Promise<void> {
  const device = args.device as 'webgpu' | 'wasm'
  const dtype = args.dtype ?? 'fp32'
  checkBrowserArgs(args)
  const modelDir = resolve(args.model)
  const suffix = dtypeSuffix(dtype)
  checkModelDir(args.model, suffix)
  resolveSelection(builtinCatalogue(), args.tasks)
  const dataDir = args.dataDir === undefined ? undefined : resolve(args.dataDir)
  if (dataDir !== undefined && !existsSync(dataDir)) {
    throw new HarnessError('DATASET_NOT_FOUND', `--data-dir '${args.dataDir}' does not exist`, { dataDir: args.dataDir })
  }
  const sha256 = await modelWeightsSha256(modelDir, suffix)
  const numParameters = await countParameters(join(modelDir, `onnx/model${suffix}.onnx`))
  if (!existsSync(CHROMIUM_PATH)) {
    throw new HarnessError('BACKEND_ERROR', `--device ${device} runs in headless Chromium, which is not installed at ${CHROMIUM_PATH} (Debian: apt-get install chromium)`, { device })
  }
  const { chromium } = await importOrExplain<typeof import('playwright-core')>('playwright-core')
  const server = await startBrowserServer({ modelDir, dataDir })
  let browser: import('playwright-core').Browser | undefined
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS }).catch((e: unknown) => {
      throw new HarnessError('BACKEND_ERROR', `could not start ${CHROMIUM_PATH}: ${firstLine(e)}`, { device })
    })
    const page = await browser.newPage()
    let fail: (e: Error) => void = () => undefined
    const failed = new Promise<never>((_, reject) => { fail = reject })
    failed.catch(() => undefined)
    const pageProblem = (what: string): void =>
      fail(new HarnessError('BACKEND_ERROR', `the browser page failed: ${servedAsLocal(what, server.origin, modelDir)}`, { device }))
    page.on('pageerror', (e) => pageProblem(firstLine(e)))
    page.on('console', (m) => { if (m.type() === 'error') pageProblem(firstLine(m.text())) })
    page.on('crash', () => pageProblem('the page crashed'))
    const onEvent = progressReporter(io.progress, () => Date.now())
    await page.exposeFunction('evalzProgress', (e: WorkerEvent) => {
      if (e.type === 'eval') onEvent(e.event)
    })
    const started = (async () => {
      await page.goto(`${server.origin}/cli.html`)
      await page.waitForFunction(() => typeof (window as { evalzRun?: unknown }).evalzRun === 'function', undefined, { timeout: 120_000 })
    })()
    await Promise.race([started, failed])
    const spec: RunRequest = {
      runId: `cli-${Date.now()}`,
      model: CLI_MODEL_ID,
      device,
      tasks: args.tasks,
      limit: args.limit,
      numFewshot: args.numFewshot,
      batchSize: args.batchSize,
      seed: args.seed,
      bootstrapIters: args.bootstrapIters,
      logSamples: args.logSamples,
      // the page serves the folder as CLI_MODEL_ID: the results name it, its weights and their count as --device cpu does
      identity: { pretrained: modelName, name: modelDir, sha256, numParameters },
    }
    const evaluated = page.evaluate((s) => (window as unknown as CliPageWindow).evalzRun(s), spec)
    const result = await Promise.race([evaluated, failed])
    if (result.status === 'failed') throw rebuildError(result.error, server.origin, modelDir)
    io.progress.write(`evalz: ran on ${describeDevice(result.device)}\n`)
    const resultsJson = result.resultsJson
    const header = `transformers.js (pretrained=${modelName},dtype=${dtype}), limit: ${args.limit ?? 'None'}, num_fewshot: ${args.numFewshot ?? 'None'}, batch_size: ${args.batchSize}`
    io.stdout(`${header}\n${resultsTables(tableValues(resultsJson))}\n`)
    if (args.output !== undefined) {
      const samples = Object.entries(args.logSamples ? result.samplesJsonl ?? {} : {}).map(([task, text]) => [`samples_${task}.jsonl`, text] as const)
      const lines = await saveRunFiles(resolve(args.output), { results: resultsJson, samples })
      for (const line of lines) io.progress.write(`${line}\n`)
    } else if (args.logSamples) {
      io.progress.write('evalz: --log-samples needs --output DIR; samples were not written\n')
    }
  } finally {
    await browser?.close().catch(() => undefined)
    await server.close().catch(() => undefined)
  }
}

/** Options the worker does not take: one line each, before anything starts. */
function checkBrowserArgs(args: RunArgs): void {
  const bad = (what: string): HarnessError => new HarnessError('USAGE', `${what} is not available with --device ${args.device} (the web app's worker runs it; use --device cpu)`)
  if (args.dtype !== undefined && args.dtype !== 'fp32') throw bad(`--dtype '${args.dtype}' (valid here: fp32)`)
  if (args.tokenizer !== undefined) throw bad('--tokenizer')
  if (args.maxLength !== undefined) throw bad('--max-length')
  if (args.limit !== undefined && !Number.isInteger(args.limit)) throw bad(`a fractional --limit (${args.limit})`)
}

/** The results object the table is printed from (numbers as the cpu path holds them). */
function tableValues(text: string): Record<string, unknown> {
  return parsePythonJson(text) as Record<string, unknown>
}

/** Parameter count of the ONNX weights, as the cpu path reports it; undefined when unreadable. */
async function countParameters(path: string): Promise<number | undefined> {
  const file = await open(path).catch(() => undefined)
  if (!file) return undefined
  try {
    const { size } = await file.stat()
    return await countOnnxParameters({
      size,
      async read(offset, length) {
        const buf = new Uint8Array(Math.max(0, Math.min(length, size - offset)))
        const { bytesRead } = await file.read(buf, 0, buf.length, offset)
        return buf.subarray(0, bytesRead)
      },
    })
  } catch {
    return undefined
  } finally {
    await file.close()
  }
}

/** A worker failure as the error the cpu path would throw (HarnessError codes kept; anything else a plain Error). */
function rebuildError(wire: WireError, origin: string, modelDir: string): Error {
  const message = servedAsLocal(wire.message, origin, modelDir)
  if (wire.code === 'INTERNAL') return new Error(`the browser worker failed: ${message}`)
  return new HarnessError(wire.code, message, wire.detail)
}

/**
 * A page message with the served names put back as the user gave them: the page sees the model folder as
 * `<origin>/models/__cli__/…` (id `__cli__`) and the data as `<origin>/datasets/…`; the user passed a folder.
 */
export function servedAsLocal(text: string, origin: string, modelDir: string): string {
  return text
    .replaceAll(`${origin}/models/${CLI_MODEL_ID}/`, `${modelDir}/`)
    .replaceAll(`/models/${CLI_MODEL_ID}/`, `${modelDir}/`)
    .replaceAll(CLI_MODEL_ID, modelDir)
}

function describeDevice(d: DeviceReport): string {
  const adapter = d.device === 'webgpu' && d.adapter ? ` (adapter ${[d.adapter.vendor, d.adapter.architecture].filter(Boolean).join(' ') || 'unnamed'})`
    : d.threads !== undefined ? ` (${d.threads} ${d.threads === 1 ? 'thread' : 'threads'})` : ''
  return `${d.device}${adapter} in headless Chromium`
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]
}
