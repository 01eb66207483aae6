/**
 * A RunRequest (protocol/run-request.ts) checked, and mapped onto the engine's run description.
 */
import type { ModelOrigin, RunInfo } from '../core/results/results-json.ts'
import { suffixOfDtype } from '../core/dtypes.ts'
import { batchSizeProblem } from '../core/backend.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { ModelIdentity, RunRequest } from '../protocol/run-request.ts'
import type { ModelRunInfo } from './run-evaluation.ts'

/** Defaults the page starts from (lm-eval's defaults where lm-eval has one). */
export const RUN_DEFAULTS = {
  model: 'demo',
  device: 'auto',
  tasks: ['demo'],
  batchSize: 1,
  seed: 1234,
  bootstrapIters: 100000,
} as const satisfies Partial<RunRequest>

/** Problems with a request, one line each; empty when it is valid. */
export function runRequestProblems(spec: RunRequest): string[] {
  const problems: string[] = []
  if (spec.runId === '') problems.push('runId is empty')
  if (spec.modelSource !== undefined && spec.modelSource !== 'app' && spec.modelSource !== 'stored' && spec.modelSource !== 'server') {
    problems.push(`modelSource '${String(spec.modelSource)}' is invalid; use app, stored or server`)
  }
  if (spec.modelSource === 'server') {
    if (spec.model.trim() === '') problems.push('the served model name is empty')
    if (!spec.server || !/^https?:\/\//.test(spec.server.url)) problems.push('a server run needs server.url (http(s), ending in /v1)')
  }
  // stored ids: 'name-1a2b3c4d' for dropped folders, 'owner/name@1a2b3c4d' for Hub downloads
  const idPattern = spec.modelSource === 'stored' ? /^[\w][\w.-]*(\/[\w.-]+@[0-9a-f]{8})?$/ : /^[\w][\w.-]*$/
  if (spec.modelSource !== 'server' && !idPattern.test(spec.model)) {
    problems.push(spec.modelSource === 'stored' ? `stored model id '${spec.model}' is invalid` : `model '${spec.model}' is not a folder name under /models/`)
  }
  if (!['auto', 'webgpu', 'wasm'].includes(spec.device)) problems.push(`device '${spec.device}' is invalid; use auto, webgpu or wasm`)
  if (spec.tasks.length === 0) problems.push('no tasks given')
  if (spec.limit !== undefined && !(Number.isInteger(spec.limit) && spec.limit >= 1)) problems.push(`limit ${spec.limit} is invalid; use an integer ≥ 1 or leave it empty`)
  if (spec.numFewshot !== undefined && !(Number.isInteger(spec.numFewshot) && spec.numFewshot >= 0)) problems.push(`numFewshot ${spec.numFewshot} is invalid; use an integer ≥ 0`)
  const batch = batchSizeProblem(spec.batchSize)
  if (batch !== undefined) problems.push(batch)
  if (!Number.isInteger(spec.seed)) problems.push(`seed ${spec.seed} is invalid; use an integer`)
  if (spec.docIds !== undefined && !Object.values(spec.docIds).every((ids) => Array.isArray(ids) && ids.every((id) => Number.isSafeInteger(id) && id >= 0))) {
    problems.push('docIds must map task names to lists of doc ids (integers ≥ 0)')
  }
  if (spec.identity !== undefined) problems.push(...identityProblems(spec.identity))
  if (!(Number.isInteger(spec.bootstrapIters) && spec.bootstrapIters >= 0)) problems.push(`bootstrapIters ${spec.bootstrapIters} is invalid; use an integer ≥ 0`)
  return problems
}

/**
 * How the results file names a request's model (the model half of lm-eval's `config` block); `modelName` names a
 * stored model in `model_args` (default: the request's model id).
 */
export function modelRunInfo(spec: RunRequest, modelName = spec.model, stored?: ModelInfo): ModelRunInfo {
  const hub = stored?.hub
  const id = spec.identity
  return {
    model: 'transformers.js',
    modelArgs: `pretrained=${hub ? `${hub.repo}@${hub.revision}` : id?.pretrained ?? modelName},dtype=${hub?.dtype ?? 'fp32'}`,
    ...(id ? { modelName: id.name, modelSha256: id.sha256 } : {}),
    ...(id?.numParameters !== undefined ? { numParameters: id.numParameters } : {}),
    tokenizer: undefined,
    ...(hub ? { modelOrigin: hubOrigin(hub, stored!) } : {}),
    // a checkpoint converted in the page: recorded as the CLI records its conversions
    ...(!hub && stored?.converted ? { modelOrigin: { kind: 'checkpoint', sha: stored.converted.base_sha256, detail: { ...stored.converted } } } : {}),
  }
}

/** The whole run description of a request as runEvaluation builds it (for tests and fixtures that call the engine). */
export function runInfoFor(spec: RunRequest, evalzVersion: string, startTime: number, modelName = spec.model, stored?: ModelInfo): RunInfo {
  return {
    ...modelRunInfo(spec, modelName, stored), batchSize: spec.batchSize, limit: spec.limit, numFewshot: spec.numFewshot,
    bootstrapIters: spec.bootstrapIters, fewshotSeed: spec.seed, evalzVersion, startTime,
  }
}

/** The results file's record of a Hub model: repo, revision, commit and the loaded dtype's files with hashes. */
function hubOrigin(hub: NonNullable<ModelInfo['hub']>, model: ModelInfo): ModelOrigin {
  const suffix = suffixOfDtype(hub.dtype) ?? ''
  const onnx = `onnx/model${suffix}.onnx`
  const files = model.files.filter((f) => !f.path.startsWith('onnx/') || f.path === onnx || f.path.startsWith(`${onnx}_data`))
  return {
    kind: 'hub',
    revision: hub.revision,
    sha: hub.sha,
    detail: { repo: hub.repo, revision: hub.revision, sha: hub.sha, dtype: hub.dtype, files: files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) },
  }
}

/** Problems with a model identity, one line each. */
function identityProblems(id: ModelIdentity): string[] {
  const problems: string[] = []
  if (typeof id.pretrained !== 'string' || id.pretrained === '') problems.push('identity.pretrained must be a non-empty string')
  if (typeof id.name !== 'string' || id.name === '') problems.push('identity.name must be a non-empty string')
  if (typeof id.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(id.sha256)) problems.push(`identity.sha256 '${String(id.sha256)}' is not a sha256 (64 hex digits)`)
  if (id.numParameters !== undefined && !(Number.isSafeInteger(id.numParameters) && id.numParameters >= 0)) {
    problems.push(`identity.numParameters ${id.numParameters} is invalid; use an integer ≥ 0`)
  }
  return problems
}
