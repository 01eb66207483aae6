import { describe, expect, it } from 'vitest'
import { ProtoWriter, readProtoFields, readRepeatedInts } from '../../../src/backends/onnx/protobuf.ts'

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(' ')

describe('ProtoWriter', () => {
  it('encodes the protobuf documentation examples', () => {
    // varint 150 in field 1; string "testing" in field 2 (protobuf encoding guide)
    expect(hex(new ProtoWriter().int(1, 150).finish())).toBe('08 96 01')
    expect(hex(new ProtoWriter().string(2, 'testing').finish())).toBe('12 07 74 65 73 74 69 6e 67')
    // an embedded message {1: 150} in field 3
    expect(hex(new ProtoWriter().message(3, new ProtoWriter().int(1, 150)).finish())).toBe('1a 03 08 96 01')
  })

  it('writes 64-bit and negative varints as two\'s complement', () => {
    expect(hex(new ProtoWriter().int(1, -1).finish())).toBe('08 ff ff ff ff ff ff ff ff ff 01')
    expect(hex(new ProtoWriter().int(1, 2n ** 63n - 1n).finish())).toBe('08 ff ff ff ff ff ff ff ff 7f')
    expect(hex(new ProtoWriter().int(1, 300).finish())).toBe('08 ac 02')
  })

  it('writes float32 little endian and packed repeated ints', () => {
    expect(hex(new ProtoWriter().float(2, 1).finish())).toBe('15 00 00 80 3f')
    expect(hex(new ProtoWriter().packedInts(4, [3, 270, 86942]).finish())).toBe('22 06 03 8e 02 9e a7 05')
  })

  it('round-trips through the reader, including nested and large byte fields', () => {
    const big = new Uint8Array(70000).map((_, i) => i % 251)
    const child = new ProtoWriter().string(1, 'héllo').int(2, -5)
    const bytes = new ProtoWriter().message(7, child).bytes(9, big).int(1, 2).int(1, -3).packedInts(1, [4, 5]).finish()
    const fields = readProtoFields(bytes)
    expect(fields.map((f) => f.field)).toEqual([7, 9, 1, 1, 1])
    const inner = readProtoFields(fields[0]!.bytes!)
    expect(new TextDecoder().decode(inner[0]!.bytes)).toBe('héllo')
    expect(BigInt.asIntN(64, inner[1]!.varint!)).toBe(-5n)
    expect(fields[1]!.bytes).toEqual(big)
    expect(readRepeatedInts(fields, 1)).toEqual([2, -3, 4, 5])
  })

  it('rejects truncated input', () => {
    const bytes = new ProtoWriter().string(2, 'testing').finish()
    expect(() => readProtoFields(bytes.subarray(0, 5))).toThrow(/truncated/)
  })
})
