/**
 * One path from a checkpoint (a GGUF file, or a Hugging Face safetensors folder, either with an optional PEFT LoRA
 * adapter) to the files of a transformers.js model folder. Environment-free: Node and the browser hand in byte
 * sources and a sink.
 */
import { HarnessError } from '../../core/errors.ts'
import { sha256Hex } from '../../core/hash.ts'
import { LLAMA_LINEARS, linearShape } from '../onnx/llama-config.ts'
import type { LlamaConfig } from '../onnx/llama-config.ts'
import { readGgufHeader } from '../gguf/gguf-file.ts'
import { llamaConfigFromGguf } from '../gguf/gguf-llama.ts'
import type { GgufFile } from '../gguf/gguf-file.ts'
import { readGgufModel, readGgufModelInfo } from '../gguf/gguf-model.ts'
import { buildLlamaOnnx } from '../onnx/llama-graph.ts'
import { quantizedGgufPlan } from './gguf-quantized.ts'
import { writeStreamedOnnx } from './streamed-onnx-writer.ts'
import { readJsonObject, readText } from '../safetensors/byte-source.ts'
import type { ByteSource, FileOpener } from '../safetensors/byte-source.ts'
import { loraConfigFromPeft, mergeLoraAdapter, planLoraMerge } from '../safetensors/lora-adapter.ts'
import type { LoraMergeSummary } from '../safetensors/lora-adapter.ts'
import { openSafetensorsCheckpoint } from '../safetensors/safetensors-checkpoint.ts'
import { openSafetensorsModel, readLlamaWeights } from '../safetensors/safetensors-model.ts'
import { halfSafetensorsPlan } from './half-safetensors.ts'
import type { FileSink } from './llama-onnx-writer.ts'
import { writeModelFolder } from './model-folder.ts'
import type { CheckpointIdentity, ModelFolderInput, ModelFolderOptions, ModelFolderResult } from './model-folder.ts'

/** The base checkpoint. */
export type CheckpointSource =
  /** a .gguf file */
  | { format: 'gguf', file: ByteSource, name: string }
  /** a folder with config.json, *.safetensors (or an index and shards) and tokenizer.json */
  | { format: 'safetensors', open: FileOpener, name: string }

/** A PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors). */
export interface AdapterSource {
  /** opens the folder's files by name */
  open: FileOpener
  /** folder name, for the description */
  name: string
}

/** What to convert. */
export interface CheckpointConversion {
  /** the base checkpoint (`name` is the file or folder name) */
  source: CheckpointSource
  /** adapter merged into the base, if any */
  adapter?: AdapterSource
  /** hashes of the source files (see `combinedSha256`), computed by the caller */
  identity: CheckpointIdentity
}

/** A finished conversion. */
export interface ConvertedCheckpoint extends ModelFolderResult {
  /** one line: name, format, architecture, parameters, adapter */
  description: string
  /** the identity written to config.json */
  identity: CheckpointIdentity
}

/** Files of a safetensors folder that make up its identity (and are read by the conversion). */
const SAFETENSORS_FOLDER_FILE = /^(config\.json|generation_config\.json|tokenizer\.json|tokenizer_config\.json|special_tokens_map\.json|chat_template\.jinja|.+\.safetensors|.+\.safetensors\.index\.json)$/

/** Files of a PEFT adapter folder that make up its identity. */
const ADAPTER_FOLDER_FILE = /^(adapter_config\.json|adapter_model\.safetensors)$/

/** Whether a top-level file of a checkpoint folder counts towards its hash (and `adapter` says which folder kind). */
export function isIdentityFile(name: string, adapter = false): boolean {
  return (adapter ? ADAPTER_FOLDER_FILE : SAFETENSORS_FOLDER_FILE).test(name)
}

/**
 * The hash of a set of files: the file's own sha256 when there is one, else sha256 over '<name>:<sha256>\n' lines in
 * name order (the scheme the CLI uses for ONNX external data).
 * @example
 * combinedSha256([{ name: 'model.gguf', sha256: 'ab…' }]) // 'ab…'
 */
export function combinedSha256(files: readonly { name: string, sha256: string }[]): string {
  if (files.length === 1) return files[0]!.sha256
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return sha256Hex(sorted.map((f) => `${f.name}:${f.sha256}\n`).join(''))
}

/**
 * Reads the checkpoint, merges the adapter and emits the model folder's files through `sink`. Settings the graph or
 * the readers do not support are refused with a one-line MODEL_INVALID before any weight is read where possible.
 */
export async function convertCheckpoint(conv: CheckpointConversion, sink: FileSink, opts: ModelFolderOptions = {}): Promise<ConvertedCheckpoint> {
  const input = conv.source.format === 'gguf' ? await ggufInput(conv) : await safetensorsInput(conv)
  const result = await writeModelFolder(input, sink, opts)
  return { ...result, description: input.description, identity: conv.identity }
}

async function ggufInput(conv: CheckpointConversion): Promise<ModelFolderInput> {
  const src = conv.source as Extract<CheckpointSource, { format: 'gguf' }>
  const header = await readGgufHeader(src.file)
  // a LoRA adapter merges into float weights, so only a GGUF without one stays quantised
  const quantized = conv.adapter ? undefined : await quantizedGgufInput(conv, header)
  if (quantized) return quantized
  const adapter = conv.adapter ? await openAdapter(llamaConfigFromGguf(header), conv.adapter) : undefined
  const model = await readGgufModel(src.file)
  const merged = adapter ? await adapter.merge(model.weights) : undefined
  const types = Object.keys(model.summary.tensorTypes).join('/')
  return {
    config: model.config,
    weights: model.weights,
    tokenizerJson: model.tokenizer.tokenizerJson,
    tokenizerConfig: model.tokenizer.tokenizerConfig,
    sourceConfig: model.configJson,
    identity: conv.identity,
    name: stem(src.name),
    description: `${src.name}: gguf ${model.architecture}, ${parameters(model.config)} parameters (${types})${adapterNote(conv.adapter, merged)}`,
  }
}

/** MatMulNBits accuracy_level of each compute mode's graph (see README, `--compute`). */
export const COMPUTE_GRAPHS = [['onnx/model.onnx', 0], ['onnx/model_int8.onnx', 4]] as const

/** A GGUF with quantised or F16 matrices, kept so and streamed tensor by tensor; undefined when there are none. */
async function quantizedGgufInput(conv: CheckpointConversion, header: GgufFile): Promise<ModelFolderInput | undefined> {
  const src = conv.source as Extract<CheckpointSource, { format: 'gguf' }>
  const plan = await quantizedGgufPlan(src.file, header, llamaConfigFromGguf(header))
  if (!plan) return undefined
  const info = await readGgufModelInfo(src.file)
  const types = Object.keys(info.summary.tensorTypes).join('/')
  const c = info.config
  const quantized = plan.layout.linears.size + (plan.layout.embed ? 1 : 0) + (plan.layout.lmHead ? 1 : 0)
  const widened = c.numLayers * LLAMA_LINEARS.length + (c.tieWordEmbeddings ? 1 : 2) - quantized - plan.halfWeights.size
  const kept = [quantized > 0 ? 'quantised' : '', plan.halfWeights.size > 0 ? `${plan.halfTypes.join('/')} as float16` : ''].filter(Boolean).join(', ')
  return {
    config: info.config,
    weights: plan.shapes,
    tokenizerJson: info.tokenizer.tokenizerJson,
    tokenizerConfig: info.tokenizer.tokenizerConfig,
    sourceConfig: info.configJson,
    identity: conv.identity,
    name: stem(src.name),
    description: `${src.name}: gguf ${info.architecture}, ${parameters(info.config)} parameters (${types}, kept ${kept})`,
    weightDtype: [quantized > 0 ? 'matmulnbits' : '', plan.halfWeights.size > 0 ? 'float16' : '', widened > 0 ? 'float32' : ''].filter(Boolean).join('+'),
    onnx: async (sink, opts) => {
      // one graph per compute mode when something is quantised; a F16 GGUF has only the float graph
      const modes = quantized > 0 ? COMPUTE_GRAPHS : COMPUTE_GRAPHS.slice(0, 1)
      const graphs = modes.map(([path, accuracyLevel]): [string, ReturnType<typeof buildLlamaOnnx>] => [path, buildLlamaOnnx(info.config, plan.shapes, {
        shapesOnly: true, halfWeights: plan.halfWeights, producerName: 'evalz checkpoint conversion',
        ...(quantized > 0 ? { quantized: { ...plan.layout, accuracyLevel } } : {}),
      })])
      const written = await writeStreamedOnnx(graphs, plan.data, sink, {
        ...(opts.maxChunkBytes !== undefined ? { maxChunkBytes: opts.maxChunkBytes } : {}),
        ...(opts.onTensor ? { onTensor: opts.onTensor } : {}),
        ...(opts.beforeWrite ? { beforeWrite: opts.beforeWrite } : {}),
      })
      return { ...written, warnings: [] }
    },
  }
}

async function safetensorsInput(conv: CheckpointConversion): Promise<ModelFolderInput> {
  const src = conv.source as Extract<CheckpointSource, { format: 'safetensors' }>
  const tokenizerFile = await src.open('tokenizer.json') ?? await conv.adapter?.open('tokenizer.json')
  if (!tokenizerFile) {
    throw new HarnessError('MODEL_INVALID', `safetensors folder '${src.name}' has no tokenizer.json; copy tokenizer.json (and tokenizer_config.json) of the base model into it`, { model: src.name, missing: 'tokenizer.json' })
  }
  const optionalJson = async (name: string) => {
    const file = await src.open(name)
    return file ? readJsonObject(file, name) : undefined
  }
  const tokenizerJson = await readJsonObject(tokenizerFile, 'tokenizer.json')
  const tokenizerConfig = await optionalJson('tokenizer_config.json') ?? {}
  const specialMap = await optionalJson('special_tokens_map.json') ?? {}
  for (const [k, v] of Object.entries(specialMap)) if (!(k in tokenizerConfig)) tokenizerConfig[k] = v
  const templateFile = tokenizerConfig.chat_template === undefined ? await src.open('chat_template.jinja') : undefined
  if (templateFile) tokenizerConfig.chat_template = await readText(templateFile)
  const generationConfig = await optionalJson('generation_config.json')
  const sourceConfig = await optionalJson('config.json')
  const opened = await openSafetensorsModel(src.open, conv.adapter ? { adapter: { open: conv.adapter.open } } : {})
  const { hf } = opened
  const common = {
    config: hf.config,
    tokenizerJson,
    tokenizerConfig,
    ...(generationConfig ? { generationConfig } : {}),
    ...(sourceConfig ? { sourceConfig } : {}),
    identity: conv.identity,
    name: src.name + (conv.adapter ? `+${conv.adapter.name}` : ''),
  }
  const half = await halfSafetensorsPlan(hf, opened.checkpoint, opened.adapter)
  if (half) {
    return {
      ...common,
      weights: half.shapes,
      weightDtype: half.weightDtype,
      description: `${src.name}: safetensors ${hf.modelType}, ${parameters(hf.config)} parameters (${half.note})${adapterNote(conv.adapter, half.adapter)}`,
      onnx: async (sink, opts) => {
        const graph = buildLlamaOnnx(hf.config, half.shapes, { shapesOnly: true, halfWeights: half.halfWeights, producerName: 'evalz checkpoint conversion' })
        const written = await writeStreamedOnnx([['onnx/model.onnx', graph]], half.data, sink, {
          ...(opts.maxChunkBytes !== undefined ? { maxChunkBytes: opts.maxChunkBytes } : {}),
          ...(opts.onTensor ? { onTensor: opts.onTensor } : {}),
          ...(opts.beforeWrite ? { beforeWrite: opts.beforeWrite } : {}),
        })
        return { ...written, warnings: [] }
      },
    }
  }
  const weights = await readLlamaWeights(hf, opened.checkpoint)
  const a = opened.adapter
  const merged = a ? await mergeLoraAdapter(hf.config, weights, a.lora, a.checkpoint, a.plan) : undefined
  return {
    ...common,
    weights,
    weightDtype: 'float32',
    description: `${src.name}: safetensors ${hf.modelType}, ${parameters(hf.config)} parameters${adapterNote(conv.adapter, merged)}`,
  }
}

/** Reads and checks an adapter against a config; `merge` applies it to weights read later. */
async function openAdapter(c: LlamaConfig, adapter: AdapterSource) {
  const configFile = await adapter.open('adapter_config.json')
  if (!configFile) throw new HarnessError('MODEL_NOT_FOUND', `adapter folder '${adapter.name}' has no adapter_config.json; pass the folder PEFT save_pretrained wrote`, { file: 'adapter_config.json' })
  const lora = loraConfigFromPeft(await readJsonObject(configFile, 'adapter_config.json'))
  const file = await adapter.open('adapter_model.safetensors')
  if (!file) throw new HarnessError('MODEL_NOT_FOUND', `adapter folder '${adapter.name}' has no adapter_model.safetensors; save the adapter with safe_serialization=True`, { file: 'adapter_model.safetensors' })
  const checkpoint = await openSafetensorsCheckpoint(async (name) => (name === 'adapter_model.safetensors' ? file : undefined), 'adapter_model')
  const plan = planLoraMerge(c, lora, checkpoint)
  return { merge: (weights: Parameters<typeof mergeLoraAdapter>[1]) => mergeLoraAdapter(c, weights, lora, checkpoint, plan) }
}

function adapterNote(adapter: AdapterSource | undefined, merged: LoraMergeSummary | undefined): string {
  if (!adapter || !merged) return ''
  return ` + LoRA ${adapter.name} (r ${merged.r}, alpha ${merged.alpha}, ${merged.modules.join(', ')}; ${merged.merged} matrices merged)`
}

/** Parameter count of a Llama config, e.g. '135M', '0.26M', '1.2B'. */
export function parameters(c: LlamaConfig): string {
  const linears = LLAMA_LINEARS.reduce((n, [key]) => n + linearShape(c, key).reduce((a, b) => a * b, 1), 0)
  const total = c.vocabSize * c.hiddenSize * (c.tieWordEmbeddings ? 1 : 2) + c.numLayers * (linears + 2 * c.hiddenSize) + c.hiddenSize
  const [value, unit] = total >= 1e9 ? [total / 1e9, 'B'] : [total / 1e6, 'M']
  return `${Number(value.toPrecision(value < 1 ? 2 : 3))}${unit}`
}

/** A file name without its extension. */
function stem(name: string): string {
  return name.replace(/\.[^.]+$/, '')
}
