/**
 * GGUF checkpoints of Llama-architecture decoders → the project's LlamaConfig and LlamaWeights (Hugging
 * Face layout).
 *
 * ggml lists dims fastest-varying first, so a matrix stored with dims [in, out] is row-major [out][in]:
 * already the Hugging Face layout. llama.cpp's converter permutes the rows of Llama's Q and K projections
 * (per head, from Hugging Face's half-split rotary order to the adjacent-pair order ggml's rotary uses);
 * they are permuted back here so the half-split graph and reference forward apply. Qwen2 is stored
 * unpermuted (ggml's NeoX rotary is the half-split form) and carries Q/K/V biases.
 */
import { HarnessError } from '../../core/errors.ts'
import { validateLlamaConfig } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaLinear, LlamaWeights } from '../onnx/llama-config.ts'
import { dequantize, requireDequantizable } from './gguf-dequant.ts'
import { GgufMetadata, readTensorBytes } from './gguf-file.ts'
import type { ByteSource, GgufFile, GgufTensorInfo } from './gguf-file.ts'

/** `general.architecture` values this module converts. */
export const SUPPORTED_GGUF_ARCHITECTURES = ['llama', 'qwen2']

/** Progress of a weight conversion. */
export interface GgufProgress {
  /** tensors converted so far */
  done: number
  /** tensors to convert */
  total: number
  /** name of the tensor just converted */
  name: string
}

/** Options for `readGgufLlamaWeights`. */
export interface GgufWeightOptions {
  /** called after each tensor is converted */
  onProgress?: (p: GgufProgress) => void
}

function invalid(message: string, detail: Record<string, unknown>): HarnessError {
  return new HarnessError('MODEL_INVALID', message, detail)
}

/** The model's `general.architecture`; throws MODEL_INVALID naming it when it is not a supported one. */
export function ggufArchitecture(file: GgufFile): string {
  const arch = new GgufMetadata(file.metadata).optionalString('general.architecture')
  if (arch === undefined || !SUPPORTED_GGUF_ARCHITECTURES.includes(arch)) {
    throw invalid(`gguf: general.architecture ${JSON.stringify(arch ?? null)} is not supported; supported: ${SUPPORTED_GGUF_ARCHITECTURES.join(', ')} (Mistral-7B-style models convert as llama)`, { architecture: arch ?? null, supported: SUPPORTED_GGUF_ARCHITECTURES })
  }
  return arch
}

function tensorMap(file: GgufFile): Map<string, GgufTensorInfo> {
  return new Map(file.tensors.map((t) => [t.name, t]))
}

/** LlamaConfig from the `{arch}.*` hyper-parameters; vocab size from token_embd's rows. Throws MODEL_INVALID for features the graph lacks. */
export function llamaConfigFromGguf(file: GgufFile): LlamaConfig {
  const arch = ggufArchitecture(file)
  const meta = new GgufMetadata(file.metadata)
  const k = (name: string) => `${arch}.${name}`
  const perLayer = file.metadata.get(k('feed_forward_length'))
  if (Array.isArray(perLayer) || Array.isArray(file.metadata.get(k('attention.head_count')))) {
    throw invalid(`gguf: ${arch} with per-layer sizes (${k('feed_forward_length')} or head_count is an array) is not supported; expected one size for all layers`, { architecture: arch })
  }
  const experts = meta.optionalNumber(k('expert_count')) ?? 0
  if (experts > 0) throw invalid(`gguf: ${k('expert_count')} is ${experts}; mixture-of-experts models are not supported`, { experts })
  const scaling = meta.optionalString(k('rope.scaling.type'))
  if (scaling !== undefined && scaling !== 'none') {
    throw invalid(`gguf: ${k('rope.scaling.type')} is ${JSON.stringify(scaling)}; only plain rotary embeddings (none) are supported`, { scaling })
  }
  const tensors = tensorMap(file)
  if (tensors.has('rope_freqs.weight')) {
    throw invalid('gguf: tensor rope_freqs.weight (Llama 3.1-style rope scaling) is not supported; only plain rotary embeddings are', { tensor: 'rope_freqs.weight' })
  }
  const embd = tensors.get('token_embd.weight')
  if (embd?.dims.length !== 2) {
    throw invalid(`gguf: tensor token_embd.weight is ${embd ? `[${embd.dims.join(', ')}]` : 'missing'}; expected a 2-d [hidden, vocab] matrix`, { tensor: 'token_embd.weight' })
  }
  const hiddenSize = meta.number(k('embedding_length'))
  const numHeads = meta.number(k('attention.head_count'))
  const headDim = meta.optionalNumber(k('attention.key_length')) ?? hiddenSize / numHeads
  const valueDim = meta.optionalNumber(k('attention.value_length')) ?? headDim
  if (valueDim !== headDim) {
    throw invalid(`gguf: ${k('attention.value_length')} ${valueDim} differs from key_length ${headDim}; expected equal head sizes`, { keyLength: headDim, valueLength: valueDim })
  }
  const ropeDims = meta.optionalNumber(k('rope.dimension_count')) ?? headDim
  if (ropeDims !== headDim) {
    throw invalid(`gguf: ${k('rope.dimension_count')} ${ropeDims} differs from the head size ${headDim}; partial rotary embeddings are not supported`, { ropeDims, headDim })
  }
  const config: LlamaConfig = {
    vocabSize: embd.dims[1]!,
    hiddenSize,
    intermediateSize: meta.number(k('feed_forward_length')),
    numLayers: meta.number(k('block_count')),
    numHeads,
    numKvHeads: meta.number(k('attention.head_count_kv'), numHeads),
    headDim,
    ropeTheta: meta.number(k('rope.freq_base'), 10000),
    rmsNormEps: meta.number(k('attention.layer_norm_rms_epsilon')),
    tieWordEmbeddings: !tensors.has('output.weight'),
    maxPositionEmbeddings: meta.number(k('context_length'), 2048),
  }
  if (embd.dims[0] !== hiddenSize) {
    throw invalid(`gguf: tensor token_embd.weight is [${embd.dims.join(', ')}]; expected [${hiddenSize}, vocab]`, { tensor: 'token_embd.weight', dims: embd.dims })
  }
  validateLlamaConfig(config)
  return config
}

/**
 * Rows of a GGUF Q/K projection (weight [heads·D, in] or bias [heads·D]) back in Hugging Face order:
 * within each head, GGUF row 2i+j holds Hugging Face row j·D/2+i.
 */
export function unpermuteRotary(w: Float32Array, heads: number, cols: number): Float32Array {
  return moveRotaryRows(w, heads, cols, (D, i, j) => [2 * i + j, j * (D / 2) + i])
}

/** The inverse of `unpermuteRotary` (what llama.cpp's converter does); for tests and writers. */
export function permuteRotary(w: Float32Array, heads: number, cols: number): Float32Array {
  return moveRotaryRows(w, heads, cols, (D, i, j) => [j * (D / 2) + i, 2 * i + j])
}

/** Copies each head's rows to new places: `move(D, i, j)` gives [source row, target row] within the head. */
function moveRotaryRows(w: Float32Array, heads: number, cols: number, move: (D: number, i: number, j: number) => [number, number]): Float32Array {
  const D = w.length / cols / heads
  const out = new Float32Array(w.length)
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < D / 2; i++) {
      for (let j = 0; j < 2; j++) {
        const [from, to] = move(D, i, j)
        out.set(w.subarray((h * D + from) * cols, (h * D + from + 1) * cols), (h * D + to) * cols)
      }
    }
  }
  return out
}

/** Reads and converts all weights, one tensor at a time. Throws MODEL_INVALID for missing, misshapen or unexpected tensors. */
export async function readGgufLlamaWeights(src: ByteSource, file: GgufFile, config: LlamaConfig, options: GgufWeightOptions = {}): Promise<LlamaWeights> {
  const arch = ggufArchitecture(file)
  const c = config
  const tensors = tensorMap(file)
  const q = c.numHeads * c.headDim
  const kv = c.numKvHeads * c.headDim
  const permuted = arch === 'llama'
  const unexpected = file.tensors.map((t) => t.name).filter((name) => !expectedTensor(name, c.numLayers))
  if (unexpected.length > 0) {
    throw invalid(`gguf: tensors ${unexpected.slice(0, 5).join(', ')}${unexpected.length > 5 ? ` (+${unexpected.length - 5} more)` : ''} are not part of a plain ${arch} decoder; this variant is not supported`, { unexpected })
  }
  for (const t of file.tensors) requireDequantizable(t.type, t.name)
  const total = file.tensors.length
  let done = 0

  const load = async (name: string, dims: number[]): Promise<Float32Array> => {
    const t = tensors.get(name)
    if (!t) throw invalid(`gguf: tensor ${name} is missing; a ${arch} checkpoint needs it`, { tensor: name })
    if (t.dims.length !== dims.length || t.dims.some((d, i) => d !== dims[i])) {
      throw invalid(`gguf: tensor ${name} is [${t.dims.join(', ')}]; expected [${dims.join(', ')}] (ggml order, fastest-varying first)`, { tensor: name, dims: t.dims, expected: dims })
    }
    const values = dequantize(t.type, await readTensorBytes(src, file, t), t.elements, name)
    options.onProgress?.({ done: ++done, total, name })
    return values
  }
  const optional = async (name: string, dims: number[]): Promise<Float32Array | undefined> => (tensors.has(name) ? load(name, dims) : undefined)
  const linear = async (name: string, out: number, inp: number, heads?: number): Promise<LlamaLinear> => {
    let weight = await load(`${name}.weight`, [inp, out])
    let bias = await optional(`${name}.bias`, [out])
    if (heads !== undefined && permuted) {
      weight = unpermuteRotary(weight, heads, inp)
      if (bias) bias = unpermuteRotary(bias, heads, 1)
    }
    return bias ? { weight, bias } : { weight }
  }

  const embedTokens = await load('token_embd.weight', [c.hiddenSize, c.vocabSize])
  const layers: LlamaLayerWeights[] = []
  for (let i = 0; i < c.numLayers; i++) {
    const p = `blk.${i}`
    layers.push({
      inputLayernorm: await load(`${p}.attn_norm.weight`, [c.hiddenSize]),
      qProj: await linear(`${p}.attn_q`, q, c.hiddenSize, c.numHeads),
      kProj: await linear(`${p}.attn_k`, kv, c.hiddenSize, c.numKvHeads),
      vProj: await linear(`${p}.attn_v`, kv, c.hiddenSize),
      oProj: await linear(`${p}.attn_output`, c.hiddenSize, q),
      postAttentionLayernorm: await load(`${p}.ffn_norm.weight`, [c.hiddenSize]),
      gateProj: await linear(`${p}.ffn_gate`, c.intermediateSize, c.hiddenSize),
      upProj: await linear(`${p}.ffn_up`, c.intermediateSize, c.hiddenSize),
      downProj: await linear(`${p}.ffn_down`, c.hiddenSize, c.intermediateSize),
    })
  }
  const norm = await load('output_norm.weight', [c.hiddenSize])
  const lmHead = c.tieWordEmbeddings ? undefined : await load('output.weight', [c.hiddenSize, c.vocabSize])
  return lmHead ? { embedTokens, layers, norm, lmHead } : { embedTokens, layers, norm }
}

const LAYER_TENSOR = /^blk\.(\d+)\.(?:(?:attn_norm|ffn_norm)\.weight|(?:attn_q|attn_k|attn_v|attn_output|ffn_gate|ffn_up|ffn_down)\.(?:weight|bias))$/

/** Whether a tensor name belongs to a plain Llama/Qwen2 decoder with `layers` layers. */
export function expectedTensor(name: string, layers: number): boolean {
  if (name === 'token_embd.weight' || name === 'output_norm.weight' || name === 'output.weight') return true
  const m = LAYER_TENSOR.exec(name)
  return m !== null && Number(m[1]) < layers
}
