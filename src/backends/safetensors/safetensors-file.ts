/**
 * One safetensors file: an 8-byte little-endian header length, a JSON header mapping each tensor name to
 * `{ dtype, shape, data_offsets: [begin, end] }` (offsets relative to the end of the header, end exclusive) plus an
 * optional `__metadata__` string map, then the raw little-endian tensor bytes. The header is read once; tensors are
 * read one at a time, so only one tensor's bytes are in memory.
 */
import { HarnessError } from '../../core/errors.ts'
import type { ByteSource } from './byte-source.ts'

/** Dtypes this reader converts to float32. */
export const SUPPORTED_DTYPES = ['F32', 'F16', 'BF16'] as const

/** A dtype `readTensor` converts. */
export type SupportedDtype = typeof SUPPORTED_DTYPES[number]

/** Where one tensor lies in its file. */
export interface SafetensorsTensorInfo {
  /** tensor name (`model.layers.0.self_attn.q_proj.weight`) */
  name: string
  /** dtype as written (`F32`, `BF16`, `I8`, …); only SUPPORTED_DTYPES can be read */
  dtype: string
  /** dimensions, outermost first; [] for a scalar */
  shape: number[]
  /** absolute byte offset of the first data byte in the file */
  offset: number
  /** data length, in bytes */
  byteLength: number
}

/** A safetensors file whose header has been read. */
export interface SafetensorsFile {
  /** file name, for messages */
  fileName: string
  /** the file's bytes */
  source: ByteSource
  /** tensors by name, in header order */
  tensors: Map<string, SafetensorsTensorInfo>
  /** the `__metadata__` map ({} when absent) */
  metadata: Record<string, string>
}

/** Largest header this reader accepts, in bytes (the reference implementation's limit). */
export const MAX_HEADER_BYTES = 100_000_000

/** Bytes per element of the dtypes the format defines (sub-byte F4/F6 types are left out: sizes unchecked). */
const DTYPE_BYTES: Record<string, number> = {
  BOOL: 1, U8: 1, I8: 1, F8_E5M2: 1, F8_E4M3: 1, F8_E8M0: 1,
  I16: 2, U16: 2, F16: 2, BF16: 2,
  I32: 4, U32: 4, F32: 4,
  I64: 8, U64: 8, F64: 8,
  C64: 8,
}

/**
 * Reads the header of a safetensors file. Throws MODEL_INVALID when the header is malformed or a tensor's
 * offsets do not fit its shape or the file.
 * @example
 * const file = await readSafetensorsHeader(bytesSource(bytes), 'model.safetensors')
 * const embed = await readTensor(file, 'model.embed_tokens.weight')
 */
export async function readSafetensorsHeader(source: ByteSource, fileName: string): Promise<SafetensorsFile> {
  const bad = (what: string, detail: Record<string, unknown> = {}): HarnessError =>
    new HarnessError('MODEL_INVALID', `${fileName}: ${what}; the file is not a valid safetensors file (re-download or re-save it)`, { file: fileName, ...detail })
  if (source.size < 8) throw bad(`${source.size} bytes is too short for the 8-byte header length`)
  const lengthBytes = await source.read(0, 8)
  const view = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8)
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32
  if (headerLength > MAX_HEADER_BYTES || headerLength > source.size - 8) {
    throw bad(`header length ${headerLength} exceeds the ${source.size}-byte file or the ${MAX_HEADER_BYTES}-byte limit`, { headerLength })
  }
  let header: unknown
  try {
    header = JSON.parse(new TextDecoder().decode(await source.read(8, headerLength)))
  } catch (e) {
    throw bad(`header is not valid JSON (${(e as Error).message})`)
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw bad('header is not a JSON object')
  const dataStart = 8 + headerLength
  const dataSize = source.size - dataStart
  const tensors = new Map<string, SafetensorsTensorInfo>()
  let metadata: Record<string, string> = {}
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw bad('__metadata__ is not an object of strings')
      metadata = Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, String(v)]))
      continue
    }
    const e = (entry ?? {}) as { dtype?: unknown, shape?: unknown, data_offsets?: unknown }
    const shape = e.shape
    const offsets = e.data_offsets
    if (typeof e.dtype !== 'string' || !Array.isArray(shape) || !shape.every(isCount) || !Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw bad(`tensor ${name} has entry ${JSON.stringify(entry)}; expected { dtype, shape, data_offsets: [begin, end] }`, { tensor: name })
    }
    const [begin, end] = offsets as [number, number]
    if (begin > end || end > dataSize) throw bad(`tensor ${name} has data_offsets [${begin}, ${end}] outside the ${dataSize}-byte data section`, { tensor: name })
    const elementBytes = DTYPE_BYTES[e.dtype]
    const count = (shape as number[]).reduce((a, b) => a * b, 1)
    if (elementBytes !== undefined && count * elementBytes !== end - begin) {
      throw bad(`tensor ${name} (${e.dtype} [${shape.join(', ')}]) needs ${count * elementBytes} bytes but data_offsets span ${end - begin}`, { tensor: name })
    }
    tensors.set(name, { name, dtype: e.dtype, shape: shape as number[], offset: dataStart + begin, byteLength: end - begin })
  }
  // as the safetensors library validates: no two tensors share bytes (a file whose tensors all sit at offset 0
  // would otherwise convert into a model of copies of one tensor, without a word)
  const spans = [...tensors.values()].filter(t => t.byteLength > 0).sort((a, b) => a.offset - b.offset)
  for (let i = 1; i < spans.length; i++) {
    const prev = spans[i - 1] as SafetensorsTensorInfo
    const cur = spans[i] as SafetensorsTensorInfo
    if (cur.offset < prev.offset + prev.byteLength) {
      throw bad(`tensors ${prev.name} and ${cur.name} overlap in the data section (bytes ${cur.offset - dataStart} to ` +
        `${Math.min(prev.offset + prev.byteLength, cur.offset + cur.byteLength) - dataStart})`, { tensors: [prev.name, cur.name] })
    }
  }
  return { fileName, source, tensors, metadata }
}

/** Number of elements of a shape. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1)
}

/**
 * Reads one tensor and converts it to float32 (F16 and BF16 widen exactly). Throws MODEL_INVALID for other dtypes.
 */
export async function readTensor(file: SafetensorsFile, name: string): Promise<Float32Array> {
  const { bytes, dtype } = await readTensorBytes(file, name)
  return decodeFloats(bytes, dtype)
}

/**
 * Reads one tensor's little-endian bytes as stored, with its dtype. Throws MODEL_INVALID for dtypes outside
 * SUPPORTED_DTYPES and for a truncated file.
 */
export async function readTensorBytes(file: SafetensorsFile, name: string): Promise<{ bytes: Uint8Array, dtype: SupportedDtype }> {
  const info = file.tensors.get(name)
  if (!info) throw new HarnessError('MODEL_INVALID', `${file.fileName}: no tensor named ${name}`, { file: file.fileName, tensor: name })
  if (!(SUPPORTED_DTYPES as readonly string[]).includes(info.dtype)) {
    throw new HarnessError('MODEL_INVALID', `${file.fileName}: tensor ${name} has dtype ${info.dtype}; supported dtypes are ${SUPPORTED_DTYPES.join(', ')} (convert the checkpoint to one of them)`, { file: file.fileName, tensor: name, dtype: info.dtype, supported: [...SUPPORTED_DTYPES] })
  }
  const bytes = await file.source.read(info.offset, info.byteLength)
  if (bytes.length !== info.byteLength) {
    throw new HarnessError('MODEL_INVALID', `${file.fileName}: tensor ${name} is truncated (${bytes.length} of ${info.byteLength} bytes); re-download the file`, { file: file.fileName, tensor: name })
  }
  return { bytes, dtype: info.dtype as SupportedDtype }
}

/** Converts little-endian F32/F16/BF16 bytes to float32 values. */
export function decodeFloats(bytes: Uint8Array, dtype: SupportedDtype): Float32Array {
  if (dtype === 'F32') return new Float32Array(hostOrder(bytes, 4))
  const halves = new Uint16Array(hostOrder(bytes, 2))
  const out = new Float32Array(halves.length)
  if (dtype === 'BF16') {
    const bits = new Uint32Array(out.buffer)
    for (let i = 0; i < halves.length; i++) bits[i] = halves[i]! << 16
    return out
  }
  const table = float16Table()
  for (let i = 0; i < halves.length; i++) out[i] = table[halves[i]!]!
  return out
}

/** The float32 value of a float16 bit pattern. */
export function float16ToNumber(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1
  const exponent = (bits >> 10) & 0x1f
  const mantissa = bits & 0x3ff
  if (exponent === 0) return sign * mantissa * 2 ** -24
  if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15)
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
let f16Table: Float32Array | undefined

/** Every float16 bit pattern's value (256 KiB, built on first use). */
function float16Table(): Float32Array {
  if (!f16Table) f16Table = Float32Array.from({ length: 65536 }, (_, bits) => float16ToNumber(bits))
  return f16Table
}

/** An aligned copy of little-endian `bytes` in host byte order, for a typed-array view of `width`-byte elements. */
function hostOrder(bytes: Uint8Array, width: number): ArrayBuffer {
  const copy = new Uint8Array(bytes.length)
  copy.set(bytes)
  if (!LITTLE_ENDIAN_HOST) {
    for (let i = 0; i < copy.length; i += width) copy.subarray(i, i + width).reverse()
  }
  return copy.buffer
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0
}
