import { describe, expect, it } from 'vitest'
import { parseJson } from '../../src/data/parse-json.ts'

describe('parseJson', () => {
  it('reads an array of records, filling missing columns with null', () => {
    expect(parseJson('[{"q": "a", "n": 1}, {"q": "b", "x": true}]', 'f.json')).toEqual([
      { q: 'a', n: 1, x: null },
      { q: 'b', n: null, x: true },
    ])
  })

  it('reads {"data": [...]} (the json loader field convention)', () => {
    expect(parseJson('{"data": [{"q": "a"}, {"q": "b"}]}', 'f.json')).toEqual([{ q: 'a' }, { q: 'b' }])
  })

  it('reads a column dict into rows', () => {
    const rows = parseJson('{"q": ["a", "b"], "n": [1, 2], "c": [["x"], []]}', 'f.json')
    expect(rows).toEqual([
      { q: 'a', n: 1, c: ['x'] },
      { q: 'b', n: 2, c: [] },
    ])
  })

  it('reads {"data": [non-records]} as a one-column dict', () => {
    expect(parseJson('{"data": [1, 2]}', 'f.json')).toEqual([{ data: 1 }, { data: 2 }])
  })

  it('reads an array of scalars as a text column', () => {
    expect(parseJson('["a", "b"]', 'f.json')).toEqual([{ text: 'a' }, { text: 'b' }])
  })

  it('reads a single non-columnar object as one row', () => {
    expect(parseJson('{"q": "a", "choices": ["x", "y"]}', 'f.json')).toEqual([{ q: 'a', choices: ['x', 'y'] }])
  })

  it('reads JSON Lines in a .json file', () => {
    expect(parseJson('{"q": "a"}\n{"q": "b"}\n', 'f.json')).toEqual([{ q: 'a' }, { q: 'b' }])
  })

  it('returns [] for an empty file or an empty array', () => {
    expect(parseJson('  \n', 'f.json')).toEqual([])
    expect(parseJson('[]', 'f.json')).toEqual([])
  })

  it('names the file on bad JSON and on unusable shapes', () => {
    expect(() => parseJson('{"a": [1, 2}', 'dir/f.json')).toThrow(/^cannot parse dir\/f\.json: invalid JSON/)
    expect(() => parseJson('42', 'dir/f.json')).toThrow(/dir\/f\.json: expected an array of records or an object, got a number/)
    expect(() => parseJson('[{"a": 1}, 2]', 'dir/f.json')).toThrow(/dir\/f\.json: the top-level array mixes objects with a number/)
  })
})
