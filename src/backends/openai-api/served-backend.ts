/**
 * A served model ready to evaluate, for the CLI (`--model-api`) and the app ("Model → Server") alike: the model
 * name checked against /v1/models, a probe for prompt log-probabilities, the API backend, lm-eval's
 * `local-completions` model_args and the served model's identity for the results.
 */
import type { ModelBackend } from '../../core/backend.ts'
import type { ModelOrigin } from '../../core/results/results-json.ts'
import type { ApiClient } from './api-client.ts'
import { apiBackend, supportsPromptLogprobs } from './api-backend.ts'
import type { ApiTokenizer } from './api-tokenizer.ts'
import { findServedModel } from './served-model.ts'

/** lm-eval's default max_length for API models. */
export const LM_EVAL_API_MAX_LENGTH = 2048

/** What connecting needs. */
export interface ServedModelOptions {
  /** the server */
  readonly client: ApiClient
  /** the served model name */
  readonly model: string
  /** its tokenizer, loaded here */
  readonly tokenizer: ApiTokenizer
  /** how the tokenizer was named (recorded) */
  readonly tokenizerName: string
  /** context length for truncation; undefined = the server's max_model_len, else lm-eval's 2048 */
  readonly maxLength?: number
  /** requests in flight (recorded as num_concurrent) */
  readonly concurrency: number
}

/** A connected served model. */
export interface ServedBackend {
  readonly backend: ModelBackend
  /** lm-eval's model name for such runs */
  readonly lmEvalModel: 'local-completions'
  /** lm-eval-style model_args (never the key) */
  readonly modelArgs: string
  /** evalz.model_origin */
  readonly origin: ModelOrigin
  /** false when the server returns no prompt log-probabilities (loglikelihood tasks cannot run) */
  readonly promptLogprobs: boolean
}

/** Checks the name, probes the server and builds the backend. */
export async function connectServedModel(opts: ServedModelOptions): Promise<ServedBackend> {
  const { client, model, tokenizer } = opts
  const served = await findServedModel(client, model)
  const maxLength = opts.maxLength ?? served.maxModelLen ?? LM_EVAL_API_MAX_LENGTH
  const probe = tokenizer.codec.encode('The capital of France is Paris')
  const promptLogprobs = await supportsPromptLogprobs(client, model, probe.length >= 2 ? probe : [tokenizer.codec.prefixTokenId, ...probe])
  const backend = apiBackend({
    client,
    model,
    codec: tokenizer.codec,
    eosTokenId: tokenizer.eosTokenId,
    chatTokenizer: tokenizer.chatTokenizer,
    info: {
      name: 'local-completions',
      version: served.ownedBy ?? 'openai-api',
      model,
      modelSha256: undefined,
      numParameters: typeof served.meta?.['n_params'] === 'number' ? served.meta['n_params'] : undefined,
      device: 'api',
      dtype: 'unknown',
      maxLength,
      bosToken: tokenizer.bosToken,
      eosToken: tokenizer.eosToken,
      padToken: tokenizer.padToken,
      prefixTokenId: tokenizer.codec.prefixTokenId,
    },
  })
  const modelArgs = [
    `model=${model}`, `base_url=${client.baseUrl}/completions`, `tokenizer=${opts.tokenizerName}`, 'tokenizer_backend=huggingface',
    'tokenized_requests=True', `num_concurrent=${opts.concurrency}`, `max_length=${maxLength}`,
  ].join(',')
  const origin: ModelOrigin = {
    kind: 'api',
    detail: {
      base_url: client.baseUrl,
      model: served.id,
      ...(served.ownedBy ? { owned_by: served.ownedBy } : {}),
      ...(served.root ? { root: served.root } : {}),
      ...(served.maxModelLen ? { max_model_len: served.maxModelLen } : {}),
      ...(served.meta ? { meta: served.meta } : {}),
      tokenizer: opts.tokenizerName,
      prompt_logprobs: promptLogprobs,
    },
  }
  return { backend, lmEvalModel: 'local-completions', modelArgs, origin, promptLogprobs }
}
