import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { GgufMetadata, bytesSource, readGgufHeader, readTensorBytes } from '../../../src/backends/gguf/gguf-file.ts'
import type { ByteSource } from '../../../src/backends/gguf/gguf-file.ts'
import { VT, f32Bytes, meta, writeGguf } from './fixtures/gguf-writer.ts'
import type { MetaEntry } from './fixtures/gguf-writer.ts'

async function failure(p: Promise<unknown> | (() => unknown)): Promise<{ code: string, message: string }> {
  try {
    await (typeof p === 'function' ? p() : p)
  } catch (e) {
    if (!isHarnessError(e)) throw e
    return { code: e.code, message: e.message }
  }
  throw new Error('expected a HarnessError')
}

/** A source that records every read as [offset, length]. */
function recordingSource(u8: Uint8Array): ByteSource & { reads: [number, number][] } {
  const reads: [number, number][] = []
  return {
    size: u8.length,
    reads,
    read: async (offset, length) => {
      reads.push([offset, length])
      return u8.slice(offset, offset + length)
    },
  }
}

const ALL_TYPES: Record<string, MetaEntry> = {
  'a.u8': { type: VT.U8, value: 200 },
  'a.i8': { type: VT.I8, value: -100 },
  'a.u16': { type: VT.U16, value: 60000 },
  'a.i16': { type: VT.I16, value: -30000 },
  'a.u32': { type: VT.U32, value: 4294967295 },
  'a.i32': { type: VT.I32, value: -2147483648 },
  'a.f32': { type: VT.F32, value: 0.5 },
  'a.bool': { type: VT.BOOL, value: true },
  'a.str': { type: VT.STRING, value: 'héllo ▁ 🦙' },
  'a.u64': { type: VT.U64, value: 2n ** 60n },
  'a.u64small': { type: VT.U64, value: 12345 },
  'a.i64': { type: VT.I64, value: -5 },
  'a.f64': { type: VT.F64, value: Math.PI },
  'a.strs': { type: VT.ARRAY, items: VT.STRING, value: ['', 'x', 'yz'] },
  'a.f32s': { type: VT.ARRAY, items: VT.F32, value: [1.5, -2, 0] },
}

describe('readGgufHeader', () => {
  it('reads every metadata value type, tensor infos and the aligned data offset', async () => {
    const a = f32Bytes([1, 2, 3])
    const b = f32Bytes([4, 5, 6, 7, 8, 9])
    const bytes = writeGguf(ALL_TYPES, [
      { name: 'a', dims: [3], type: 0, data: a },
      { name: 'b', dims: [3, 2], type: 0, data: b },
    ])
    const file = await readGgufHeader(bytesSource(bytes))
    expect(file.version).toBe(3)
    expect(file.alignment).toBe(32)
    expect(Object.fromEntries(file.metadata)).toEqual({
      'a.u8': 200, 'a.i8': -100, 'a.u16': 60000, 'a.i16': -30000, 'a.u32': 4294967295, 'a.i32': -2147483648,
      'a.f32': 0.5, 'a.bool': true, 'a.str': 'héllo ▁ 🦙', 'a.u64': 2n ** 60n, 'a.u64small': 12345, 'a.i64': -5,
      'a.f64': Math.PI, 'a.strs': ['', 'x', 'yz'], 'a.f32s': [1.5, -2, 0],
    })
    expect(file.dataOffset % 32).toBe(0)
    expect(file.tensors).toEqual([
      { name: 'a', dims: [3], type: 0, offset: 0, elements: 3, byteLength: 12 },
      { name: 'b', dims: [3, 2], type: 0, offset: 32, elements: 6, byteLength: 24 },
    ])
    expect(await readTensorBytes(bytesSource(bytes), file, file.tensors[1]!)).toEqual(b)
  })

  it('honours general.alignment and reads version 2', async () => {
    const bytes = writeGguf({ x: meta.str('y') }, [
      { name: 'a', dims: [1], type: 0, data: f32Bytes([7]) },
      { name: 'b', dims: [1], type: 0, data: f32Bytes([8]) },
    ], { alignment: 64, version: 2 })
    const file = await readGgufHeader(bytesSource(bytes))
    expect(file.version).toBe(2)
    expect(file.alignment).toBe(64)
    expect(file.dataOffset % 64).toBe(0)
    expect(file.tensors[1]!.offset).toBe(64)
    expect(new Float32Array((await readTensorBytes(bytesSource(bytes), file, file.tensors[1]!)).slice().buffer)).toEqual(Float32Array.from([8]))
  })

  it('walks a header bigger than its first read in growing chunks', async () => {
    const tokens = Array.from({ length: 20000 }, (_, i) => `token-${i}`)
    const bytes = writeGguf({ 'tokenizer.ggml.tokens': meta.strs(tokens), 'tokenizer.ggml.scores': meta.f32s(tokens.map((_, i) => -i)) })
    const src = recordingSource(bytes)
    const file = await readGgufHeader(src)
    expect(file.metadata.get('tokenizer.ggml.tokens')).toEqual(tokens)
    expect((file.metadata.get('tokenizer.ggml.scores') as number[])[19999]).toBe(-19999)
    expect(src.reads.length).toBeGreaterThan(1)
    // reads are sequential and never re-read bytes before the cursor
    for (let i = 1; i < src.reads.length; i++) expect(src.reads[i]![0]).toBeGreaterThan(src.reads[i - 1]![0])
  })

  it('rejects non-GGUF bytes, unsupported versions, truncation and bad alignment with MODEL_INVALID', async () => {
    const good = writeGguf({ x: meta.u32(1) }, [{ name: 'a', dims: [4], type: 0, data: f32Bytes([1, 2, 3, 4]) }])
    const notGguf = await failure(readGgufHeader(bytesSource(new TextEncoder().encode('PK\u0003\u0004 not a gguf file'))))
    expect(notGguf.code).toBe('MODEL_INVALID')
    expect(notGguf.message).toMatch(/magic .* is not 'GGUF'/)
    const v1 = good.slice()
    v1[4] = 1
    expect((await failure(readGgufHeader(bytesSource(v1)))).message).toMatch(/version 1 is not supported; expected 2 or 3/)
    expect((await failure(readGgufHeader(bytesSource(good.subarray(0, 30))))).message).toMatch(/header ends early/)
    expect((await failure(readGgufHeader(bytesSource(good.subarray(0, good.length - 20))))).message).toMatch(/tensor a ends at byte .* truncated/)
    const badAlign = writeGguf({}, [], { alignment: 12 })
    expect((await failure(readGgufHeader(bytesSource(badAlign)))).message).toMatch(/general.alignment 12 is invalid/)
    for (const m of [notGguf.message]) expect(m).not.toContain('\n')
  })
})

describe('GgufMetadata', () => {
  it('returns typed values and defaults, and names the key of a wrongly typed one', async () => {
    const file = await readGgufHeader(bytesSource(writeGguf(ALL_TYPES)))
    const m = new GgufMetadata(file.metadata)
    expect(m.number('a.u16')).toBe(60000)
    expect(m.number('missing', 7)).toBe(7)
    expect(m.optionalNumber('missing')).toBeUndefined()
    expect(m.string('a.str')).toBe('héllo ▁ 🦙')
    expect(m.boolean('a.bool', false)).toBe(true)
    expect(m.boolean('missing', true)).toBe(true)
    expect(m.strings('a.strs')).toEqual(['', 'x', 'yz'])
    expect(m.optionalNumbers('a.f32s')).toEqual([1.5, -2, 0])
    const wrong = await failure(() => m.number('a.str'))
    expect(wrong).toEqual({ code: 'MODEL_INVALID', message: 'gguf: metadata a.str is "héllo ▁ 🦙"; expected a number' })
    expect((await failure(() => m.string('missing'))).message).toBe('gguf: metadata missing is missing; expected a string')
    expect((await failure(() => m.strings('a.f32s'))).message).toBe('gguf: metadata a.f32s is an array of 3; expected an array of strings')
  })
})
