/**
 * Builds a LlamaForCausalLM decoder as an ONNX graph with the input/output names transformers.js expects
 * (`input_ids`, `attention_mask`, `position_ids`, `past_key_values.{i}.key|value`, optional
 * `num_logits_to_keep` → `logits`, `present.{i}.key|value`).
 *
 * Initializers use Hugging Face tensor names. Linear weights are stored transposed, as row-major
 * [in_features, out_features] (ready for MatMul); norms, biases and `model.embed_tokens.weight` keep their
 * Hugging Face layout. A tied lm_head is a Transpose of the embedding (ORT folds it at load).
 */
import { HarnessError } from '../../core/errors.ts'
import { GraphBuilder, attr } from './graph-builder.ts'
import { DataType, encodeOnnxModel, float32Tensor, tensorToFloat32 } from './onnx-proto.ts'
import type { OnnxModel, OnnxTensor } from './onnx-proto.ts'
import { LLAMA_LINEARS, linearShape, validateLlamaConfig, validateLlamaWeights } from './llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaLinear, LlamaWeights } from './llama-config.ts'
import { MS_DOMAIN, gatherNBits, matMulNBits } from './nbits-graph.ts'
import type { NBitsSpec } from './nbits-graph.ts'

/** Which weights stay quantised (MatMulNBits, see nbits-graph.ts); the rest are float32. */
export interface LlamaQuantLayout {
  /** by module name ('model.layers.0.self_attn.q_proj', …): that linear's quantised shape */
  linears: ReadonlyMap<string, NBitsSpec>
  /** the token embedding ('model.embed_tokens'), gathered from its codes; a tied head multiplies by the same codes */
  embed?: NBitsSpec
  /** an untied output head ('lm_head') */
  lmHead?: NBitsSpec
  /** MatMulNBits accuracy_level: 0 = float32 from the codes (exact), 4 = int8 activations */
  accuracyLevel: number
}

/** Options for `buildLlamaOnnx`. */
export interface LlamaOnnxOptions {
  /** add the scalar int64 input `num_logits_to_keep` (0 = all positions, k = last k); default true */
  numLogitsToKeep?: boolean
  /** ModelProto.producer_name; default 'evalz' */
  producerName?: string
  /** ModelProto.producer_version; default '0.1.0' */
  producerVersion?: string
  /** weights kept quantised */
  quantized?: LlamaQuantLayout
  /**
   * the weight arrays are empty stand-ins: every weight initializer gets its dims and no data (for writers that
   * stream the data into external files); only bias presence is read from `weights`
   */
  shapesOnly?: boolean
  /**
   * weights stored as float16 (with shapesOnly): initializer name → k, the power of two the stored values were
   * multiplied by (0 for a F16 source; a BF16 source is shifted into float16's exact range). Each is widened by a Cast
   * to float32, and what it produces (MatMul or Gather output) is multiplied by 2^-k (exact), for linear weights,
   * 'model.embed_tokens.weight' and 'lm_head.weight'.
   * onnxruntime folds these into float32 constants when the session is created, so the arithmetic is the float32
   * graph's; only the stored file is half the size. (onnxruntime-web's build has no Cast from BFLOAT16, INT16 or
   * UINT16, so float16 is the one 16-bit form every device reads.)
   */
  halfWeights?: ReadonlyMap<string, number>
}

/** Additive mask value for disallowed keys: the float32 minimum, as Hugging Face uses (finite, so no NaN). */
export const MASK_MIN_FLOAT32 = -3.4028234663852886e38

/** ONNX default-domain opset of the generated models. */
export const LLAMA_ONNX_OPSET = 17

/** ONNX IR version of the generated models. */
export const LLAMA_ONNX_IR_VERSION = 8

/** Builds the ONNX model (in memory) for a config and its weights. */
export function buildLlamaOnnx(config: LlamaConfig, weights: LlamaWeights, options: LlamaOnnxOptions = {}): OnnxModel {
  validateLlamaConfig(config)
  if (!options.shapesOnly) validateLlamaWeights(config, weights)
  const c = config
  const g = new GraphBuilder()
  const q = options.quantized
  const half = options.halfWeights ?? new Map<string, number>()
  if (half.size > 0 && !options.shapesOnly) throw new Error('llama graph: halfWeights needs shapesOnly (the writer streams the 16-bit data)')
  const f32 = (name: string, dims: number[], values: Float32Array, from?: [number, number]): OnnxTensor => {
    if (options.shapesOnly) return { name, dataType: half.has(name) ? DataType.FLOAT16 : DataType.FLOAT, dims, rawData: new Uint8Array(0) }
    return float32Tensor(name, dims, from ? transpose(values, from[0], from[1]) : values)
  }
  /** adds the initializer; a float16 one is widened to float32 (still scaled by 2^k: see `unscaled`) */
  const weight = (t: OnnxTensor): string => {
    const name = g.initializer(t)
    return t.dataType === DataType.FLOAT ? name : g.op('Cast', [name], { to: attr.int(DataType.FLOAT) })
  }
  /**
   * `y` (computed linearly from weight `name`) times 2^-k. The Mul is on the activations, not on the weight, so
   * onnxruntime folds only the Cast (one float32 copy of the weight, not two); a power of two scales every product
   * and sum exactly, so the result equals the float32 graph's.
   */
  const unscaled = (y: string, name: string, output?: string): string => {
    const k = half.get(name) ?? 0
    return k === 0 ? y : g.op('Mul', [y, g.float32(2 ** -k)], {}, output)
  }
  const { FLOAT, INT64 } = DataType
  const withKeep = options.numLogitsToKeep ?? true

  const inputIds = g.input('input_ids', INT64, ['batch_size', 'sequence_length'])
  const attentionMask = g.input('attention_mask', INT64, ['batch_size', 'total_sequence_length'])
  const positionIds = g.input('position_ids', INT64, ['batch_size', 'sequence_length'])
  const past = Array.from({ length: c.numLayers }, (_, i) => ({
    key: g.input(`past_key_values.${i}.key`, FLOAT, ['batch_size', c.numKvHeads, 'past_sequence_length', c.headDim]),
    value: g.input(`past_key_values.${i}.value`, FLOAT, ['batch_size', c.numKvHeads, 'past_sequence_length', c.headDim]),
  }))
  const keep = withKeep ? g.input('num_logits_to_keep', INT64, []) : null

  const embed = q?.embed ? '' : weight(f32('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], weights.embedTokens))
  let hidden = g.scope('model/embed_tokens', () => (q?.embed
    ? gatherNBits(g, inputIds, 'model.embed_tokens', q.embed)
    : unscaled(g.op('Gather', [embed, inputIds], { axis: attr.int(0) }), 'model.embed_tokens.weight')))

  const rope = g.scope('model/rotary_emb', () => rotaryTables(g, c, positionIds))
  const mask = g.scope('model/attn_mask', () => attentionBias(g, inputIds, attentionMask))

  weights.layers.forEach((lw, i) => {
    hidden = g.scope(`model/layers.${i}`, () => decoderLayer({ g, c, f32, weight, unscaled, q }, lw, i, hidden, rope, mask.bias, past[i]!))
  })

  const logits = g.scope('model', () => {
    let h = rmsNorm(g, c, hidden, g.initializer(f32('model.norm.weight', [c.hiddenSize], weights.norm)), 'norm')
    if (keep) {
      const start = g.op('Unsqueeze', [g.op('Neg', [keep]), g.int64([0])])
      h = g.op('Slice', [h, start, mask.seqLen, g.int64([1])])
    }
    const quantHead = c.tieWordEmbeddings ? q?.embed : q?.lmHead
    if (q && quantHead) return matMulNBits(g, h, c.tieWordEmbeddings ? 'model.embed_tokens' : 'lm_head', quantHead, q.accuracyLevel)
    const head = c.tieWordEmbeddings
      ? g.op('Transpose', [embed], { perm: attr.ints([1, 0]) })
      : weight(f32('lm_head.weight', [c.hiddenSize, c.vocabSize], weights.lmHead!, [c.vocabSize, c.hiddenSize]))
    const headName = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight'
    if ((half.get(headName) ?? 0) === 0) return g.op('MatMul', [h, head], {}, 'logits')
    return unscaled(g.op('MatMul', [h, head]), headName, 'logits')
  })
  g.output('logits', FLOAT, ['batch_size', keep ? 'num_logits' : 'sequence_length', c.vocabSize], logits)
  for (let i = 0; i < c.numLayers; i++) {
    for (const kind of ['key', 'value'] as const) {
      const name = `present.${i}.${kind}`
      g.output(name, FLOAT, ['batch_size', c.numKvHeads, 'total_sequence_length', c.headDim], name)
    }
  }
  return {
    irVersion: LLAMA_ONNX_IR_VERSION,
    opsets: [{ domain: '', version: LLAMA_ONNX_OPSET }, ...(q ? [{ domain: MS_DOMAIN, version: 1 }] : [])],
    producerName: options.producerName ?? 'evalz',
    producerVersion: options.producerVersion ?? '0.1.0',
    graph: g.build('llama'),
  }
}

/** Builds and encodes the ONNX model to bytes. */
export function encodeLlamaOnnx(config: LlamaConfig, weights: LlamaWeights, options: LlamaOnnxOptions = {}): Uint8Array {
  return encodeOnnxModel(buildLlamaOnnx(config, weights, options))
}

/** Recovers Hugging Face-layout weights from the initializers of a model written by `buildLlamaOnnx`. */
export function llamaWeightsFromOnnx(config: LlamaConfig, initializers: readonly OnnxTensor[]): LlamaWeights {
  const byName = new Map(initializers.map((t) => [t.name, t]))
  const get = (name: string): Float32Array => {
    const t = byName.get(name)
    if (!t) throw new HarnessError('MODEL_INVALID', `onnx model: initializer ${name} is missing`, { name })
    return tensorToFloat32(t)
  }
  const opt = (name: string): Float32Array | undefined => (byName.has(name) ? get(name) : undefined)
  const layers = Array.from({ length: config.numLayers }, (_, i): LlamaLayerWeights => {
    const p = `model.layers.${i}`
    const linear = (key: typeof LLAMA_LINEARS[number][0], path: string): LlamaLinear => {
      const [out, inp] = linearShape(config, key)
      const bias = opt(`${p}.${path}.bias`)
      return { weight: transpose(get(`${p}.${path}.weight`), inp, out), ...(bias ? { bias } : {}) }
    }
    const lin = Object.fromEntries(LLAMA_LINEARS.map(([key, path]) => [key, linear(key, path)])) as Record<typeof LLAMA_LINEARS[number][0], LlamaLinear>
    return {
      inputLayernorm: get(`${p}.input_layernorm.weight`),
      postAttentionLayernorm: get(`${p}.post_attention_layernorm.weight`),
      ...lin,
    }
  })
  const lmHead = config.tieWordEmbeddings ? undefined : transpose(get('lm_head.weight'), config.hiddenSize, config.vocabSize)
  return { embedTokens: get('model.embed_tokens.weight'), layers, norm: get('model.norm.weight'), ...(lmHead ? { lmHead } : {}) }
}

/** Row-major [rows, cols] → [cols, rows]. */
function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length)
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) out[col * rows + r] = a[r * cols + col]!
  }
  return out
}

interface RopeTables {
  /** cos, [B, 1, S, D] */
  cos: string
  /** sin, [B, 1, S, D] */
  sin: string
}

/** cos/sin of position · inv_freq, inv_freq = 1 / theta^(2i/D) computed in-graph in float32 like HF. */
function rotaryTables(g: GraphBuilder, c: LlamaConfig, positionIds: string): RopeTables {
  const evens = g.op('Cast', [g.op('Range', [g.int64([0], true), g.int64([c.headDim], true), g.int64([2], true)])], { to: attr.int(DataType.FLOAT) })
  const exponent = g.op('Div', [evens, g.float32(c.headDim)])
  const invFreq = g.op('Div', [g.float32(1), g.op('Pow', [g.float32(c.ropeTheta), exponent])])
  const pos = g.op('Unsqueeze', [g.op('Cast', [positionIds], { to: attr.int(DataType.FLOAT) }), g.int64([2])])
  const freqs = g.op('Mul', [pos, invFreq])
  const emb = g.op('Concat', [freqs, freqs], { axis: attr.int(-1) })
  return {
    cos: g.op('Unsqueeze', [g.op('Cos', [emb]), g.int64([1])]),
    sin: g.op('Unsqueeze', [g.op('Sin', [emb]), g.int64([1])]),
  }
}

/** Additive attention bias [B, 1, 1, S, T]: query i (absolute index T-S+i) sees key j iff j ≤ T-S+i and mask[j] ≠ 0. */
function attentionBias(g: GraphBuilder, inputIds: string, attentionMask: string): { bias: string, seqLen: string } {
  const seqLen = g.op('Shape', [inputIds], { start: attr.int(1), end: attr.int(2) })
  const total = g.op('Shape', [attentionMask], { start: attr.int(1), end: attr.int(2) })
  const scalar = (v: string) => g.op('Squeeze', [v, g.int64([0])])
  const totalScalar = scalar(total)
  const pastScalar = scalar(g.op('Sub', [total, seqLen]))
  const one = g.int64([1], true)
  const queryPos = g.op('Unsqueeze', [g.op('Range', [pastScalar, totalScalar, one]), g.int64([1])])
  const keyPos = g.op('Unsqueeze', [g.op('Range', [g.int64([0], true), totalScalar, one]), g.int64([0])])
  const causal = g.op('LessOrEqual', [keyPos, queryPos])
  const notPadding = g.op('Unsqueeze', [g.op('Cast', [attentionMask], { to: attr.int(DataType.BOOL) }), g.int64([1])])
  const allowed = g.op('And', [causal, notPadding])
  const bias = g.op('Where', [allowed, g.float32(0), g.float32(MASK_MIN_FLOAT32)])
  return { bias: g.op('Unsqueeze', [bias, g.int64([1, 2])]), seqLen }
}

/** x * 1/sqrt(mean(x²) + eps) * w over the last axis. */
function rmsNorm(g: GraphBuilder, c: LlamaConfig, x: string, weight: string, scope: string): string {
  return g.scope(scope, () => {
    const meanSq = g.op('ReduceMean', [g.op('Mul', [x, x])], { axes: attr.ints([-1]), keepdims: attr.int(1) })
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [meanSq, g.float32(c.rmsNormEps)])])])
    return g.op('Mul', [g.op('Mul', [x, inv]), weight])
  })
}

/** What the layer builders share: the graph, the config, the float32 initializer maker and the quantised layout. */
interface LayerContext {
  g: GraphBuilder
  c: LlamaConfig
  f32: (name: string, dims: number[], values: Float32Array, from?: [number, number]) => OnnxTensor
  /** adds a weight initializer and returns the float32 value to use (a Cast of a 16-bit one) */
  weight: (t: OnnxTensor) => string
  /** multiplies what a weight produced by its 2^-k (see halfWeights) */
  unscaled: (y: string, name: string) => string
  q: LlamaQuantLayout | undefined
}

/** x · Wᵀ (+ b) with W stored as [in, out], or as MatMulNBits codes when the layout quantises it. */
function linear(ctx: LayerContext, x: string, lin: LlamaLinear, key: typeof LLAMA_LINEARS[number][0], name: string, scope: string): string {
  const { g, c, f32, weight, unscaled, q } = ctx
  const [out, inp] = linearShape(c, key)
  return g.scope(scope, () => {
    const spec = q?.linears.get(name)
    const y = q && spec
      ? matMulNBits(g, x, name, spec, q.accuracyLevel)
      : unscaled(g.op('MatMul', [x, weight(f32(`${name}.weight`, [inp, out], lin.weight, [out, inp]))]), `${name}.weight`)
    return lin.bias ? g.op('Add', [y, g.initializer(f32(`${name}.bias`, [out], lin.bias))]) : y
  })
}

/** q·cos + rotate_half(q)·sin with rotate_half(x) = concat(-x[..., D/2:], x[..., :D/2]). */
function applyRope(g: GraphBuilder, c: LlamaConfig, x: string, rope: RopeTables): string {
  const half = c.headDim / 2
  const axis = g.int64([3])
  const x1 = g.op('Slice', [x, g.int64([0]), g.int64([half]), axis])
  const x2 = g.op('Slice', [x, g.int64([half]), g.int64([c.headDim]), axis])
  const rotated = g.op('Concat', [g.op('Neg', [x2]), x1], { axis: attr.int(3) })
  return g.op('Add', [g.op('Mul', [x, rope.cos]), g.op('Mul', [rotated, rope.sin])])
}

function decoderLayer(
  ctx: LayerContext, w: LlamaLayerWeights, i: number, hidden: string, rope: RopeTables, bias: string,
  past: { key: string, value: string },
): string {
  const { g, c, f32 } = ctx
  const p = `model.layers.${i}`
  const nRep = c.numHeads / c.numKvHeads
  const normed = rmsNorm(g, c, hidden, g.initializer(f32(`${p}.input_layernorm.weight`, [c.hiddenSize], w.inputLayernorm)), 'input_layernorm')
  const attnOut = g.scope('self_attn', () => {
    const heads = (x: string, n: number) => g.op('Transpose', [g.op('Reshape', [x, g.int64([0, 0, n, c.headDim])])], { perm: attr.ints([0, 2, 1, 3]) })
    const q = applyRope(g, c, heads(linear(ctx, normed, w.qProj, 'qProj', `${p}.self_attn.q_proj`, 'q_proj'), c.numHeads), rope)
    const k = applyRope(g, c, heads(linear(ctx, normed, w.kProj, 'kProj', `${p}.self_attn.k_proj`, 'k_proj'), c.numKvHeads), rope)
    const v = heads(linear(ctx, normed, w.vProj, 'vProj', `${p}.self_attn.v_proj`, 'v_proj'), c.numKvHeads)
    const key = g.op('Concat', [past.key, k], { axis: attr.int(2) }, `present.${i}.key`)
    const value = g.op('Concat', [past.value, v], { axis: attr.int(2) }, `present.${i}.value`)
    // grouped-query attention without copying K/V: queries [B, KV, nRep, S, D] against keys [B, KV, 1, T, D]
    const q5 = g.op('Reshape', [q, g.int64([0, c.numKvHeads, nRep, -1, c.headDim])])
    const kT = g.op('Transpose', [g.op('Unsqueeze', [key, g.int64([2])])], { perm: attr.ints([0, 1, 2, 4, 3]) })
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q5, kT]), g.float32(1 / Math.sqrt(c.headDim))]), bias])
    const probs = g.op('Softmax', [scores], { axis: attr.int(-1) })
    const context = g.op('MatMul', [probs, g.op('Unsqueeze', [value, g.int64([2])])])
    const merged = g.op('Reshape', [context, g.int64([0, c.numHeads, -1, c.headDim])])
    const flat = g.op('Reshape', [g.op('Transpose', [merged], { perm: attr.ints([0, 2, 1, 3]) }), g.int64([0, 0, c.numHeads * c.headDim])])
    return linear(ctx, flat, w.oProj, 'oProj', `${p}.self_attn.o_proj`, 'o_proj')
  })
  const afterAttn = g.op('Add', [hidden, attnOut])
  const normed2 = rmsNorm(g, c, afterAttn, g.initializer(f32(`${p}.post_attention_layernorm.weight`, [c.hiddenSize], w.postAttentionLayernorm)), 'post_attention_layernorm')
  const mlpOut = g.scope('mlp', () => {
    const gate = linear(ctx, normed2, w.gateProj, 'gateProj', `${p}.mlp.gate_proj`, 'gate_proj')
    const up = linear(ctx, normed2, w.upProj, 'upProj', `${p}.mlp.up_proj`, 'up_proj')
    const act = g.op('Mul', [gate, g.op('Sigmoid', [gate])])
    return linear(ctx, g.op('Mul', [act, up]), w.downProj, 'downProj', `${p}.mlp.down_proj`, 'down_proj')
  })
  return g.op('Add', [afterAttn, mlpOut])
}
