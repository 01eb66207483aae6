/**
 * Cost of evalz's sampler per token against the greedy pick (a first-max argmax) in the same run, on random logits
 * of a real vocabulary size (151,936: Qwen2; 32,000: Llama 2), with llama.cpp's defaults (top-k 40, top-p 0.95,
 * min-p 0.05), without top-k (top-p sorts every token), and with a repetition penalty over a 1,000-token history.
 * Usage: node bin/run-ts.js scripts/bench-sampler.ts [--tokens 200]
 */
import { createTokenSampler } from '../src/core/sampling/token-sampler.ts'
import { DEFAULT_SAMPLING } from '../src/core/sampling/sampling-settings.ts'
import type { SamplingSettings } from '../src/core/sampling/sampling-settings.ts'

const tokens = Number(process.argv[process.argv.indexOf('--tokens') + 1]) || 200

function logits(vocab: number, seed: number): Float32Array {
  let x = seed
  const out = new Float32Array(vocab)
  for (let i = 0; i < vocab; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    out[i] = ((x / 2147483648) * 2 - 1) * 6
  }
  return out
}

function msPerToken(row: Float32Array, settings: SamplingSettings, history: number[]): number {
  const sampler = createTokenSampler(settings)
  const started = performance.now()
  for (let i = 0; i < tokens; i++) sampler.pick({ data: row, offset: 0, vocab: row.length }, history)
  return (performance.now() - started) / tokens
}

const history = Array.from({ length: 1000 }, (_, i) => (i * 7919) % 30000)
const cases: [string, SamplingSettings][] = [
  ['greedy (temperature 0)', { ...DEFAULT_SAMPLING, temperature: 0 }],
  ['defaults (top-k 40, top-p 0.95, min-p 0.05)', DEFAULT_SAMPLING],
  ['top-p 0.95 without top-k', { ...DEFAULT_SAMPLING, topK: 0 }],
  ['defaults + repetition penalty 1.1', { ...DEFAULT_SAMPLING, repetitionPenalty: 1.1 }],
]
for (const vocab of [32000, 151936]) {
  const row = logits(vocab, 42)
  const base = msPerToken(row, cases[0][1], history)
  for (const [name, s] of cases) {
    const ms = name.startsWith('greedy') ? base : msPerToken(row, s, history)
    process.stdout.write(`vocab ${vocab}: ${name}: ${ms.toFixed(3)} ms/token (${(ms / base).toFixed(1)}× greedy)\n`)
  }
}
