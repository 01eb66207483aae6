/**
 * Throughput of the transformers.js backend (batched, logits cache, KV cache) against a naive loop (one
 * request per forward, no batching, no cache, no KV cache) on the bundled demo model, in one run.
 * Both paths tokenise inside the timed region. Times are medians of --reps runs.
 * Usage: npm run bench [-- --model DIR --batch-size N --questions N --prompts N --gen-tokens N --reps N]
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers'
import type { GenerateRequest, LoglikelihoodRequest } from '../src/core/requests.ts'
import { configureTransformers } from '../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../src/backends/transformers/transformers-backend.ts'

interface Args {
  /** model directory */
  model: string
  /** rows per forward for the batched backend */
  batchSize: number
  /** multiple-choice questions (4 choices each) */
  questions: number
  /** generation prompts */
  prompts: number
  /** max new tokens per prompt */
  genTokens: number
  /** timed repetitions per measurement (the median is reported) */
  reps: number
}

const ARC = resolve('../shared/hf-data/allenai/ai2_arc/ARC-Easy/test.jsonl')

function parseArgs(argv: string[]): Args {
  const args: Args = { model: 'public/models/demo', batchSize: 8, questions: 40, prompts: 16, genTokens: 32, reps: 5 }
  for (let i = 0; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]]
    if (k === '--model') args.model = v
    else if (k === '--batch-size') args.batchSize = Number(v)
    else if (k === '--questions') args.questions = Number(v)
    else if (k === '--prompts') args.prompts = Number(v)
    else if (k === '--gen-tokens') args.genTokens = Number(v)
    else if (k === '--reps') args.reps = Number(v)
    else throw new Error(`unknown argument ${k}; valid: --model --batch-size --questions --prompts --gen-tokens --reps`)
  }
  return args
}

/** ARC-Easy test questions in lm-eval's arc_easy format, or synthetic ones when the data is absent. */
function mcWorkload(n: number): { requests: LoglikelihoodRequest[]; source: string } {
  const rows: { question: string; choices: string[] }[] = []
  if (existsSync(ARC)) {
    for (const line of readFileSync(ARC, 'utf8').split('\n')) {
      if (!line.trim()) continue
      const row = JSON.parse(line) as { question: string; choices: { text: string[] } }
      if (row.choices.text.length === 4) rows.push({ question: row.question, choices: row.choices.text })
      if (rows.length === n) break
    }
  }
  const source = rows.length === n ? 'ARC-Easy test' : 'synthetic'
  if (rows.length < n) {
    rows.length = 0
    const words = ['the', 'little', 'dog', 'ran', 'to', 'a', 'big', 'tree', 'and', 'saw', 'her', 'friend', 'in', 'park', 'sun']
    for (let q = 0; q < n; q++) {
      const question = Array.from({ length: 22 }, (_, i) => words[(q * 7 + i * 3) % words.length]).join(' ') + '?'
      rows.push({ question, choices: [0, 1, 2, 3].map((c) => `${words[(q + c) % words.length]} ${words[(q * c + 5) % words.length]}`) })
    }
  }
  const requests = rows.flatMap((r) => r.choices.map((c) => ({
    kind: 'loglikelihood' as const, context: `Question: ${r.question}\nAnswer:`, continuation: ` ${c}`,
  })))
  return { requests, source }
}

function genWorkload(mc: LoglikelihoodRequest[], n: number, maxGen: number): GenerateRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'generate_until' as const,
    context: mc[(i * 4) % mc.length].context,
    gen: { until: ['\n'], max_gen_toks: maxGen, do_sample: false, temperature: 0 },
  }))
}

/** All-position logits of one unpadded row. */
async function fullForward(model: PreTrainedModel, input: readonly number[]): Promise<{ data: Float32Array; vocab: number }> {
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(input, (t) => BigInt(t)), [1, input.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(input.length).fill(1n), [1, input.length]),
  })
  const logits = out.logits as Tensor
  const result = { data: (logits.data as Float32Array).slice(), vocab: logits.dims[2] }
  for (const t of Object.values(out) as Tensor[]) t.dispose()
  return result
}

function logprobAt(data: Float32Array, offset: number, vocab: number, token: number): number {
  let max = -Infinity
  for (let k = 0; k < vocab; k++) max = Math.max(max, data[offset + k])
  let z = 0
  for (let k = 0; k < vocab; k++) z += Math.exp(data[offset + k] - max)
  return data[offset + token] - max - Math.log(z)
}

function argmaxAt(data: Float32Array, offset: number, vocab: number): number {
  let best = 0
  for (let k = 1; k < vocab; k++) if (data[offset + k] > data[offset + best]) best = k
  return best
}

/** Naive tokenisation (contexts here have no trailing whitespace): encode whole, split at len(encode(ctx)). */
function naivePair(tok: PreTrainedTokenizer, r: LoglikelihoodRequest): { ctx: number[]; cont: number[] } {
  const ctx = tok.encode(r.context, { add_special_tokens: false })
  const whole = tok.encode(r.context + r.continuation, { add_special_tokens: false })
  return { ctx, cont: whole.slice(ctx.length) }
}

/** Naive loglikelihood: per request, tokenise and run one forward over ctx + cont[:-1]. */
async function naiveLoglikelihood(model: PreTrainedModel, tok: PreTrainedTokenizer, reqs: readonly LoglikelihoodRequest[]): Promise<number[]> {
  const out: number[] = []
  for (const r of reqs) {
    const { ctx, cont } = naivePair(tok, r)
    const input = [...ctx, ...cont].slice(0, -1)
    const { data, vocab } = await fullForward(model, input)
    let lp = 0
    cont.forEach((t, i) => { lp += logprobAt(data, (input.length - cont.length + i) * vocab, vocab, t) })
    out.push(lp)
  }
  return out
}

/** Naive greedy generation: one row, full re-forward per new token, stop at EOS or '\n'. */
async function naiveGenerate(model: PreTrainedModel, tok: PreTrainedTokenizer, prompt: readonly number[], maxGen: number): Promise<number[]> {
  const seq = [...prompt]
  const gen: number[] = []
  while (gen.length < maxGen) {
    const { data, vocab } = await fullForward(model, seq)
    const next = argmaxAt(data, (seq.length - 1) * vocab, vocab)
    gen.push(next)
    seq.push(next)
    if (next === tok.eos_token_id || tok.decode(gen).includes('\n')) break
  }
  return gen
}

/**
 * Times two competing runs alternately `reps` times (so load changes on a shared machine hit both alike)
 * and returns the median seconds of each with the last values.
 */
async function timePair<A, B>(reps: number, a: () => Promise<A>, b: () => Promise<B>): Promise<[{ value: A; seconds: number }, { value: B; seconds: number }]> {
  const ta: number[] = []
  const tb: number[] = []
  let va: A | undefined
  let vb: B | undefined
  for (let i = 0; i < reps; i++) {
    let t0 = performance.now()
    va = await a()
    ta.push((performance.now() - t0) / 1000)
    t0 = performance.now()
    vb = await b()
    tb.push((performance.now() - t0) / 1000)
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]
  return [{ value: va as A, seconds: median(ta) }, { value: vb as B, seconds: median(tb) }]
}

const fmt = (x: number, d = 1) => x.toFixed(d).padStart(10)

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  configureTransformers({ allowRemote: false, logLevel: 'error' })
  const dir = resolve(args.model)
  const backend = await loadTransformersBackend({ model: dir, device: 'cpu' })
  const model = await AutoModelForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'fp32' })
  const tok = await AutoTokenizer.from_pretrained(dir)
  const { requests, source } = mcWorkload(args.questions)
  const gens = genWorkload(requests, args.prompts, args.genTokens)
  const opts = { batchSize: args.batchSize }

  // warm-up: session initialisation and the tokenizer's word cache, for both paths
  await backend.loglikelihood(requests, opts)
  await naiveLoglikelihood(model, tok, requests.slice(0, 4))

  const [batched, naive] = await timePair(args.reps, () => backend.loglikelihood(requests, opts), () => naiveLoglikelihood(model, tok, requests))
  let worst = 0
  batched.value.forEach((r, i) => { worst = Math.max(worst, Math.abs(r.logprob - naive.value[i])) })
  if (!(worst < 1e-4)) throw new Error(`bench: batched and naive loglikelihoods differ by ${worst} (> 1e-4)`)
  const mcTokens = batched.value.reduce((n, r) => n + r.contextTokens.length + r.continuationTokens.length, 0)

  await backend.generateUntil(gens.slice(0, 2), opts)
  const [genBatched, genNaive] = await timePair(args.reps, () => backend.generateUntil(gens, opts), async () => {
    const out: number[][] = []
    for (const r of gens) out.push(await naiveGenerate(model, tok, tok.encode(r.context, { add_special_tokens: false }), args.genTokens))
    return out
  })
  const mismatches = genBatched.value.filter((r, i) => r.generatedTokens.join() !== genNaive.value[i].join()).length
  if (mismatches > 0) throw new Error(`bench: ${mismatches} generations differ between the KV-cached batch and the naive loop`)
  const genTokens = genBatched.value.reduce((n, r) => n + r.generatedTokens.length, 0)

  const docs = requests.length / 4
  console.log(`model ${args.model} (${backend.info.numParameters ?? '?'} params), device cpu, batch size ${args.batchSize}, median of ${args.reps}`)
  console.log(`multiple choice: ${docs} ${source} questions x 4 choices, ${mcTokens} request tokens; max |Δll| = ${worst.toExponential(2)}`)
  console.log(`generation: ${gens.length} prompts, max_gen_toks ${args.genTokens}, ${genTokens} generated tokens; outputs identical`)
  console.log('')
  console.log(`${'workload'.padEnd(24)}${'seconds'.padStart(10)}${'docs/s'.padStart(10)}${'tokens/s'.padStart(10)}`)
  const row = (name: string, s: number, n: number, t: number) => console.log(`${name.padEnd(24)}${fmt(s, 3)}${fmt(n / s)}${fmt(t / s)}`)
  row('mc batched+cache', batched.seconds, docs, mcTokens)
  row('mc naive', naive.seconds, docs, mcTokens)
  row('gen batched+kv-cache', genBatched.seconds, gens.length, genTokens)
  row('gen naive', genNaive.seconds, gens.length, genTokens)
  console.log('')
  console.log(`speedup (batched / naive): ${(naive.seconds / batched.seconds).toFixed(2)}× multiple choice`)
  console.log(`speedup (batched / naive): ${(genNaive.seconds / genBatched.seconds).toFixed(2)}× generation`)
  await backend.dispose()
  await model.dispose()
}

// `npm run bench -- --gguf FILE`: the quantised-GGUF benchmark against llama.cpp (scripts/bench-gguf.ts)
if (process.argv.includes('--gguf')) await import('./bench-gguf.ts')
else await main()
