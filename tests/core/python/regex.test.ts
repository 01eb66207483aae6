import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { pyRegex, type PyMatch, type PyRegexFlags } from '../../../src/core/python/regex.ts'

/** Output of tests/core/fixtures/python/gen_regex.py. */
type MatchInfo = [number, number, (string | null)[]] | null
interface Row {
  input: string
  search: MatchInfo
  match: MatchInfo
  fullmatch: MatchInfo
  findall: (string | string[])[]
  split: (string | null)[]
  split1: (string | null)[]
  sub: [string, string, string][]
}
interface Vectors {
  python: string
  unicode: string
  cases: { pattern: string, flags: string, rows: Row[] }[]
  errors: { pattern: string, error: string | null }[]
  templateErrors: { pattern: string, repl: string, error: string | null }[]
  sets: Record<'s' | 'd' | 'w' | 'unassigned', [number, number][]>
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/python/regex-vectors.json', import.meta.url), 'utf8'),
) as Vectors

function flagsOf(letters: string): PyRegexFlags {
  return {
    ignoreCase: letters.includes('i'),
    dotAll: letters.includes('s'),
    multiline: letters.includes('m'),
    verbose: letters.includes('x'),
    ascii: letters.includes('a'),
  }
}

function info(m: PyMatch | null): MatchInfo {
  return m ? [m.start, m.end, m.groups.map((g) => g ?? null)] : null
}

/** Python's split gives None for a group that did not participate; pyRegex gives '' (documented). */
function noneAsEmpty(xs: (string | null)[]): string[] {
  return xs.map((x) => x ?? '')
}

function expectThrowsSpecInvalid(f: () => unknown): void {
  let err: unknown
  try {
    f()
  } catch (e) {
    err = e
  }
  expect(isHarnessError(err), String(err)).toBe(true)
  expect((err as { code: string }).code).toBe('TASK_SPEC_INVALID')
}

describe(`pyRegex golden vectors (Python ${vectors.python})`, () => {
  for (const c of vectors.cases) {
    it(`${JSON.stringify(c.pattern)} flags '${c.flags}'`, () => {
      const rx = pyRegex(c.pattern, flagsOf(c.flags))
      for (const row of c.rows) {
        const s = row.input
        const label = `${JSON.stringify(c.pattern)} on ${JSON.stringify(s)}`
        expect(info(rx.search(s)), `search ${label}`).toEqual(row.search)
        expect(info(rx.match(s)), `match ${label}`).toEqual(row.match)
        expect(info(rx.fullmatch(s)), `fullmatch ${label}`).toEqual(row.fullmatch)
        expect(rx.findall(s), `findall ${label}`).toEqual(row.findall)
        expect(rx.split(s), `split ${label}`).toEqual(noneAsEmpty(row.split))
        expect(rx.split(s, 1), `split1 ${label}`).toEqual(noneAsEmpty(row.split1))
        for (const [repl, all, once] of row.sub) {
          expect(rx.sub(s, repl), `sub ${JSON.stringify(repl)} ${label}`).toBe(all)
          expect(rx.sub(s, repl, 1), `sub count=1 ${JSON.stringify(repl)} ${label}`).toBe(once)
        }
      }
    })
  }

  it('rejects the patterns Python rejects', () => {
    for (const e of vectors.errors) {
      if (e.error === null) expect(() => pyRegex(e.pattern)).not.toThrow()
      else expectThrowsSpecInvalid(() => pyRegex(e.pattern))
    }
  })

  it('rejects the replacement templates Python rejects', () => {
    for (const e of vectors.templateErrors) {
      if (e.error === null) expect(() => pyRegex(e.pattern).sub('a', e.repl)).not.toThrow()
      else expectThrowsSpecInvalid(() => pyRegex(e.pattern).sub('xyz', e.repl))
    }
  })
})

describe('pyRegex character sets', () => {
  // Every code point except surrogates, in order.
  let all = ''
  for (let cp = 0; cp < 0x110000; cp++) if (cp < 0xd800 || cp > 0xdfff) all += String.fromCodePoint(cp)
  const unassigned = new Uint8Array(0x110000)
  for (const [lo, hi] of vectors.sets.unassigned) unassigned.fill(1, lo, hi + 1)

  function marks(pattern: string): Uint8Array {
    const out = new Uint8Array(0x110000)
    pyRegex(pattern).sub(all, (m) => {
      for (const ch of m.group() as string) out[ch.codePointAt(0) as number] = 1
      return ''
    })
    return out
  }

  function mismatches(pattern: string, ranges: [number, number][], negate: boolean): string[] {
    const want = new Uint8Array(0x110000)
    for (const [lo, hi] of ranges) want.fill(1, lo, hi + 1)
    const got = marks(pattern)
    const bad: string[] = []
    for (let cp = 0; cp < 0x110000; cp++) {
      if ((cp >= 0xd800 && cp <= 0xdfff) || unassigned[cp]) continue
      if ((got[cp] === 1) !== ((want[cp] === 1) !== negate)) bad.push(cp.toString(16))
    }
    return bad
  }

  // Code points whose class changed between Python's Unicode version and the JS engine's are listed here.
  const cases: [string, 's' | 'd' | 'w', boolean][] = [
    ['\\s+', 's', false], ['[\\s]+', 's', false], ['[^\\S]+', 's', false], ['\\S+', 's', true], ['[^\\s]+', 's', true],
    ['\\d+', 'd', false], ['[^\\D]+', 'd', false], ['\\D+', 'd', true], ['[^\\d]+', 'd', true],
    ['\\w+', 'w', false], ['[\\w]+', 'w', false], ['[^\\W]+', 'w', false], ['\\W+', 'w', true], ['[\\W]+', 'w', true],
    ['[^\\w]+', 'w', true],
  ]
  for (const [pattern, set, negate] of cases) {
    it(`${pattern} matches Python's set (Unicode ${vectors.unicode}, assigned code points)`, () => {
      expect(mismatches(pattern, vectors.sets[set], negate)).toEqual([])
    })
  }
})

describe('pyRegex behaviour', () => {
  it('caches compiled patterns per flags', () => {
    expect(pyRegex('a+')).toBe(pyRegex('a+'))
    expect(pyRegex('a+', { ignoreCase: true })).not.toBe(pyRegex('a+'))
  })

  it('throws TASK_SPEC_INVALID for Python syntax it cannot translate', () => {
    for (const p of ['(a)?(?(1)b|c)', '(?>a+)b', 'a*+', 'a++', '\\N{DIGIT ONE}', '(?i:a)b', '(?i)(?-i:a)b']) {
      expectThrowsSpecInvalid(() => pyRegex(p))
    }
  })

  it('group() by number and name', () => {
    const m = pyRegex('(?P<y>\\d+)-(\\d+)?').search('x 12- y')!
    expect([m.group(), m.group(1), m.group('y'), m.group(2)]).toEqual(['12-', '12', '12', undefined])
    expect(() => m.group(3)).toThrow(RangeError)
    expect(() => m.group('zz')).toThrow(RangeError)
  })

  it('spec §3.5 gsm8k vectors', () => {
    const strict = pyRegex('#### (\\-?[0-9\\.\\,]+)')
    const flexible = pyRegex('(-?[$0-9.,]{2,})|(-?[0-9]+)')
    expect(strict.findall('... #### 72')).toEqual(['72'])
    expect(strict.findall(' The answer is $1,234.50.')).toEqual([])
    expect(flexible.findall(' The answer is $1,234.50.')).toEqual([['$1,234.50.', '']])
    expect(pyRegex('\\.$').sub('72.\n', '')).toBe('72\n')
  })

  it('scans long strings with many empty matches quickly', () => {
    const s = 'ab '.repeat(20000)
    expect(pyRegex('\\w*').findall(s).length).toBe(40001)
    expect(pyRegex('(a|)').findall(s).length).toBe(60001)
  })
})

describe('pyRegex must-advance retry with lookbehind', () => {
  it('agrees with the sliced path', () => {
    // '(?<=x)' forces the lookbehind path; '(?:)' keeps the pattern nullable; compare with the plain pattern.
    const s = 'a ab  ba'
    expect(pyRegex('(?<![\\s\\S]{9})(?:a|)').findall(s)).toEqual(pyRegex('a|').findall(s))
    expect(pyRegex('(?<![\\s\\S]{9}).*?').sub(s, '-')).toBe(pyRegex('.*?').sub(s, '-'))
  })
})
