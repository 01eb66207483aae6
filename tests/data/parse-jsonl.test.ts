import { describe, expect, it } from 'vitest'
import { parseJsonl } from '../../src/data/parse-jsonl.ts'
import { isHarnessError } from '../../src/core/errors.ts'

describe('parseJsonl', () => {
  it('reads one object per line, skipping blank lines, with LF or CRLF', () => {
    const rows = parseJsonl('{"a": 1, "b": "x"}\r\n\n  \n{"a": 2, "b": "y\\nz"}', 'f.jsonl')
    expect(rows).toEqual([
      { a: 1, b: 'x' },
      { a: 2, b: 'y\nz' },
    ])
  })

  it('fills columns a row lacks with null, in first-seen column order', () => {
    const rows = parseJsonl('{"a": 1}\n{"b": 2, "a": 3}\n', 'f.jsonl')
    expect(rows).toEqual([
      { a: 1, b: null },
      { a: 3, b: 2 },
    ])
    expect(Object.keys(rows[1])).toEqual(['a', 'b'])
  })

  it('returns [] for an empty file', () => {
    expect(parseJsonl('', 'f.jsonl')).toEqual([])
    expect(parseJsonl('\n\n', 'f.jsonl')).toEqual([])
  })

  it('names the file and the 1-based line of bad JSON', () => {
    let err: unknown
    try {
      parseJsonl('{"a": 1}\n\n{"a": 2,}\n', 'dir/bad.jsonl')
    } catch (e) {
      err = e
    }
    expect(isHarnessError(err) && err.code).toBe('DATASET_PARSE_ERROR')
    expect((err as Error).message).toMatch(/^cannot parse dir\/bad\.jsonl line 3: invalid JSON/)
    expect((err as Error).message).not.toContain('\n')
  })

  it('refuses a line that is not an object', () => {
    expect(() => parseJsonl('{"a": 1}\n[1, 2]\n', 'f.jsonl')).toThrow(/f\.jsonl line 2: expected one JSON object per line, got an array/)
    expect(() => parseJsonl('"s"\n', 'f.jsonl')).toThrow(/line 1: .*got a string/)
  })
})
