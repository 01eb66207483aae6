import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyFloat, pyFloatRepr, pyJsonDumps } from '../../../src/core/python/json.ts'

/** Output of tests/core/fixtures/python/gen_json.py (input encoding described there). */
interface Vectors {
  python: string
  cases: { input: unknown, dumps: string, indent2: string, indent0: string, indent4: string }[]
  reprs: [string, string][]
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/python/json-vectors.json', import.meta.url), 'utf8'),
) as Vectors

function parseFloatRepr(s: string): number {
  if (s === 'nan') return NaN
  if (s === 'inf') return Infinity
  if (s === '-inf') return -Infinity
  return Number(s)
}

/**
 * Rebuilds the Python value as JS. asObjects: dicts whose keys are all non-integer-like strings become
 * plain objects (else Maps); plainFloats: non-integral floats become plain numbers (else PyFloat).
 */
function decode(v: unknown, asObjects: boolean, plainFloats: boolean): unknown {
  if (Array.isArray(v)) return v.map((x) => decode(x, asObjects, plainFloats))
  if (v === null || typeof v !== 'object') return v
  const o = v as Record<string, unknown>
  if ('__float__' in o) {
    const x = parseFloatRepr(o.__float__ as string)
    return plainFloats && !Number.isInteger(x) ? x : new PyFloat(x)
  }
  if ('__int__' in o) return BigInt(o.__int__ as string)
  const pairs = (o.__dict__ as [unknown, unknown][]).map(([k, x]) => [decode(k, asObjects, plainFloats), decode(x, asObjects, plainFloats)] as const)
  const simpleKeys = pairs.every(([k]) => typeof k === 'string' && !/^(0|[1-9][0-9]*)$/.test(k))
  if (asObjects && simpleKeys) return Object.fromEntries(pairs)
  return new Map(pairs)
}

function bitsToFloat(hex: string): number {
  const view = new DataView(new ArrayBuffer(8))
  view.setBigUint64(0, BigInt('0x' + hex))
  return view.getFloat64(0)
}

describe('pyFloatRepr', () => {
  it('formats like Python repr', () => {
    expect(pyFloatRepr(1)).toBe('1.0')
    expect(pyFloatRepr(0.1)).toBe('0.1')
    expect(pyFloatRepr(1e-5)).toBe('1e-05')
    expect(pyFloatRepr(1.5e16)).toBe('1.5e+16')
    expect(pyFloatRepr(-0)).toBe('-0.0')
    expect(pyFloatRepr(NaN)).toBe('nan')
    expect(pyFloatRepr(-Infinity)).toBe('-inf')
  })

  it(`matches Python ${vectors.python} on ${vectors.reprs.length} doubles`, () => {
    const bad = vectors.reprs.filter(([bits, want]) => pyFloatRepr(bitsToFloat(bits)) !== want)
    expect(bad.map(([bits, want]) => [bits, want, pyFloatRepr(bitsToFloat(bits))])).toEqual([])
  })
})

describe('pyJsonDumps', () => {
  it('handles JS-only cases', () => {
    expect(pyJsonDumps({ a: undefined, b: [undefined], c: -0 })).toBe('{"b": [null], "c": 0}')
    expect(pyJsonDumps(1e21)).toBe('1000000000000000000000')
    expect(pyJsonDumps(new PyFloat(3))).toBe('3.0')
    expect(pyJsonDumps([NaN, -Infinity])).toBe('[NaN, -Infinity]')
    expect(pyJsonDumps('\u001f\u007f')).toBe('"\\u001f\u007f"')
    const loop: unknown[] = []
    loop.push(loop)
    expect(() => pyJsonDumps(loop)).toThrow(/Circular/)
    expect(() => pyJsonDumps({ f: () => 1 })).toThrow(TypeError)
    expect(pyJsonDumps([[], {}], { indent: 2 })).toBe('[\n  [],\n  {}\n]')
  })

  for (const [i, c] of vectors.cases.entries()) {
    it(`case ${i} matches json.dumps`, () => {
      for (const asObjects of [false, true]) {
        for (const plainFloats of [false, true]) {
          const v = decode(c.input, asObjects, plainFloats)
          expect(pyJsonDumps(v)).toBe(c.dumps)
          expect(pyJsonDumps(v, { indent: 2 })).toBe(c.indent2)
          expect(pyJsonDumps(v, { indent: 0 })).toBe(c.indent0)
          expect(pyJsonDumps(v, { indent: 4 })).toBe(c.indent4)
        }
      }
    })
  }
})
