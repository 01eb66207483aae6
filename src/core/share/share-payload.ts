/**
 * What a share link carries (format version 1): the model's identity, the run's settings and, when the sharer
 * chose so, the results summary and a compact per-sample record that a recipient's spot-check compares against.
 * The payload is built by an allow-list (share-builder.ts), so nothing else of a run (tokens, Hub settings,
 * dataset rows, prompt texts) can travel in it.
 */
import type { ErrorCode } from '../errors.ts'

/** The payload format this evalz writes and reads. */
export const SHARE_FORMAT_VERSION = 1

/** Largest payload accepted, as UTF-8 JSON bytes after decompression (2 MB). */
export const MAX_PAYLOAD_BYTES = 2 * 1024 * 1024

/** Hex characters of a prompt hash kept per sample (the first 16 of lm-eval's sha256 `prompt_hash`). */
export const PROMPT_HASH_CHARS = 16

/** Hex characters kept of the sha256 of a generated answer (its prediction). */
export const ANSWER_HASH_CHARS = 16

/** A Hub model, named by the commit its files came from. */
export interface ShareHubModel {
  readonly kind: 'hub'
  /** Hub repo id, 'owner/name' (or a legacy 'name') */
  readonly repo: string
  /** the revision asked for: 'main', a branch, a tag or a commit */
  readonly revision: string
  /** the commit the files came from, 40 lowercase hex chars */
  readonly sha: string
  /** weights variant, e.g. 'fp32', 'fp16', 'q8', 'q4' */
  readonly dtype: string
}

/** A model the sharer dropped from disk: it cannot travel, so the recipient supplies it and its hash is checked. */
export interface ShareLocalModel {
  readonly kind: 'local'
  /** display name (the dropped folder's name), any Unicode, at most 200 chars */
  readonly name: string
  /** sha256 of the default weights file, 64 lowercase hex chars (ModelInfo.weightsSha256) */
  readonly weightsSha256: string
  /** weights variant, e.g. 'fp32', 'q4' */
  readonly dtype: string
}

/** A model the app itself serves under /models/ (the bundled demo model). */
export interface ShareAppModel {
  readonly kind: 'app'
  /** folder under the app's /models/, e.g. 'demo' */
  readonly id: string
}

/** Which model ran. */
export type ShareModel = ShareHubModel | ShareLocalModel | ShareAppModel

/** The model kinds a v1 payload may name. */
export const SHARE_MODEL_KINDS = ['hub', 'local', 'app'] as const

/** Chat-template settings of the run (lm-eval's --apply_chat_template family); absent = plain prompts. */
export interface ShareChat {
  /** '' = the tokenizer's default template; else a template name; absent = no chat template */
  readonly applyChatTemplate?: string
  /** few-shot examples as alternating turns; absent = lm-eval's default for the template setting */
  readonly fewshotAsMultiturn?: boolean
  /** --system_instruction text the sharer typed (run configuration, not dataset content), at most 20000 chars */
  readonly systemInstruction?: string
}

/** The device the sharer asked for (not what it fell back to). */
export type ShareDevice = 'auto' | 'webgpu' | 'wasm'

/** How the run was asked for: enough to run it again. */
export interface ShareRunSpec {
  /** task, group and tag names as typed, e.g. ['demo'] */
  readonly tasks: readonly string[]
  /** shots per prompt; null = each task's default */
  readonly numFewshot: number | null
  /** docs per task: an integer ≥ 1 takes the first N, 0 < x < 1 a fraction; null = all */
  readonly limit: number | null
  /** few-shot sampling seed (lm-eval's fewshot_random_seed) */
  readonly seed: number
  /** rows per forward pass, ≥ 1 */
  readonly batchSize: number
  /** bootstrap iterations for non-mean stderr, ≥ 0 */
  readonly bootstrapIters: number
  /** device requested */
  readonly device: ShareDevice
  /** chat-template settings; absent when the run used plain prompts */
  readonly chat?: ShareChat
}

/**
 * A results.json metric value: a finite number, 'N/A' (stderr not computed), or Python's NaN / Infinity
 * spelled as strings (JSON has no such numbers).
 */
export type ShareMetricValue = number | 'N/A' | 'NaN' | 'Infinity' | '-Infinity'

/** One task's (or group's) headline numbers, as results.json has them. */
export interface ShareTaskResult {
  /** '<metric>,<filter>' and '<metric>_stderr,<filter>' → value, e.g. { 'acc,none': 0.5, 'acc_stderr,none': 0.1 } */
  readonly metrics: { readonly [key: string]: ShareMetricValue }
  /** docs evaluated (results.json n-samples effective); absent for groups */
  readonly samples?: number
  /** shots used (results.json n-shot); absent when results.json does not say */
  readonly shots?: number
}

/** How a sample's prediction is written, by the task's output type. */
export type SharePredictionKind = 'multiple_choice' | 'generate_until' | 'loglikelihood' | 'loglikelihood_rolling'

/**
 * One logged sample, compact: [doc_id, prompt hash prefix, prediction] or, when the task has a binary metric,
 * [doc_id, prompt hash prefix, prediction, correct].
 * - doc_id: index in the eval split (integer ≥ 0)
 * - prompt hash prefix: first PROMPT_HASH_CHARS hex chars of lm-eval's prompt_hash
 * - prediction: multiple_choice → argmax choice index (first maximum of the conditional log-likelihoods);
 *   generate_until → first ANSWER_HASH_CHARS hex chars of sha256 of the filtered answer;
 *   loglikelihood → 1 when the continuation is the greedy one, else 0; loglikelihood_rolling → null;
 *   null also when the sample has no usable response (a failed doc)
 * - correct: 1 or 0, the task's binary metric (see SampleTrack.metric) for this sample; null when this sample's
 *   value is not 0/1 (e.g. NaN for a failed doc)
 */
export type SampleRow =
  | readonly [docId: number, promptHash: string, prediction: number | string | null]
  | readonly [docId: number, promptHash: string, prediction: number | string | null, correct: 0 | 1 | null]

/** One task's per-sample record. */
export interface SampleTrack {
  /** the task's output type; says how `prediction` is written */
  readonly kind: SharePredictionKind
  /** the per-sample metric whose 0/1 value is `correct` (e.g. 'acc', 'exact_match'); null = no binary metric */
  readonly metric: string | null
  /** filter name (e.g. 'none', 'strict-match') → rows in doc_id order; every filter lists the same docs */
  readonly filters: { readonly [filter: string]: readonly SampleRow[] }
}

/** Everything a share link carries. */
export interface SharePayload {
  /** payload format version: SHARE_FORMAT_VERSION */
  readonly v: typeof SHARE_FORMAT_VERSION
  /** evalz version that produced the run, e.g. '0.1.0' */
  readonly evalz: string
  /** which model ran */
  readonly model: ShareModel
  /** how the run was asked for */
  readonly run: ShareRunSpec
  /** task or group name → headline numbers; absent unless the sharer included results */
  readonly results?: { readonly [task: string]: ShareTaskResult }
  /** task name → per-sample record; absent unless the sharer included samples */
  readonly samples?: { readonly [task: string]: SampleTrack }
}

/** What the sharer chose to put in the link besides the model and settings. */
export interface ShareOptions {
  /** add each task's headline metrics and stderr */
  readonly includeResults: boolean
  /** add the compact per-sample record that spot-checks compare against */
  readonly includeSamples: boolean
}

/**
 * The HarnessError code of a bad share payload or link. No dedicated code exists yet; 'USAGE' (the user handed
 * evalz something it cannot use) stands in until ErrorCode gains one — callers and tests refer to this constant.
 */
export const SHARE_ERROR_CODE = 'USAGE' satisfies ErrorCode
