import { describe, expect, it } from 'vitest'
import { countOnnxParameters } from '../../../src/backends/transformers/onnx-params.ts'
import type { ByteSource } from '../../../src/backends/transformers/onnx-params.ts'

// Minimal protobuf writer (independent of the reader under test).
function varint(n: number): number[] {
  const out: number[] = []
  while (n >= 128) {
    out.push((n % 128) | 128)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return out
}
const tag = (field: number, wire: number) => varint(field * 8 + wire)
function cat(...parts: ArrayLike<number>[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of parts) {
    out.set(p, o)
    o += p.length
  }
  return out
}
const vfield = (field: number, n: number) => cat(tag(field, 0), varint(n))
const bfield = (field: number, bytes: ArrayLike<number>) => cat(tag(field, 2), varint(bytes.length), bytes)

function tensor(dims: number[], dataType: number, packed: boolean, rawBytes: number): Uint8Array {
  const dimBytes = packed ? bfield(1, dims.flatMap(varint)) : cat(...dims.map((d) => vfield(1, d)))
  return cat(dimBytes, vfield(2, dataType), bfield(8, new TextEncoder().encode('w')), bfield(9, new Uint8Array(rawBytes)))
}

function source(bytes: Uint8Array): ByteSource & { bytesRead: number } {
  const s = {
    size: bytes.length,
    bytesRead: 0,
    async read(offset: number, length: number) {
      s.bytesRead += length
      return bytes.slice(offset, offset + length)
    },
  }
  return s
}

describe('countOnnxParameters', () => {
  it('sums float initializer elements (packed and unpacked dims, scalars) and skips integer ones', async () => {
    const graph = cat(
      bfield(1, [1, 2, 3]), // a node (opaque here)
      bfield(5, tensor([3, 4], 1, true, 48)), // float32 3x4
      bfield(5, tensor([5], 10, false, 10)), // float16 [5]
      bfield(5, tensor([2], 7, true, 16)), // int64 shape constant: not a parameter
      bfield(5, tensor([], 1, true, 4)), // float scalar
      bfield(5, tensor([300, 200], 16, true, 0)), // bfloat16 (external data, no raw bytes)
    )
    const model = cat(vfield(1, 8), bfield(8, vfield(2, 17)), bfield(7, graph), vfield(2, 3))
    expect(await countOnnxParameters(source(model))).toBe(12 + 5 + 1 + 60000)
  })

  it('skips weight payloads instead of reading them', async () => {
    const big = 3_000_000
    const graph = cat(bfield(5, tensor([1000, 750], 1, true, big)), bfield(5, tensor([7], 1, true, 28)))
    const src = source(bfield(7, graph))
    expect(await countOnnxParameters(src)).toBe(750_007)
    expect(src.bytesRead).toBeLessThan(4 * 65536)
  })

  it('rejects a truncated file', async () => {
    const model = bfield(7, bfield(5, tensor([2, 2], 1, true, 16))).slice(0, 10)
    await expect(countOnnxParameters(source(model))).rejects.toThrow(RangeError)
  })
})
