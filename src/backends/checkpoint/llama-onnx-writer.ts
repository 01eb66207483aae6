/**
 * Writes the ONNX model of `buildLlamaOnnx` tensor by tensor, so a conversion holds the weights plus one
 * converted tensor instead of a second copy of every weight and a third for the encoded file.
 *
 * The graph is `buildLlamaOnnx`'s own: it is built once for a skeleton of the config (hidden and MLP widths of 1,
 * which only the weight shapes depend on), then each weight initializer is swapped for the real one, either
 * inline (raw_data streamed into onnx/model.onnx, byte-identical to `encodeLlamaOnnx`) or as external data
 * (onnx/model.onnx_data, model.onnx_data_1, … as transformers.js names its chunks).
 */
import { buildLlamaOnnx } from '../onnx/llama-graph.ts'
import type { LlamaOnnxOptions } from '../onnx/llama-graph.ts'
import { LLAMA_LINEARS, linearShape, validateLlamaConfig, validateLlamaWeights } from '../onnx/llama-config.ts'
import type { LlamaConfig, LlamaLayerWeights, LlamaWeights } from '../onnx/llama-config.ts'
import { DataType, encodeOnnxModel } from '../onnx/onnx-proto.ts'
import type { OnnxModel, OnnxTensor } from '../onnx/onnx-proto.ts'
import { WIRE_LENGTH_DELIMITED, WIRE_VARINT, readProtoFields } from '../onnx/protobuf.ts'
import type { ProtoField } from '../onnx/protobuf.ts'

/**
 * Receives a model folder's files in pieces: the parts of one path arrive in order and are appended. The promise
 * resolves once `part` is consumed (written or copied); the caller may release or reuse it afterwards.
 */
export type FileSink = (path: string, part: Uint8Array) => Promise<void>

/**
 * Where the weights go: 'auto' = external data when they exceed EXTERNAL_DATA_THRESHOLD, 'always', 'never' (inline;
 * weights over protobuf's 2 GiB limit still go external).
 */
export type ExternalDataMode = 'auto' | 'always' | 'never'

/** Options of `writeLlamaOnnx`. */
export interface LlamaOnnxWriteOptions extends LlamaOnnxOptions {
  /** inline or external weights; default 'auto' */
  externalData?: ExternalDataMode
  /** largest external data chunk in bytes (a single larger tensor gets a chunk of its own); default MAX_CHUNK_BYTES */
  maxChunkBytes?: number
  /** replace each weight array in `weights` by an empty one once written, so it can be garbage-collected; default false */
  releaseWeights?: boolean
  /** called after each weight tensor is written */
  onTensor?: (p: { done: number, total: number, name: string }) => void
  /** called with the weight bytes to write before the first file is written; may throw to refuse (e.g. no room) */
  beforeWrite?: (weightBytes: number) => Promise<void>
}

/** What `writeLlamaOnnx` wrote. */
export interface LlamaOnnxWriteResult {
  /** paths written, relative to the model folder, in write order ('onnx/model.onnx', 'onnx/model.onnx_data', …) */
  files: string[]
  /** number of external data files (0 = weights inline in model.onnx) */
  externalChunks: number
  /** float32 weight bytes written (excluding alignment padding) */
  weightBytes: number
  /** notes, e.g. a tensor too large for one browser-readable chunk */
  warnings: string[]
}

/** Weights above this many bytes go to external data in 'auto' mode (the protobuf limit is 2 GiB). */
export const EXTERNAL_DATA_THRESHOLD = 1.5 * 2 ** 30

/** Default largest external data chunk: under Chrome's ~2 GiB ArrayBuffer limit (0x7fe00000 bytes). */
export const MAX_CHUNK_BYTES = 2_000_000_000

/** Largest model.onnx with inline weights: protobuf's 2 GiB message limit, less room for the graph. */
const MAX_INLINE_BYTES = 2 ** 31 - 2 ** 24

/** One weight initializer of the graph. */
interface WeightEntry {
  /** initializer name (Hugging Face tensor name) */
  name: string
  /** ONNX dims: linears transposed to [in, out] */
  dims: number[]
  /** bytes of float32 data */
  bytes: number
  /** the Hugging Face-layout values */
  values: () => Float32Array
  /** [rows, cols] of the Hugging Face layout when the initializer is its transpose */
  transpose?: [number, number]
  /** drops the weights' reference to the values */
  release: () => void
}

/** Where one weight's bytes go. */
export interface Placement<T extends { bytes: number } = WeightEntry> {
  /** the weight */
  entry: T
  /** external data chunk index; -1 = inline */
  chunk: number
  /** byte offset in the chunk */
  offset: number
}

const EMPTY = new Float32Array(0)
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/**
 * Writes onnx/model.onnx (and its external data) for `weights` through `sink`, one tensor at a time.
 * @example
 * const parts: Uint8Array[] = []
 * await writeLlamaOnnx(config, weights, async (_path, part) => { parts.push(part.slice()) }, { externalData: 'never' })
 * // parts joined equal encodeLlamaOnnx(config, weights)
 */
export async function writeLlamaOnnx(config: LlamaConfig, weights: LlamaWeights, sink: FileSink, opts: LlamaOnnxWriteOptions = {}): Promise<LlamaOnnxWriteResult> {
  validateLlamaConfig(config)
  validateLlamaWeights(config, weights)
  const skeleton = skeletonModel(config, weights, opts)
  const entries = new Map(weightEntries(config, weights).map((e) => [e.name, e]))
  const ordered = skeleton.graph.initializers.map((t) => entries.get(t.name)).filter((e): e is WeightEntry => e !== undefined)
  if (ordered.length !== entries.size) throw new Error(`llama onnx writer: the graph has ${ordered.length} of ${entries.size} weight initializers`)
  const weightBytes = ordered.reduce((n, e) => n + e.bytes, 0)
  const mode = opts.externalData ?? 'auto'
  const external = mode === 'always' || (mode === 'auto' && weightBytes > EXTERNAL_DATA_THRESHOLD) || weightBytes > MAX_INLINE_BYTES
  await opts.beforeWrite?.(weightBytes)
  let done = 0
  const written = async (e: WeightEntry) => {
    if (opts.releaseWeights) e.release()
    opts.onTensor?.({ done: ++done, total: ordered.length, name: e.name })
  }
  if (!external) {
    const placements = ordered.map((entry) => ({ entry, chunk: -1, offset: 0 }))
    await streamInlineModel(withWeights(skeleton, placements), entries, sink, written)
    return { files: ['onnx/model.onnx'], externalChunks: 0, weightBytes, warnings: [] }
  }
  const maxChunk = opts.maxChunkBytes ?? MAX_CHUNK_BYTES
  const { placements, chunks } = planChunks(ordered, maxChunk)
  const warnings = ordered.filter((e) => e.bytes > maxChunk)
    .map((e) => `${e.name} is ${e.bytes} bytes, more than the ${maxChunk}-byte chunk limit; browsers may fail to read its chunk`)
  await sink('onnx/model.onnx', encodeOnnxModel(withWeights(skeleton, placements)))
  const files = ['onnx/model.onnx', ...await writeChunks(placements, chunks, sink, tensorBytes, written)]
  return { files, externalChunks: chunks, weightBytes, warnings }
}

/**
 * Writes the external-data chunk files of `placements` (`onnx/<chunkName(i)>`, i < chunks): each tensor's bytes from
 * `bytesOf` at its planned offset, zero bytes between, and `after` once a tensor is written. Returns the paths.
 */
export async function writeChunks<T extends { bytes: number }>(
  placements: readonly Placement<T>[], chunks: number, sink: FileSink,
  bytesOf: (entry: T) => Uint8Array | Promise<Uint8Array>, after: (entry: T) => void | Promise<void>,
): Promise<string[]> {
  const files: string[] = []
  for (let chunk = 0; chunk < chunks; chunk++) {
    const path = `onnx/${chunkName(chunk)}`
    files.push(path)
    let at = 0
    for (const p of placements.filter((x) => x.chunk === chunk)) {
      if (p.offset > at) await sink(path, new Uint8Array(p.offset - at))
      await sink(path, await bytesOf(p.entry))
      at = p.offset + p.entry.bytes
      await after(p.entry)
    }
  }
  return files
}

/** File name of external data chunk `i` of onnx/model.onnx, as transformers.js 4.3 requests it. */
export function chunkName(i: number): string {
  return `model.onnx_data${i === 0 ? '' : `_${i}`}`
}

/** The graph of `buildLlamaOnnx` for a config whose hidden and MLP widths are 1, with tiny weights of the same structure. */
function skeletonModel(config: LlamaConfig, weights: LlamaWeights, opts: LlamaOnnxOptions): OnnxModel {
  const small: LlamaConfig = { ...config, hiddenSize: 1, intermediateSize: 1 }
  const zeros = (n: number) => new Float32Array(n)
  const layers = weights.layers.map((layer): LlamaLayerWeights => {
    const lin = Object.fromEntries(LLAMA_LINEARS.map(([key]) => {
      const [out, inp] = linearShape(small, key)
      return [key, layer[key].bias ? { weight: zeros(out * inp), bias: zeros(out) } : { weight: zeros(out * inp) }]
    })) as Pick<LlamaLayerWeights, typeof LLAMA_LINEARS[number][0]>
    return { inputLayernorm: zeros(1), postAttentionLayernorm: zeros(1), ...lin }
  })
  const tiny: LlamaWeights = { embedTokens: zeros(config.vocabSize), layers, norm: zeros(1), ...(config.tieWordEmbeddings ? {} : { lmHead: zeros(config.vocabSize) }) }
  const model = buildLlamaOnnx(small, tiny, { numLogitsToKeep: opts.numLogitsToKeep, producerName: opts.producerName, producerVersion: opts.producerVersion })
  // guard the premise: the skeleton's weight initializers have exactly the shapes this module expects for `small`
  const expected = new Map(weightEntries(small, tiny).map((e) => [e.name, e.dims.join(',')]))
  for (const t of model.graph.initializers) {
    const dims = expected.get(t.name)
    if (dims !== undefined && dims !== t.dims.join(',')) throw new Error(`llama onnx writer: initializer ${t.name} has dims [${t.dims}]; expected [${dims}]`)
  }
  return model
}

/** The model with each weight initializer replaced by its full-size placeholder (inline) or external reference. */
function withWeights(model: OnnxModel, placements: readonly Placement[]): OnnxModel {
  const byName = new Map(placements.map((p) => [p.entry.name, p]))
  const initializers = model.graph.initializers.map((t): OnnxTensor => {
    const p = byName.get(t.name)
    if (!p) return t
    const tensor: OnnxTensor = { name: t.name, dataType: DataType.FLOAT, dims: p.entry.dims, rawData: new Uint8Array(0) }
    if (p.chunk < 0) return tensor
    return { ...tensor, external: { location: chunkName(p.chunk), offset: p.offset, length: p.entry.bytes } }
  })
  return { ...model, graph: { ...model.graph, initializers } }
}

/** Assigns weights to chunks in order, offsets aligned (4 KiB for tensors of 1 MiB or more, else 64 bytes). */
export function planChunks<T extends { bytes: number }>(ordered: readonly T[], maxChunk: number): { placements: Placement<T>[], chunks: number } {
  const placements: Placement<T>[] = []
  let chunk = 0
  let size = 0
  for (const entry of ordered) {
    const align = entry.bytes >= 2 ** 20 ? 4096 : 64
    let offset = Math.ceil(size / align) * align
    if (size > 0 && offset + entry.bytes > maxChunk) {
      chunk++
      offset = 0
    }
    placements.push({ entry, chunk, offset })
    size = offset + entry.bytes
  }
  return { placements, chunks: chunk + 1 }
}

/**
 * Encodes the model with empty raw_data placeholders, then re-emits its protobuf fields with each weight's raw_data
 * length and bytes filled in: ModelProto → field 7 GraphProto → field 5 TensorProto → field 9 raw_data.
 */
async function streamInlineModel(model: OnnxModel, entries: ReadonlyMap<string, WeightEntry>, sink: FileSink, written: (e: WeightEntry) => Promise<void>): Promise<void> {
  type Segment = Uint8Array | WeightEntry
  const length = (segments: readonly Segment[]) => segments.reduce((n, s) => n + (s instanceof Uint8Array ? s.length : s.bytes), 0)
  const graphSegments: Segment[] = []
  const top = readProtoFields(encodeOnnxModel(model))
  const graphField = top.find((f) => f.field === 7)
  for (const f of readProtoFields(graphField!.bytes!)) {
    const tensor = f.field === 5 ? readProtoFields(f.bytes!) : undefined
    const nameField = tensor?.find((x) => x.field === 8)
    const entry = nameField ? entries.get(new TextDecoder().decode(nameField.bytes)) : undefined
    if (!tensor || !entry) {
      graphSegments.push(fieldBytes(f))
      continue
    }
    const parts: Segment[] = tensor.map((x) => (x.field === 9 ? concat([header(9, WIRE_LENGTH_DELIMITED), varint(entry.bytes)]) : fieldBytes(x)))
    parts.splice(tensor.findIndex((x) => x.field === 9) + 1, 0, entry)
    graphSegments.push(concat([header(5, WIRE_LENGTH_DELIMITED), varint(length(parts))]), ...parts)
  }
  const segments: Segment[] = []
  for (const f of top) {
    if (f === graphField) segments.push(concat([header(7, WIRE_LENGTH_DELIMITED), varint(length(graphSegments))]), ...graphSegments)
    else segments.push(fieldBytes(f))
  }
  let pending: Uint8Array[] = []
  const flush = async () => {
    if (pending.length > 0) await sink('onnx/model.onnx', concat(pending))
    pending = []
  }
  for (const s of segments) {
    if (s instanceof Uint8Array) {
      pending.push(s)
      continue
    }
    await flush()
    await sink('onnx/model.onnx', tensorBytes(s))
    await written(s)
  }
  await flush()
}

/** Every weight initializer of the graph for a config, with its ONNX dims and source values. */
function weightEntries(c: LlamaConfig, w: LlamaWeights): WeightEntry[] {
  const out: WeightEntry[] = []
  const add = (name: string, dims: number[], get: () => Float32Array, set: (v: Float32Array) => void, transpose?: [number, number]) => {
    out.push({ name, dims, bytes: dims.reduce((a, b) => a * b, 1) * 4, values: get, release: () => set(EMPTY), ...(transpose ? { transpose } : {}) })
  }
  add('model.embed_tokens.weight', [c.vocabSize, c.hiddenSize], () => w.embedTokens, (v) => { w.embedTokens = v })
  w.layers.forEach((layer, i) => {
    const p = `model.layers.${i}`
    add(`${p}.input_layernorm.weight`, [c.hiddenSize], () => layer.inputLayernorm, (v) => { layer.inputLayernorm = v })
    add(`${p}.post_attention_layernorm.weight`, [c.hiddenSize], () => layer.postAttentionLayernorm, (v) => { layer.postAttentionLayernorm = v })
    for (const [key, path] of LLAMA_LINEARS) {
      const [rows, cols] = linearShape(c, key)
      const lin = layer[key]
      add(`${p}.${path}.weight`, [cols, rows], () => lin.weight, (v) => { lin.weight = v }, [rows, cols])
      if (lin.bias) add(`${p}.${path}.bias`, [rows], () => lin.bias!, (v) => { lin.bias = v })
    }
  })
  add('model.norm.weight', [c.hiddenSize], () => w.norm, (v) => { w.norm = v })
  if (!c.tieWordEmbeddings) add('lm_head.weight', [c.hiddenSize, c.vocabSize], () => w.lmHead!, (v) => { w.lmHead = v }, [c.vocabSize, c.hiddenSize])
  return out
}

/** Little-endian float32 bytes of one initializer (a view of the weights when no transpose or byte swap is needed). */
function tensorBytes(e: WeightEntry): Uint8Array {
  const values = e.values()
  if (values.length * 4 !== e.bytes) throw new Error(`llama onnx writer: ${e.name} has ${values.length} values; expected ${e.bytes / 4} (was it released?)`)
  const data = e.transpose ? transposed(values, e.transpose[0], e.transpose[1]) : values
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  const out = new Uint8Array(data.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true)
  return out
}

/** Row-major [rows, cols] → [cols, rows] (float32 values or 16-bit patterns), in 64×64 tiles for cache locality. */
export function transposed<T extends Float32Array | Uint16Array>(a: T, rows: number, cols: number): T {
  const out = new (a.constructor as new (n: number) => T)(rows * cols)
  const tile = 64
  for (let r0 = 0; r0 < rows; r0 += tile) {
    const r1 = Math.min(rows, r0 + tile)
    for (let c0 = 0; c0 < cols; c0 += tile) {
      const c1 = Math.min(cols, c0 + tile)
      for (let r = r0; r < r1; r++) {
        const src = r * cols
        for (let c = c0; c < c1; c++) out[c * rows + r] = a[src + c]!
      }
    }
  }
  return out
}

/** Re-encodes one decoded field (varint or length-delimited; the only kinds at these levels of ONNX). */
function fieldBytes(f: ProtoField): Uint8Array {
  if (f.wireType === WIRE_VARINT) return concat([header(f.field, WIRE_VARINT), varint(f.varint!)])
  if (f.wireType === WIRE_LENGTH_DELIMITED) return concat([header(f.field, WIRE_LENGTH_DELIMITED), varint(f.bytes!.length), f.bytes!])
  throw new Error(`llama onnx writer: unexpected wire type ${f.wireType} for field ${f.field}`)
}

function header(field: number, wireType: number): Uint8Array {
  return varint(field * 8 + wireType)
}

/** Unsigned varint bytes. */
function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value)
  const out: number[] = []
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return Uint8Array.from(out)
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
