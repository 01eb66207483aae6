/**
 * Character sets of Python's `re` (str patterns) as JS 'u'-mode class source: \d \s \w and their
 * complements (Unicode or ASCII), Python classes `[...]`, and \b / \B built on Python's \w.
 */

/** A class element: a single code point, or a set given by JS class fragments (`neg`: complement of src). */
export type ClassCode = { kind: 'lit', cp: number } | { kind: 'set', src: string, neg?: boolean }

// Python 3.11 (Unicode 14) whitespace for str patterns: str.isspace() code points.
const WS_RANGES: [number, number][] = [
  [0x09, 0x0d], [0x1c, 0x20], [0x85, 0x85], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000],
]
const ASCII_WS: [number, number][] = [[0x09, 0x0d], [0x20, 0x20]]
const ASCII_WORD: [number, number][] = [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]]
const ASCII_DIGIT: [number, number][] = [[0x30, 0x39]]
const UNI_WORD = '\\p{L}\\p{N}_'

/** A code point as a JS pattern atom that is literal in and outside classes under the 'u' flag. */
export function litSource(cp: number): string {
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x41 && cp <= 0x5a) || (cp >= 0x61 && cp <= 0x7a) || cp === 0x5f) {
    return String.fromCodePoint(cp)
  }
  return `\\u{${cp.toString(16)}}`
}

/** Code point ranges as class source. */
function rangesSource(ranges: [number, number][]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? litSource(lo) : `${litSource(lo)}-${litSource(hi)}`)).join('')
}

/** The complement of sorted, disjoint ranges within 0..0x10FFFF. */
function complement(ranges: [number, number][]): [number, number][] {
  const out: [number, number][] = []
  let next = 0
  for (const [lo, hi] of ranges) {
    if (lo > next) out.push([next, lo - 1])
    next = hi + 1
  }
  if (next <= 0x10ffff) out.push([next, 0x10ffff])
  return out
}

/** The class fragment of \d \D \s \S \w \W under the given ASCII flag. */
export function categorySet(c: string, ascii: boolean): ClassCode {
  switch (c) {
    case 'd': return { kind: 'set', src: ascii ? rangesSource(ASCII_DIGIT) : '\\p{Nd}' }
    case 'D': return { kind: 'set', src: ascii ? rangesSource(complement(ASCII_DIGIT)) : '\\P{Nd}' }
    case 's': return { kind: 'set', src: rangesSource(ascii ? ASCII_WS : WS_RANGES) }
    case 'S': return { kind: 'set', src: rangesSource(complement(ascii ? ASCII_WS : WS_RANGES)) }
    case 'w': return { kind: 'set', src: ascii ? rangesSource(ASCII_WORD) : UNI_WORD }
    default: return ascii ? { kind: 'set', src: rangesSource(complement(ASCII_WORD)) } : { kind: 'set', src: UNI_WORD, neg: true }
  }
}

/** JS source of a class made of the given codes (Python `[...]`, negated when `negate`). */
export function classSource(codes: ClassCode[], negate: boolean): string {
  let pos = ''
  const negs: string[] = []
  for (const code of codes) {
    if (code.kind === 'lit') pos += litSource(code.cp)
    else if (code.neg) negs.push(code.src)
    else pos += code.src
  }
  if (negs.length === 0) return negate ? `[^${pos}]` : `[${pos}]`
  // Only the Unicode \W lands here: a complement that a 'u'-mode class cannot hold.
  const w = negs[0] as string
  if (negate) return pos ? `(?:(?![${pos}])[${w}])` : `[${w}]`
  return pos ? `(?:[${pos}]|[^${w}])` : `[^${w}]`
}

/** JS source of Python's \\b (or \\B when negate) on Unicode or ASCII word characters. */
export function wordBoundary(ascii: boolean, negate: boolean): string {
  const w = ascii ? `[${rangesSource(ASCII_WORD)}]` : `[${UNI_WORD}]`
  if (!negate) return `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))`
  // Python's \B never matches in an empty string.
  return `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w})(?:(?<=[\\s\\S])|(?=[\\s\\S])))`
}
