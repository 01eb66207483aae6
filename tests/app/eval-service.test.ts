/**
 * The worker's run logic in Node: the real engine and catalogue, the demo datasets read through httpFileAccess
 * (the browser's path) with a fetch served from public/datasets, and a fake backend with fixed answers.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { BatchOptions, ModelBackend } from '../../src/core/backend.ts'
import { builtinCatalogue, listCatalogue } from '../../src/core/catalogue.ts'
import { HarnessError } from '../../src/core/errors.ts'
import { evaluate } from '../../src/core/evaluator.ts'
import { pyJsonDumps } from '../../src/core/python/json.ts'
import { httpFileAccess } from '../../src/data/http-file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import type { GpuLike, RunDevice } from '../../src/protocol/device.ts'
import { createEvalService } from '../../src/app/eval-service.ts'
import type { EvalServiceDeps } from '../../src/app/eval-service.ts'
import type { RunRequest } from '../../src/protocol/run-request.ts'
import { RUN_DEFAULTS } from '../../src/app/run-request.ts'
import { parsePyJson } from '../../src/app/wire-json.ts'
import type { WorkerEvent } from '../../src/protocol/worker-event.ts'

const DATASETS = fileURLToPath(new URL('../../public/datasets/', import.meta.url))

/** fetch over public/datasets for URLs under http://app/datasets/ */
async function diskFetch(input: string | URL | Request): Promise<Response> {
  const path = new URL(String(input)).pathname.replace(/^\/datasets\//, '')
  try {
    return new Response(await readFile(DATASETS + decodeURIComponent(path)))
  } catch {
    return new Response('not found', { status: 404 })
  }
}

/** A backend that answers every request the same way: logprob -1, rolling -10, generation ' 4'. */
function fakeBackend(device: RunDevice, log: string[]): ModelBackend {
  const info = {
    name: 'fake', version: '0', model: 'demo', modelSha256: undefined, numParameters: undefined, device, dtype: 'fp32',
    maxLength: 2048, bosToken: undefined, eosToken: undefined, padToken: undefined, prefixTokenId: 0,
  }
  async function answer<T>(n: number, opts: BatchOptions<T>, make: () => T): Promise<T[]> {
    opts.onProgress?.({ done: n, total: n, tokens: n * 7 })
    return Array.from({ length: n }, make)
  }
  return {
    info,
    loglikelihood: (reqs, opts) => answer(reqs.length, opts, () => ({ logprob: -1, isGreedy: false, contextTokens: [1], continuationTokens: [2] })),
    loglikelihoodRolling: (reqs, opts) => answer(reqs.length, opts, () => ({ logprob: -10, tokens: [1, 2, 3], windows: 1 })),
    generateUntil: (reqs, opts) => answer(reqs.length, opts, () => ({ text: ' 4', contextTokens: [1], generatedTokens: [3] })),
    async dispose() {
      log.push(`dispose ${device}`)
    },
  }
}

function service(over: Partial<EvalServiceDeps> = {}, log: string[] = []) {
  const catalogue = builtinCatalogue()
  let t = 0
  return createEvalService({
    catalogue,
    entries: listCatalogue(catalogue),
    source: mirrorSource(httpFileAccess('http://app/datasets/', diskFetch)),
    gpu: undefined,
    async loadBackend(model, device, onProgress) {
      log.push(`load ${model} ${device}`)
      onProgress({ file: 'onnx/model.onnx', loaded: 100, total: 100 })
      return fakeBackend(device, log)
    },
    evaluate,
    dumpResults: (r) => pyJsonDumps(r, { indent: 2 }),
    evalzVersion: '9.9.9',
    now: () => (t += 1),
    clock: () => 1700000000,
    throttleMs: 0,
    ...over,
  })
}

function request(over: Partial<RunRequest> = {}): RunRequest {
  return { ...RUN_DEFAULTS, runId: 'r1', limit: 2, numFewshot: undefined, bootstrapIters: 10, ...over }
}

const ADAPTER: GpuLike = { requestAdapter: async () => ({ info: { vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: false } }) }
const SOFTWARE: GpuLike = { requestAdapter: async () => ({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } }) }

describe('createEvalService', () => {
  it('lists the catalogue', async () => {
    const entries = await service().listTasks()
    expect(entries.find((e) => e.kind === 'tag' && e.name === 'demo')?.members).toEqual(['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories'])
  })

  it('runs the demo: events in order, JSON-safe results and the results file text', async () => {
    const log: string[] = []
    const events: WorkerEvent[] = []
    const result = await service({}, log).run(request(), (e) => events.push(e))
    if (result.status !== 'done') throw new Error(JSON.stringify(result.error))
    expect(log).toEqual(['load demo wasm', 'dispose wasm'])
    const kinds = events.map((e) => (e.type === 'eval' ? `eval:${e.event.type}` : e.type))
    expect(kinds.slice(0, 5)).toEqual(['phase', 'load', 'device', 'phase', 'eval:planned'])
    expect(kinds.at(-1)).toBe('phase')
    expect(kinds.filter((k) => k === 'eval:scored')).toHaveLength(4)
    expect(events.find((e) => e.type === 'device')).toEqual({
      type: 'device',
      report: { requested: 'auto', device: 'wasm', adapter: undefined, fellBack: true, reason: 'this browser has no WebGPU (navigator.gpu is missing)' },
    })
    expect(result.device.device).toBe('wasm')
    expect(structuredClone(result)).toEqual(result)
    expect(JSON.parse(JSON.stringify(result.results))).toEqual(result.results)
    expect(parsePyJson(result.resultsJson)).toEqual(result.results)
    expect(result.resultsJson).toMatch(/^\{\n {2}"results": \{/)
    const res = result.results.results as Record<string, Record<string, unknown>>
    expect(Object.keys(res).sort()).toEqual(['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories'])
    // every cloze continuation scores logprob -1 and is not greedy: accuracy 0, perplexity exp(1)
    expect(res.demo_cloze['acc,none']).toBe(0)
    expect(res.demo_cloze['perplexity,none']).toBeCloseTo(Math.E, 12)
    const config = result.results.config as Record<string, unknown>
    expect(config).toMatchObject({ model: 'transformers.js', model_args: 'pretrained=demo,dtype=fp32', limit: 2, device: 'wasm', bootstrap_iters: 10 })
    expect((result.results.evalz as Record<string, unknown>).version).toBe('9.9.9')
  })

  it('uses WebGPU when a hardware adapter exists and falls back to wasm when loading there fails', async () => {
    const log: string[] = []
    const ok = await service({ gpu: ADAPTER }, log).run(request({ tasks: ['demo_cloze'] }), () => undefined)
    expect(ok.status === 'done' && ok.device).toMatchObject({ device: 'webgpu', fellBack: false, adapter: { architecture: 'ampere' } })
    // a software adapter: auto runs wasm and says why
    const soft = await service({ gpu: SOFTWARE }, log).run(request({ tasks: ['demo_cloze'] }), () => undefined)
    expect(soft.status === 'done' && soft.device).toMatchObject({ device: 'wasm', fellBack: false, reason: expect.stringMatching(/swiftshader.*software/) })
    const failing = service({
      gpu: ADAPTER,
      async loadBackend(_model, device) {
        if (device === 'webgpu') throw new Error('no shader-f16')
        return fakeBackend(device, log)
      },
    })
    const events: WorkerEvent[] = []
    const fell = await failing.run(request({ tasks: ['demo_cloze'] }), (e) => events.push(e))
    expect(fell.status === 'done' && fell.device).toMatchObject({ device: 'wasm', fellBack: true })
    expect(fell.status === 'done' && fell.device.reason).toMatch(/no shader-f16/)
  })

  it('reports the wasm thread count with a wasm device (in the device event and results), never with WebGPU', async () => {
    const log: string[] = []
    const events: WorkerEvent[] = []
    const wasm = await service({ gpu: SOFTWARE, wasmThreads: 2 }, log).run(request({ tasks: ['demo_cloze'] }), (e) => events.push(e))
    expect(wasm.status === 'done' && wasm.device.threads).toBe(2)
    expect(events.find((e) => e.type === 'device')).toMatchObject({ report: { device: 'wasm', threads: 2 } })
    expect(wasm.status === 'done' && (wasm.results.evalz as Record<string, unknown>).wasm_threads).toBe(2)
    const gpu = await service({ gpu: ADAPTER, wasmThreads: 2 }, log).run(request({ tasks: ['demo_cloze'] }), () => undefined)
    expect(gpu.status === 'done' && gpu.device.threads).toBeUndefined()
    expect(gpu.status === 'done' && (gpu.results.evalz as Record<string, unknown>).wasm_threads).toBeNull()
  })

  it('returns setup errors as data', async () => {
    const unknown = await service().run(request({ tasks: ['no_such_task'] }), () => undefined)
    expect(unknown).toMatchObject({ status: 'failed', runId: 'r1', error: { code: 'TASK_UNKNOWN' } })
    const forced = await service().run(request({ device: 'webgpu' }), () => undefined)
    expect(forced).toMatchObject({ status: 'failed', error: { code: 'BACKEND_ERROR', detail: { device: 'webgpu' } } })
    const usage = await service().run(request({ limit: 0, batchSize: 0 }), () => undefined)
    expect(usage.status === 'failed' && usage.error.code).toBe('USAGE')
    expect(usage.status === 'failed' && usage.error.message).toMatch(/limit 0.*; batch size 0/)
    const missing = await service({
      loadBackend: async () => { throw new HarnessError('MODEL_NOT_FOUND', 'model files missing for demo', { model: 'demo' }) },
    }).run(request(), () => undefined)
    expect(missing).toMatchObject({ status: 'failed', error: { code: 'MODEL_NOT_FOUND', detail: { model: 'demo' } } })
  })

  it('cancels a run by id and releases the backend', async () => {
    const log: string[] = []
    let release: () => void = () => undefined
    const gate = new Promise<void>((r) => { release = r })
    const svc = service({
      async loadBackend(_, device) {
        await gate
        return fakeBackend(device, log)
      },
    }, log)
    const pending = svc.run(request({ runId: 'abc' }), () => undefined)
    svc.cancel('other')
    svc.cancel('abc')
    release()
    expect(await pending).toMatchObject({ status: 'failed', runId: 'abc', error: { code: 'CANCELLED' } })
    expect(log).toEqual(['dispose wasm'])
  })
})

describe('a run on a served model (Model → Server)', () => {
  const SERVER = { url: 'http://127.0.0.1:8000/v1', tokenizer: 'demo', tokenizerSource: 'app' as const }
  const ORIGIN = { kind: 'api' as const, detail: { base_url: SERVER.url, model: 'demo', owned_by: 'vllm', tokenizer: 'demo', prompt_logprobs: true } }
  const MODEL_ARGS = `model=demo,base_url=${SERVER.url}/completions,tokenizer=demo,tokenizer_backend=huggingface,tokenized_requests=True,num_concurrent=4,max_length=2048`

  function served(log: string[], promptLogprobs = true): NonNullable<EvalServiceDeps['server']> {
    const fail = async () => ({ ok: false as const, error: { code: 'USAGE' as const, message: 'not here', detail: undefined } })
    return {
      getServerSettings: fail, setServerSettings: fail, checkServer: fail,
      async connect(spec) {
        log.push(`connect ${spec.model} @ ${spec.server?.url}`)
        return { backend: fakeBackend('wasm', log), modelArgs: MODEL_ARGS, origin: ORIGIN, promptLogprobs }
      },
    }
  }

  it('connects instead of loading a model and records lm-eval\'s local-completions run', async () => {
    const log: string[] = []
    const events: WorkerEvent[] = []
    const result = await service({ server: served(log) }, log).run(request({ modelSource: 'server', server: SERVER, tasks: ['demo_cloze'] }), (e) => events.push(e))
    if (result.status !== 'done') throw new Error(JSON.stringify(result.error))
    expect(log).toEqual([`connect demo @ ${SERVER.url}`, 'dispose wasm'])
    expect(result.device).toMatchObject({ device: 'server', fellBack: false, reason: `the model runs on ${SERVER.url}; its tokenizer runs here` })
    expect(events.find((e) => e.type === 'device')).toMatchObject({ report: { device: 'server' } })
    expect(result.results.config).toMatchObject({ model: 'local-completions', model_args: MODEL_ARGS })
    expect((result.results.evalz as Record<string, unknown>).model_origin).toMatchObject({ kind: 'api', base_url: SERVER.url, owned_by: 'vllm' })
  })

  it('refuses a server run without a server or without storage for its settings, in one line', async () => {
    const noUrl = await service({ server: served([]) }).run(request({ modelSource: 'server', server: { ...SERVER, url: 'ftp://x/v1' } }), () => undefined)
    expect(noUrl.status === 'failed' && noUrl.error.message).toBe('a server run needs server.url (http(s), ending in /v1)')
    const noStore = await service().run(request({ modelSource: 'server', server: SERVER }), () => undefined)
    expect(noStore.status === 'failed' && noStore.error.message).toBe('served models need this browser\'s storage (IndexedDB) for their settings')
  })

  it('refuses, in one line before any request, the tasks a server without prompt log-probabilities cannot run', async () => {
    const log: string[] = []
    const mixed = await service({ server: served(log, false) }, log).run(request({ modelSource: 'server', server: SERVER, tasks: ['demo_cloze', 'demo_arith'] }), () => undefined)
    expect(mixed.status === 'failed' && mixed.error).toMatchObject({ code: 'API_UNSUPPORTED', detail: { tasks: ['demo_cloze'] } })
    expect(mixed.status === 'failed' && mixed.error.message).toBe(`the server at ${SERVER.url} returns no log-probabilities for prompt tokens of 'demo', `
      + 'so demo_cloze cannot run on it (demo_arith can: run them alone); or use a server that echoes prompt log-probabilities (vLLM, evalz serve)')
    expect(log).toEqual([`connect demo @ ${SERVER.url}`, 'dispose wasm'])
    const generation = await service({ server: served([], false) }).run(request({ modelSource: 'server', server: SERVER, tasks: ['demo_arith'] }), () => undefined)
    expect(generation.status).toBe('done')
  })
})
