/**
 * Throughput of the transformers.js backend against its peers, in one run, on real lm-eval requests (HellaSwag,
 * ARC-Easy, MMLU 5-shot, GSM8K generation from ../shared/hf-data): the harness (batched, prefix sharing through the
 * KV cache), the same harness with prefix sharing off, a naive loop (one request per unpadded forward, tokenised
 * exactly as the backend does) and the bare onnxruntime session replaying the harness's own forward shapes (the
 * ceiling). Without --model it builds a 143M-parameter model with SmolLM2-135M's body, seeded weights and Llama-2's
 * tokenizer (converted from ../shared/models/llama.cpp-vocab) in a temp dir. See `--help`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer } from '@huggingface/transformers'
import { configureTransformers } from '../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../src/backends/transformers/transformers-backend.ts'
import { encodeLoglikelihoodPair, makeTextCodec } from '../src/backends/transformers/tokenization.ts'
import { eosTokenIds } from '../src/backends/transformers/model-limits.ts'
import { stoppingLingeringReads } from '../src/backends/transformers/node-files.ts'
import { cacheRoot } from '../src/cli/dataset-cache.ts'
import { isCheckpointPath, prepareCheckpointModel } from '../src/cli/checkpoint-model.ts'
import { defaultWorkloads, loadWorkloads } from './bench/workloads.ts'
import type { Workload } from './bench/workloads.ts'
import { naiveGenerate, naiveLoglikelihood, paddingOf, sessionRecorder } from './bench/peers.ts'
import { ggufTokenizer, parameterCount, smolLm2Shape, writeCheckpoint } from './bench/synthetic-llama.ts'
import { browserBench } from './bench/browser-bench.ts'
import { printTable } from './bench/bench-table.ts'
import type { WorkloadFigures } from './bench/bench-table.ts'

/** Command-line settings. */
export interface BenchArgs {
  /** model folder, .gguf or safetensors folder; undefined = build the synthetic 143M model */
  model: string | undefined
  /** rows per forward */
  batchSize: number
  /** docs for HellaSwag and ARC (MMLU gets half, GSM8K an eighth) */
  docs: number
  /** docs the naive loop runs per workload (it is slow) */
  naiveDocs: number
  /** max new tokens per GSM8K doc */
  genTokens: number
  /** timed repetitions of the harness paths (median reported) */
  reps: number
  /** cpu (onnxruntime-node) or the web app's worker in headless Chromium */
  device: 'cpu' | 'wasm' | 'webgpu'
  /** write the figures as JSON here */
  json: string | undefined
  /** Hub-mirror data folder */
  dataDir: string
  /** keep the temp dir */
  keep: boolean
  /** workload names to run (undefined = all) */
  only: string[] | undefined
}

const ROOT = resolve(import.meta.dirname, '..')
const USAGE = 'usage: npm run bench -- [--model DIR|FILE.gguf] [--device cpu|wasm|webgpu] [--batch-size 8] [--docs 16] ' +
  '[--naive-docs 4] [--gen-tokens 16] [--reps 3] [--data-dir ../shared/hf-data] [--json FILE] [--keep] ' +
  '[--only hellaswag,arc_easy,mmlu,gsm8k]'

function parseArgs(argv: string[]): BenchArgs {
  const args: BenchArgs = {
    model: undefined, batchSize: 8, docs: 16, naiveDocs: 4, genTokens: 16, reps: 3, device: 'cpu', json: undefined,
    dataDir: resolve(ROOT, '../shared/hf-data'), keep: false, only: undefined,
  }
  const int = (k: string, v: string | undefined) => {
    const n = Number(v)
    if (!Number.isInteger(n) || n < 1) throw new Error(`${k} ${v} is not an integer ≥ 1\n${USAGE}`)
    return n
  }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    const v = argv[i + 1]
    if (k === '--keep') { args.keep = true; continue }
    if (k === '--help' || k === '-h') { console.log(USAGE); process.exit(0) }
    i++
    if (k === '--model') args.model = v
    else if (k === '--batch-size') args.batchSize = int(k, v)
    else if (k === '--docs') args.docs = int(k, v)
    else if (k === '--naive-docs') args.naiveDocs = int(k, v)
    else if (k === '--gen-tokens') args.genTokens = int(k, v)
    else if (k === '--reps') args.reps = int(k, v)
    else if (k === '--json') args.json = v
    else if (k === '--only') args.only = (v ?? '').split(',')
    else if (k === '--data-dir') args.dataDir = resolve(v ?? '')
    else if (k === '--device') {
      if (v !== 'cpu' && v !== 'wasm' && v !== 'webgpu') throw new Error(`--device ${v} is not one of cpu, wasm, webgpu\n${USAGE}`)
      args.device = v
    } else throw new Error(`unknown argument ${k}\n${USAGE}`)
  }
  return args
}

/** A transformers.js folder for the model: as given, converted from a checkpoint, or the synthetic 143M model. */
async function modelFolder(args: BenchArgs, tmp: string): Promise<{ dir: string; description: string }> {
  if (args.model !== undefined && !isCheckpointPath(args.model)) return { dir: resolve(args.model), description: args.model }
  let source = args.model
  let description = ''
  if (source === undefined) {
    const c = smolLm2Shape(32000)
    const tokenizer = await ggufTokenizer(resolve(ROOT, '../shared/models/llama.cpp-vocab/ggml-vocab-llama-spm.gguf'), c.maxPositionEmbeddings)
    source = join(tmp, 'smollm2-shape')
    await writeCheckpoint(source, c, 'F32', tokenizer)
    description = `synthetic SmolLM2-135M body + Llama-2 tokenizer, ${(parameterCount(c) / 1e6).toFixed(1)}M params, fp32, seeded weights`
  }
  const cacheDir = args.model === undefined ? join(tmp, 'cache') : cacheRoot(undefined)
  const m = await prepareCheckpointModel({ model: source, cacheDir })
  return { dir: m.dir, description: description || m.description }
}

/** The padded share of the positions a harness run fed. */
const padded = (runs: Parameters<typeof paddingOf>[0]) => {
  const p = paddingOf(runs)
  return { padding: p.fed > 0 ? 1 - p.real / p.fed : 0 }
}
const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

/**
 * Per rep (the harness and the bare replay run back to back, so load hits both alike): bare seconds / harness seconds
 * (the model's runs alone, and with the scoring graph's runs at the same shapes), and the share of the harness's own wall time spent inside the model's session.run.
 */
function ceilingRatios(harness: readonly { seconds: number; model: number }[], bare: readonly { model: number; scoring: number }[]) {
  return {
    perRep: harness.map((h, i) => bare[i].model / h.seconds),
    withScoring: harness.map((h, i) => (bare[i].model + bare[i].scoring) / h.seconds),
    modelShares: harness.map((h) => h.model / h.seconds),
  }
}

/** Times the harness with and without prefix sharing (alternating), the naive loop and the bare session. */
async function benchCpu(args: BenchArgs, dir: string, workloads: readonly Workload[]): Promise<WorkloadFigures[]> {
  configureTransformers({ allowRemote: false, logLevel: 'error' })
  const shared = await loadTransformersBackend({ model: dir, device: 'cpu' })
  const unshared = await loadTransformersBackend({ model: dir, device: 'cpu', sharePrefixes: false })
  // the bare session's model, loaded as the backend loads its own (no background read of the file left running)
  const model = await stoppingLingeringReads([dir], () => AutoModelForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'fp32' }))
  const tok = await AutoTokenizer.from_pretrained(dir)
  const codec = makeTextCodec(tok, { prefixTokenId: shared.info.prefixTokenId })
  const config = model.config as unknown as Record<string, unknown>
  const stopIds = eosTokenIds(tok.eos_token_id, (model.generation_config as unknown as Record<string, unknown> | null)?.['eos_token_id'] ?? config['eos_token_id'])
  const recorder = sessionRecorder(model.sessions['model'])
  const opts = { batchSize: args.batchSize }
  const maxLength = shared.info.maxLength
  const out: WorkloadFigures[] = []
  try {
    for (const w of workloads) {
      const naiveCount = w.perDoc.slice(0, args.naiveDocs).reduce((a, b) => a + b, 0)
      const naiveDocs = Math.min(args.naiveDocs, w.docs)
      process.stderr.write(`bench: ${w.name} (${w.docs} docs, ${w.requests.length} requests)\n`)
      if (w.kind === 'loglikelihood') {
        const timed = async (b: typeof shared) => {
          let fed = 0
          const m0 = recorder.modelSeconds()
          const t0 = performance.now()
          const value = await b.loglikelihood(w.requests, { ...opts, onProgress: (p) => { fed = p.tokens } })
          return { value, fed, seconds: (performance.now() - t0) / 1000, model: recorder.modelSeconds() - m0 }
        }
        await shared.loglikelihood(w.requests.slice(0, 8), opts) // warm-up: sessions and the tokenizer's caches
        await unshared.loglikelihood(w.requests.slice(0, 8), opts)
        // alternate the paths rep by rep, so load changes on a shared machine hit them alike
        const first = await recorder.record(() => timed(shared))
        const s = [first.value]
        const bare = [await recorder.replay(first.runs)]
        const u = [await timed(unshared)]
        for (let r = 1; r < args.reps; r++) {
          s.push(await timed(shared))
          bare.push(await recorder.replay(first.runs))
          u.push(await timed(unshared))
        }
        const worst = Math.max(...s[0].value.map((x, i) => Math.abs(x.logprob - u[0].value[i].logprob)))
        if (!(worst < 1e-4)) throw new Error(`bench: ${w.name}: shared and unshared log-likelihoods differ by ${worst}`)
        // the backend's tokens against the tokenizer's plain encode (the backend may encode piecewise, piecewise-bpe.ts)
        const retokenised = w.requests.findIndex((r, i) => {
          const p = encodeLoglikelihoodPair(codec, r.context, r.continuation, maxLength)
          return p.context.join() !== s[0].value[i].contextTokens.join() || p.continuation.join() !== s[0].value[i].continuationTokens.join()
        })
        if (retokenised >= 0) throw new Error(`bench: ${w.name}: request ${retokenised} tokenises differently through the backend`)
        const naiveT0 = performance.now()
        const naive = await naiveLoglikelihood(model, codec, maxLength, w.requests.slice(0, naiveCount))
        const naiveSeconds = (performance.now() - naiveT0) / 1000
        const naiveWorst = Math.max(...naive.logprobs.map((x, i) => Math.abs(x - s[0].value[i].logprob)))
        if (!(naiveWorst < 1e-4)) throw new Error(`bench: ${w.name}: naive and harness log-likelihoods differ by ${naiveWorst}`)
        const bareSeconds = median(bare.map((b) => b.model))
        const lmEval = s[0].value.reduce((n, r) => n + r.contextTokens.length + r.continuationTokens.length - 1, 0)
        const ratios = ceilingRatios(s, bare)
        process.stderr.write(`bench: ${w.name}: fed ${s[0].fed} (unshared ${u[0].fed}, lm-eval ${lmEval}); harness ${median(s.map((x) => x.seconds)).toFixed(2)} s, ` +
          `unshared ${median(u.map((x) => x.seconds)).toFixed(2)} s, naive ${naiveSeconds.toFixed(2)} s, bare ${bareSeconds.toFixed(2)} s; ` +
          `bare/harness per rep ${ratios.perRep.map((r) => r.toFixed(2)).join(' ')} (with scoring ${ratios.withScoring.map((r) => r.toFixed(2)).join(' ')}), model share ${ratios.modelShares.map((r) => r.toFixed(2)).join(' ')}\n`)
        out.push({
          name: w.name, task: w.task, kind: w.kind, docs: w.docs, shots: w.shots, requests: w.requests.length, lmEvalTokens: lmEval,
          harness: { seconds: median(s.map((x) => x.seconds)), tokens: s[0].fed, forwards: first.runs.filter((r) => r.model).length, ...padded(first.runs) },
          unshared: { seconds: median(u.map((x) => x.seconds)), tokens: u[0].fed },
          naive: { seconds: naiveSeconds, tokens: naive.tokens, docs: naiveDocs },
          bare: { seconds: bareSeconds, tokens: s[0].fed },
          ceiling: { bareOverHarness: median(ratios.perRep), withScoringOverHarness: median(ratios.withScoring), modelShare: median(ratios.modelShares) },
          maxAbsDiff: Math.max(worst, naiveWorst),
        })
      } else {
        const timed = async () => {
          let fed = 0
          const m0 = recorder.modelSeconds()
          const t0 = performance.now()
          const value = await shared.generateUntil(w.requests, { ...opts, onProgress: (p) => { fed = p.tokens } })
          return { value, fed, seconds: (performance.now() - t0) / 1000, model: recorder.modelSeconds() - m0 }
        }
        await shared.generateUntil(w.requests.slice(0, 1).map((r) => ({ ...r, gen: { ...r.gen, max_gen_toks: 2 } })), opts)
        const first = await recorder.record(timed)
        const s = [first.value]
        const bare = [await recorder.replay(first.runs)]
        for (let r = 1; r < args.reps; r++) {
          s.push(await timed())
          bare.push(await recorder.replay(first.runs))
        }
        const naiveT0 = performance.now()
        let naiveTokens = 0
        let mismatches = 0
        for (let i = 0; i < naiveDocs; i++) {
          const n = await naiveGenerate(model, codec, maxLength, stopIds, w.requests[i])
          naiveTokens += n.tokens
          if (n.generated.join() !== s[0].value[i].generatedTokens.join()) mismatches++
        }
        const naiveSeconds = (performance.now() - naiveT0) / 1000
        const bareSeconds = median(bare.map((b) => b.model))
        const lmEval = s[0].value.reduce((n, r) => n + r.contextTokens.length + r.generatedTokens.length - 1, 0)
        const ratios = ceilingRatios(s, bare)
        process.stderr.write(`bench: ${w.name}: harness ${median(s.map((x) => x.seconds)).toFixed(2)} s, naive ${naiveSeconds.toFixed(2)} s, bare ${bareSeconds.toFixed(2)} s; ` +
          `bare/harness per rep ${ratios.perRep.map((r) => r.toFixed(2)).join(' ')} (with scoring ${ratios.withScoring.map((r) => r.toFixed(2)).join(' ')}), model share ${ratios.modelShares.map((r) => r.toFixed(2)).join(' ')}\n`)
        out.push({
          name: w.name, task: w.task, kind: w.kind, docs: w.docs, shots: w.shots, requests: w.requests.length, lmEvalTokens: lmEval,
          harness: { seconds: median(s.map((x) => x.seconds)), tokens: s[0].fed, forwards: first.runs.filter((r) => r.model).length, ...padded(first.runs) },
          naive: { seconds: naiveSeconds, tokens: naiveTokens, docs: naiveDocs },
          bare: { seconds: bareSeconds, tokens: s[0].fed },
          ceiling: { bareOverHarness: median(ratios.perRep), withScoringOverHarness: median(ratios.withScoring), modelShare: median(ratios.modelShares) },
          generatedTokens: s[0].value.reduce((n, r) => n + r.generatedTokens.length, 0),
          naiveMismatches: mismatches,
        })
      }
    }
  } finally {
    recorder.restore()
    await shared.dispose()
    await unshared.dispose()
    await model.dispose()
  }
  return out
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  const tmp = mkdtempSync(join(tmpdir(), 'evalz-bench-'))
  try {
    const t0 = performance.now()
    const model = await modelFolder(args, tmp)
    process.stderr.write(`bench: model ready in ${((performance.now() - t0) / 1000).toFixed(1)} s: ${model.dir}\n`)
    const specs = defaultWorkloads(args.docs).filter((w) => args.only === undefined || args.only.some((o) => w.name.startsWith(o)))
    if (specs.length === 0) throw new Error(`--only ${args.only?.join(',')} names no workload; valid: hellaswag, arc_easy, mmlu, gsm8k`)
    const workloads = await loadWorkloads(args.dataDir, specs, args.genTokens)
    const figures = args.device === 'cpu'
      ? await benchCpu(args, model.dir, workloads)
      : await browserBench(args, model.dir, workloads, tmp)
    const header = {
      model: model.description, device: args.device, batchSize: args.batchSize, reps: args.reps, genTokens: args.genTokens,
      machine: machineLine(),
    }
    printTable(header, figures)
    if (args.json !== undefined) writeFileSync(args.json, JSON.stringify({ ...header, workloads: figures }, null, 2) + '\n')
  } finally {
    if (args.keep) process.stderr.write(`bench: kept ${tmp}\n`)
    else rmSync(tmp, { recursive: true, force: true })
  }
}

function machineLine(): string {
  const os = process.getBuiltinModule('node:os')
  return `${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.versions.node}, load ${os.loadavg()[0].toFixed(1)}`
}

// `npm run bench -- --gguf FILE`: the quantised-GGUF benchmark against llama.cpp (scripts/bench-gguf.ts)
if (process.argv.includes('--gguf')) await import('./bench-gguf.ts')
else await main()
