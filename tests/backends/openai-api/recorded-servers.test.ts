/**
 * Recorded answers in the documented shapes of vLLM (legacy completions logprobs with echo, /v1/models with
 * max_model_len) and llama-server (chat-style `logprobs.content` for generated tokens only, no prompt echo; its
 * /v1/models `meta` block) — fixtures written from their docs — drive the API backend to the expected scores.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createApiClient } from '../../../src/backends/openai-api/api-client.ts'
import { apiBackend, supportsPromptLogprobs } from '../../../src/backends/openai-api/api-backend.ts'
import { findServedModel, servedModels } from '../../../src/backends/openai-api/served-model.ts'
import { makeTextCodec } from '../../../src/backends/transformers/tokenization.ts'
import type { BackendInfo } from '../../../src/core/backend.ts'
import { harnessFailure } from '../../rejection.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8'))

/** A word-piece tokenizer over the fixtures' tokens (longest match), BOS first by default, EOS = '</s>'. */
const VOCAB = ['<|begin_of_text|>', 'Question', ':', ' What', ' is', ' the', ' capital', ' of', ' France', '?', '\n', 'Answer', ' Paris', '.', ' Lyon', '</s>', ' ']
const tokenizer = {
  encode(text: string, o: { add_special_tokens: boolean }): number[] {
    const ids = o.add_special_tokens ? [0] : []
    for (let i = 0; i < text.length;) {
      const best = VOCAB.map((v, id) => ({ v, id })).filter(({ v }) => text.startsWith(v, i)).sort((a, b) => b.v.length - a.v.length)[0]
      if (!best) throw new Error(`no token at ${JSON.stringify(text.slice(i))}`)
      ids.push(best.id)
      i += best.v.length
    }
    return ids
  },
  decode: (ids: number[], o: { skip_special_tokens: boolean }) => ids.filter(i => !o.skip_special_tokens || (i !== 0 && i !== 15)).map(i => VOCAB[i]).join(''),
}
const codec = makeTextCodec(tokenizer, { prefixTokenId: 0 })
const info: BackendInfo = {
  name: 'local-completions', version: 'vllm', model: 'm', modelSha256: undefined, numParameters: undefined, device: 'api', dtype: 'unknown',
  maxLength: 2048, bosToken: ['<|begin_of_text|>', 0], eosToken: ['</s>', 15], padToken: undefined, prefixTokenId: 0,
}

/** A fetch that answers every request with the next recorded body and keeps the requests. */
function recorded(...bodies: unknown[]) {
  const requests: { url: string; body: Record<string, unknown> | undefined; auth: string | undefined }[] = []
  const fetch = async (url: string, init?: RequestInit) => {
    const headers = init?.headers as Record<string, string>
    requests.push({ url, body: init?.body ? JSON.parse(init.body as string) : undefined, auth: headers['Authorization'] })
    return new Response(JSON.stringify(bodies[Math.min(requests.length - 1, bodies.length - 1)]), { status: 200 })
  }
  return { fetch, requests }
}

const CONTEXT = 'Question: What is the capital of France?\nAnswer:'

describe('vLLM', () => {
  it('scores echoed prompts as lm-eval parse_logprobs does, choices sorted by index', async () => {
    const server = recorded(fixture('vllm-completions-echo.json'))
    const backend = apiBackend({ client: createApiClient({ baseUrl: 'http://vllm.test/v1', fetch: server.fetch }), model: 'meta-llama/Llama-3.1-8B', codec, eosTokenId: 15, info })
    const got = await backend.loglikelihood([
      { kind: 'loglikelihood', context: CONTEXT, continuation: ' Lyon' },
      { kind: 'loglikelihood', context: CONTEXT, continuation: ' Paris.' },
    ], { batchSize: 2 })
    expect(got.map(r => [r.logprob, r.isGreedy])).toEqual([[-4.5, false], [-1.0, true]])
    expect(got[1].continuationTokens).toEqual([12, 13])
    expect(server.requests).toHaveLength(1)
    const body = server.requests[0].body!
    expect(server.requests[0].url).toBe('http://vllm.test/v1/completions')
    expect(body).toMatchObject({ model: 'meta-llama/Llama-3.1-8B', temperature: 0, max_tokens: 1, logprobs: 1, echo: true, seed: 1234 })
    expect(body['prompt']).toEqual([
      codec.encode(`${CONTEXT} Lyon`),
      codec.encode(`${CONTEXT} Paris.`),
    ])
  })

  it('generates with until + EOS as stop and token-id prompts left-truncated to max_length − max_gen_toks', async () => {
    const server = recorded(fixture('vllm-completions-generate.json'))
    const backend = apiBackend({ client: createApiClient({ baseUrl: 'http://vllm.test/v1', fetch: server.fetch }), model: 'm', codec, eosTokenId: 15, info: { ...info, maxLength: 10 } })
    const [r] = await backend.generateUntil([{
      kind: 'generate_until', context: CONTEXT, gen: { until: ['Question:', '</s>', '<|im_end|>'], max_gen_toks: 4, do_sample: false, temperature: 0 },
    }], { batchSize: 1 })
    expect(r.text).toBe(' Natalia sold 48/2 = 24 clips in May.\nShe sold 48+24 = 72 clips altogether.\n#### 72')
    expect(r.contextTokens).toEqual(codec.encode(CONTEXT).slice(-6))
    expect(server.requests[0].body).toMatchObject({ prompt: [codec.encode(CONTEXT).slice(-6)], max_tokens: 4, temperature: 0, stop: ['Question:', '</s>', '<|im_end|>'] })
  })

  it('reads /v1/models: name, max_model_len, owner', async () => {
    const [m] = servedModels(fixture('vllm-models.json'))
    expect(m).toMatchObject({ id: 'meta-llama/Llama-3.1-8B', maxModelLen: 8192, ownedBy: 'vllm', root: 'meta-llama/Llama-3.1-8B' })
    const client = createApiClient({ baseUrl: 'http://vllm.test/v1', fetch: recorded(fixture('vllm-models.json')).fetch })
    const err = await harnessFailure(findServedModel(client, 'llama'))
    expect(err.message).toContain("--model 'llama' is not served at http://vllm.test/v1 (served: meta-llama/Llama-3.1-8B)")
  })
})

describe('llama-server', () => {
  it('has no prompt log-probabilities: the probe says so and loglikelihood stops with one line', async () => {
    const server = recorded(fixture('llama-server-completions-echo.json'))
    const client = createApiClient({ baseUrl: 'http://llama.test/v1', fetch: server.fetch })
    expect(await supportsPromptLogprobs(client, 'm', [0, 1, 2])).toBe(false)
    const backend = apiBackend({ client, model: 'm', codec, eosTokenId: 15, info })
    const err = await harnessFailure(backend.loglikelihood([{ kind: 'loglikelihood', context: CONTEXT, continuation: ' Paris' }], { batchSize: 1 }))
    expect(err.code).toBe('API_UNSUPPORTED')
    expect(err.message).toContain('returned no log-probabilities for the prompt tokens')
    expect(err.message).toContain('generation tasks can still run')
  })

  it('generates', async () => {
    const server = recorded(fixture('llama-server-completions-generate.json'))
    const backend = apiBackend({ client: createApiClient({ baseUrl: 'http://llama.test/v1', fetch: server.fetch }), model: 'm', codec, eosTokenId: 15, info })
    const [r] = await backend.generateUntil([{ kind: 'generate_until', context: CONTEXT, gen: { until: ['Question:'], max_gen_toks: 256, do_sample: false, temperature: 0 } }], { batchSize: 1 })
    expect(r.text.endsWith('#### 72')).toBe(true)
    expect(server.requests[0].body!['stop']).toEqual(['Question:', '</s>'])
  })

  it('serves one model under any name; its meta block is kept', async () => {
    const client = createApiClient({ baseUrl: 'http://llama.test/v1', fetch: recorded(fixture('llama-server-models.json')).fetch })
    const m = await findServedModel(client, 'whatever')
    expect(m).toMatchObject({ id: 'whatever', ownedBy: 'llamacpp', maxModelLen: undefined })
    expect(m.meta?.['n_params']).toBe(8030261312)
  })
})
