/**
 * Loading a model evalz runs itself (folder, Hub repo, converted checkpoint) on onnxruntime-node: used by
 * `evalz run`, `evalz serve` and the `--num-workers` worker processes.
 */
import { resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { ProgressSink } from './progress.ts'
import { resolveModel } from './model-source.ts'
import type { HubAccess, ModelArgs, ResolvedModel } from './model-source.ts'
import { checkModelDir, dtypeSuffix, modelWeightsSha256 } from './model-files.ts'
import { configureTransformers } from '../backends/transformers/init.ts'
import { loadTransformersParts } from '../backends/transformers/transformers-backend.ts'
import type { BackendParts } from '../backends/transformers/transformers-backend.ts'

/** What names and shapes the local model. */
export type LocalModelArgs = ModelArgs & Pick<RunArgs, 'tokenizer' | 'maxLength'>

/** A loaded local model. */
export interface LocalModel {
  /** model, tokenizer and settings */
  readonly parts: BackendParts
  /** where it came from */
  readonly model: ResolvedModel
}

/** Resolves (downloads or converts when needed) and loads the model; `threads` caps onnxruntime's intra-op threads. */
export async function loadLocalModel(args: LocalModelArgs, hub: HubAccess, progress: ProgressSink, threads?: number): Promise<LocalModel> {
  const model = await resolveModel(args, hub, progress)
  const suffix = dtypeSuffix(model.dtype)
  checkModelDir(model.dir, suffix)
  configureTransformers({ allowRemote: false })
  const parts = await loadTransformersParts({
    model: model.dir,
    tokenizer: args.tokenizer === undefined ? undefined : resolve(args.tokenizer),
    device: 'cpu',
    dtype: model.dtype,
    maxLength: args.maxLength,
    modelSha256: await modelWeightsSha256(model.dir, suffix),
    threads,
  })
  return { parts, model }
}
