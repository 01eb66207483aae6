/**
 * GGUF container reader (versions 2 and 3, little-endian): the metadata key/values, the tensor infos and
 * each tensor's bytes, read on demand from a random-access byte source, so a multi-gigabyte file never has
 * to be in memory at once. Layout facts follow ggml's gguf.md.
 */
import { HarnessError } from '../../core/errors.ts'
import { ggmlTypeInfo } from './gguf-dequant.ts'

/** Random-access bytes: a Node file handle, a browser Blob via slice(), or an in-memory array. */
export interface ByteSource {
  /** total size, in bytes */
  size: number
  /** the `length` bytes starting at byte `offset` (fewer only at the end of the source) */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** A metadata value: scalars, strings, and (nested) arrays of them. 64-bit integers are numbers when exact, else bigints. */
export type GgufValue = number | bigint | boolean | string | GgufValue[]

/** One tensor's entry in the GGUF header. */
export interface GgufTensorInfo {
  /** tensor name, e.g. 'blk.0.attn_q.weight' */
  name: string
  /** dimensions ggml-style, fastest-varying (ne0) first: a matrix [in, out] is row-major [out][in] */
  dims: number[]
  /** ggml type id (0 = F32, 1 = F16, 8 = Q8_0, …) */
  type: number
  /** start of the data relative to the tensor data section, in bytes */
  offset: number
  /** number of elements (product of dims) */
  elements: number
  /** size of the stored data, in bytes */
  byteLength: number
}

/** A parsed GGUF header. */
export interface GgufFile {
  /** format version (2 or 3) */
  version: number
  /** metadata key → value, in file order */
  metadata: Map<string, GgufValue>
  /** tensor infos in file order */
  tensors: GgufTensorInfo[]
  /** absolute byte offset of the tensor data section */
  dataOffset: number
  /** data alignment, in bytes (general.alignment, default 32) */
  alignment: number
}

const MAGIC = 0x46554747 // 'GGUF' read as a little-endian u32
const DEFAULT_ALIGNMENT = 32
const FIRST_CHUNK = 1 << 16
const MAX_CHUNK = 1 << 24

/** A ByteSource over bytes already in memory (tests, small files). */
export function bytesSource(u8: Uint8Array): ByteSource {
  return {
    size: u8.length,
    read: async (offset, length) => u8.subarray(offset, Math.min(u8.length, offset + length)),
  }
}

function invalid(message: string, detail?: Record<string, unknown>): HarnessError {
  return new HarnessError('MODEL_INVALID', message, detail)
}

/** Sequential little-endian reader over a ByteSource that fetches growing chunks as the header is walked. */
class HeaderCursor {
  private buf: Uint8Array = new Uint8Array(0)
  private view: DataView = new DataView(this.buf.buffer)
  private bufStart = 0
  private chunk = FIRST_CHUNK
  private readonly decoder = new TextDecoder('utf-8')
  /** absolute position of the next byte */
  pos = 0

  constructor(private readonly src: ByteSource) {}

  /** Makes bytes [pos, pos+n) available. */
  async need(n: number): Promise<void> {
    const end = this.pos + n
    if (end <= this.bufStart + this.buf.length) return
    if (end > this.src.size) {
      throw invalid(`gguf: header ends early at byte ${this.src.size} (needed ${end}); the file is truncated or not GGUF`, { size: this.src.size, needed: end })
    }
    const length = Math.min(this.src.size - this.pos, Math.max(n, this.chunk))
    this.chunk = Math.min(MAX_CHUNK, this.chunk * 2)
    const bytes = await this.src.read(this.pos, length)
    if (bytes.length < n) throw invalid(`gguf: short read at byte ${this.pos} (${bytes.length} of ${n} bytes)`, { offset: this.pos })
    this.buf = bytes
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    this.bufStart = this.pos
  }

  private at(n: number): number {
    const i = this.pos - this.bufStart
    this.pos += n
    return i
  }

  u8(): number { return this.view.getUint8(this.at(1)) }
  i8(): number { return this.view.getInt8(this.at(1)) }
  u16(): number { return this.view.getUint16(this.at(2), true) }
  i16(): number { return this.view.getInt16(this.at(2), true) }
  u32(): number { return this.view.getUint32(this.at(4), true) }
  i32(): number { return this.view.getInt32(this.at(4), true) }
  f32(): number { return this.view.getFloat32(this.at(4), true) }
  f64(): number { return this.view.getFloat64(this.at(8), true) }
  u64(): number | bigint { return exact(this.view.getBigUint64(this.at(8), true)) }
  i64(): number | bigint { return exact(this.view.getBigInt64(this.at(8), true)) }

  /** A u64 that must be a safe integer (counts, lengths, offsets). */
  async size(what: string): Promise<number> {
    await this.need(8)
    const v = this.u64()
    if (typeof v !== 'number') throw invalid(`gguf: ${what} ${v} is too large`, { what, value: String(v) })
    return v
  }

  async string(): Promise<string> {
    const n = await this.size('string length')
    await this.need(n)
    const i = this.at(n)
    return this.decoder.decode(this.buf.subarray(i, i + n))
  }
}

function exact(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v
}

/** Byte width of each fixed-size GGUF value type (0 u8 … 12 f64; 8 string and 9 array are variable). */
const VALUE_WIDTH: Record<number, number> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 }

function scalar(c: HeaderCursor, type: number): GgufValue {
  switch (type) {
    case 0: return c.u8()
    case 1: return c.i8()
    case 2: return c.u16()
    case 3: return c.i16()
    case 4: return c.u32()
    case 5: return c.i32()
    case 6: return c.f32()
    case 7: return c.u8() !== 0
    case 10: return c.u64()
    case 11: return c.i64()
    case 12: return c.f64()
    default: throw invalid(`gguf: metadata value type ${type} is unknown; expected 0–12`, { type })
  }
}

async function value(c: HeaderCursor, type: number, key: string): Promise<GgufValue> {
  if (type === 8) return c.string()
  if (type === 9) {
    await c.need(4)
    const itemType = c.u32()
    const count = await c.size(`array length of ${key}`)
    const width = VALUE_WIDTH[itemType]
    const out = new Array<GgufValue>(count)
    if (width !== undefined) {
      // fixed-size items: fetch in bounded slices so huge arrays do not need one giant read
      for (let i = 0; i < count;) {
        const n = Math.min(count - i, Math.max(1, Math.floor(MAX_CHUNK / width)))
        await c.need(n * width)
        for (let j = 0; j < n; j++) out[i + j] = scalar(c, itemType)
        i += n
      }
    } else {
      for (let i = 0; i < count; i++) out[i] = await value(c, itemType, key)
    }
    return out
  }
  const width = VALUE_WIDTH[type]
  if (width === undefined) throw invalid(`gguf: metadata ${key} has value type ${type}; expected 0–12`, { key, type })
  await c.need(width)
  return scalar(c, type)
}

/** Parses the GGUF header (metadata and tensor infos). Throws MODEL_INVALID for anything that is not GGUF v2/v3. */
export async function readGgufHeader(src: ByteSource): Promise<GgufFile> {
  const c = new HeaderCursor(src)
  await c.need(8)
  const magic = c.u32()
  if (magic !== MAGIC) throw invalid(`gguf: magic 0x${magic.toString(16)} is not 'GGUF'; expected a .gguf file`, { magic })
  const version = c.u32()
  if (version !== 2 && version !== 3) {
    throw invalid(`gguf: version ${version} is not supported; expected 2 or 3 (re-convert the model with a current llama.cpp)`, { version })
  }
  const tensorCount = await c.size('tensor count')
  const kvCount = await c.size('metadata count')
  const metadata = new Map<string, GgufValue>()
  for (let i = 0; i < kvCount; i++) {
    const key = await c.string()
    await c.need(4)
    const type = c.u32()
    metadata.set(key, await value(c, type, key))
  }
  const alignment = metadata.get('general.alignment') ?? DEFAULT_ALIGNMENT
  if (typeof alignment !== 'number' || !Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0) {
    throw invalid(`gguf: general.alignment ${String(alignment)} is invalid; expected a positive multiple of 8`, { alignment: String(alignment) })
  }
  const tensors: GgufTensorInfo[] = []
  for (let i = 0; i < tensorCount; i++) {
    const name = await c.string()
    await c.need(4)
    const nDims = c.u32()
    const dims: number[] = []
    for (let d = 0; d < nDims; d++) dims.push(await c.size(`dimension of ${name}`))
    await c.need(4)
    const type = c.u32()
    const offset = await c.size(`offset of ${name}`)
    const elements = dims.reduce((a, b) => a * b, 1)
    const info = ggmlTypeInfo(type)
    const byteLength = info && dims.length > 0 && dims[0]! % info.blockSize === 0 ? (elements / info.blockSize) * info.blockBytes : -1
    tensors.push({ name, dims, type, offset, elements, byteLength })
  }
  const dataOffset = Math.ceil(c.pos / alignment) * alignment
  for (const t of tensors) {
    if (t.byteLength >= 0 && dataOffset + t.offset + t.byteLength > src.size) {
      throw invalid(`gguf: tensor ${t.name} ends at byte ${dataOffset + t.offset + t.byteLength}, past the end of the file (${src.size}); the file is truncated`, { name: t.name, size: src.size })
    }
  }
  return { version, metadata, tensors, dataOffset, alignment }
}

/** The raw stored bytes of one tensor. */
export async function readTensorBytes(src: ByteSource, file: GgufFile, t: GgufTensorInfo): Promise<Uint8Array> {
  if (t.byteLength < 0) {
    throw invalid(`gguf: tensor ${t.name} has ggml type ${t.type} with dims [${t.dims.join(', ')}], whose size is unknown here`, { name: t.name, type: t.type })
  }
  const bytes = await src.read(file.dataOffset + t.offset, t.byteLength)
  if (bytes.length !== t.byteLength) throw invalid(`gguf: short read of tensor ${t.name} (${bytes.length} of ${t.byteLength} bytes)`, { name: t.name })
  return bytes
}

/** Typed look-ups in GGUF metadata; each throws MODEL_INVALID naming the key when a present value has the wrong type. */
export class GgufMetadata {
  constructor(private readonly map: Map<string, GgufValue>) {}

  has(key: string): boolean {
    return this.map.has(key)
  }

  /** A number, or `fallback` when absent; throws when absent without a fallback. */
  number(key: string, fallback?: number): number {
    const v = this.map.get(key)
    if (v === undefined && fallback !== undefined) return fallback
    if (typeof v !== 'number') throw this.wrong(key, v, 'a number')
    return v
  }

  /** A number or undefined when absent. */
  optionalNumber(key: string): number | undefined {
    return this.map.has(key) ? this.number(key) : undefined
  }

  string(key: string, fallback?: string): string {
    const v = this.map.get(key)
    if (v === undefined && fallback !== undefined) return fallback
    if (typeof v !== 'string') throw this.wrong(key, v, 'a string')
    return v
  }

  optionalString(key: string): string | undefined {
    return this.map.has(key) ? this.string(key) : undefined
  }

  boolean(key: string, fallback: boolean): boolean {
    const v = this.map.get(key)
    if (v === undefined) return fallback
    if (typeof v !== 'boolean') throw this.wrong(key, v, 'true or false')
    return v
  }

  /** An array of strings; throws when absent or not all strings. */
  strings(key: string): string[] {
    const v = this.map.get(key)
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw this.wrong(key, v, 'an array of strings')
    return v as string[]
  }

  /** An array of numbers, or undefined when absent. */
  optionalNumbers(key: string): number[] | undefined {
    const v = this.map.get(key)
    if (v === undefined) return undefined
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'number')) throw this.wrong(key, v, 'an array of numbers')
    return v as number[]
  }

  private wrong(key: string, v: GgufValue | undefined, expected: string): HarnessError {
    const shown = v === undefined ? 'missing' : Array.isArray(v) ? `an array of ${v.length}` : JSON.stringify(typeof v === 'bigint' ? String(v) : v)
    return invalid(`gguf: metadata ${key} is ${shown}; expected ${expected}`, { key, expected })
  }
}
