/**
 * A Hugging Face Llama-shaped checkpoint (config.json + model.safetensors, or sharded with
 * model.safetensors.index.json) read into LlamaConfig / LlamaWeights, optionally with a PEFT LoRA adapter
 * (adapter_config.json + adapter_model.safetensors) merged in. Tensors are converted one at a time; only the
 * float32 weights stay in memory.
 */
import { HarnessError } from '../../core/errors.ts'
import { LLAMA_LINEARS, linearShape, validateLlamaWeights } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaLinear, LlamaLinearKey, LlamaWeights } from '../onnx/llama-config.ts'
import { readJsonObject } from './byte-source.ts'
import type { FileOpener } from './byte-source.ts'
import { SUPPORTED_MODEL_TYPES, hfModelConfig } from './hf-model-config.ts'
import type { HfModelConfig, HfModelType } from './hf-model-config.ts'
import { loraConfigFromPeft, mergeLoraAdapter, planLoraMerge } from './lora-adapter.ts'
import type { LoraMergeSummary } from './lora-adapter.ts'
import { openSafetensorsCheckpoint } from './safetensors-checkpoint.ts'
import type { SafetensorsCheckpoint } from './safetensors-checkpoint.ts'

/** Options of `readSafetensorsModel`. */
export interface SafetensorsModelOptions {
  /** a PEFT LoRA adapter folder to merge: its opener gives adapter_config.json and adapter_model.safetensors */
  adapter?: { open: FileOpener }
}

/** A checkpoint read into the project's Llama structures. */
export interface SafetensorsModel {
  /** architecture */
  config: LlamaConfig
  /** weights in Hugging Face layout, adapter merged */
  weights: LlamaWeights
  /** config.json model_type */
  modelType: HfModelType
  /** sliding attention window in tokens, when the config enables one (not applied by the graph; see HfModelConfig) */
  slidingWindow?: number
  /** the merged adapter; absent without one */
  adapter?: LoraMergeSummary
}

/** Tensors some checkpoints carry that the model recomputes (rotary inverse frequencies of older exports). */
const IGNORED_TENSOR = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/

/**
 * Reads config.json and the safetensors weights through `open`, then merges `opts.adapter` if given. The adapter's
 * config and tensor names are checked before the base weights are read. Throws MODEL_NOT_FOUND for missing files and
 * MODEL_INVALID for an unsupported model_type, dtype or adapter, and for missing, unexpected or misshapen tensors.
 * @example
 * const model = await readSafetensorsModel((name) => openFile(join(dir, name)))
 * const onnx = encodeLlamaOnnx(model.config, model.weights)
 */
export async function readSafetensorsModel(open: FileOpener, opts: SafetensorsModelOptions = {}): Promise<SafetensorsModel> {
  const { hf, checkpoint, adapter } = await openSafetensorsModel(open, opts)
  const c = hf.config
  const weights = await readLlamaWeights(hf, checkpoint)
  validateLlamaWeights(c, weights)
  const summary = adapter ? await mergeLoraAdapter(c, weights, adapter.lora, adapter.checkpoint, adapter.plan) : undefined
  return {
    config: c,
    weights,
    modelType: hf.modelType,
    ...(hf.slidingWindow !== undefined ? { slidingWindow: hf.slidingWindow } : {}),
    ...(summary ? { adapter: summary } : {}),
  }
}

/** A checkpoint opened and checked, nothing of its weights read yet. */
export interface OpenedSafetensorsModel {
  /** config.json */
  hf: HfModelConfig
  /** the weights' files (every expected tensor present with its shape) */
  checkpoint: SafetensorsCheckpoint
  /** the adapter, planned against the config; absent without one */
  adapter?: Awaited<ReturnType<typeof openLoraAdapter>>
}

/**
 * Reads config.json and the safetensors headers, opens and plans the adapter, and checks every tensor's presence and
 * shape; same errors as `readSafetensorsModel`, none of the weights read.
 */
export async function openSafetensorsModel(open: FileOpener, opts: SafetensorsModelOptions = {}): Promise<OpenedSafetensorsModel> {
  const configFile = await open('config.json')
  if (!configFile) throw new HarnessError('MODEL_NOT_FOUND', 'config.json is not in the model folder; a Hugging Face checkpoint needs config.json beside its .safetensors files', { file: 'config.json' })
  const hf = hfModelConfig(await readJsonObject(configFile, 'config.json'))
  const checkpoint = await openSafetensorsCheckpoint(open, 'model')
  const adapter = opts.adapter ? await openLoraAdapter(hf.config, opts.adapter.open) : undefined
  checkLlamaTensors(hf, checkpoint)
  return { hf, checkpoint, ...(adapter ? { adapter } : {}) }
}

/** Reads every expected tensor of the checkpoint, after checking that none is missing and none is unexpected. */
export async function readLlamaWeights(hf: HfModelConfig, checkpoint: SafetensorsCheckpoint): Promise<LlamaWeights> {
  const c = hf.config
  checkLlamaTensors(hf, checkpoint)
  const read = (name: string) => checkpoint.read(name)
  const biased = new Set(hf.biasedLinears)
  const layers: LlamaLayerWeights[] = []
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`
    const inputLayernorm = await read(`${p}.input_layernorm.weight`)
    const linears = {} as Record<LlamaLinearKey, LlamaLinear>
    for (const [key, path] of LLAMA_LINEARS) {
      const weight = await read(`${p}.${path}.weight`)
      linears[key] = biased.has(key) ? { weight, bias: await read(`${p}.${path}.bias`) } : { weight }
    }
    layers.push({ inputLayernorm, postAttentionLayernorm: await read(`${p}.post_attention_layernorm.weight`), ...linears })
  }
  const embedTokens = await read('model.embed_tokens.weight')
  const norm = await read('model.norm.weight')
  const lmHead = c.tieWordEmbeddings ? undefined : await read('lm_head.weight')
  return { embedTokens, layers, norm, ...(lmHead ? { lmHead } : {}) }
}

/**
 * Checks that the checkpoint holds exactly the tensors `hf` implies, with their shapes (MODEL_INVALID, one line,
 * otherwise); tensors a checkpoint may carry besides (rotary inv_freq, a tied head's copy) are allowed.
 */
export function checkLlamaTensors(hf: HfModelConfig, checkpoint: SafetensorsCheckpoint): void {
  const c = hf.config
  const expected = expectedTensors(hf)
  const present = new Set(checkpoint.names)
  const missing = [...expected.keys()].filter((n) => !present.has(n))
  if (missing.length > 0) {
    throw new HarnessError('MODEL_INVALID', `checkpoint has no tensor ${missing[0]}${missing.length > 1 ? ` (and ${missing.length - 1} more missing)` : ''}; found ${sample(checkpoint.names)}; a ${hf.modelType} checkpoint needs model.embed_tokens.weight, model.layers.N.*, model.norm.weight${c.tieWordEmbeddings ? '' : ', lm_head.weight'} (supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')})`, { missing, found: checkpoint.names.length })
  }
  const tiedHead = (n: string) => c.tieWordEmbeddings && n === 'lm_head.weight'
  const extra = checkpoint.names.filter((n) => !expected.has(n) && !IGNORED_TENSOR.test(n) && !tiedHead(n))
  if (extra.length > 0) {
    throw new HarnessError('MODEL_INVALID', `checkpoint has unexpected tensor${extra.length > 1 ? 's' : ''} ${sample(extra)} for a ${hf.modelType} model with ${c.numLayers} layers; check config.json (model_type, num_hidden_layers, attention_bias)`, { unexpected: extra })
  }
  for (const [name, shape] of expected) {
    const got = checkpoint.info(name)!.shape
    if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) {
      throw new HarnessError('MODEL_INVALID', `checkpoint tensor ${name} has shape [${got.join(', ')}]; config.json implies [${shape.join(', ')}]`, { tensor: name, shape: got, expected: shape })
    }
  }
}

/** Hugging Face tensor name → shape for a config. */
export function expectedTensors(hf: HfModelConfig): Map<string, number[]> {
  const c = hf.config
  const out = new Map<string, number[]>([['model.embed_tokens.weight', [c.vocabSize, c.hiddenSize]]])
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`
    out.set(`${p}.input_layernorm.weight`, [c.hiddenSize])
    out.set(`${p}.post_attention_layernorm.weight`, [c.hiddenSize])
    for (const [key, path] of LLAMA_LINEARS) {
      const shape = linearShape(c, key)
      out.set(`${p}.${path}.weight`, shape)
      if (hf.biasedLinears.includes(key)) out.set(`${p}.${path}.bias`, [shape[0]])
    }
  }
  out.set('model.norm.weight', [c.hiddenSize])
  if (!c.tieWordEmbeddings) out.set('lm_head.weight', [c.vocabSize, c.hiddenSize])
  return out
}

/** Reads adapter_config.json and plans the merge against config `c` (nothing of the base is read). */
export async function openLoraAdapter(c: LlamaConfig, open: FileOpener) {
  const configFile = await open('adapter_config.json')
  if (!configFile) throw new HarnessError('MODEL_NOT_FOUND', 'adapter_config.json is not in the adapter folder; pass the folder PEFT save_pretrained wrote', { file: 'adapter_config.json' })
  const lora = loraConfigFromPeft(await readJsonObject(configFile, 'adapter_config.json'))
  const file = await open('adapter_model.safetensors')
  if (!file) throw new HarnessError('MODEL_NOT_FOUND', 'adapter_model.safetensors is not in the adapter folder; save the adapter with safe_serialization=True (adapter_model.bin is not read)', { file: 'adapter_model.safetensors' })
  const checkpoint = await openSafetensorsCheckpoint(async (name) => (name === 'adapter_model.safetensors' ? file : undefined), 'adapter_model')
  return { lora, checkpoint, plan: planLoraMerge(c, lora, checkpoint) }
}

/** Up to three names and a count of the rest, for one-line messages. */
function sample(names: readonly string[]): string {
  if (names.length === 0) return 'no tensors'
  return names.slice(0, 3).join(', ') + (names.length > 3 ? ` … (${names.length} in all)` : '')
}
