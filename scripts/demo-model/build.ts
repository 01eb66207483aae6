/**
 * Builds evalz's demo model (public/models/demo): a 2-layer Llama and a byte-level BPE tokenizer trained
 * on the demo datasets, in transformers.js layout. The embedding and the (untied) lm_head are fitted so
 * that the model predicts like a smoothed bigram model of the tokenizer's training texts; the decoder
 * layers have small seeded random weights, so they are close to the identity. The output is byte-for-byte
 * reproducible.
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
import { ByteLevelBpeCodec, trainByteLevelBpe } from './bpe-trainer.ts'
import type { ByteLevelBpe } from './bpe-trainer.ts'
import { bigramCounts, fitBigramFactors, smoothedBigram } from './bigram-weights.ts'
import type { BigramFitOptions } from './bigram-weights.ts'
import { GENERIC_ENGLISH, demoDatasetFiles } from './demo-datasets.ts'
import { SPECIAL_TOKENS, configJson, generationConfigJson, jsonText, tokenizerConfigJson, tokenizerJson } from './hf-files.ts'
import { createRng } from './prng.ts'

/** Seed of the weight generator. */
export const DEMO_WEIGHT_SEED = 20261128

/** Target tokenizer size (specials + 256 bytes + merges). */
export const DEMO_VOCAB_SIZE = 512

/** Default standard deviation of `randomLlamaWeights`. */
export const DEMO_INIT_STD = 0.02

/**
 * Standard deviation of the demo model's decoder-layer weights. Against unit-RMS embeddings the layers move
 * the logits by ~0.03 on average (enough for position, padding and cache bugs to show, well above test
 * tolerances) and cost the bigram fit under 0.001 nats per token.
 */
export const DEMO_LAYER_STD = 0.02

/** Dirichlet smoothing of the demo bigram model: pseudo-counts per context, spread like the unigram distribution. */
export const DEMO_BIGRAM_ALPHA = 2

/** How the demo embedding and lm_head are fitted to the bigram model. */
export const DEMO_BIGRAM_FIT: Omit<BigramFitOptions, 'hiddenSize'> = {
  steps: 40,
  learningRate: 0.1,
  seed: DEMO_WEIGHT_SEED + 1,
  unseenContextWeight: 0.1,
}

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
  tieWordEmbeddings: false,
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

/** The demo training texts as token ids, one array per text (no BOS/EOS added). */
export function demoCorpusIds(tokenizer: ByteLevelBpe): number[][] {
  const codec = new ByteLevelBpeCodec(tokenizer)
  return demoTrainingTexts().map((t) => codec.encode(t))
}

/**
 * Weights of a bigram-like Llama (untied config): embed_tokens and lm_head from `fitBigramFactors` on the corpus
 * (documents preceded by `startId`), decoder layers seeded random with std `layerStd`, norms 1.
 */
export function bigramLlamaWeights(c: LlamaConfig, corpus: readonly (readonly number[])[], startId: number, layerStd = DEMO_LAYER_STD): LlamaWeights {
  const counts = bigramCounts(corpus, c.vocabSize, startId)
  const factors = fitBigramFactors(counts, smoothedBigram(counts, DEMO_BIGRAM_ALPHA), { hiddenSize: c.hiddenSize, ...DEMO_BIGRAM_FIT })
  const layers = randomLlamaWeights({ ...c, tieWordEmbeddings: true }, DEMO_WEIGHT_SEED, layerStd).layers
  return {
    embedTokens: Float32Array.from(factors.embed),
    layers,
    norm: new Float32Array(c.hiddenSize).fill(1),
    lmHead: Float32Array.from(factors.head),
  }
}

/** Builds the demo model and all its files in memory. */
export function buildDemoModel(): DemoModel {
  const tokenizer = demoTokenizer()
  const config: LlamaConfig = { vocabSize: tokenizer.vocab.size, ...DEMO_ARCH }
  const weights = bigramLlamaWeights(config, demoCorpusIds(tokenizer), tokenizer.vocab.get(SPECIAL_TOKENS[0]!)!)
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
