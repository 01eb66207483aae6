/**
 * A quantised GGUF in evalz (kept quantised: --compute exact and int8) against llama.cpp (node-llama-cpp 3.21.1,
 * its prebuilt CPU build) on the same file, the same tokens and the same threads, in one run:
 * 1. evalz converts, loads and scores (a child process, timed, with its peak resident memory from /usr/bin/time);
 * 2. evalz scores the demo_cloze requests with --compute exact and int8 (tokens/s from results.json);
 * 3. llama.cpp evaluates exactly the token sequences evalz logged, one request per pass like evalz's batch 1;
 * 4. with --logprobs: per-token log-probabilities of llama.cpp and of evalz's two graphs on those sequences, and the
 *    largest difference.
 * Usage: npm run bench -- --gguf FILE [--threads 2] [--limit 8] [--batch-size 1] [--logprobs]
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers'
import { getLlama } from 'node-llama-cpp'
import { configureTransformers } from '../src/backends/transformers/init.ts'

interface Args {
  gguf: string
  threads: number
  limit: number
  batchSize: number
  logprobs: boolean
}

function parseArgs(argv: string[]): Args {
  const args: Args = { gguf: '', threads: 2, limit: 8, batchSize: 1, logprobs: false }
  for (let i = 0; i < argv.length; i++) {
    const [k, v] = [argv[i], argv[i + 1]]
    if (k === '--gguf') args.gguf = resolve(v!)
    else if (k === '--threads') args.threads = Number(v)
    else if (k === '--limit') args.limit = Number(v)
    else if (k === '--batch-size') args.batchSize = Number(v)
    else if (k === '--logprobs') { args.logprobs = true; continue }
    else throw new Error(`bench-gguf: unknown option ${k}`)
    i++
  }
  if (!args.gguf) throw new Error('bench-gguf: --gguf FILE is required')
  return args
}

const ROOT = resolve(import.meta.dirname, '..')
const cache = mkdtempSync(join(tmpdir(), 'evalz-bench-gguf-'))

/** One evalz run as a child process: wall seconds, peak RSS and the results' evalz block and logged token ids. */
function evalzRun(a: Args, compute: 'exact' | 'int8') {
  const out = join(cache, `out-${compute}`)
  const argv = ['bin/evalz.js', 'run', '--model', a.gguf, '--tasks', 'demo_cloze', '--data-dir', 'public/datasets', '--limit', String(a.limit),
    '--batch-size', String(a.batchSize), '--compute', compute, '--cache-dir', cache, '--output', out, '--log-samples']
  const started = performance.now()
  const child = spawnSync('/usr/bin/time', ['-f', 'maxrss_kb %M', process.execPath, ...argv], {
    cwd: ROOT, env: { ...process.env, OMP_NUM_THREADS: String(a.threads) }, stdio: ['ignore', 'ignore', 'pipe'],
  })
  const stderr = child.stderr.toString()
  if (child.status !== 0) throw new Error(`bench-gguf: evalz exited with ${child.status}: ${stderr.slice(-2000)}`)
  const seconds = (performance.now() - started) / 1000
  const rss = Number(/maxrss_kb (\d+)/.exec(stderr)?.[1] ?? 0) * 1024
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { evalz: { tokens_per_second: number, input_tokens: number, model_time_seconds: number } }
  const sequences = readFileSync(join(out, 'samples_demo_cloze.jsonl'), 'utf8').trim().split('\n').flatMap((line) => {
    const s = JSON.parse(line) as { evalz_tokens: { context: number[], continuation: number[] }[] }
    return s.evalz_tokens.map((t) => ({ ids: [...t.context, ...t.continuation], continuation: t.continuation.length }))
  })
  return { seconds, rss, evalz: results.evalz, sequences }
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0)
}

const a = parseArgs(process.argv.slice(2).filter((x) => x !== '--'))
const fileBytes = statSync(a.gguf).size
const gb = (n: number) => `${(n / 1e9).toFixed(3)} GB`
console.log(`bench-gguf: ${a.gguf} (${gb(fileBytes)}), ${a.threads} threads, demo_cloze limit ${a.limit}, batch ${a.batchSize}`)

const first = evalzRun(a, 'exact') // converts, loads and scores
const converted = join(cache, 'converted', readdirSync(join(cache, 'converted')).find((d) => !d.includes('.') && d.length === 32)!)
const convertedBytes = folderBytes(join(converted, 'onnx'))
console.log(`convert + load + score: ${first.seconds.toFixed(1)} s, peak RSS ${gb(first.rss)} (${(first.rss / fileBytes).toFixed(2)}× the file); converted onnx ${gb(convertedBytes)} (${(convertedBytes / fileBytes).toFixed(2)}× the file)`)
const exact = evalzRun(a, 'exact')
const int8 = evalzRun(a, 'int8')

// llama.cpp on the very token sequences evalz scored
const llama = await getLlama({ gpu: false, build: 'never' })
const model = await llama.loadModel({ modelPath: a.gguf })
const longest = Math.max(...exact.sequences.map((s) => s.ids.length))
const context = await model.createContext({ contextSize: Math.max(256, longest + 8), threads: a.threads, batchSize: Math.max(512, longest) })
const sequence = context.getSequence()
// one untimed pass first: llama.cpp maps the file and its first pass faults every weight page in, while evalz's
// model time starts after its session has loaded (each engine is timed warm)
await sequence.evaluateWithoutGeneratingNewTokens(exact.sequences[0]!.ids.map((t) => t as never))
let tokens = 0
const started = performance.now()
for (const s of exact.sequences) {
  await sequence.clearHistory()
  await sequence.evaluateWithoutGeneratingNewTokens(s.ids.map((t) => t as never))
  tokens += s.ids.length
}
const llamaSeconds = (performance.now() - started) / 1000
const llamaTps = tokens / llamaSeconds
console.log('')
console.log(`${'engine'.padEnd(26)}${'tokens'.padStart(8)}${'seconds'.padStart(10)}${'tokens/s'.padStart(10)}${'× llama.cpp'.padStart(13)}`)
const row = (name: string, n: number, s: number) => console.log(`${name.padEnd(26)}${String(n).padStart(8)}${s.toFixed(2).padStart(10)}${(n / s).toFixed(1).padStart(10)}${(n / s / llamaTps).toFixed(2).padStart(13)}`)
row('evalz --compute exact', exact.evalz.input_tokens, exact.evalz.model_time_seconds)
row('evalz --compute int8', int8.evalz.input_tokens, int8.evalz.model_time_seconds)
row(`llama.cpp ${llama.gpu === false ? 'CPU' : String(llama.gpu)}`, tokens, llamaSeconds)

if (a.logprobs) {
  // per-token log-probabilities of every continuation token: llama.cpp's full distribution against evalz's graphs
  configureTransformers({ allowRemote: false, logLevel: 'error' })
  const worst = { exact: 0, int8: 0 }
  for (const compute of ['exact', 'int8'] as const) {
    const m = await AutoModelForCausalLM.from_pretrained(converted, { device: 'cpu', dtype: compute === 'exact' ? 'fp32' : 'int8' })
    for (const s of exact.sequences) {
      const n = s.ids.length
      const out = await m.forward({ input_ids: new Tensor('int64', BigInt64Array.from(s.ids, BigInt), [1, n]), attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]) })
      const logits = (out.logits as Tensor).data as Float32Array
      const vocab = logits.length / n
      await sequence.clearHistory()
      const res = await sequence.controlledEvaluate(s.ids.map((t, i) => (i >= n - 1 - s.continuation && i < n - 1 ? [t as never, { generateNext: { probabilities: true, options: { temperature: 1, topK: 0, topP: 1, minP: 0 } } }] : t as never)))
      for (let i = n - 1 - s.continuation; i < n - 1; i++) {
        const row = logits.subarray(i * vocab, (i + 1) * vocab)
        let max = -Infinity
        for (const v of row) max = Math.max(max, v)
        let sum = 0
        for (const v of row) sum += Math.exp(v - max)
        const ours = row[s.ids[i + 1]!]! - max - Math.log(sum)
        const theirs = Math.log(res[i]?.next?.probabilities?.get(s.ids[i + 1]! as never) ?? Number.NaN)
        worst[compute] = Math.max(worst[compute], Math.abs(ours - theirs))
      }
    }
    await m.dispose()
  }
  console.log(`max |Δ log-prob| per continuation token vs llama.cpp: exact ${worst.exact.toExponential(2)}, int8 ${worst.int8.toExponential(2)}`)
}
await context.dispose()
await model.dispose()
rmSync(cache, { recursive: true, force: true })
