import { describe, expect, it } from 'vitest'
import { PyFloat, pyJsonDumps } from '../../src/core/python/json.ts'
import { parsePyJson } from '../../src/app/wire-json.ts'

describe('parsePyJson', () => {
  it('turns bare NaN / Infinity / -Infinity into strings', () => {
    // text as Python's json.dumps({'a': float('nan'), 'b': [float('inf'), float('-inf'), 1.5]}) writes it
    expect(parsePyJson('{"a": NaN, "b": [Infinity, -Infinity, 1.5]}')).toEqual({ a: 'NaN', b: ['Infinity', '-Infinity', 1.5] })
  })

  it('leaves the same words inside strings alone, escapes included', () => {
    const text = '{"NaN": "NaN and -Infinity", "q": "say \\"NaN\\"", "k\\\\": Infinity}'
    expect(parsePyJson(text)).toEqual({ NaN: 'NaN and -Infinity', q: 'say "NaN"', 'k\\': 'Infinity' })
  })

  it('parses indented output of pyJsonDumps into JSON-safe values', () => {
    const value = { results: { t: { 'acc,none': new PyFloat(1), 'acc_stderr,none': new PyFloat(NaN), 'ppl,none': new PyFloat(Infinity) } }, n: 3 }
    const parsed = parsePyJson(pyJsonDumps(value, { indent: 2 }))
    expect(parsed).toEqual({ results: { t: { 'acc,none': 1, 'acc_stderr,none': 'NaN', 'ppl,none': 'Infinity' } }, n: 3 })
    expect(JSON.parse(JSON.stringify(parsed))).toEqual(parsed)
  })

  it('rejects text that is not JSON', () => {
    expect(() => parsePyJson('{"a": nan}')).toThrow(SyntaxError)
  })
})
