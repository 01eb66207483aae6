/**
 * Builds evalz's demo model (public/models/demo): a 2-layer Llama with seeded random weights and a
 * byte-level BPE tokenizer trained on the demo datasets, in transformers.js layout. The output is
 * byte-for-byte reproducible.
 *
 * Usage: `node bin/run-ts.js scripts/demo-model/build.ts [outDir]` (or `npx tsx …`); default outDir
 * public/models/demo.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { encodeLlamaOnnx } from '../../src/backends/onnx/llama-graph.ts'
import { LLAMA_LINEARS, linearShape } from '../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig, LlamaWeights } from '../../src/backends/onnx/llama-config.ts'
import { trainByteLevelBpe } from './bpe-trainer.ts'
import type { ByteLevelBpe } from './bpe-trainer.ts'
import { GENERIC_ENGLISH, demoDatasetFiles } from './demo-datasets.ts'
import { SPECIAL_TOKENS, configJson, generationConfigJson, jsonText, tokenizerConfigJson, tokenizerJson } from './hf-files.ts'
import { createRng } from './prng.ts'

/** Seed of the weight generator. */
export const DEMO_WEIGHT_SEED = 20261128

/** Target tokenizer size (specials + 256 bytes + merges). */
export const DEMO_VOCAB_SIZE = 512

/** Standard deviation of the random weights. */
export const DEMO_INIT_STD = 0.02

/** The demo model's architecture; vocabSize is filled in from the trained tokenizer. */
export const DEMO_ARCH: Omit<LlamaConfig, 'vocabSize'> = {
  hiddenSize: 64,
  intermediateSize: 192,
  numLayers: 2,
  numHeads: 4,
  numKvHeads: 2,
  headDim: 16,
  ropeTheta: 10000,
  rmsNormEps: 1e-5,
  tieWordEmbeddings: true,
  maxPositionEmbeddings: 2048,
}

/** Everything the build produces, in memory. */
export interface DemoModel {
  /** architecture */
  config: LlamaConfig
  /** weights (Hugging Face layout) */
  weights: LlamaWeights
  /** trained tokenizer */
  tokenizer: ByteLevelBpe
  /** file path relative to the model folder → bytes, in write order */
  files: Map<string, Uint8Array>
}

/** Texts the tokenizer is trained on: every demo dataset row rendered as plain text, plus generic English. */
export function demoTrainingTexts(): string[] {
  const texts: string[] = []
  for (const file of demoDatasetFiles()) {
    for (const row of file.rows) {
      if (typeof row.text === 'string') texts.push(row.text)
      if (typeof row.question === 'string') texts.push(`Question: ${row.question}\nAnswer: ${String(row.answer)}`)
      if (typeof row.country === 'string' && Array.isArray(row.choices)) {
        const capital = String(row.choices[Number(row.answer)])
        texts.push(`Question: What is the capital of ${row.country}?\nAnswer: ${capital}`)
        texts.push(`The capital of ${row.country} is ${capital}. Other cities: ${row.choices.join(', ')}.`)
      }
    }
  }
  return [...texts, ...GENERIC_ENGLISH]
}

/** Trains the demo tokenizer (deterministic). */
export function demoTokenizer(): ByteLevelBpe {
  return trainByteLevelBpe(demoTrainingTexts(), { vocabSize: DEMO_VOCAB_SIZE, specialTokens: SPECIAL_TOKENS })
}

/** Seeded random weights: N(0, std²)-like matrices (Irwin–Hall), norms = 1. */
export function randomLlamaWeights(c: LlamaConfig, seed: number, std = DEMO_INIT_STD): LlamaWeights {
  const rng = createRng(seed)
  const matrix = (n: number) => {
    const a = new Float32Array(n)
    for (let i = 0; i < n; i++) a[i] = rng.normal() * std
    return a
  }
  const ones = () => new Float32Array(c.hiddenSize).fill(1)
  const embedTokens = matrix(c.vocabSize * c.hiddenSize)
  const layers = Array.from({ length: c.numLayers }, () => {
    const lin = Object.fromEntries(LLAMA_LINEARS.map(([key]) => {
      const [out, inp] = linearShape(c, key)
      return [key, { weight: matrix(out * inp) }]
    })) as Record<typeof LLAMA_LINEARS[number][0], { weight: Float32Array }>
    return { inputLayernorm: ones(), postAttentionLayernorm: ones(), ...lin }
  })
  const lmHead = c.tieWordEmbeddings ? undefined : matrix(c.vocabSize * c.hiddenSize)
  return { embedTokens, layers, norm: ones(), ...(lmHead ? { lmHead } : {}) }
}

/** Builds the demo model and all its files in memory. */
export function buildDemoModel(): DemoModel {
  const tokenizer = demoTokenizer()
  const config: LlamaConfig = { vocabSize: tokenizer.vocab.size, ...DEMO_ARCH }
  const weights = randomLlamaWeights(config, DEMO_WEIGHT_SEED)
  const enc = new TextEncoder()
  const files = new Map<string, Uint8Array>([
    ['config.json', enc.encode(jsonText(configJson(config, tokenizer)))],
    ['generation_config.json', enc.encode(jsonText(generationConfigJson(tokenizer)))],
    ['tokenizer.json', enc.encode(jsonText(tokenizerJson(tokenizer)))],
    ['tokenizer_config.json', enc.encode(jsonText(tokenizerConfigJson(tokenizer, config.maxPositionEmbeddings)))],
    ['onnx/model.onnx', encodeLlamaOnnx(config, weights, { producerName: 'evalz demo-model build' })],
  ])
  return { config, weights, tokenizer, files }
}

/** Writes the demo model files under `outDir`; returns the written paths. */
export async function writeDemoModel(outDir: string): Promise<string[]> {
  const { files } = buildDemoModel()
  const written: string[] = []
  for (const [rel, bytes] of files) {
    const path = join(outDir, rel)
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, bytes)
    written.push(path)
  }
  return written
}

// Run as a script (directly or through a loader such as bin/run-ts.js): the argument after this file is outDir.
const self = fileURLToPath(import.meta.url)
const argAt = process.argv.findIndex((a, i) => i > 0 && resolve(a) === self)
if (argAt > 0) {
  const outDir = resolve(process.argv[argAt + 1] ?? join(dirname(self), '../../public/models/demo'))
  for (const p of await writeDemoModel(outDir)) process.stdout.write(`wrote ${p}\n`)
}
