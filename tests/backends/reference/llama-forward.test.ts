import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { llamaConfigFromHf } from '../../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { encodeLlamaOnnx, llamaWeightsFromOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import { readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { llamaForward, positionIdsFromMask } from '../../../src/backends/reference/llama-forward.ts'
import type { LlamaKvCache } from '../../../src/backends/reference/llama-forward.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'

const DEMO = join(import.meta.dirname, '../../../public/models/demo')
const TOL = 1e-4

interface OrtCall {
  ids: number[][]
  mask: number[][]
  past?: Record<string, ort.Tensor>
  keep?: number
}

/** Runs a llama session with explicit position ids derived from the mask (as transformers.js does). */
async function runOrt(session: ort.InferenceSession, c: LlamaConfig, call: OrtCall) {
  const B = call.ids.length
  const S = call.ids[0]!.length
  const T = call.mask[0]!.length
  const i64 = (rows: number[][], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat().map(BigInt)), dims)
  const feeds: Record<string, ort.Tensor> = {
    input_ids: i64(call.ids, [B, S]),
    attention_mask: i64(call.mask, [B, T]),
    position_ids: i64(positionIdsFromMask(call.mask, S), [B, S]),
  }
  if (session.inputNames.includes('num_logits_to_keep')) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.from([BigInt(call.keep ?? 0)]), [])
  for (let i = 0; i < c.numLayers; i++) {
    for (const kind of ['key', 'value']) {
      const name = `past_key_values.${i}.${kind}`
      feeds[name] = call.past?.[`present.${i}.${kind}`] ?? new ort.Tensor('float32', new Float32Array(0), [B, c.numKvHeads, 0, c.headDim])
    }
  }
  const out = await session.run(feeds)
  return { logits: out.logits!.data as Float32Array, dims: out.logits!.dims as number[], present: out }
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!))
  return m
}

/** Logits of positions [from, to) of row `b` from a [B, S, V] array. */
function rows(logits: ArrayLike<number>, S: number, V: number, b: number, from: number, to: number): number[] {
  return Array.from(logits).slice((b * S + from) * V, (b * S + to) * V)
}

function checkModel(label: string, load: () => { config: LlamaConfig, weights: LlamaWeights, bytes: Uint8Array }) {
  describe(label, () => {
    let c: LlamaConfig
    let w: LlamaWeights
    let session: ort.InferenceSession
    beforeAll(async () => {
      const m = load()
      c = m.config
      w = m.weights
      session = await ort.InferenceSession.create(m.bytes)
    })

    it('matches the reference on single sequences', async () => {
      for (const ids of [[5], [3, 17, 89, 4, 95, 8], Array.from({ length: 20 }, (_, i) => (i * 37 + 11) % c.vocabSize)]) {
        const mask = [ids.map(() => 1)]
        const got = await runOrt(session, c, { ids: [ids], mask })
        const ref = llamaForward(c, w, { inputIds: [ids], attentionMask: mask })
        expect(got.dims).toEqual(ref.dims)
        expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThanOrEqual(TOL)
      }
    })

    it('matches the reference on a left-padded batch, and padded rows equal unpadded ones', async () => {
      const ids = [[0, 0, 0, 9, 8, 7], [1, 2, 3, 4, 5, 6], [0, 11, 12, 13, 14, 15]]
      const mask = [[0, 0, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1], [0, 1, 1, 1, 1, 1]]
      const got = await runOrt(session, c, { ids, mask })
      const ref = llamaForward(c, w, { inputIds: ids, attentionMask: mask })
      expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThanOrEqual(TOL)
      expect(Array.from(got.logits).every(Number.isFinite)).toBe(true)
      const V = c.vocabSize
      const alone = llamaForward(c, w, { inputIds: [[9, 8, 7]] })
      expect(maxAbsDiff(rows(got.logits, 6, V, 0, 3, 6), alone.logits)).toBeLessThanOrEqual(TOL)
      expect(maxAbsDiff(rows(ref.logits, 6, V, 0, 3, 6), alone.logits)).toBeLessThanOrEqual(1e-12)
    })

    it('incremental decoding with past_key_values equals the full forward (prefill + 3 steps)', async () => {
      const full = [[0, 0, 21, 22, 23, 24, 25, 26], [31, 32, 33, 34, 35, 36, 37, 38]]
      const fullMask = [[0, 0, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1, 1]]
      const ref = llamaForward(c, w, { inputIds: full, attentionMask: fullMask })
      const V = c.vocabSize
      const prefill = 5
      let ortOut = await runOrt(session, c, { ids: full.map((r) => r.slice(0, prefill)), mask: fullMask.map((r) => r.slice(0, prefill)) })
      let refPast: LlamaKvCache = llamaForward(c, w, { inputIds: full.map((r) => r.slice(0, prefill)), attentionMask: fullMask.map((r) => r.slice(0, prefill)) }).present
      for (let t = prefill; t < 8; t++) {
        const step = { ids: full.map((r) => [r[t]!]), mask: fullMask.map((r) => r.slice(0, t + 1)) }
        ortOut = await runOrt(session, c, { ...step, past: ortOut.present as Record<string, ort.Tensor> })
        const refStep = llamaForward(c, w, { inputIds: step.ids, attentionMask: step.mask, past: refPast })
        refPast = refStep.present
        expect(ortOut.present['present.0.key']!.dims).toEqual([2, c.numKvHeads, t + 1, c.headDim])
        for (let b = 0; b < 2; b++) {
          const want = rows(ref.logits, 8, V, b, t, t + 1)
          expect(maxAbsDiff(rows(ortOut.logits, 1, V, b, 0, 1), want)).toBeLessThanOrEqual(TOL)
          expect(maxAbsDiff(rows(refStep.logits, 1, V, b, 0, 1), want)).toBeLessThanOrEqual(1e-10)
        }
      }
    })

    it('num_logits_to_keep returns only the last k positions (0 = all)', async () => {
      const ids = [[7, 6, 5, 4, 3]]
      const mask = [[1, 1, 1, 1, 1]]
      const all = await runOrt(session, c, { ids, mask, keep: 0 })
      for (const k of [1, 2, 5, 9]) {
        const got = await runOrt(session, c, { ids, mask, keep: k })
        const kk = Math.min(k, 5)
        expect(got.dims).toEqual([1, kk, c.vocabSize])
        expect(maxAbsDiff(got.logits, rows(all.logits, 5, c.vocabSize, 0, 5 - kk, 5))).toBe(0)
        const ref = llamaForward(c, w, { inputIds: ids, numLogitsToKeep: k })
        expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThanOrEqual(TOL)
      }
    })
  })
}

checkModel('demo model (public/models/demo, weights read back from the .onnx file)', () => {
  const config = llamaConfigFromHf(JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8')))
  const bytes = new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))
  return { config, weights: llamaWeightsFromOnnx(config, readOnnxModel(bytes).initializers), bytes }
})

checkModel('odd-shaped model (3 layers, 6 heads / 2 kv heads, head_dim 8, untied, biases, large weights)', () => {
  const config: LlamaConfig = {
    vocabSize: 97, hiddenSize: 40, intermediateSize: 56, numLayers: 3, numHeads: 6, numKvHeads: 2, headDim: 8,
    ropeTheta: 500, rmsNormEps: 1e-6, tieWordEmbeddings: false, maxPositionEmbeddings: 64,
  }
  const weights = randomLlamaWeights(config, 7, 0.25)
  const bias = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + seed) * 0.3)
  weights.layers.forEach((l, i) => {
    l.qProj.bias = bias(48, i)
    l.kProj.bias = bias(16, i + 10)
    l.vProj.bias = bias(16, i + 20)
    l.inputLayernorm = Float32Array.from(l.inputLayernorm, (_, j) => 1 + 0.5 * Math.cos(j + i))
  })
  weights.norm = Float32Array.from(weights.norm, (_, j) => 0.5 + (j % 5) * 0.25)
  return { config, weights, bytes: encodeLlamaOnnx(config, weights) }
})

describe('reference forward, checked without ORT', () => {
  it('with zero projections the logits are rmsnorm(embedding) · embeddingᵀ', () => {
    const c: LlamaConfig = {
      vocabSize: 11, hiddenSize: 8, intermediateSize: 12, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 4,
      ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: true, maxPositionEmbeddings: 16,
    }
    const w = randomLlamaWeights(c, 3, 1)
    for (const lin of Object.values(w.layers[0]!)) if ('weight' in lin) lin.weight.fill(0)
    const out = llamaForward(c, w, { inputIds: [[4, 2]] })
    for (let s = 0; s < 2; s++) {
      const id = [4, 2][s]!
      const e = Array.from(w.embedTokens.subarray(id * 8, id * 8 + 8))
      const rms = Math.sqrt(e.reduce((a, x) => a + x * x, 0) / 8 + 1e-5)
      for (let v = 0; v < 11; v++) {
        let want = 0
        for (let j = 0; j < 8; j++) want += (e[j]! / rms) * w.embedTokens[v * 8 + j]!
        expect(out.logits[s * 11 + v]).toBeCloseTo(want, 10)
      }
    }
  })

  it('derives position ids from the mask like HF (cumsum - 1, padding = 1)', () => {
    expect(positionIdsFromMask([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]], 5)).toEqual([[1, 1, 0, 1, 2], [0, 1, 2, 3, 4]])
    expect(positionIdsFromMask([[0, 1, 1, 1]], 2)).toEqual([[1, 2]])
  })
})
