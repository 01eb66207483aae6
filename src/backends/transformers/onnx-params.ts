/**
 * Counts the floating-point initializer elements of an ONNX model (≈ parameter count) by walking the
 * protobuf headers through random-access reads, without loading the weights.
 * ModelProto.graph = field 7; GraphProto.initializer = field 5; TensorProto.dims = field 1 (int64,
 * packed or not), TensorProto.data_type = field 2 (FLOAT 1, FLOAT16 10, DOUBLE 11, BFLOAT16 16).
 */

/** Random access to the bytes of a file. */
export interface ByteSource {
  /** file size in bytes */
  readonly size: number
  /** reads up to `length` bytes at `offset` */
  read(offset: number, length: number): Promise<Uint8Array>
}

const FLOAT_TYPES = new Set([1, 10, 11, 16])
const WINDOW = 1 << 16

/** Sum of the element counts of all floating-point initializers of the model. */
export async function countOnnxParameters(src: ByteSource): Promise<number> {
  const r = new WindowedReader(src)
  let total = 0
  for (let pos = 0; pos < src.size;) {
    const f = await r.field(pos)
    if (f.number === 7 && f.wire === 2) {
      for (let gp = f.start; gp < f.end;) {
        const g = await r.field(gp)
        if (g.number === 5 && g.wire === 2) total += await tensorElements(r, g.start, g.end)
        gp = g.end
      }
    }
    pos = f.end
  }
  return total
}

/** Element count of a TensorProto when its data type is floating point, else 0. */
async function tensorElements(r: WindowedReader, start: number, end: number): Promise<number> {
  let count = 1
  let dataType = 0
  for (let pos = start; pos < end;) {
    const f = await r.field(pos)
    if (f.number === 1 && f.wire === 0) count *= f.value
    else if (f.number === 1 && f.wire === 2) {
      for (let p = f.start; p < f.end;) {
        const v = await r.varint(p)
        count *= v.value
        p = v.next
      }
    } else if (f.number === 2 && f.wire === 0) dataType = f.value
    pos = f.end
  }
  return FLOAT_TYPES.has(dataType) ? count : 0
}

interface Field {
  readonly number: number
  readonly wire: number
  /** varint value (wire 0) */
  readonly value: number
  /** payload start (wire 2) */
  readonly start: number
  /** offset after the field */
  readonly end: number
}

/** Reads varints and field headers through a cached 64 KiB window. */
class WindowedReader {
  private base = 0
  private buf: Uint8Array = new Uint8Array(0)

  constructor(private readonly src: ByteSource) {}

  private async byte(pos: number): Promise<number> {
    if (pos < this.base || pos >= this.base + this.buf.length) {
      if (pos >= this.src.size) throw new RangeError(`onnx: read past end of file at ${pos}`)
      this.base = pos
      this.buf = await this.src.read(pos, Math.min(WINDOW, this.src.size - pos))
    }
    return this.buf[pos - this.base]
  }

  async varint(pos: number): Promise<{ value: number; next: number }> {
    let value = 0
    let scale = 1
    for (let i = 0; i < 10; i++) {
      const b = await this.byte(pos + i)
      value += (b & 0x7f) * scale
      scale *= 128
      if (b < 0x80) return { value, next: pos + i + 1 }
    }
    throw new RangeError(`onnx: bad varint at ${pos}`)
  }

  async field(pos: number): Promise<Field> {
    const tag = await this.varint(pos)
    const number = Math.floor(tag.value / 8)
    const wire = tag.value % 8
    switch (wire) {
      case 0: {
        const v = await this.varint(tag.next)
        return { number, wire, value: v.value, start: tag.next, end: v.next }
      }
      case 1: return { number, wire, value: 0, start: tag.next, end: tag.next + 8 }
      case 5: return { number, wire, value: 0, start: tag.next, end: tag.next + 4 }
      case 2: {
        const len = await this.varint(tag.next)
        return { number, wire, value: len.value, start: len.next, end: len.next + len.value }
      }
      default: throw new RangeError(`onnx: unsupported wire type ${wire} at ${pos}`)
    }
  }
}
