/**
 * Reference forward pass of a LlamaForCausalLM in plain TypeScript (float64 arithmetic on float32
 * weights). Slow and simple on purpose: it is the oracle the ONNX graph is tested against.
 *
 * Semantics follow Hugging Face's eager Llama: RMSNorm, grouped-query attention with half-split rotary
 * embeddings, a causal mask by absolute index that also drops keys whose attention_mask is 0, SwiGLU MLP.
 * A query row with no visible key (a left-padding position) attends uniformly to all keys, which is what
 * the float32 additive mask (float32 min) produces.
 */
import { HarnessError } from '../../core/errors.ts'
import { validateLlamaConfig, validateLlamaWeights } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLinear, LlamaWeights } from '../onnx/llama-config.ts'

/** Key/value cache of every layer. */
export interface LlamaKvCache {
  /** cached sequence length T (including padding positions) */
  length: number
  /** per layer: keys and values, row-major [batch, numKvHeads, T, headDim], keys already rotated */
  layers: { key: Float64Array, value: Float64Array }[]
}

/** Input of one forward call. */
export interface LlamaForwardInput {
  /** token ids [batch][sequence]; all rows the same length */
  inputIds: number[][]
  /** [batch][past + sequence] of 0/1; default all ones */
  attentionMask?: number[][]
  /** [batch][sequence]; default from the mask like HF: cumsum(mask) - 1, masked positions 1 */
  positionIds?: number[][]
  /** cache from a previous call (same batch size) */
  past?: LlamaKvCache
  /** 0 (default) = logits for every position, k > 0 = only the last k positions */
  numLogitsToKeep?: number
}

/** Output of one forward call. */
export interface LlamaForwardOutput {
  /** row-major [batch, kept positions, vocab] */
  logits: Float64Array
  /** [batch, kept positions, vocab] */
  dims: [number, number, number]
  /** cache extended by this call's keys/values */
  present: LlamaKvCache
}

/** Position ids the way HF derives them from an attention mask, for the last `seqLen` positions. */
export function positionIdsFromMask(mask: number[][], seqLen: number): number[][] {
  return mask.map((row) => {
    let sum = 0
    const ids = row.map((m) => {
      sum += m
      return m === 0 ? 1 : sum - 1
    })
    return ids.slice(ids.length - seqLen)
  })
}

/** Runs the model on one batch; returns logits and the extended KV cache. */
export function llamaForward(config: LlamaConfig, weights: LlamaWeights, input: LlamaForwardInput): LlamaForwardOutput {
  validateLlamaConfig(config)
  validateLlamaWeights(config, weights)
  const c = config
  const B = input.inputIds.length
  const S = input.inputIds[0]?.length ?? 0
  const P = input.past?.length ?? 0
  const T = P + S
  const H = c.hiddenSize
  const D = c.headDim
  const KV = c.numKvHeads
  if (input.inputIds.some((r) => r.length !== S)) {
    throw new HarnessError('USAGE', 'llamaForward: input rows have different lengths; pad them to one length', { lengths: input.inputIds.map((r) => r.length) })
  }
  const mask = input.attentionMask ?? Array.from({ length: B }, () => new Array<number>(T).fill(1))
  if (mask.length !== B || mask.some((r) => r.length !== T)) {
    throw new HarnessError('USAGE', `llamaForward: attention mask must be [${B}][${T}] (batch × past+sequence)`, { batch: B, total: T })
  }
  const positions = input.positionIds ?? positionIdsFromMask(mask, S)

  // hidden states [B*S, H]
  let h: Float64Array = new Float64Array(B * S * H)
  input.inputIds.forEach((row, b) => row.forEach((id, s) => {
    if (!Number.isInteger(id) || id < 0 || id >= c.vocabSize) {
      throw new HarnessError('USAGE', `llamaForward: token id ${id} is outside [0, ${c.vocabSize})`, { id })
    }
    for (let j = 0; j < H; j++) h[(b * S + s) * H + j] = weights.embedTokens[id * H + j]!
  }))

  // rotary cos/sin per (b, s, i) for i < D/2
  const half = D / 2
  const cos = new Float64Array(B * S * half)
  const sin = new Float64Array(B * S * half)
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < S; s++) {
      for (let i = 0; i < half; i++) {
        const angle = positions[b]![s]! / Math.pow(c.ropeTheta, (2 * i) / D)
        cos[(b * S + s) * half + i] = Math.cos(angle)
        sin[(b * S + s) * half + i] = Math.sin(angle)
      }
    }
  }

  const present: LlamaKvCache = { length: T, layers: [] }
  weights.layers.forEach((lw, li) => {
    const x = rmsNorm(h, lw.inputLayernorm, H, c.rmsNormEps)
    const q = linear(x, lw.qProj, H)
    const k = linear(x, lw.kProj, H)
    const v = linear(x, lw.vProj, H)
    rotate(q, c.numHeads, D, cos, sin)
    rotate(k, KV, D, cos, sin)
    const key = new Float64Array(B * KV * T * D)
    const value = new Float64Array(B * KV * T * D)
    const pastLayer = input.past?.layers[li]
    for (let b = 0; b < B; b++) {
      for (let kh = 0; kh < KV; kh++) {
        for (let t = 0; t < T; t++) {
          const dst = ((b * KV + kh) * T + t) * D
          if (t < P) {
            const src = ((b * KV + kh) * P + t) * D
            key.set(pastLayer!.key.subarray(src, src + D), dst)
            value.set(pastLayer!.value.subarray(src, src + D), dst)
          } else {
            const src = (b * S + (t - P)) * KV * D + kh * D
            key.set(k.subarray(src, src + D), dst)
            value.set(v.subarray(src, src + D), dst)
          }
        }
      }
    }
    present.layers.push({ key, value })

    const ctx = new Float64Array(B * S * c.numHeads * D)
    const scale = 1 / Math.sqrt(D)
    const nRep = c.numHeads / KV
    const scores = new Float64Array(T)
    for (let b = 0; b < B; b++) {
      for (let s = 0; s < S; s++) {
        const qAbs = P + s
        const visible = (t: number) => t <= qAbs && mask[b]![t] !== 0
        let anyVisible = false
        for (let t = 0; t < T; t++) anyVisible ||= visible(t)
        for (let hh = 0; hh < c.numHeads; hh++) {
          const kh = Math.floor(hh / nRep)
          const qOff = (b * S + s) * c.numHeads * D + hh * D
          let max = -Infinity
          for (let t = 0; t < T; t++) {
            if (anyVisible && !visible(t)) {
              scores[t] = -Infinity
              continue
            }
            let dot = 0
            const kOff = ((b * KV + kh) * T + t) * D
            for (let d = 0; d < D; d++) dot += q[qOff + d]! * key[kOff + d]!
            // a row with nothing visible sees every key with equal weight
            scores[t] = anyVisible ? dot * scale : 0
            if (scores[t]! > max) max = scores[t]!
          }
          let sum = 0
          for (let t = 0; t < T; t++) {
            scores[t] = Math.exp(scores[t]! - max)
            sum += scores[t]!
          }
          for (let t = 0; t < T; t++) {
            const p = scores[t]! / sum
            if (p === 0) continue
            const vOff = ((b * KV + kh) * T + t) * D
            for (let d = 0; d < D; d++) ctx[qOff + d] += p * value[vOff + d]!
          }
        }
      }
    }
    h = add(h, linear(ctx, lw.oProj, c.numHeads * D))
    const x2 = rmsNorm(h, lw.postAttentionLayernorm, H, c.rmsNormEps)
    const gate = linear(x2, lw.gateProj, H)
    const up = linear(x2, lw.upProj, H)
    for (let i = 0; i < gate.length; i++) {
      const g = gate[i]!
      gate[i] = (g / (1 + Math.exp(-g))) * up[i]!
    }
    h = add(h, linear(gate, lw.downProj, c.intermediateSize))
  })

  const keepArg = input.numLogitsToKeep ?? 0
  const K = keepArg > 0 ? Math.min(keepArg, S) : S
  const final = rmsNorm(h, weights.norm, H, c.rmsNormEps)
  const head = weights.lmHead ?? weights.embedTokens
  const V = c.vocabSize
  const logits = new Float64Array(B * K * V)
  for (let b = 0; b < B; b++) {
    for (let kk = 0; kk < K; kk++) {
      const row = (b * S + (S - K + kk)) * H
      for (let o = 0; o < V; o++) {
        let acc = 0
        for (let j = 0; j < H; j++) acc += final[row + j]! * head[o * H + j]!
        logits[(b * K + kk) * V + o] = acc
      }
    }
  }
  return { logits, dims: [B, K, V], present }
}

/** x / sqrt(mean(x²) + eps) * w per row of width `width`. */
function rmsNorm(x: Float64Array, w: Float32Array, width: number, eps: number): Float64Array {
  const out = new Float64Array(x.length)
  for (let r = 0; r < x.length / width; r++) {
    let ss = 0
    for (let j = 0; j < width; j++) ss += x[r * width + j]! ** 2
    const inv = 1 / Math.sqrt(ss / width + eps)
    for (let j = 0; j < width; j++) out[r * width + j] = x[r * width + j]! * inv * w[j]!
  }
  return out
}

/** Rows of width `inDim` times Wᵀ (+ b), W row-major [out, in]. */
function linear(x: Float64Array, lin: LlamaLinear, inDim: number): Float64Array {
  const rows = x.length / inDim
  const outDim = lin.weight.length / inDim
  const out = new Float64Array(rows * outDim)
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < outDim; o++) {
      let acc = lin.bias ? lin.bias[o]! : 0
      for (let j = 0; j < inDim; j++) acc += x[r * inDim + j]! * lin.weight[o * inDim + j]!
      out[r * outDim + o] = acc
    }
  }
  return out
}

/** In-place rotary embedding of rows laid out [B*S, heads, D] (HF rotate_half convention). */
function rotate(x: Float64Array, heads: number, D: number, cos: Float64Array, sin: Float64Array): void {
  const half = D / 2
  const rows = x.length / (heads * D)
  for (let r = 0; r < rows; r++) {
    for (let hh = 0; hh < heads; hh++) {
      const off = (r * heads + hh) * D
      for (let i = 0; i < half; i++) {
        const a = x[off + i]!
        const b = x[off + i + half]!
        const co = cos[r * half + i]!
        const si = sin[r * half + i]!
        x[off + i] = a * co - b * si
        x[off + i + half] = b * co + a * si
      }
    }
  }
}

function add(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length)
  for (let i = 0; i < a.length; i++) out[i] = a[i]! + b[i]!
  return out
}
