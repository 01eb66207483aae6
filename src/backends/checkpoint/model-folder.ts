/**
 * The files of a transformers.js model folder for a Llama-shaped checkpoint: config.json (with
 * 'transformers.js_config' and the checkpoint's identity under 'evalz'), generation_config.json, tokenizer.json,
 * tokenizer_config.json and onnx/model.onnx (+ external data), emitted through a sink one tensor at a time.
 */
import type { LlamaConfig, LlamaWeights } from '../onnx/llama-config.ts'
import { llamaConfigToHf } from '../onnx/llama-config.ts'
import { writeLlamaOnnx } from './llama-onnx-writer.ts'
import type { FileSink, LlamaOnnxWriteOptions } from './llama-onnx-writer.ts'

/** Checkpoint formats that convert to a model folder. */
export type CheckpointFormat = 'gguf' | 'safetensors'

/** Where a converted model came from; written to config.json under 'evalz' and reported with results. */
export interface CheckpointIdentity {
  /** format of the base checkpoint */
  format: CheckpointFormat
  /** sha256 (hex) of the base: the .gguf file's bytes, or `combinedSha256` of the folder's checkpoint files */
  base_sha256: string
  /** `combinedSha256` of the adapter folder's files (adapter_config.json, adapter_model.safetensors); absent without one */
  adapter_sha256?: string
}

/** Everything a model folder is made from. */
export interface ModelFolderInput {
  /** architecture */
  config: LlamaConfig
  /** weights in Hugging Face layout (adapter already merged) */
  weights: LlamaWeights
  /** tokenizer.json object */
  tokenizerJson: Record<string, unknown>
  /** tokenizer_config.json object */
  tokenizerConfig: Record<string, unknown>
  /** generation_config.json object; default: the special token ids */
  generationConfig?: Record<string, unknown>
  /** the source's config.json object: its bos/eos/pad token ids win over the tokenizer's special tokens */
  sourceConfig?: Record<string, unknown>
  /** identity of the source checkpoint */
  identity: CheckpointIdentity
  /** display name, written as _name_or_path (the stored model's name in the app) */
  name: string
  /** one line describing the source (format, architecture, size, adapter), written as evalz.source */
  description: string
  /**
   * how the weight matrices are stored in the ONNX file, written as evalz.weight_dtype: 'float32', 'float16',
   * 'bfloat16', 'matmulnbits' (quantised), or several joined by '+'; default 'float32'
   */
  weightDtype?: string
  /**
   * writes onnx/ itself instead of `writeLlamaOnnx(config, weights)` (then `weights` only tells which biases exist):
   * a streamed, quantised model with onnx/model.onnx (exact) and onnx/model_int8.onnx sharing onnx/model.onnx_data
   */
  onnx?: (sink: FileSink, opts: ModelFolderOptions) => Promise<OnnxFilesResult>
}

/** What an ONNX writer wrote. */
export interface OnnxFilesResult {
  /** paths written, relative to the folder */
  files: string[]
  /** number of external data chunks (0 = inline weights) */
  externalChunks: number
  /** weight bytes */
  weightBytes: number
  /** notes */
  warnings: string[]
}

/** Options of `writeModelFolder`. */
export type ModelFolderOptions = LlamaOnnxWriteOptions

/** What `writeModelFolder` wrote. */
export interface ModelFolderResult {
  /** paths written, relative to the folder, in write order */
  files: string[]
  /** the config.json object */
  configJson: Record<string, unknown>
  /** number of external data chunks (0 = inline weights) */
  externalChunks: number
  /** float32 weight bytes */
  weightBytes: number
  /** notes from the ONNX writer */
  warnings: string[]
}

/** Bumped when the converted files change for the same input, so cached conversions are redone (4: F16 safetensors kept 16-bit; 5: BF16 safetensors and F16 GGUF matrices too; 6: BF16 GGUF matrices; 7: Q4_K and Q6_K scales as ggml's d and sub-block scales). */
export const CONVERTER_VERSION = 7

/** Special token ids of a model, null when it has none. */
export interface SpecialTokenIds {
  /** beginning of sequence */
  bos: number | null
  /** end of sequence (the first when the config lists several) */
  eos: number | number[] | null
  /** padding */
  pad: number | null
}

/**
 * Emits the model folder's files through `sink`: the ONNX model first (weights tensor by tensor, released as they go
 * when `opts.releaseWeights`), then the JSON files.
 * @example
 * const files = new Map<string, Uint8Array[]>()
 * await writeModelFolder(input, async (path, part) => { files.set(path, [...(files.get(path) ?? []), part.slice()]) })
 */
export async function writeModelFolder(input: ModelFolderInput, sink: FileSink, opts: ModelFolderOptions = {}): Promise<ModelFolderResult> {
  const hasBias = (keys: readonly ('qProj' | 'kProj' | 'vProj' | 'oProj' | 'gateProj' | 'upProj' | 'downProj')[]) =>
    input.weights.layers.some((l) => keys.some((k) => l[k].bias !== undefined))
  const attentionBias = hasBias(['qProj', 'kProj', 'vProj', 'oProj'])
  const mlpBias = hasBias(['gateProj', 'upProj', 'downProj'])
  const onnx = input.onnx
    ? await input.onnx(sink, opts)
    : await writeLlamaOnnx(input.config, input.weights, sink, { producerName: 'evalz checkpoint conversion', ...opts })
  const ids = specialTokenIds(input.tokenizerJson, input.tokenizerConfig, input.sourceConfig)
  const tjs: Record<string, unknown> = { dtype: 'fp32' }
  // per file when several graphs share the data: model_int8.onnx then reads model.onnx_data by its recorded location
  if (onnx.externalChunks > 0) tjs.use_external_data_format = input.onnx ? { 'model.onnx': onnx.externalChunks } : onnx.externalChunks === 1 ? true : onnx.externalChunks
  const configJson: Record<string, unknown> = {
    _name_or_path: input.name,
    ...llamaConfigToHf(input.config),
    attention_bias: attentionBias,
    mlp_bias: mlpBias,
    bos_token_id: ids.bos,
    eos_token_id: ids.eos,
    pad_token_id: ids.pad,
    use_cache: true,
    torch_dtype: 'float32',
    'transformers.js_config': tjs,
    evalz: { ...input.identity, source: input.description, weight_dtype: input.weightDtype ?? 'float32', converter_version: CONVERTER_VERSION },
  }
  const generation = input.generationConfig ?? Object.fromEntries(
    [['bos_token_id', ids.bos], ['eos_token_id', ids.eos], ['pad_token_id', ids.pad]].filter(([, v]) => v !== null),
  )
  const json: [string, unknown][] = [
    ['config.json', configJson],
    ['generation_config.json', generation],
    ['tokenizer.json', input.tokenizerJson],
    ['tokenizer_config.json', input.tokenizerConfig],
  ]
  for (const [path, value] of json) await sink(path, new TextEncoder().encode(JSON.stringify(value, null, 2) + '\n'))
  return { files: [...onnx.files, ...json.map(([p]) => p)], configJson, externalChunks: onnx.externalChunks, weightBytes: onnx.weightBytes, warnings: onnx.warnings }
}

/**
 * bos/eos/pad ids: config.json's `*_token_id` when it has them, else tokenizer_config.json's `*_token` (a string or
 * an AddedToken object) looked up in tokenizer.json's added tokens and vocab.
 * @example
 * specialTokenIds({ model: { vocab: { '<s>': 1 } } }, { bos_token: '<s>' }).bos // 1
 */
export function specialTokenIds(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, sourceConfig: Record<string, unknown> = {}): SpecialTokenIds {
  const lookup = tokenIdLookup(tokenizerJson)
  const fromTokenizer = (key: string): number | null => {
    const t = tokenizerConfig[`${key}_token`]
    const content = typeof t === 'string' ? t : typeof t === 'object' && t !== null ? (t as { content?: unknown }).content : undefined
    return typeof content === 'string' ? lookup(content) ?? null : null
  }
  const id = (key: string): number | null => {
    const v = sourceConfig[`${key}_token_id`]
    return typeof v === 'number' ? v : Array.isArray(v) && typeof v[0] === 'number' ? v[0] : fromTokenizer(key)
  }
  const eos = sourceConfig.eos_token_id
  const eosList = Array.isArray(eos) && eos.length > 1 && eos.every((x) => typeof x === 'number') ? eos as number[] : undefined
  return { bos: id('bos'), eos: eosList ?? id('eos'), pad: id('pad') }
}

/** token text → id from a tokenizer.json (added tokens, then a vocab object or a Unigram [piece, score] list). */
function tokenIdLookup(tokenizerJson: Record<string, unknown>): (token: string) => number | undefined {
  const ids = new Map<string, number>()
  const model = tokenizerJson.model as { vocab?: unknown } | undefined
  const vocab = model?.vocab
  if (Array.isArray(vocab)) vocab.forEach((entry, i) => { if (Array.isArray(entry) && typeof entry[0] === 'string' && !ids.has(entry[0])) ids.set(entry[0], i) })
  else if (typeof vocab === 'object' && vocab !== null) for (const [k, v] of Object.entries(vocab)) if (typeof v === 'number') ids.set(k, v)
  const added = tokenizerJson.added_tokens
  if (Array.isArray(added)) {
    for (const t of added as { id?: unknown, content?: unknown }[]) if (typeof t.content === 'string' && typeof t.id === 'number') ids.set(t.content, t.id)
  }
  return (token) => ids.get(token)
}
