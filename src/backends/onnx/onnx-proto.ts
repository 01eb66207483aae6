/**
 * ONNX model messages (a subset of onnx.proto) and their protobuf encoding, plus a reader for a model's
 * initializers and graph signature. Field numbers follow onnx.proto (proto2).
 */
import { ProtoWriter, readProtoFields, readRepeatedInts } from './protobuf.ts'
import type { ProtoField } from './protobuf.ts'

/** TensorProto.DataType values used here. */
export const DataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
} as const

/** A tensor with little-endian raw bytes (TensorProto with raw_data or external data). */
export interface OnnxTensor {
  /** tensor name (initializer name in a graph) */
  name: string
  /** TensorProto.DataType code */
  dataType: number
  /** shape; [] for a scalar */
  dims: number[]
  /** little-endian element bytes; empty when `external` is set */
  rawData: Uint8Array
  /** data stored in a side file instead of raw_data */
  external?: {
    /** file name relative to the model file */
    location: string
    /** byte offset in that file */
    offset: number
    /** byte length */
    length: number
  }
}

/** A node attribute (AttributeProto), tagged by kind. */
export type OnnxAttribute =
  | { name: string, kind: 'int', value: number }
  | { name: string, kind: 'float', value: number }
  | { name: string, kind: 'string', value: string }
  | { name: string, kind: 'tensor', value: OnnxTensor }
  | { name: string, kind: 'ints', value: number[] }
  | { name: string, kind: 'floats', value: number[] }

/** A graph node (NodeProto). */
export interface OnnxNode {
  /** operator name, e.g. 'MatMul' */
  opType: string
  /** input value names ('' = omitted optional input) */
  inputs: string[]
  /** output value names */
  outputs: string[]
  /** unique node name */
  name: string
  /** operator domain; '' = default ONNX domain */
  domain?: string
  /** attributes */
  attributes?: OnnxAttribute[]
}

/** A graph input/output declaration (ValueInfoProto with a tensor type). */
export interface OnnxValueInfo {
  /** value name */
  name: string
  /** element DataType code */
  elemType: number
  /** dims: a number is a fixed size, a string a symbolic dim_param */
  shape: (number | string)[]
}

/** A graph (GraphProto). */
export interface OnnxGraph {
  /** graph name */
  name: string
  /** nodes in topological order */
  nodes: OnnxNode[]
  /** constant tensors */
  initializers: OnnxTensor[]
  /** graph inputs */
  inputs: OnnxValueInfo[]
  /** graph outputs */
  outputs: OnnxValueInfo[]
}

/** A model (ModelProto). */
export interface OnnxModel {
  /** IR version, e.g. 8 */
  irVersion: number
  /** operator sets, e.g. [{ domain: '', version: 17 }] */
  opsets: { domain: string, version: number }[]
  /** producer name */
  producerName: string
  /** producer version */
  producerVersion: string
  /** the main graph */
  graph: OnnxGraph
  /** metadata_props key/value pairs, written in the given order */
  metadata?: [string, string][]
}

const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const

/** Encodes a model to ONNX protobuf bytes. */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
  w.int(1, model.irVersion)
  w.string(2, model.producerName)
  w.string(3, model.producerVersion)
  w.message(7, encodeGraph(model.graph))
  for (const o of model.opsets) w.message(8, new ProtoWriter().string(1, o.domain).int(2, o.version))
  for (const [k, v] of model.metadata ?? []) w.message(14, new ProtoWriter().string(1, k).string(2, v))
  return w.finish()
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter()
  for (const n of g.nodes) w.message(1, encodeNode(n))
  w.string(2, g.name)
  for (const t of g.initializers) w.message(5, encodeTensor(t))
  for (const v of g.inputs) w.message(11, encodeValueInfo(v))
  for (const v of g.outputs) w.message(12, encodeValueInfo(v))
  return w
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter()
  for (const i of n.inputs) w.string(1, i)
  for (const o of n.outputs) w.string(2, o)
  w.string(3, n.name)
  w.string(4, n.opType)
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a))
  if (n.domain) w.string(7, n.domain)
  return w
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter()
  w.string(1, a.name)
  switch (a.kind) {
    case 'float': w.float(2, a.value); break
    case 'int': w.int(3, a.value); break
    case 'string': w.string(4, a.value); break
    case 'tensor': w.message(5, encodeTensor(a.value)); break
    case 'floats': for (const v of a.value) w.float(7, v); break
    case 'ints': for (const v of a.value) w.int(8, v); break
  }
  w.int(20, ATTRIBUTE_TYPE[a.kind])
  return w
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const w = new ProtoWriter()
  for (const d of t.dims) w.int(1, d)
  w.int(2, t.dataType)
  w.string(8, t.name)
  if (t.external) {
    const entry = (k: string, v: string) => new ProtoWriter().string(1, k).string(2, v)
    w.message(13, entry('location', t.external.location))
    w.message(13, entry('offset', String(t.external.offset)))
    w.message(13, entry('length', String(t.external.length)))
    w.int(14, 1) // data_location = EXTERNAL
  } else {
    w.bytes(9, t.rawData)
  }
  return w
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter()
  for (const d of v.shape) {
    const dim = new ProtoWriter()
    if (typeof d === 'number') dim.int(1, d)
    else dim.string(2, d)
    shape.message(1, dim)
  }
  const tensorType = new ProtoWriter().int(1, v.elemType).message(2, shape)
  const type = new ProtoWriter().message(1, tensorType)
  return new ProtoWriter().string(1, v.name).message(2, type)
}

/** What `readOnnxModel` recovers from model bytes. */
export interface OnnxModelSummary {
  /** IR version */
  irVersion: number
  /** operator sets */
  opsets: { domain: string, version: number }[]
  /** graph inputs */
  inputs: OnnxValueInfo[]
  /** graph outputs */
  outputs: OnnxValueInfo[]
  /** initializers (raw_data views into the input buffer) */
  initializers: OnnxTensor[]
  /** op_type of every node, in order */
  opTypes: string[]
}

/** Reads a model's signature and initializers back from ONNX bytes (raw_data tensors only). */
export function readOnnxModel(bytes: Uint8Array): OnnxModelSummary {
  const top = readProtoFields(bytes)
  const out: OnnxModelSummary = { irVersion: 0, opsets: [], inputs: [], outputs: [], initializers: [], opTypes: [] }
  for (const f of top) {
    if (f.field === 1 && f.varint !== undefined) out.irVersion = Number(f.varint)
    if (f.field === 8 && f.bytes) {
      const o = readProtoFields(f.bytes)
      out.opsets.push({ domain: str(o, 1), version: Number(o.find((x) => x.field === 2)?.varint ?? 0n) })
    }
    if (f.field === 7 && f.bytes) {
      for (const g of readProtoFields(f.bytes)) {
        if (!g.bytes) continue
        if (g.field === 1) out.opTypes.push(str(readProtoFields(g.bytes), 4))
        if (g.field === 5) out.initializers.push(readTensor(g.bytes))
        if (g.field === 11) out.inputs.push(readValueInfo(g.bytes))
        if (g.field === 12) out.outputs.push(readValueInfo(g.bytes))
      }
    }
  }
  return out
}

function str(fields: readonly ProtoField[], field: number): string {
  const f = fields.find((x) => x.field === field)
  return f?.bytes ? new TextDecoder().decode(f.bytes) : ''
}

function readTensor(bytes: Uint8Array): OnnxTensor {
  const f = readProtoFields(bytes)
  return {
    name: str(f, 8),
    dataType: Number(f.find((x) => x.field === 2)?.varint ?? 0n),
    dims: readRepeatedInts(f, 1),
    rawData: f.find((x) => x.field === 9)?.bytes ?? new Uint8Array(0),
  }
}

function readValueInfo(bytes: Uint8Array): OnnxValueInfo {
  const f = readProtoFields(bytes)
  const type = readProtoFields(f.find((x) => x.field === 2)?.bytes ?? new Uint8Array(0))
  const tensor = readProtoFields(type.find((x) => x.field === 1)?.bytes ?? new Uint8Array(0))
  const shape = readProtoFields(tensor.find((x) => x.field === 2)?.bytes ?? new Uint8Array(0))
  return {
    name: str(f, 1),
    elemType: Number(tensor.find((x) => x.field === 1)?.varint ?? 0n),
    shape: shape.filter((d) => d.field === 1 && d.bytes).map((d) => {
      const dim = readProtoFields(d.bytes!)
      const v = dim.find((x) => x.field === 1)
      return v?.varint !== undefined ? Number(v.varint) : str(dim, 2)
    }),
  }
}

/** Wraps float32 values as a little-endian tensor (copies; independent of host endianness). */
export function float32Tensor(name: string, dims: number[], values: ArrayLike<number>): OnnxTensor {
  const raw = new Uint8Array(values.length * 4)
  const view = new DataView(raw.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return { name, dataType: DataType.FLOAT, dims, rawData: raw }
}

/** Wraps int64 values as a little-endian tensor. */
export function int64Tensor(name: string, dims: number[], values: readonly number[]): OnnxTensor {
  const raw = new Uint8Array(values.length * 8)
  const view = new DataView(raw.buffer)
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true))
  return { name, dataType: DataType.INT64, dims, rawData: raw }
}

/** Decodes a FLOAT tensor's raw data into a Float32Array. */
export function tensorToFloat32(t: OnnxTensor): Float32Array {
  if (t.dataType !== DataType.FLOAT) throw new Error(`tensor ${t.name}: data type ${t.dataType} is not FLOAT (1)`)
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength)
  const out = new Float32Array(t.rawData.byteLength / 4)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true)
  return out
}
