/**
 * Minimal protocol-buffers wire format: a chunked writer (large byte fields are appended by reference,
 * never copied until `finish`) and a flat field reader. Enough for ONNX's proto2 messages.
 */

/** Wire types used by the protobuf encoding. */
export const WIRE_VARINT = 0
export const WIRE_FIXED64 = 1
export const WIRE_LENGTH_DELIMITED = 2
export const WIRE_FIXED32 = 5

/** One decoded field of a message, in file order. */
export interface ProtoField {
  /** field number from the .proto definition */
  field: number
  /** wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32) */
  wireType: number
  /** varint value as an unsigned 64-bit bigint (wire type 0) */
  varint?: bigint
  /** payload bytes (wire types 1, 2 and 5), a view into the input buffer */
  bytes?: Uint8Array
}

/** Append-only protobuf message writer; nest messages by writing a finished child writer. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = []
  private scratch: number[] = []
  private total = 0

  /** Encoded length of everything written so far, in bytes. */
  get length(): number {
    return this.total + this.scratch.length
  }

  /** Writes an unsigned or signed 64-bit integer field (int64/int32/enum/bool) as a varint. */
  int(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT)
    this.rawVarint(value)
    return this
  }

  /** Writes a 32-bit float field (wire type fixed32, little endian). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32)
    const b = new Uint8Array(4)
    new DataView(b.buffer).setFloat32(0, value, true)
    for (const x of b) this.scratch.push(x)
    return this
  }

  /** Writes a UTF-8 string field. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value))
  }

  /** Writes a bytes field; the array is kept by reference until `finish`. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED)
    this.rawVarint(value.length)
    this.append(value)
    return this
  }

  /** Writes a nested message field from a child writer (its chunks are shared, not copied). */
  message(field: number, child: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH_DELIMITED)
    this.rawVarint(child.length)
    child.flush()
    for (const c of child.chunks) this.append(c)
    return this
  }

  /** Writes a packed repeated varint field (proto2 `[packed = true]`). */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter()
    for (const v of values) inner.rawVarint(v)
    this.tag(field, WIRE_LENGTH_DELIMITED)
    this.rawVarint(inner.length)
    inner.flush()
    for (const c of inner.chunks) this.append(c)
    return this
  }

  /** Returns the encoded message as one contiguous array. */
  finish(): Uint8Array {
    this.flush()
    const out = new Uint8Array(this.total)
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out
  }

  private tag(field: number, wireType: number): void {
    this.rawVarint(field * 8 + wireType)
  }

  private rawVarint(value: number | bigint): void {
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
      let v = value
      while (v >= 0x80) {
        this.scratch.push((v % 0x80) | 0x80)
        v = Math.floor(v / 0x80)
      }
      this.scratch.push(v)
      return
    }
    // negative or large values: two's complement over 64 bits, always 10 bytes for negatives
    let v = BigInt.asUintN(64, BigInt(value))
    while (v >= 0x80n) {
      this.scratch.push(Number(v & 0x7fn) | 0x80)
      v >>= 7n
    }
    this.scratch.push(Number(v))
  }

  private append(bytes: Uint8Array): void {
    this.flush()
    this.chunks.push(bytes)
    this.total += bytes.length
  }

  private flush(): void {
    if (this.scratch.length === 0) return
    this.chunks.push(Uint8Array.from(this.scratch))
    this.total += this.scratch.length
    this.scratch = []
  }
}

/** Decodes the top-level fields of one message. Throws on truncated or malformed input. */
export function readProtoFields(buf: Uint8Array): ProtoField[] {
  const fields: ProtoField[] = []
  let pos = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint')
      const b = buf[pos++]!
      result |= BigInt(b & 0x7f) << shift
      if ((b & 0x80) === 0) return result
      shift += 7n
      if (shift > 63n) throw new Error('protobuf: varint too long')
    }
  }
  const take = (n: number): Uint8Array => {
    if (pos + n > buf.length) throw new Error('protobuf: truncated field')
    const out = buf.subarray(pos, pos + n)
    pos += n
    return out
  }
  while (pos < buf.length) {
    const key = Number(varint())
    const field = Math.floor(key / 8)
    const wireType = key % 8
    if (wireType === WIRE_VARINT) fields.push({ field, wireType, varint: varint() })
    else if (wireType === WIRE_FIXED64) fields.push({ field, wireType, bytes: take(8) })
    else if (wireType === WIRE_LENGTH_DELIMITED) fields.push({ field, wireType, bytes: take(Number(varint())) })
    else if (wireType === WIRE_FIXED32) fields.push({ field, wireType, bytes: take(4) })
    else throw new Error(`protobuf: unsupported wire type ${wireType}`)
  }
  return fields
}

/** Decodes a packed or unpacked repeated varint field's values as signed 64-bit numbers. */
export function readRepeatedInts(fields: readonly ProtoField[], field: number): number[] {
  const out: number[] = []
  for (const f of fields) {
    if (f.field !== field) continue
    if (f.varint !== undefined) out.push(Number(BigInt.asIntN(64, f.varint)))
    else if (f.bytes && f.wireType === WIRE_LENGTH_DELIMITED) {
      // packed: a run of varints
      const decoded = f.bytes
      let pos = 0
      while (pos < decoded.length) {
        let result = 0n
        let shift = 0n
        for (;;) {
          if (pos >= decoded.length) throw new Error('protobuf: truncated packed varint')
          const b = decoded[pos++]!
          result |= BigInt(b & 0x7f) << shift
          if ((b & 0x80) === 0) break
          shift += 7n
        }
        out.push(Number(BigInt.asIntN(64, result)))
      }
    }
  }
  return out
}
