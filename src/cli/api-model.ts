/**
 * `evalz run --model-api URL --model NAME --tokenizer DIR|owner/name`: the API backend for a run, with the
 * served model's identity for the results and lm-eval's `local-completions` model_args.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { RunArgs } from './args.ts'
import type { HubAccess } from './model-source.ts'
import { HarnessError } from '../core/errors.ts'
import { createApiClient } from '../backends/openai-api/api-client.ts'
import type { ApiClient } from '../backends/openai-api/api-client.ts'
import { loadApiTokenizer } from '../backends/openai-api/api-tokenizer.ts'
import { connectServedModel } from '../backends/openai-api/served-backend.ts'
import type { ServedBackend } from '../backends/openai-api/served-backend.ts'
import { configureTransformers } from '../backends/transformers/init.ts'
import { parseHubModelId } from '../data/hub-model.ts'

/** The API model of a run. */
export interface ApiModel extends ServedBackend {
  /** the client, for callers that probe further */
  readonly client: ApiClient
}

/** Connects to the server, checks the model name, loads the tokenizer and builds the backend. */
export async function loadApiModel(args: RunArgs, hub: HubAccess, warn: (line: string) => void): Promise<ApiModel> {
  const unsupported = [
    args.device !== 'cpu' && `--device ${args.device}`,
    args.adapter !== undefined && '--adapter',
    args.dtype !== undefined && '--dtype',
    (args.numWorkers ?? 1) > 1 && '--num-workers (use --concurrency)',
  ].filter((x): x is string => typeof x === 'string')
  if (unsupported.length > 0) {
    throw new HarnessError('USAGE', `${unsupported.join(', ')} cannot be used with --model-api (the server holds the model); drop ${unsupported.length === 1 ? 'it' : 'them'}`)
  }
  const apiKey = args.apiKey ?? (process.env.OPENAI_API_KEY || undefined)
  const client = createApiClient({
    baseUrl: args.modelApi!,
    apiKey,
    concurrency: args.concurrency ?? 1,
    maxRetries: args.maxRetries,
    timeoutMs: args.apiTimeout === undefined ? undefined : args.apiTimeout * 1000,
    onRetry: (attempt, status, ms) => warn(`evalz: ${client.baseUrl} ${status === 0 ? 'unreachable' : `answered HTTP ${status}`}; retry ${attempt} in ${(ms / 1000).toFixed(1)} s\n`),
  })
  const tokenizerName = args.tokenizer ?? args.model
  const tokenizer = await loadApiTokenizer(tokenizerSource(tokenizerName, hub, args.tokenizer !== undefined))
  const served = await connectServedModel({ client, model: args.model, tokenizer, tokenizerName, maxLength: args.maxLength, concurrency: args.concurrency ?? 1 })
  return { ...served, client }
}

/**
 * A local folder becomes an absolute path; an `owner/name` id is fetched by transformers.js from the Hub
 * (tokenizer files only, cached under <cache>/tokenizers) unless offline.
 */
function tokenizerSource(name: string, hub: HubAccess, explicit: boolean): string {
  if (existsSync(name)) {
    const dir = resolve(name)
    if (!existsSync(join(dir, 'tokenizer.json'))) {
      throw new HarnessError('MODEL_INVALID', `tokenizer folder '${name}' has no tokenizer.json (pass --tokenizer DIR with tokenizer.json and tokenizer_config.json, or a Hub id owner/name)`, { tokenizer: name })
    }
    configureTransformers({ allowRemote: false })
    return dir
  }
  if (!parseHubModelId(name)) {
    throw new HarnessError('USAGE', explicit
      ? `--tokenizer '${name}' is neither a folder nor a Hub id owner/name`
      : `--model '${name}' names no tokenizer folder or Hub id; pass the served model's tokenizer with --tokenizer DIR|owner/name`, { tokenizer: name })
  }
  const token = hub.token
  configureTransformers({
    allowRemote: !hub.offline,
    remoteHost: `${hub.endpoint}/`,
    cacheDir: join(hub.cacheDir, 'tokenizers'),
    fetch: (input, init) => fetch(input, token ? { ...init, headers: { ...(init?.headers as Record<string, string> | undefined), Authorization: `Bearer ${token}` } } : init),
  })
  return name
}
