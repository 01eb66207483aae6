import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bytesSource } from '../../../src/backends/safetensors/byte-source.ts'
import { decodeFloats, float16ToNumber, readSafetensorsHeader, readTensor } from '../../../src/backends/safetensors/safetensors-file.ts'
import { encodeSafetensors, filesOpener, floatBytes } from './write-safetensors.ts'
import type { FloatDtype, ReadLog } from './write-safetensors.ts'
import { harnessFailure as errorOf } from '../../rejection.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')

interface GoldenTensor {
  dtype: string
  shape: number[]
  source?: number[]
  values?: number[]
  bits?: number[]
}

const golden = JSON.parse(readFileSync(join(FIXTURES, 'dtypes.json'), 'utf8')) as { metadata: Record<string, string>, tensors: Record<string, GoldenTensor> }
const fixture = new Uint8Array(readFileSync(join(FIXTURES, 'dtypes.safetensors')))


/** A file whose 8-byte length prefix and header text are given directly. */
function rawFile(headerText: string, dataBytes = 0, declaredLength?: number): Uint8Array {
  const text = new TextEncoder().encode(headerText)
  const out = new Uint8Array(8 + text.length + dataBytes)
  new DataView(out.buffer).setUint32(0, declaredLength ?? text.length, true)
  out.set(text, 8)
  return out
}

describe('safetensors file (golden fixture written by numpy, see fixtures/make-fixtures.py)', () => {
  it('reads the header: metadata, dtypes, shapes', async () => {
    const file = await readSafetensorsHeader(bytesSource(fixture), 'dtypes.safetensors')
    expect(file.metadata).toEqual(golden.metadata)
    expect([...file.tensors.keys()].sort()).toEqual(Object.keys(golden.tensors).sort())
    for (const [name, t] of Object.entries(golden.tensors)) {
      expect(file.tensors.get(name)).toMatchObject({ dtype: t.dtype, shape: t.shape })
    }
  })

  it('converts F32, F16 (with subnormals) and BF16 to the exact float32 values', async () => {
    const file = await readSafetensorsHeader(bytesSource(fixture), 'dtypes.safetensors')
    for (const [name, t] of Object.entries(golden.tensors)) {
      if (!t.values) continue
      const got = await readTensor(file, name)
      expect(got).toBeInstanceOf(Float32Array)
      expect(Array.from(got), name).toEqual(t.values)
    }
    expect(Object.is((await readTensor(file, 'weight.f32'))[4], -0)).toBe(true)
  })

  it('the test writer rounds float32 to F16 / BF16 exactly as numpy does', () => {
    for (const [name, t] of Object.entries(golden.tensors)) {
      if (!t.bits) continue
      const bytes = floatBytes(Float32Array.from(t.source!), t.dtype as FloatDtype)
      expect(Array.from(new Uint16Array(bytes.buffer)), name).toEqual(t.bits)
    }
  })

  it('refuses a dtype it cannot convert, in one line naming it and the supported ones', async () => {
    const file = await readSafetensorsHeader(bytesSource(fixture), 'dtypes.safetensors')
    const e = await errorOf(readTensor(file, 'ids'))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toMatch(/tensor ids has dtype I8; supported dtypes are F32, F16, BF16/)
  })

  it('reads only the header and the requested tensor bytes', async () => {
    const log: ReadLog = []
    const src = (await filesOpener(new Map([['f.safetensors', fixture]]), log)('f.safetensors'))!
    const file = await readSafetensorsHeader(src, 'f.safetensors')
    expect(log.map((r) => r.length)).toEqual([8, fixture.length - 8 - 48 - 3])
    log.length = 0
    await readTensor(file, 'weight.f16')
    expect(log).toEqual([{ file: 'f.safetensors', length: 12 }])
  })

  it('reads F32 data at an offset that is not 4-byte aligned', async () => {
    const bytes = encodeSafetensors([
      { name: 'b', shape: [3], data: new Uint8Array([1, 2, 3]), dtype: 'U8' },
      { name: 'a', shape: [2], data: Float32Array.of(1.25, -7) },
    ])
    const file = await readSafetensorsHeader(bytesSource(bytes), 'x.safetensors')
    expect(file.tensors.get('a')!.offset % 4).not.toBe(0)
    expect(Array.from(await readTensor(file, 'a'))).toEqual([1.25, -7])
  })

  it('decodes float16 specials', () => {
    expect(float16ToNumber(0x7c00)).toBe(Infinity)
    expect(float16ToNumber(0xfc00)).toBe(-Infinity)
    expect(float16ToNumber(0x7e00)).toBeNaN()
    expect(float16ToNumber(0x3555)).toBe(0.333251953125)
    expect(Array.from(decodeFloats(new Uint8Array([0x80, 0x3f, 0x00, 0xc0]), 'BF16'))).toEqual([1, -2])
  })

  it.each([
    ['a file shorter than 8 bytes', new Uint8Array(5), /5 bytes is too short/],
    ['a header length past the end', rawFile('{}', 0, 1000), /header length 1000 exceeds the 10-byte file/],
    ['a header that is not JSON', rawFile('{"a": '), /header is not valid JSON/],
    ['a header that is an array', rawFile('[1, 2]'), /header is not a JSON object/],
    ['an entry without data_offsets', rawFile('{"w":{"dtype":"F32","shape":[1]}}'), /tensor w has entry .*expected \{ dtype, shape, data_offsets/],
    ['offsets past the data section', rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', 2), /tensor w has data_offsets \[0, 4\] outside the 2-byte data section/],
    ['offsets that do not fit the shape', rawFile('{"w":{"dtype":"F16","shape":[3],"data_offsets":[0,4]}}', 4), /tensor w \(F16 \[3\]\) needs 6 bytes but data_offsets span 4/],
  ])('refuses %s in one line', async (_what, bytes, message) => {
    const e = await errorOf(readSafetensorsHeader(bytesSource(bytes), 'bad.safetensors'))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toMatch(/^bad\.safetensors: /)
    expect(e.message).toMatch(message)
  })
})
