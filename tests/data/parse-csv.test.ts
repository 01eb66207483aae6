import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCsv } from '../../src/data/parse-csv.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures')

/** pandas' reading of each fixture CSV, written by fixtures/csv/gen.py. */
interface Expected {
  readonly cases: Record<string, { rows?: Record<string, unknown>[]; columns?: string[]; error?: string }>
}
const expected = JSON.parse(readFileSync(join(FIXTURES, 'csv', 'expected.json'), 'utf8')) as Expected

function code(fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (e) {
    return (e as { code?: string }).code
  }
  return undefined
}

describe('parseCsv matches pandas.read_csv defaults (golden rows from fixtures/csv/gen.py)', () => {
  for (const [rel, want] of Object.entries(expected.cases)) {
    it(rel, () => {
      const text = readFileSync(join(FIXTURES, rel), 'utf8')
      if (want.error !== undefined) {
        expect(code(() => parseCsv(text, rel))).toBe('DATASET_PARSE_ERROR')
        return
      }
      const rows = parseCsv(text, rel)
      expect(rows).toEqual(want.rows)
      for (const row of rows) expect(Object.keys(row)).toEqual(want.columns)
    })
  }
})

describe('parseCsv', () => {
  it('reads RFC 4180 quoting with CRLF records', () => {
    const rows = parseCsv('a,b\r\n"x, ""y""","multi\r\nline"\r\nplain,z\r\n', 'inline.csv')
    expect(rows).toEqual([
      { a: 'x, "y"', b: 'multi\r\nline' },
      { a: 'plain', b: 'z' },
    ])
  })

  it('keeps types per column: ints, floats, booleans, strings', () => {
    const rows = parseCsv('i,f,b,s\n1,2,True,1\n2,2.5,false,a\n', 'inline.csv')
    expect(rows).toEqual([
      { i: 1, f: 2, b: true, s: '1' },
      { i: 2, f: 2.5, b: false, s: 'a' },
    ])
    expect(typeof rows[0].s).toBe('string')
  })

  it('reads inf / infinity (any case, signed) in a float column', () => {
    const rows = parseCsv('x\ninf\n-Infinity\n+INF\n1.5\n', 'inline.csv')
    expect(rows.map((r) => r.x)).toEqual([Infinity, -Infinity, Infinity, 1.5])
  })

  it('returns no rows for empty text or a header alone', () => {
    expect(parseCsv('', 'e.csv')).toEqual([])
    expect(parseCsv('a,b\n', 'e.csv')).toEqual([])
  })

  it('names the file and line of a row with too many cells', () => {
    expect(() => parseCsv('a,b\n1,2\n"x\ny",2\n3,4,5\n', 'data/t.csv')).toThrow(/data\/t\.csv line 5: .*expected 2 fields/)
  })

  it('names the line where an unclosed quote starts', () => {
    expect(() => parseCsv('a,b\n1,2\n3,"open\n4,5\n', 'data/t.csv')).toThrow(/data\/t\.csv line 3: .*quoted field is not closed/)
  })

  it('refuses integers JavaScript cannot hold exactly', () => {
    expect(code(() => parseCsv('x\n9007199254740993\n', 'big.csv'))).toBe('DATASET_PARSE_ERROR')
    expect(() => parseCsv('x\n1\n9007199254740993\n', 'big.csv')).toThrow(/big\.csv line 3: integer 9007199254740993 in column 'x'/)
    expect(parseCsv('x\n9007199254740991\n', 'big.csv')).toEqual([{ x: 9007199254740991 }])
  })
})
