/**
 * Llama-family architecture description shared by the ONNX graph builder and the reference forward pass:
 * the config (from a Hugging Face config.json) and the weights in Hugging Face layout.
 */
import { HarnessError } from '../../core/errors.ts'

/** Hyper-parameters of a LlamaForCausalLM-style decoder. */
export interface LlamaConfig {
  /** number of token ids (rows of the embedding) */
  vocabSize: number
  /** model width */
  hiddenSize: number
  /** width of the SwiGLU MLP */
  intermediateSize: number
  /** number of decoder layers */
  numLayers: number
  /** number of query heads */
  numHeads: number
  /** number of key/value heads (grouped-query attention when < numHeads; divides numHeads) */
  numKvHeads: number
  /** size of one attention head (even) */
  headDim: number
  /** rotary base frequency */
  ropeTheta: number
  /** RMSNorm epsilon */
  rmsNormEps: number
  /** lm_head shares the embedding matrix */
  tieWordEmbeddings: boolean
  /** longest supported sequence, in tokens (informational) */
  maxPositionEmbeddings: number
}

/** A linear layer in Hugging Face layout: y = x · weightᵀ + bias. */
export interface LlamaLinear {
  /** row-major [out_features, in_features] */
  weight: Float32Array
  /** [out_features]; absent = no bias */
  bias?: Float32Array
}

/** One decoder layer's weights. */
export interface LlamaLayerWeights {
  /** RMSNorm scale before attention, [hidden] */
  inputLayernorm: Float32Array
  /** [numHeads·headDim, hidden] */
  qProj: LlamaLinear
  /** [numKvHeads·headDim, hidden] */
  kProj: LlamaLinear
  /** [numKvHeads·headDim, hidden] */
  vProj: LlamaLinear
  /** [hidden, numHeads·headDim] */
  oProj: LlamaLinear
  /** RMSNorm scale before the MLP, [hidden] */
  postAttentionLayernorm: Float32Array
  /** [intermediate, hidden] */
  gateProj: LlamaLinear
  /** [intermediate, hidden] */
  upProj: LlamaLinear
  /** [hidden, intermediate] */
  downProj: LlamaLinear
}

/** All weights of a LlamaForCausalLM. */
export interface LlamaWeights {
  /** token embedding, row-major [vocab, hidden] */
  embedTokens: Float32Array
  /** decoder layers, in order */
  layers: LlamaLayerWeights[]
  /** final RMSNorm scale, [hidden] */
  norm: Float32Array
  /** output projection [vocab, hidden]; absent when tieWordEmbeddings */
  lmHead?: Float32Array
}

/** Keys of the linear layers in a layer, with their Hugging Face module path. */
export const LLAMA_LINEARS = [
  ['qProj', 'self_attn.q_proj'],
  ['kProj', 'self_attn.k_proj'],
  ['vProj', 'self_attn.v_proj'],
  ['oProj', 'self_attn.o_proj'],
  ['gateProj', 'mlp.gate_proj'],
  ['upProj', 'mlp.up_proj'],
  ['downProj', 'mlp.down_proj'],
] as const

/** Name of one of the linear layers of a decoder layer. */
export type LlamaLinearKey = typeof LLAMA_LINEARS[number][0]

/** [out_features, in_features] of a layer's linear. */
export function linearShape(c: LlamaConfig, key: LlamaLinearKey): [number, number] {
  const q = c.numHeads * c.headDim
  const kv = c.numKvHeads * c.headDim
  switch (key) {
    case 'qProj': return [q, c.hiddenSize]
    case 'kProj': return [kv, c.hiddenSize]
    case 'vProj': return [kv, c.hiddenSize]
    case 'oProj': return [c.hiddenSize, q]
    case 'gateProj': return [c.intermediateSize, c.hiddenSize]
    case 'upProj': return [c.intermediateSize, c.hiddenSize]
    case 'downProj': return [c.hiddenSize, c.intermediateSize]
  }
}

/** Reads a Hugging Face Llama config.json object. Throws MODEL_INVALID on missing or inconsistent fields. */
export function llamaConfigFromHf(json: Record<string, unknown>): LlamaConfig {
  const num = (key: string, fallback?: number): number => {
    const v = json[key] ?? fallback
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new HarnessError('MODEL_INVALID', `config.json: ${key} is ${JSON.stringify(json[key])}; expected a number`, { key, value: json[key] })
    }
    return v
  }
  if (json.rope_scaling != null) {
    throw new HarnessError('MODEL_INVALID', `config.json: rope_scaling ${JSON.stringify(json.rope_scaling)} is not supported; only plain rotary embeddings (rope_scaling null)`, { rope_scaling: json.rope_scaling })
  }
  const hiddenSize = num('hidden_size')
  const numHeads = num('num_attention_heads')
  const config: LlamaConfig = {
    vocabSize: num('vocab_size'),
    hiddenSize,
    intermediateSize: num('intermediate_size'),
    numLayers: num('num_hidden_layers'),
    numHeads,
    numKvHeads: num('num_key_value_heads', numHeads),
    headDim: num('head_dim', hiddenSize / numHeads),
    ropeTheta: num('rope_theta', 10000),
    rmsNormEps: num('rms_norm_eps', 1e-6),
    tieWordEmbeddings: json.tie_word_embeddings === undefined ? false : json.tie_word_embeddings === true,
    maxPositionEmbeddings: num('max_position_embeddings', 2048),
  }
  validateLlamaConfig(config)
  return config
}

/** Writes the config as Hugging Face config.json fields (model_type llama). */
export function llamaConfigToHf(c: LlamaConfig): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numLayers,
    num_attention_heads: c.numHeads,
    num_key_value_heads: c.numKvHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    max_position_embeddings: c.maxPositionEmbeddings,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    rms_norm_eps: c.rmsNormEps,
    tie_word_embeddings: c.tieWordEmbeddings,
    attention_bias: false,
    mlp_bias: false,
  }
}

/** Throws MODEL_INVALID unless sizes are positive integers and heads/kv-heads/head_dim are consistent. */
export function validateLlamaConfig(c: LlamaConfig): void {
  for (const key of ['vocabSize', 'hiddenSize', 'intermediateSize', 'numLayers', 'numHeads', 'numKvHeads', 'headDim'] as const) {
    if (!Number.isInteger(c[key]) || c[key] <= 0) {
      throw new HarnessError('MODEL_INVALID', `llama config: ${key} is ${c[key]}; expected a positive integer`, { key, value: c[key] })
    }
  }
  if (c.numHeads % c.numKvHeads !== 0) {
    throw new HarnessError('MODEL_INVALID', `llama config: num_key_value_heads ${c.numKvHeads} must divide num_attention_heads ${c.numHeads}`, { numHeads: c.numHeads, numKvHeads: c.numKvHeads })
  }
  if (c.headDim % 2 !== 0) {
    throw new HarnessError('MODEL_INVALID', `llama config: head_dim ${c.headDim} must be even for rotary embeddings`, { headDim: c.headDim })
  }
  if (!(c.ropeTheta > 0) || !(c.rmsNormEps > 0)) {
    throw new HarnessError('MODEL_INVALID', `llama config: rope_theta ${c.ropeTheta} and rms_norm_eps ${c.rmsNormEps} must be positive`, { ropeTheta: c.ropeTheta, rmsNormEps: c.rmsNormEps })
  }
}

/** Throws MODEL_INVALID when a weight array's length does not match the config. */
export function validateLlamaWeights(c: LlamaConfig, w: LlamaWeights): void {
  const check = (name: string, arr: Float32Array | undefined, size: number) => {
    if (!arr || arr.length !== size) {
      throw new HarnessError('MODEL_INVALID', `llama weights: ${name} has ${arr?.length ?? 'no'} values; expected ${size}`, { name, expected: size, actual: arr?.length ?? null })
    }
  }
  check('model.embed_tokens.weight', w.embedTokens, c.vocabSize * c.hiddenSize)
  check('model.norm.weight', w.norm, c.hiddenSize)
  if (!c.tieWordEmbeddings) check('lm_head.weight', w.lmHead, c.vocabSize * c.hiddenSize)
  if (w.layers.length !== c.numLayers) {
    throw new HarnessError('MODEL_INVALID', `llama weights: ${w.layers.length} layers; expected ${c.numLayers}`, { expected: c.numLayers, actual: w.layers.length })
  }
  w.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`
    check(`${p}.input_layernorm.weight`, layer.inputLayernorm, c.hiddenSize)
    check(`${p}.post_attention_layernorm.weight`, layer.postAttentionLayernorm, c.hiddenSize)
    for (const [key, path] of LLAMA_LINEARS) {
      const [out, inp] = linearShape(c, key)
      check(`${p}.${path}.weight`, layer[key].weight, out * inp)
      if (layer[key].bias) check(`${p}.${path}.bias`, layer[key].bias, out)
    }
  })
}
