/**
 * Peak memory of a checkpoint conversion: writes a synthetic Llama of about --size-gb GB of weights as a Hugging Face
 * safetensors folder (F32, F16 or BF16) to a temp dir, converts it with prepareCheckpointModel in a child process, and
 * reports the child's peak RSS against the float32 weight size. A second child that only loads the modules gives
 * Node's baseline, reported alongside. A third child loads the converted folder with transformers.js
 * (onnxruntime-node, cpu) and runs one 16-token forward: the peak RSS of using the model. Sizes: the converted
 * folder against the source checkpoint's files.
 * Usage: node bin/run-ts.js scripts/bench-convert.ts [--size-gb 1] [--dtype F32|F16|BF16] [--external auto|always|never] [--keep]
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LLAMA_LINEARS, linearShape } from '../src/backends/onnx/llama-config.ts'
import type { LlamaConfig } from '../src/backends/onnx/llama-config.ts'
import { demoTokenizer, tensorList, writeCheckpoint } from './bench/synthetic-llama.ts'

interface Args {
  /** target float32 weight size, GB (1e9 bytes) */
  sizeGb: number
  /** dtype the safetensors file stores */
  dtype: 'F32' | 'F16' | 'BF16'
  /** external data mode of the conversion */
  external: 'auto' | 'always' | 'never'
  /** keep the temp dir */
  keep: boolean
}

/** What a child reports on stdout (one JSON line). */
interface ChildReport {
  /** process.resourceUsage().maxRSS, KiB */
  maxRssKiB: number
  /** wall time of the conversion, ms */
  ms: number
  /** files of the converted folder */
  files?: string[]
  /** bytes of the converted folder's files */
  convertedBytes?: number
  /** the converted folder */
  dir?: string
}

const SELF = fileURLToPath(import.meta.url)
const ROOT = resolve(SELF, '../..')

function parseArgs(argv: string[]): Args {
  const args: Args = { sizeGb: 1, dtype: 'F32', external: 'auto', keep: false }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]
    if (k === '--size-gb') args.sizeGb = Number(argv[++i])
    else if (k === '--dtype') {
      const d = argv[++i]
      args.dtype = d === 'F16' || d === 'BF16' ? d : 'F32'
    }
    else if (k === '--external') args.external = argv[++i] as Args['external']
    else if (k === '--keep') args.keep = true
  }
  return args
}

/** A Llama shape (hidden 1024, GQA 16:8, vocab 32000, untied) with as many layers as fit the target size. */
function benchConfig(sizeGb: number): LlamaConfig {
  const base: LlamaConfig = {
    vocabSize: 32000, hiddenSize: 1024, intermediateSize: 2816, numLayers: 1, numHeads: 16, numKvHeads: 8, headDim: 64,
    ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
  }
  const perLayer = LLAMA_LINEARS.reduce((n, [key]) => n + linearShape(base, key).reduce((a, b) => a * b, 1), 0) + 2 * base.hiddenSize
  const fixed = 2 * base.vocabSize * base.hiddenSize + base.hiddenSize
  return { ...base, numLayers: Math.max(1, Math.round((sizeGb * 1e9 / 4 - fixed) / perLayer)) }
}

function runChild(args: string[]): ChildReport {
  const res = spawnSync(process.execPath, [join(ROOT, 'bin/run-ts.js'), SELF, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 })
  if (res.status !== 0) throw new Error(`child failed (${res.status}): ${res.stderr}`)
  return JSON.parse(res.stdout.trim().split('\n').at(-1)!) as ChildReport
}

async function child(mode: string, model: string, cacheDir: string, external: Args['external']): Promise<void> {
  const { prepareCheckpointModel } = await import('../src/cli/checkpoint-model.ts')
  const start = Date.now()
  let extra: Partial<ChildReport> = {}
  if (mode === 'convert') {
    const m = await prepareCheckpointModel({ model, cacheDir, externalData: external })
    const files = [...readdirSync(m.dir), ...readdirSync(join(m.dir, 'onnx')).map((f) => `onnx/${f}`)].filter((f) => f !== 'onnx')
    extra = { files, dir: m.dir, convertedBytes: files.reduce((n, f) => n + statSync(join(m.dir, f)).size, 0) }
  } else if (mode === 'load') {
    const { AutoModelForCausalLM, Tensor } = await import('@huggingface/transformers')
    const { configureTransformers } = await import('../src/backends/transformers/init.ts')
    configureTransformers({ allowRemote: false, logLevel: 'error' })
    const lm = await AutoModelForCausalLM.from_pretrained(model, { device: 'cpu', dtype: 'fp32' })
    const n = 16
    await lm.forward({
      input_ids: new Tensor('int64', BigInt64Array.from({ length: n }, (_, i) => BigInt(i + 1)), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    })
  }
  const report: ChildReport = { maxRssKiB: process.resourceUsage().maxRSS, ms: Date.now() - start, ...extra }
  process.stdout.write(JSON.stringify(report) + '\n')
}

const argv = process.argv.slice(2)
if (argv[0] === '--child') {
  await child(argv[1]!, argv[2]!, argv[3]!, argv[4] as Args['external'])
} else {
  const args = parseArgs(argv)
  const dir = mkdtempSync(join(tmpdir(), 'evalz-bench-convert-'))
  try {
    const c = benchConfig(args.sizeGb)
    const t0 = Date.now()
    const stored = await writeCheckpoint(join(dir, 'model'), c, args.dtype, demoTokenizer(ROOT))
    const weightBytes = tensorList(c).reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1) * 4, 0)
    process.stdout.write(`checkpoint: ${c.numLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize}; ${args.dtype} file ${(stored / 1e9).toFixed(3)} GB, float32 weights ${(weightBytes / 1e9).toFixed(3)} GB (written in ${((Date.now() - t0) / 1000).toFixed(1)} s)\n`)
    const baseline = runChild(['--child', 'baseline', join(dir, 'model'), join(dir, 'cache'), args.external])
    const run = runChild(['--child', 'convert', join(dir, 'model'), join(dir, 'cache'), args.external])
    const peak = run.maxRssKiB * 1024
    const base = baseline.maxRssKiB * 1024
    process.stdout.write(`converted in ${(run.ms / 1000).toFixed(1)} s: ${run.files!.join(', ')}\n`)
    process.stdout.write(`peak RSS ${(peak / 1e9).toFixed(3)} GB = ${(peak / weightBytes).toFixed(2)}× the float32 weights = ${(peak / stored).toFixed(2)}× the ${args.dtype} file; Node baseline ${(base / 1e9).toFixed(3)} GB; above baseline ${((peak - base) / weightBytes).toFixed(2)}×\n`)
    process.stdout.write(`converted folder ${(run.convertedBytes! / 1e9).toFixed(3)} GB = ${(run.convertedBytes! / stored).toFixed(2)}× the ${args.dtype} file\n`)
    const load = runChild(['--child', 'load', run.dir!, join(dir, 'cache'), args.external])
    const loadPeak = load.maxRssKiB * 1024
    process.stdout.write(`load + one 16-token forward (onnxruntime-node cpu): ${(load.ms / 1000).toFixed(1)} s, peak RSS ${(loadPeak / 1e9).toFixed(3)} GB = ${(loadPeak / stored).toFixed(2)}× the ${args.dtype} file = ${(loadPeak / weightBytes).toFixed(2)}× the float32 weights\n`)
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true })
    else process.stdout.write(`kept ${dir}\n`)
  }
}
