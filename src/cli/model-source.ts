/**
 * Where `evalz run --model` comes from: a local transformers.js folder, or a Hub repo (`owner/name[@revision]`)
 * downloaded into the cache (or, with --offline, read from it). Either way the run gets a local folder.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { ProgressSink } from './progress.ts'
import { formatDuration } from './progress.ts'
import { HarnessError } from '../core/errors.ts'
import type { ModelOrigin } from '../core/results/results-json.ts'
import { ensureHubModel } from './hub-model-cache.ts'
import { isCheckpointPath, prepareCheckpointModel } from './checkpoint-model.ts'
import { formatSize as formatBytes, parseHubModelId } from '../data/hub-model.ts'

/** The model a run loads. */
export interface ResolvedModel {
  /** absolute local folder in transformers.js layout */
  readonly dir: string
  /** weights variant to load: fp32, q8, … */
  readonly dtype: string
  /** how the user named it (model_args' pretrained=) */
  readonly name: string
  /** where it came from, for the results file; undefined for a plain local folder */
  readonly origin?: ModelOrigin
  /** a quantised checkpoint's arithmetic (its graph: exact = onnx/model.onnx, int8 = onnx/model_int8.onnx) */
  readonly compute?: 'exact' | 'int8'
}

/** The options that name a model (evalz run, chat and serve). */
export type ModelArgs = Pick<RunArgs, 'model' | 'adapter' | 'dtype'> & { readonly compute?: RunArgs['compute'] }

/** Hub access for a run: endpoint, token (never printed or written), offline. */
export interface HubAccess {
  /** Hub base URL without a trailing slash */
  readonly endpoint: string
  /** access token, or undefined */
  readonly token: string | undefined
  /** only the cache may be used */
  readonly offline: boolean
  /** cache root */
  readonly cacheDir: string
}

/** Resolves --model to a local folder, downloading a Hub model when needed. */
export async function resolveModel(args: ModelArgs, hub: HubAccess, progress: ProgressSink): Promise<ResolvedModel> {
  if (args.adapter !== undefined || isCheckpointPath(args.model)) return convertCheckpoint(args, hub.cacheDir, progress)
  if (args.compute === 'int8') {
    throw new HarnessError('USAGE', `--compute int8 applies to a quantised .gguf checkpoint; '${args.model}' is not one (pick a model's own int8 weights with --dtype)`)
  }
  if (existsSync(args.model)) return { dir: resolve(args.model), dtype: args.dtype ?? 'fp32', name: args.model }
  const id = parseHubModelId(args.model)
  if (!id) throw new HarnessError('MODEL_NOT_FOUND', `model folder '${args.model}' does not exist (pass a local model folder or a Hub id owner/name[@revision])`, { model: args.model })
  const show = downloadProgress(progress, args.model)
  const model = await ensureHubModel({
    cacheDir: hub.cacheDir,
    endpoint: hub.endpoint,
    id: args.model,
    dtype: args.dtype,
    device: 'cpu',
    token: hub.token,
    offline: hub.offline,
    onProgress: show.update,
  })
  show.done()
  return {
    dir: model.dir,
    dtype: model.dtype,
    name: args.model,
    origin: {
      kind: 'hub',
      revision: model.revision,
      sha: model.sha,
      detail: { repo: model.repo, revision: model.revision, sha: model.sha, endpoint: hub.endpoint, files: model.files.map(f => ({ path: f.path, size: f.size, sha256: f.sha256 })) },
    },
  }
}

/** A GGUF file or safetensors folder (with an optional LoRA adapter), converted once into the cache. */
async function convertCheckpoint(args: ModelArgs, cacheDir: string, progress: ProgressSink): Promise<ResolvedModel> {
  if (args.dtype !== undefined && args.dtype !== 'fp32') {
    throw new HarnessError('USAGE', `--dtype '${args.dtype}' does not apply to a converted checkpoint (its weights become fp32); drop --dtype`)
  }
  let lastAt = 0
  const m = await prepareCheckpointModel({
    model: args.model,
    adapter: args.adapter,
    cacheDir,
    onProgress: (p) => {
      const now = Date.now()
      if (p.stage !== 'convert' || (now - lastAt < 2000 && p.done < p.total)) return
      lastAt = now
      const bytes = p.bytes !== undefined && p.totalBytes ? ` (${formatBytes(p.bytes)} of ${formatBytes(p.totalBytes)})` : ''
      progress.write(`evalz: converting ${args.model}: ${p.done}/${p.total} tensors${bytes}\n`)
    },
  })
  progress.write(`evalz: ${m.cached ? 'using the converted' : 'converted'} ${m.description}\n`)
  const detail = {
    format: m.format,
    base_sha256: m.baseSha256,
    ...(args.adapter === undefined ? {} : { adapter: args.adapter, adapter_sha256: m.adapterSha256 ?? null }),
    description: m.description,
    weight_dtype: m.weightDtype,
  }
  const origin: ModelOrigin = { kind: 'checkpoint', sha: m.baseSha256, detail }
  // a quantised GGUF's folder holds one graph per arithmetic (see checkpoint-conversion.ts COMPUTE_GRAPHS)
  if (!existsSync(join(m.dir, 'onnx', 'model_int8.onnx'))) {
    if (args.compute === 'int8') throw new HarnessError('USAGE', `--compute int8 needs quantised weights; ${m.description} has float weights (drop --compute)`)
    return { dir: m.dir, dtype: 'fp32', name: args.model, origin }
  }
  const compute = args.compute ?? 'exact'
  return { dir: m.dir, dtype: compute === 'int8' ? 'int8' : 'fp32', name: args.model, origin, compute }
}

/** Download progress on the sink: a redrawn line on a TTY, else a line every 10% or 10 s. */
function downloadProgress(sink: ProgressSink, name: string): { update: (p: { path: string; loaded: number; total: number; bytesPerSecond: number; etaSeconds: number | undefined }) => void; done: () => void } {
  let shown = false
  let lastStep = -1
  let lastAt = 0
  /** bytes already held when the first event came (cached files): nothing is said until new bytes arrive */
  let base: number | undefined
  return {
    update(p) {
      base ??= p.loaded
      if (p.loaded <= base) return
      shown = true
      const eta = p.etaSeconds === undefined ? '' : `, ${formatDuration(p.etaSeconds)} left`
      const text = `downloading ${name}: ${p.path} · ${formatBytes(p.loaded)} of ${formatBytes(p.total)} (${formatBytes(p.bytesPerSecond)}/s${eta})`
      if (sink.isTTY) return sink.write(`\r${text}\x1b[K`)
      const step = p.total > 0 ? Math.floor((p.loaded / p.total) * 10) : 0
      const now = Date.now()
      if (step > lastStep || now - lastAt > 10_000) {
        lastStep = step
        lastAt = now
        sink.write(`evalz: ${text}\n`)
      }
    },
    done() {
      if (shown && sink.isTTY) sink.write('\n')
    },
  }
}
