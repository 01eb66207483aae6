/**
 * The served model as `GET /v1/models` describes it (vLLM: `max_model_len`, `root`, `owned_by`; llama-server:
 * `owned_by: "llamacpp"` and a `meta` block), used to check `--model` and to record the model's identity.
 */
import { HarnessError } from '../../core/errors.ts'
import type { ApiClient } from './api-client.ts'

/** One entry of /v1/models. */
export interface ServedModel {
  /** the name requests use */
  readonly id: string
  /** who serves it ('vllm', 'llamacpp', 'evalz', …) when said */
  readonly ownedBy: string | undefined
  /** context length the server accepts (vLLM's max_model_len), when said */
  readonly maxModelLen: number | undefined
  /** where the weights came from (vLLM's root: the checkpoint path or Hub id), when said */
  readonly root: string | undefined
  /** llama-server's meta block (n_params, n_ctx_train, size, …) or evalz serve's, when sent; JSON-safe */
  readonly meta: Readonly<Record<string, unknown>> | undefined
}

/** Parses a /v1/models answer into its entries. */
export function servedModels(body: unknown): ServedModel[] {
  const data = (body as { data?: unknown } | null)?.data
  if (!Array.isArray(data)) return []
  return data.filter((m): m is Record<string, unknown> => typeof m?.id === 'string').map(m => ({
    id: m['id'] as string,
    ownedBy: typeof m['owned_by'] === 'string' ? m['owned_by'] : undefined,
    maxModelLen: typeof m['max_model_len'] === 'number' && m['max_model_len'] > 0 ? m['max_model_len'] : undefined,
    root: typeof m['root'] === 'string' ? m['root'] : undefined,
    meta: m['meta'] !== null && typeof m['meta'] === 'object' ? m['meta'] as Record<string, unknown> : undefined,
  }))
}

/**
 * The entry named `name`; a server that lists other names is an error naming them. A server without
 * /v1/models (HTTP 404) gives an entry with nothing known but the name.
 */
export async function findServedModel(client: ApiClient, name: string): Promise<ServedModel> {
  let body: unknown
  try {
    body = await client.getJson('/models')
  } catch (e) {
    if ((e as HarnessError).detail?.['status'] === 404) return { id: name, ownedBy: undefined, maxModelLen: undefined, root: undefined, meta: undefined }
    throw e
  }
  const models = servedModels(body)
  const found = models.find(m => m.id === name)
  if (found) return found
  // llama-server serves one model whatever name a request uses
  if (models.length === 1 && models[0].ownedBy === 'llamacpp') return { ...models[0], id: name }
  const names = models.map(m => m.id)
  throw new HarnessError('USAGE', `--model '${name}' is not served at ${client.baseUrl} (served: ${names.length > 0 ? names.join(', ') : 'none listed'}); pass one of those names`, { model: name, served: names })
}
