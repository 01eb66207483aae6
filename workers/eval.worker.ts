/**
 * The evaluation worker: composes the core, transformers.js (ORT wasm served by the app itself, models from
 * /models/) and the app's dataset mirror (/datasets/), and exposes the EvalWorkerApi with comlink.
 */
import * as Comlink from 'comlink'
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url'
import ortMjs from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url'
import { version } from '../package.json'
import { builtinCatalogue, listCatalogue } from '../src/core/catalogue.ts'
import { evaluate } from '../src/core/evaluator.ts'
import { pyJsonDumps } from '../src/core/python/json.ts'
import { configureTransformers } from '../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../src/backends/transformers/transformers-backend.ts'
import { httpFileAccess } from '../src/data/http-file-access.ts'
import { mirrorSource } from '../src/data/mirror-source.ts'
import type { GpuLike } from '../src/protocol/device.ts'
import { createEvalService } from '../src/protocol/eval-service.ts'
import type { EvalWorkerApi } from '../src/protocol/eval-worker-api.ts'

const root = new URL(import.meta.env.BASE_URL, self.location.origin)
const abs = (url: string): string => new URL(url, self.location.href).href
configureTransformers({
  allowRemote: false,
  // a path, not an http(s) URL: transformers.js skips its local-file lookup for URL-shaped local paths
  localModelPath: new URL('models/', root).pathname,
  wasmPaths: { wasm: abs(ortWasm), mjs: abs(ortMjs) },
  logLevel: 'error',
  // the app serves its own models; a Cache Storage copy would go stale when public/models changes
  useBrowserCache: false,
})
const catalogue = builtinCatalogue()
const service = createEvalService({
  catalogue,
  entries: listCatalogue(catalogue),
  source: mirrorSource(httpFileAccess(new URL('datasets/', root).href)),
  gpu: (navigator as Navigator & { gpu?: GpuLike }).gpu,
  loadBackend: (model, device, onLoadProgress) => loadTransformersBackend({ model, device, dtype: 'fp32', onLoadProgress }),
  evaluate,
  dumpResults: (results) => pyJsonDumps(results, { indent: 2 }),
  evalzVersion: version,
  now: () => performance.now(),
  clock: () => Date.now() / 1000,
})

// The event callback arrives as a comlink proxy; release its MessageChannel once the run is over.
Comlink.expose({
  ...service,
  run: (spec, onEvent) => service.run(spec, onEvent).finally(() => (onEvent as Comlink.Remote<typeof onEvent>)[Comlink.releaseProxy]()),
} satisfies EvalWorkerApi)
