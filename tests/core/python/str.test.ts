import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyFloat } from '../../../src/core/python/json.ts'
import {
  isPyPrintable, isPyWhitespace, pyCapitalize, pyCenter, pyCount, pyEndsWith, pyFind, pyIsAlpha, pyIsDigit,
  pyIsLower, pyIsSpace, pyIsUpper, pyLen, pyLiteralEval, pyLower, pyLstrip, pyRepr, pyReplace, pyRfind, pyRsplit,
  pyRstrip, pySplit, pySplitlines, pyStartsWith, pyStr, pyStrip, pySwapcase, pyTitle, pyTuple, pyUpper, pyZfill,
} from '../../../src/core/python/str.ts'

type Range = [number, number]

const golden = JSON.parse(readFileSync(new URL('../fixtures/template/golden.json', import.meta.url), 'utf8')) as {
  str_ops: [string, unknown[], unknown][]
  literals: [string, string | null, string?][]
  repr: [unknown, string][]
  tables: Record<'isspace' | 'isdigit' | 'isprintable' | 'unassigned', Range[]> &
    Record<'capitalize' | 'upper' | 'lower', [number, string][]>
}

type Op = (...args: never[]) => unknown
const OPS: Record<string, Op> = {
  len: pyLen, repr: pyRepr, strip: pyStrip, lstrip: pyLstrip, rstrip: pyRstrip, split: pySplit, rsplit: pyRsplit,
  splitlines: pySplitlines, capitalize: pyCapitalize, title: pyTitle, upper: pyUpper, lower: pyLower,
  swapcase: pySwapcase, isdigit: pyIsDigit, isalpha: pyIsAlpha, isspace: pyIsSpace, islower: pyIsLower,
  isupper: pyIsUpper, find: pyFind, rfind: pyRfind, count: pyCount, replace: pyReplace, startswith: pyStartsWith,
  endswith: pyEndsWith, center: pyCenter, zfill: pyZfill,
}

function inRanges(cp: number, ranges: Range[]): boolean {
  let lo = 0
  let hi = ranges.length - 1
  while (lo <= hi) {
    const mid = (lo + hi) >> 1
    const [a, b] = ranges[mid] as Range
    if (cp < a) hi = mid - 1
    else if (cp > b) lo = mid + 1
    else return true
  }
  return false
}

/** Code points where a predicate disagrees with Python's table. */
function mismatches(pred: (ch: string) => boolean, table: Range[]): number[] {
  const out: number[] = []
  for (let cp = 0; cp < 0x110000; cp++) {
    if (pred(String.fromCodePoint(cp)) !== inRanges(cp, table)) out.push(cp)
  }
  return out
}

describe('str operations match Python vectors', () => {
  for (const [name, args, expected] of golden.str_ops) {
    it(`${name}(${JSON.stringify(args).slice(1, 60)})`, () => {
      const fn = OPS[name] as (...a: unknown[]) => unknown
      expect(fn(...args)).toEqual(expected)
    })
  }
})

describe('Unicode tables vs CPython', () => {
  const unassigned = golden.tables.unassigned
  const onlyNewChars = (cps: number[]) => cps.filter((cp) => !inRanges(cp, unassigned))

  it('isspace is exact', () => {
    expect(mismatches(isPyWhitespace, golden.tables.isspace)).toEqual([])
  })
  it('isdigit differs only on characters unassigned in Python\'s Unicode version', () => {
    expect(onlyNewChars(mismatches(pyIsDigit, golden.tables.isdigit))).toEqual([])
  })
  it('isprintable (repr escaping) differs only on characters unassigned in Python\'s Unicode version', () => {
    expect(onlyNewChars(mismatches(isPyPrintable, golden.tables.isprintable))).toEqual([])
  })
  for (const [name, fn] of [['capitalize', pyCapitalize], ['upper', pyUpper], ['lower', pyLower]] as const) {
    it(`${name} of every code point matches (up to Unicode version)`, () => {
      const expected = new Map(golden.tables[name])
      const bad: number[] = []
      for (let cp = 0; cp < 0x110000; cp++) {
        if (cp >= 0xd800 && cp <= 0xdfff) continue
        const ch = String.fromCodePoint(cp)
        if (fn(ch) !== (expected.get(cp) ?? ch)) bad.push(cp)
      }
      expect(onlyNewChars(bad)).toEqual([])
    })
  }
})

describe('pyRepr', () => {
  for (const [value, expected] of golden.repr) {
    it(expected.slice(0, 60), () => {
      expect(pyRepr(value)).toBe(expected)
    })
  }
  it('prints tuples, Maps, PyFloat and big ints like Python', () => {
    expect(pyRepr(pyTuple([]))).toBe('()')
    expect(pyRepr(pyTuple(['a']))).toBe("('a',)")
    expect(pyRepr(new Map<unknown, unknown>([[1, 'x'], [pyTuple([1, 2]), null]]))).toBe("{1: 'x', (1, 2): None}")
    expect(pyRepr(new PyFloat(1.5e300))).toBe('1.5e+300')
    expect(pyRepr(new PyFloat(3))).toBe('3.0')
    expect(pyRepr(1e21)).toBe('1000000000000000000000')
    expect(pyRepr(12345678901234567890n)).toBe('12345678901234567890')
    expect(pyStr('x')).toBe('x')
    expect(pyStr(['x'])).toBe("['x']")
  })
})

/** Literals Python accepts that pyLiteralEval rejects on purpose (bytes, complex, set: never in lm-eval templates). */
const REJECTED = new Set(["b'x'", '1+2j', '3j', '{1, 2}'])

describe('pyLiteralEval', () => {
  for (const [src, expected, err] of golden.literals) {
    it(JSON.stringify(src), () => {
      if (expected === null || REJECTED.has(src)) {
        expect(() => pyLiteralEval(src), `Python raised ${err}`).toThrow()
      } else {
        expect(pyRepr(pyLiteralEval(src))).toBe(expected)
      }
    })
  }
  it('round-trips repr of plain values', () => {
    for (const [value, text] of golden.repr) {
      expect(pyRepr(pyLiteralEval(text))).toBe(text)
      expect(pyRepr(pyLiteralEval(pyRepr(value)))).toBe(text)
    }
    const tricky = ['\\', "'", '"', '\'"', '\u0000\u2028\ud7ff\ue000😀', 'é\\x41']
    expect(pyLiteralEval(pyRepr(tricky))).toEqual(tricky)
  })
})
