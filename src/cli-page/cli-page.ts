/**
 * Script of cli.html, the page `evalz run --device webgpu|wasm` opens in headless Chromium: it starts the web
 * app's evaluation worker and exposes `window.evalzRun(spec)`, which runs one evaluation and forwards the worker's
 * progress events to `window.evalzProgress` (a Playwright binding) when present.
 */
import * as Comlink from 'comlink'
import type { CliPageWindow } from '../protocol/cli-page.ts'
import type { EvalWorkerApi } from '../protocol/eval-worker-api.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'

const worker = new Worker(new URL('../../workers/eval.worker.ts', import.meta.url), { type: 'module' })
const api = Comlink.wrap<EvalWorkerApi>(worker)
const page = window as unknown as Window & CliPageWindow

// A worker that fails to load or crashes never answers; turn that into a rejection instead of a hang.
const broken = new Promise<never>((_, reject) => {
  worker.addEventListener('error', (e) => reject(new Error(`the evaluation worker failed: ${e.message || 'its script could not be loaded'}`)))
  worker.addEventListener('messageerror', () => reject(new Error('the evaluation worker sent a message that could not be read')))
})
broken.catch(() => undefined)

page.evalzRun = (spec) => Promise.race([
  api.run(spec, Comlink.proxy((e: WorkerEvent) => {
    void page.evalzProgress?.(e)
  })),
  broken,
])
