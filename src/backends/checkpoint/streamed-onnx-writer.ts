/**
 * Writes ONNX graphs whose weight initializers are declared without data (dims and type only) and streams each
 * weight's bytes into external data chunks as a source produces them, so neither the checkpoint nor the model is
 * ever whole in memory. Several graphs (e.g. model.onnx and model_int8.onnx, differing only in node attributes)
 * can share one set of external data files.
 */
import { DataType, encodeOnnxModel } from '../onnx/onnx-proto.ts'
import type { OnnxModel, OnnxTensor } from '../onnx/onnx-proto.ts'
import { MAX_CHUNK_BYTES, chunkName, planChunks, writeChunks } from './llama-onnx-writer.ts'
import type { FileSink } from './llama-onnx-writer.ts'

/** The little-endian bytes of one weight initializer, by name; called once per weight, in storage order. */
export type TensorData = (name: string) => Promise<Uint8Array>

/** Options of `writeStreamedOnnx`. */
export interface StreamedOnnxOptions {
  /** largest external data chunk in bytes; default MAX_CHUNK_BYTES */
  maxChunkBytes?: number
  /** called after each weight is written */
  onTensor?: (p: { done: number, total: number, name: string, bytes: number, totalBytes: number }) => void
  /** called with the weight bytes to write before the first file is written; may throw to refuse (e.g. no room) */
  beforeWrite?: (weightBytes: number) => Promise<void>
}

/** What `writeStreamedOnnx` wrote. */
export interface StreamedOnnxResult {
  /** paths written, relative to the model folder ('onnx/model.onnx', …, 'onnx/model.onnx_data', …) */
  files: string[]
  /** number of external data files */
  externalChunks: number
  /** weight bytes written (excluding alignment padding) */
  weightBytes: number
}

const ELEMENT_BYTES: Record<number, number> = { [DataType.FLOAT]: 4, [DataType.UINT8]: 1, [DataType.INT8]: 1, [DataType.FLOAT16]: 2, [DataType.INT64]: 8, [DataType.INT32]: 4 }

interface Streamed {
  /** initializer name */
  name: string
  /** bytes of data */
  bytes: number
}

/** Initializers declared without data: the weights to stream. */
function streamedWeights(model: OnnxModel): Streamed[] {
  return model.graph.initializers.filter((t) => t.rawData.length === 0 && !t.external && t.dims.length > 0).map((t) => {
    const width = ELEMENT_BYTES[t.dataType]
    if (width === undefined) throw new Error(`streamed onnx writer: ${t.name} has data type ${t.dataType}, whose size is unknown`)
    return { name: t.name, bytes: t.dims.reduce((a, b) => a * b, 1) * width }
  })
}

/**
 * Writes each `[path, model]` graph with its streamed weights pointing into shared external data
 * (`onnx/model.onnx_data`, `_1`, … named after the first graph), then the data itself from `data`.
 * @example
 * await writeStreamedOnnx([['onnx/model.onnx', exact], ['onnx/model_int8.onnx', int8]], (name) => bytesOf(name), sink)
 */
export async function writeStreamedOnnx(graphs: readonly [string, OnnxModel][], data: TensorData, sink: FileSink, opts: StreamedOnnxOptions = {}): Promise<StreamedOnnxResult> {
  const weights = streamedWeights(graphs[0]![1])
  for (const [path, model] of graphs.slice(1)) {
    const other = streamedWeights(model)
    if (other.length !== weights.length || other.some((w, i) => w.name !== weights[i]!.name || w.bytes !== weights[i]!.bytes)) {
      throw new Error(`streamed onnx writer: ${path} declares different weights than ${graphs[0]![0]}`)
    }
  }
  const { placements, chunks } = planChunks(weights, opts.maxChunkBytes ?? MAX_CHUNK_BYTES)
  const where = new Map(placements.map((p) => [p.entry.name, p]))
  const totalBytes = weights.reduce((n, w) => n + w.bytes, 0)
  await opts.beforeWrite?.(totalBytes)
  const files: string[] = []
  for (const [path, model] of graphs) {
    const initializers = model.graph.initializers.map((t): OnnxTensor => {
      const p = where.get(t.name)
      return p ? { ...t, external: { location: chunkName(p.chunk), offset: p.offset, length: p.entry.bytes } } : t
    })
    await sink(path, encodeOnnxModel({ ...model, graph: { ...model.graph, initializers } }))
    files.push(path)
  }
  let done = 0
  let written = 0
  const bytesOf = async (entry: (typeof weights)[number]): Promise<Uint8Array> => {
    const bytes = await data(entry.name)
    if (bytes.length !== entry.bytes) throw new Error(`streamed onnx writer: ${entry.name} gave ${bytes.length} bytes; expected ${entry.bytes}`)
    return bytes
  }
  files.push(...await writeChunks(placements, chunks, sink, bytesOf, (entry) => {
    written += entry.bytes
    opts.onTensor?.({ done: ++done, total: weights.length, name: entry.name, bytes: written, totalBytes })
  }))
  return { files, externalChunks: chunks, weightBytes: totalBytes }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1

/** Little-endian bytes of float32 values (a view on little-endian hosts). */
export function float32Bytes(values: Float32Array): Uint8Array {
  if (LITTLE_ENDIAN_HOST) return new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
  const out = new Uint8Array(values.length * 4)
  const view = new DataView(out.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return out
}
