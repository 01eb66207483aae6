/**
 * One call from a GGUF checkpoint to everything evalz needs to run it: the Llama config and weights
 * (Hugging Face layout, ready for buildLlamaOnnx or the reference forward), a transformers.js tokenizer,
 * a config.json object, and a summary for display.
 */
import { llamaConfigToHf } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaWeights } from '../onnx/llama-config.ts'
import { ggmlTypeName } from './gguf-dequant.ts'
import { GgufMetadata, readGgufHeader } from './gguf-file.ts'
import type { ByteSource, GgufFile } from './gguf-file.ts'
import { ggufArchitecture, llamaConfigFromGguf, readGgufLlamaWeights } from './gguf-llama.ts'
import type { GgufWeightOptions } from './gguf-llama.ts'
import { ggufTokenizerFiles } from './gguf-tokenizer.ts'
import type { GgufTokenizerFiles } from './gguf-tokenizer.ts'

export { bytesSource } from './gguf-file.ts'
export type { ByteSource } from './gguf-file.ts'

/** What a GGUF file holds, for display and logs. */
export interface GgufSummary {
  /** general.name, when present */
  name?: string
  /** GGUF format version */
  version: number
  /** number of metadata keys */
  metadataKeys: number
  /** number of tensors */
  tensorCount: number
  /** number of weights (sum of tensor elements) */
  parameterCount: number
  /** ggml type name → number of tensors stored in it */
  tensorTypes: Record<string, number>
  /** size of the tensor data, in bytes */
  tensorBytes: number
}

/** A GGUF checkpoint converted for evalz. */
export interface GgufModel {
  /** `general.architecture` ('llama' or 'qwen2') */
  architecture: string
  /** decoder hyper-parameters */
  config: LlamaConfig
  /** weights in Hugging Face layout (rotary rows in half-split order) */
  weights: LlamaWeights
  /** tokenizer.json and tokenizer_config.json objects */
  tokenizer: GgufTokenizerFiles
  /** config.json object for a transformers.js model folder */
  configJson: Record<string, unknown>
  /** file summary */
  summary: GgufSummary
}

/** Summary of a parsed header. */
export function ggufSummary(file: GgufFile): GgufSummary {
  const tensorTypes: Record<string, number> = {}
  let parameterCount = 0
  let tensorBytes = 0
  for (const t of file.tensors) {
    const name = ggmlTypeName(t.type)
    tensorTypes[name] = (tensorTypes[name] ?? 0) + 1
    parameterCount += t.elements
    tensorBytes += Math.max(0, t.byteLength)
  }
  const name = new GgufMetadata(file.metadata).optionalString('general.name')
  return {
    ...(name !== undefined ? { name } : {}),
    version: file.version,
    metadataKeys: file.metadata.size,
    tensorCount: file.tensors.length,
    parameterCount,
    tensorTypes,
    tensorBytes,
  }
}

/**
 * Reads a GGUF checkpoint of a supported architecture (see SUPPORTED_GGUF_ARCHITECTURES). The header,
 * config and tokenizer are checked before any weight is read; weights are then converted one tensor at a
 * time. Throws HarnessError MODEL_INVALID naming the unsupported architecture, tensor type or tokenizer.
 */
export async function readGgufModel(src: ByteSource, options: GgufWeightOptions = {}): Promise<GgufModel> {
  const { file, ...info } = await readGgufModelInfo(src)
  const weights = await readGgufLlamaWeights(src, file, info.config, options)
  return { ...info, weights }
}

/** Everything of `readGgufModel` but the weights, plus the parsed header (for converters that read weights themselves). */
export async function readGgufModelInfo(src: ByteSource): Promise<Omit<GgufModel, 'weights'> & { file: GgufFile }> {
  const file = await readGgufHeader(src)
  const architecture = ggufArchitecture(file)
  const config = llamaConfigFromGguf(file)
  const tokenizer = ggufTokenizerFiles(new GgufMetadata(file.metadata), { modelMaxLength: config.maxPositionEmbeddings })
  const ids = tokenizer.tokenizerJson.model as { vocab: Record<string, number> }
  const idOf = (key: string): number | undefined => {
    const token = tokenizer.tokenizerConfig[key]
    return typeof token === 'string' ? ids.vocab[token] : undefined
  }
  const hasBias = file.tensors.some((t) => /^blk\.\d+\.attn_(q|k|v|output)\.bias$/.test(t.name))
  const configJson: Record<string, unknown> = {
    ...llamaConfigToHf(config),
    attention_bias: hasBias,
    bos_token_id: idOf('bos_token') ?? null,
    eos_token_id: idOf('eos_token') ?? null,
    pad_token_id: idOf('pad_token') ?? idOf('eos_token') ?? null,
    use_cache: true,
    torch_dtype: 'float32',
    'transformers.js_config': { dtype: 'fp32' },
  }
  return { architecture, config, tokenizer, configJson, summary: ggufSummary(file), file }
}
