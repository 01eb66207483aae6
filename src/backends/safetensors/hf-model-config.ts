/**
 * A Hugging Face config.json of a Llama-shaped decoder (model_type llama, mistral or qwen2) read into the
 * project's LlamaConfig, plus what the three architectures add on top: which linears carry biases
 * (qwen2: q/k/v; llama: attention_bias, mlp_bias) and a sliding attention window (mistral, qwen2).
 */
import { HarnessError } from '../../core/errors.ts'
import { LLAMA_LINEARS, llamaConfigFromHf } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLinearKey } from '../onnx/llama-config.ts'

/** model_type values this reader maps onto LlamaConfig. */
export const SUPPORTED_MODEL_TYPES = ['llama', 'mistral', 'qwen2'] as const

/** A supported model_type. */
export type HfModelType = typeof SUPPORTED_MODEL_TYPES[number]

/** What a config.json says about a Llama-shaped checkpoint. */
export interface HfModelConfig {
  /** the config's model_type */
  modelType: HfModelType
  /** architecture hyper-parameters */
  config: LlamaConfig
  /** linears whose checkpoint tensors include a `.bias`, in LLAMA_LINEARS order */
  biasedLinears: LlamaLinearKey[]
  /**
   * attention window in tokens when the model uses sliding-window attention (mistral `sliding_window`, qwen2 with
   * `use_sliding_window`); undefined = full attention. Recorded only: the graph and reference forward attend to the
   * whole context, which matches the model for sequences up to this length.
   */
  slidingWindow?: number
}

/**
 * Reads config.json. Throws MODEL_INVALID for an unsupported model_type, an activation other than silu, rope_scaling,
 * or missing / inconsistent sizes.
 * @example
 * hfModelConfig(JSON.parse(configText)).config.headDim // 64 for SmolLM2-135M
 */
export function hfModelConfig(json: Record<string, unknown>): HfModelConfig {
  const modelType = json.model_type
  if (typeof modelType !== 'string' || !(SUPPORTED_MODEL_TYPES as readonly string[]).includes(modelType)) {
    const arch = Array.isArray(json.architectures) ? ` (${json.architectures.join(', ')})` : ''
    throw new HarnessError('MODEL_INVALID', `config.json: model_type ${JSON.stringify(modelType)}${arch} is not supported; supported model types: ${SUPPORTED_MODEL_TYPES.join(', ')}`, { modelType, supported: [...SUPPORTED_MODEL_TYPES] })
  }
  const act = json.hidden_act ?? 'silu'
  if (act !== 'silu') {
    throw new HarnessError('MODEL_INVALID', `config.json: hidden_act ${JSON.stringify(act)} is not supported; ${modelType} models here use silu`, { hiddenAct: act })
  }
  const config = llamaConfigFromHf(json)
  const type = modelType as HfModelType
  return { modelType: type, config, biasedLinears: biasedLinears(type, json), ...slidingWindowOf(type, json) }
}

function biasedLinears(type: HfModelType, json: Record<string, unknown>): LlamaLinearKey[] {
  if (type === 'qwen2') return ['qProj', 'kProj', 'vProj']
  if (type === 'mistral') return []
  const attention: readonly LlamaLinearKey[] = ['qProj', 'kProj', 'vProj', 'oProj']
  return LLAMA_LINEARS.map(([key]) => key).filter((k) => (attention.includes(k) ? json.attention_bias === true : json.mlp_bias === true))
}

function slidingWindowOf(type: HfModelType, json: Record<string, unknown>): { slidingWindow?: number } {
  const window = json.sliding_window
  const active = type === 'mistral' || (type === 'qwen2' && json.use_sliding_window === true)
  if (!active || window === null || window === undefined) return {}
  if (typeof window !== 'number' || !Number.isInteger(window) || window <= 0) {
    throw new HarnessError('MODEL_INVALID', `config.json: sliding_window is ${JSON.stringify(window)}; expected a positive integer or null`, { slidingWindow: window })
  }
  return { slidingWindow: window }
}
