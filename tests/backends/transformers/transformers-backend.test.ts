import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AutoModelForCausalLM, AutoTokenizer, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers'
import type { ModelBackend } from '../../../src/core/backend.ts'
import type { LoglikelihoodRequest } from '../../../src/core/requests.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../../../src/backends/transformers/transformers-backend.ts'
import { documentWindows } from '../../../src/backends/transformers/rolling-windows.ts'

const DEMO = resolve('public/models/demo')
const HAVE_DEMO = existsSync(join(DEMO, 'onnx', 'model.onnx'))
if (!HAVE_DEMO) console.warn(`skipping transformers backend tests: no demo model at ${DEMO}`)

const SENTENCES = [
  'Once upon a time there was a little girl named Lily.',
  'She loved to play outside in the park with her friends.',
  'One day, she saw a big red ball under a tree.',
  'The capital of France is Paris, and the capital of Italy is Rome.',
  'Question: What is two plus three?\nAnswer:',
  'Tom and his dog went to the store to buy some milk and bread for their mother.',
]

/** Reference scoring: one unpadded full forward per request, float64 log-softmax written here. */
async function direct(model: PreTrainedModel, input: number[]): Promise<Float32Array[]> {
  const ids = new Tensor('int64', BigInt64Array.from(input, BigInt), [1, input.length])
  const mask = new Tensor('int64', new BigInt64Array(input.length).fill(1n), [1, input.length])
  const out = await model.forward({ input_ids: ids, attention_mask: mask })
  const logits = out.logits as Tensor
  const [, s, v] = logits.dims
  const data = logits.data as Float32Array
  return Array.from({ length: s }, (_, i) => data.slice(i * v, (i + 1) * v))
}
function logSoftmaxAt(row: Float32Array, tok: number): { lp: number; greedy: boolean } {
  let max = -Infinity
  let arg = 0
  row.forEach((x, i) => { if (x > max) { max = x; arg = i } })
  let z = 0
  row.forEach((x) => { z += Math.exp(x - max) })
  return { lp: row[tok] - max - Math.log(z), greedy: arg === tok }
}

describe.skipIf(!HAVE_DEMO)('transformers.js backend on the demo model', () => {
  let fetches = 0
  let be: ModelBackend
  let be32: ModelBackend
  let model: PreTrainedModel
  let tok: PreTrainedTokenizer

  beforeAll(async () => {
    configureTransformers({ allowRemote: false, logLevel: 'error', fetch: async (url) => { fetches++; throw new Error(`network: ${url}`) } })
    be = await loadTransformersBackend({ model: 'public/models/demo', device: 'cpu' })
    be32 = await loadTransformersBackend({ model: DEMO, device: 'cpu', maxLength: 32 })
    model = await AutoModelForCausalLM.from_pretrained(DEMO, { device: 'cpu', dtype: 'fp32' })
    tok = await AutoTokenizer.from_pretrained(DEMO)
  })
  afterAll(async () => {
    await be?.dispose()
    await be32?.dispose()
    await model?.dispose()
  })

  it('loads a local directory without network requests and reports lm-eval style info', async () => {
    expect(fetches).toBe(0)
    const config = JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8'))
    expect(be.info).toMatchObject({
      name: 'transformers.js', version: '4.3.2', device: 'cpu', dtype: 'fp32', maxLength: config.max_position_embeddings,
      eosToken: ['<|endoftext|>', tok.eos_token_id], prefixTokenId: tok.bos_token_id ?? tok.eos_token_id,
    })
    expect(be32.info.maxLength).toBe(32)
    // llama parameter count from the config (tied head counted once); ONNX may add a few small constants
    const h = config.hidden_size
    const kv = config.num_key_value_heads * (config.head_dim ?? h / config.num_attention_heads)
    const layer = h * h * 2 + h * kv * 2 + 3 * h * config.intermediate_size + 2 * h
    const want = config.vocab_size * h * (config.tie_word_embeddings ? 1 : 2) + config.num_hidden_layers * layer + h
    expect(be.info.numParameters).toBeGreaterThanOrEqual(want)
    expect(be.info.numParameters! - want).toBeLessThan(256)
  })

  it('fails with stable codes for a missing directory, a Hub id while offline and an unsupported device', async () => {
    await expect(loadTransformersBackend({ model: './no/such/model-dir', device: 'cpu' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
    await expect(loadTransformersBackend({ model: 'someorg/some-model', device: 'cpu' })).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' })
    await expect(loadTransformersBackend({ model: DEMO, device: 'wasm' })).rejects.toMatchObject({ code: 'USAGE' })
    expect(fetches).toBe(0)
  })

  it('tokenises requests with the trailing-space move and the empty-context prefix', async () => {
    const [a, b, c] = await be.loglikelihood([
      { kind: 'loglikelihood', context: 'Answer: ', continuation: 'Paris' },
      { kind: 'loglikelihood', context: '', continuation: 'Once upon' },
      { kind: 'loglikelihood', context: 'Question: 2 + 2 =\n', continuation: ' 4' },
    ], { batchSize: 4 })
    expect(a.contextTokens).toEqual(tok.encode('Answer:', { add_special_tokens: false }))
    expect(tok.decode(a.continuationTokens as number[])).toBe(' Paris')
    expect(b.contextTokens).toEqual([be.info.prefixTokenId])
    expect(b.continuationTokens).toEqual(tok.encode('Once upon', { add_special_tokens: false }))
    expect(tok.decode(c.continuationTokens as number[])).toBe('\n 4')
    expect(tok.decode(c.contextTokens as number[])).toBe('Question: 2 + 2 =')
  })

  it('gives the same scores for batch sizes 1 and 8, with left truncation, and equals unpadded forwards', async () => {
    const reqs: LoglikelihoodRequest[] = []
    SENTENCES.forEach((s, i) => {
      const long = SENTENCES.slice(0, i + 1).join(' ') // up to ~80 tokens: truncated at max length 32
      for (const cont of [' the', ' a big dog', ' Lily', ' and then they went home.']) reqs.push({ kind: 'loglikelihood', context: long, continuation: cont })
      reqs.push({ kind: 'loglikelihood', context: s, continuation: ' ' + SENTENCES[(i + 1) % SENTENCES.length].split(' ').slice(0, 3).join(' ') })
    })
    // greedy continuations, so that some requests have isGreedy = true
    const gens = await be32.generateUntil(SENTENCES.map((s) => ({ kind: 'generate_until' as const, context: s, gen: { until: [], max_gen_toks: 3, do_sample: false, temperature: 0 } })), { batchSize: 8 })
    gens.forEach((g, i) => reqs.push({ kind: 'loglikelihood', context: SENTENCES[i], continuation: g.text }))
    expect(reqs.length).toBeGreaterThanOrEqual(30)

    const one = await be32.loglikelihood(reqs, { batchSize: 1 })
    const eight = await be32.loglikelihood(reqs, { batchSize: 8 })
    for (let i = 0; i < reqs.length; i++) {
      expect(Math.abs(one[i].logprob - eight[i].logprob)).toBeLessThan(1e-4)
      expect(eight[i].isGreedy).toBe(one[i].isGreedy)
      const whole = [...eight[i].contextTokens, ...eight[i].continuationTokens].slice(-(32 + 1))
      const input = whole.slice(0, -1)
      const rows = await direct(model, input)
      let lp = 0
      let greedy = true
      eight[i].continuationTokens.forEach((t, j) => {
        const r = logSoftmaxAt(rows[input.length - eight[i].continuationTokens.length + j], t)
        lp += r.lp
        greedy &&= r.greedy
      })
      expect(Math.abs(eight[i].logprob - lp)).toBeLessThan(1e-4)
      expect(eight[i].isGreedy).toBe(greedy)
    }
    expect(eight.some((r) => r.isGreedy)).toBe(true)
    expect(eight.some((r) => r.contextTokens.length + r.continuationTokens.length > 33)).toBe(true)
  })

  it('shares few-shot and question prefixes through the KV cache: same numbers at batch 1, 8, 32, fewer tokens', async () => {
    const plain = await loadTransformersBackend({ model: DEMO, device: 'cpu', sharePrefixes: false })
    try {
      const shots = SENTENCES.slice(0, 4).join('\n\n') + '\n\n'
      const reqs: LoglikelihoodRequest[] = []
      SENTENCES.forEach((s, i) => {
        for (const ctx of [shots + s, s]) {
          for (const cont of [' the', ' a big dog ran home', ' Lily', ' and then they went home.']) reqs.push({ kind: 'loglikelihood', context: ctx, continuation: cont })
        }
        reqs.push({ kind: 'loglikelihood', context: SENTENCES[(i + 2) % SENTENCES.length], continuation: ` ${i}` })
      })
      const tokens = async (b: ModelBackend, batchSize: number) => {
        let fed = 0
        const out = await b.loglikelihood(reqs, { batchSize, onProgress: (p) => { fed = p.tokens } })
        return { out, fed }
      }
      const want = await tokens(plain, 1)
      for (const batchSize of [1, 8, 32]) {
        const got = await tokens(be, batchSize)
        const base = batchSize === 1 ? want : await tokens(plain, batchSize)
        got.out.forEach((r, i) => {
          expect(Math.abs(r.logprob - want.out[i].logprob)).toBeLessThan(1e-4)
          expect(r.isGreedy).toBe(want.out[i].isGreedy)
          expect(r.contextTokens).toEqual(want.out[i].contextTokens)
        })
        expect(got.fed).toBeLessThan(0.6 * base.fed)
      }
    } finally {
      await plain.dispose()
    }
  })

  it('generates with the KV cache exactly what a naive full-forward argmax loop produces', async () => {
    const prompts = SENTENCES.slice(0, 5)
    const res = await be.generateUntil(prompts.map((context) => ({
      kind: 'generate_until' as const, context, gen: { until: ['\n\n'], max_gen_toks: 16, do_sample: false, temperature: 0 },
    })), { batchSize: 4 })
    for (let i = 0; i < prompts.length; i++) {
      const seq = [...res[i].contextTokens]
      const out: number[] = []
      while (out.length < 16) {
        const rows = await direct(model, seq)
        const last = rows[rows.length - 1]
        let arg = 0
        last.forEach((x, k) => { if (x > last[arg]) arg = k })
        out.push(arg)
        seq.push(arg)
        if (arg === tok.eos_token_id || tok.decode(out).includes('\n\n')) break
      }
      expect(res[i].generatedTokens).toEqual(out)
      expect(res[i].text).toBe(tok.decode(out, { skip_special_tokens: true }).split('\n\n')[0].split('<|endoftext|>')[0])
    }
  })

  it('scores rolling windows: one window equals a single long forward, several windows equal per-window forwards', async () => {
    const text = SENTENCES.join(' ')
    const [full] = await be.loglikelihoodRolling([{ kind: 'loglikelihood_rolling', text }], { batchSize: 2 })
    const tokens = [...full.tokens]
    expect(full.windows).toBe(1)
    const rows = await direct(model, [be.info.prefixTokenId, ...tokens.slice(0, -1)])
    const want = tokens.reduce((s, t, i) => s + logSoftmaxAt(rows[i], t).lp, 0)
    expect(Math.abs(full.logprob - want)).toBeLessThan(1e-3)

    const [windowed] = await be32.loglikelihoodRolling([{ kind: 'loglikelihood_rolling', text }], { batchSize: 3 })
    const windows = documentWindows(tokens, be.info.prefixTokenId, 32)
    expect(windowed.windows).toBe(windows.length)
    expect(windows.length).toBeGreaterThan(2)
    let sum = 0
    for (const w of windows) {
      const input = [...w.context, ...w.continuation].slice(0, -1)
      const r = await direct(model, input)
      w.continuation.forEach((t, j) => { sum += logSoftmaxAt(r[input.length - w.continuation.length + j], t).lp })
    }
    expect(Math.abs(windowed.logprob - sum)).toBeLessThan(1e-3)
    expect(windowed.logprob).toBeLessThan(full.logprob + 50)
  })
})
