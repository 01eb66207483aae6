/**
 * What the page asks the worker to run (app/run-request.ts validates it and maps it onto the engine's run description).
 */
import type { DeviceRequest } from './device.ts'
import type { ServerModelRef } from './server-api.ts'

/** Where a run's model comes from. */
export type ModelSource = 'app' | 'stored' | 'server'

/** One evaluation run, as the page asks for it (structured-clone safe). */
export interface RunRequest {
  /** id the page picks; cancel(runId) refers to it */
  readonly runId: string
  /** model id: a folder under the app's /models/ (e.g. 'demo' → /models/demo/), or a stored model's id */
  readonly model: string
  /** where `model` lives: 'app' = served by the app under /models/ (default), 'stored' = uploaded to IndexedDB,
   * 'server' = `model` is the served name on an OpenAI-compatible server (see `server`) */
  readonly modelSource?: ModelSource
  /** the server and tokenizer when modelSource is 'server' (its key stays in the worker's settings) */
  readonly server?: ServerModelRef
  /** 'auto' = WebGPU when an adapter exists, else wasm */
  readonly device: DeviceRequest
  /** task, group and tag names (e.g. ['demo']) */
  readonly tasks: readonly string[]
  /** docs per task (--limit); undefined = all */
  readonly limit: number | undefined
  /** shots per prompt (--num_fewshot); undefined = each task's default */
  readonly numFewshot: number | undefined
  /** rows per forward pass, ≥ 1 */
  readonly batchSize: number
  /** few-shot sampling seed (lm-eval's fewshot_random_seed, default 1234) */
  readonly seed: number
  /** bootstrap iterations for perplexity/median stderr (lm-eval's default 100000) */
  readonly bootstrapIters: number
  /** keep per-doc records and return them as samples_<task>.jsonl texts (lm-eval's --log_samples); default false */
  readonly logSamples?: boolean
  /** how the results name the model when this page cannot tell (the CLI's --device path); absent = by the request's model */
  readonly identity?: ModelIdentity
  /** task → the only doc ids to evaluate (a share link's spot-check); tasks not listed evaluate none; undefined = all */
  readonly docIds?: { readonly [task: string]: readonly number[] }
}

/**
 * The model as the results file names it, given by a caller that knows more than the page: `evalz run --device
 * wasm|webgpu` serves the user's folder to the page under a fixed name, and hashes and counts the weights in Node.
 */
export interface ModelIdentity {
  /** `pretrained=` of model_args, e.g. 'public/models/demo' (as --device cpu writes it) */
  readonly pretrained: string
  /** model_name: the folder's absolute path */
  readonly name: string
  /** sha256 of the weights, hex (model_sha, evalz.model_sha256) */
  readonly sha256: string
  /** parameters of the weights (model_num_parameters); undefined when unreadable */
  readonly numParameters: number | undefined
}
