/**
 * The port every model adapter implements: lm-eval's LM interface (lm-eval.md §1), batch-first.
 */
import type {
  GenerateRequest, GenerateResponse, LoglikelihoodRequest, LoglikelihoodResponse, RollingRequest, RollingResponse,
} from './requests.ts'
import type { StreamOptions, StreamRequest, StreamResult } from './sampling/generation-stream.ts'
import { HarnessError } from './errors.ts'

/** What a backend reports about itself; written into results.json. */
export interface BackendInfo {
  /** adapter name, e.g. 'transformers.js' */
  readonly name: string
  /** adapter/runtime version string */
  readonly version: string
  /** model id or path as given by the user */
  readonly model: string
  /** sha256 (hex) of the model weights file(s), when known */
  readonly modelSha256: string | undefined
  /** number of parameters, when known */
  readonly numParameters: number | undefined
  /** 'cpu' | 'wasm' | 'webgpu' */
  readonly device: string
  /** weights dtype, e.g. 'fp32' */
  readonly dtype: string
  /** maximum sequence length in tokens used for truncation (§5.2) */
  readonly maxLength: number
  /** [token, id] pairs as lm-eval records them; undefined when the tokenizer has none */
  readonly bosToken: readonly [string, number] | undefined
  readonly eosToken: readonly [string, number] | undefined
  readonly padToken: readonly [string, number] | undefined
  /** token id used as context for empty contexts and the first rolling-loglikelihood span */
  readonly prefixTokenId: number
}

/** Progress of one backend call. */
export interface BatchProgress {
  /** requests answered so far in this call */
  readonly done: number
  /** requests in this call */
  readonly total: number
  /** tokens fed to the model so far in this call (input positions, incl. padding) */
  readonly tokens: number
}

/** Options for one batched call; R is the call's response type. */
export interface BatchOptions<R = unknown> {
  /** rows per forward pass (≥ 1) */
  readonly batchSize: number
  /** called after each forward pass */
  readonly onProgress?: (p: BatchProgress) => void
  /** called once per request as soon as it is answered; `index` is its position in this call's requests */
  readonly onResult?: (index: number, response: R) => void
  /** aborts between forward passes */
  readonly signal?: AbortSignal
}

/** One chat turn as a chat template sees it. */
export interface ChatMessage {
  /** 'system' | 'user' | 'assistant' */
  readonly role: string
  /** message text */
  readonly content: string
}

/** Options of one chat-template rendering (HF apply_chat_template with tokenize=False). */
export interface ChatTemplateOptions {
  /** append the template's generation prompt (lm-eval: true unless the task has a gen_prefix) */
  readonly addGenerationPrompt: boolean
  /** cut the rendering right after the final message's content, leaving that turn open */
  readonly continueFinalMessage: boolean
  /** one of the tokenizer's named templates; undefined = its default */
  readonly templateName?: string
}

/** lm-eval's LM: three batched request methods, answers in request order. */
export interface ModelBackend {
  readonly info: BackendInfo
  /** the chat template source `templateName` selects (lm-eval's lm.chat_template); throws HarnessError when there is none */
  chatTemplate?(templateName?: string): string
  /** renders messages with the tokenizer's chat template; throws HarnessError('TEMPLATE_ERROR') when the template fails */
  applyChatTemplate?(messages: readonly ChatMessage[], opts: ChatTemplateOptions): string
  loglikelihood(reqs: readonly LoglikelihoodRequest[], opts: BatchOptions<LoglikelihoodResponse>): Promise<LoglikelihoodResponse[]>
  loglikelihoodRolling(reqs: readonly RollingRequest[], opts: BatchOptions<RollingResponse>): Promise<RollingResponse[]>
  generateUntil(reqs: readonly GenerateRequest[], opts: BatchOptions<GenerateResponse>): Promise<GenerateResponse[]>
  /** one reply, sampled with evalz's seeded sampler and reported token by token (chat); greedy = generateUntil's answer */
  streamGenerate?(req: StreamRequest, opts: StreamOptions): Promise<StreamResult>
  /** releases sessions and buffers */
  dispose(): Promise<void>
}

/** What is wrong with a batch size (rows per forward pass), in one line; undefined when it is an integer ≥ 1. */
export function batchSizeProblem(batchSize: number): string | undefined {
  return Number.isInteger(batchSize) && batchSize >= 1 ? undefined : `batch size ${batchSize} is invalid; use an integer ≥ 1`
}

/** Throws HarnessError USAGE naming a batch size that is not an integer ≥ 1 (the one check every path uses). */
export function checkBatchSize(batchSize: number): void {
  const problem = batchSizeProblem(batchSize)
  if (problem !== undefined) throw new HarnessError('USAGE', problem, { batchSize })
}
