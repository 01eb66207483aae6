/**
 * Python `str` semantics on JS strings, counted in code points (not UTF-16 units), plus Python's
 * `repr()` / `str()` of plain values and `ast.literal_eval`.
 *
 * Value model shared with the template evaluator: str → string; int → integer number (or bigint);
 * float → non-integer number or PyFloat; bool → boolean; None → null (undefined is treated as None);
 * list → array; tuple → array made by pyTuple(); dict → Map (any keys) or plain object (str keys).
 * Unicode tables are those of the JS engine (ICU), except isspace / isdigit / title case, which are
 * pinned to CPython 3.11 (Unicode 14) below; other predicates may differ on characters added later.
 */

import { PyFloat } from './json.ts'

export { isPyPrintable, pyIntRepr, pyLiteralEval, pyRepr, pyStr, pyStrRepr, type PyReprable } from './literal.ts'

const TUPLES = new WeakSet<object>()

/** A Python tuple: a frozen array that repr() prints with parentheses. */
export function pyTuple(items: readonly unknown[]): readonly unknown[] {
  const t = Object.freeze([...items])
  TUPLES.add(t)
  return t
}

/** True if the value was made by pyTuple(). */
export function isPyTuple(v: unknown): v is readonly unknown[] {
  return Array.isArray(v) && TUPLES.has(v)
}

/** True for a dict: a Map, or a plain object (prototype Object.prototype or null). */
export function isPyDict(v: unknown): v is Map<unknown, unknown> | Record<string, unknown> {
  if (v instanceof Map) return true
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v)
  return proto === Object.prototype || proto === null
}

/** True for a value Python holds as float (PyFloat, or a non-integer number). */
export function isPyFloat(v: unknown): boolean {
  return v instanceof PyFloat || (typeof v === 'number' && !Number.isInteger(v))
}

/** Wrap a float result so repr keeps the '.0': integral → PyFloat, else the plain number. */
export function mkFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x
}

// ---- code points ----

const SURROGATE = /[\uD800-\uDFFF]/

/** The code points of s (lone surrogates count as one each, like Python's surrogateescape text). */
export function codePoints(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split('')
}

/** len(s): number of code points. */
export function pyLen(s: string): number {
  return SURROGATE.test(s) ? Array.from(s).length : s.length
}

// isspace (CPython 3.11): bidi WS/B/S or category Zs.
const SPACE_RANGES: readonly [number, number][] = [
  [0x9, 0xd], [0x1c, 0x20], [0x85, 0x85], [0xa0, 0xa0], [0x1680, 0x1680], [0x2000, 0x200a],
  [0x2028, 0x2029], [0x202f, 0x202f], [0x205f, 0x205f], [0x3000, 0x3000],
]

// isdigit beyond category Nd (Numeric_Type=Digit: superscripts, circled digits, …), CPython 3.11.
const EXTRA_DIGIT_RANGES: readonly [number, number][] = [
  [0xb2, 0xb3], [0xb9, 0xb9], [0x1369, 0x1371], [0x19da, 0x19da], [0x2070, 0x2070], [0x2074, 0x2079],
  [0x2080, 0x2089], [0x2460, 0x2468], [0x2474, 0x247c], [0x2488, 0x2490], [0x24ea, 0x24ea],
  [0x24f5, 0x24fd], [0x24ff, 0x24ff], [0x2776, 0x277e], [0x2780, 0x2788], [0x278a, 0x2792],
  [0x10a40, 0x10a43], [0x10e60, 0x10e68], [0x11052, 0x1105a], [0x1f100, 0x1f10a],
]

function inRanges(cp: number, ranges: readonly [number, number][]): boolean {
  for (const [a, b] of ranges) {
    if (cp < a) return false
    if (cp <= b) return true
  }
  return false
}

/** The characters of str.isspace as the body of a RegExp character class (Python's `\s` in str patterns). */
export const PY_SPACE_CLASS = '\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'

/** str.isspace for one code point. */
export function isPyWhitespace(ch: string): boolean {
  return inRanges(ch.codePointAt(0) ?? -1, SPACE_RANGES)
}

function isDigitChar(ch: string): boolean {
  return /\p{Nd}/u.test(ch) || inRanges(ch.codePointAt(0) ?? -1, EXTRA_DIGIT_RANGES)
}

/** str.isdigit: non-empty, every code point Nd or a Numeric_Type=Digit character (CPython 3.11 list). */
export function pyIsDigit(s: string): boolean {
  const cps = codePoints(s)
  return cps.length > 0 && cps.every(isDigitChar)
}

/** str.isdecimal (category Nd). */
export function pyIsDecimal(s: string): boolean {
  return s.length > 0 && /^\p{Nd}+$/u.test(s)
}

/** str.isnumeric, approximated as category N (misses CJK ideographs with numeric values). */
export function pyIsNumeric(s: string): boolean {
  return s.length > 0 && /^\p{N}+$/u.test(s)
}

/** str.isalpha (categories Lu Ll Lt Lm Lo). */
export function pyIsAlpha(s: string): boolean {
  return s.length > 0 && /^\p{L}+$/u.test(s)
}

/** str.isalnum. */
export function pyIsAlnum(s: string): boolean {
  return s.length > 0 && codePoints(s).every((c) => /[\p{L}\p{N}]/u.test(c) || isDigitChar(c))
}

/** str.isspace. */
export function pyIsSpace(s: string): boolean {
  return s.length > 0 && codePoints(s).every(isPyWhitespace)
}

function isCased(c: string): boolean {
  return /\p{Cased}/u.test(c)
}

/** str.islower: has a cased character and none is upper or title case. */
export function pyIsLower(s: string): boolean {
  let cased = false
  for (const c of codePoints(s)) {
    if (/[\p{Uppercase}\p{Lt}]/u.test(c)) return false
    if (/\p{Lowercase}/u.test(c)) cased = true
  }
  return cased
}

/** str.isupper: has a cased character and none is lower or title case. */
export function pyIsUpper(s: string): boolean {
  let cased = false
  for (const c of codePoints(s)) {
    if (/[\p{Lowercase}\p{Lt}]/u.test(c)) return false
    if (/\p{Uppercase}/u.test(c)) cased = true
  }
  return cased
}

// ---- case mapping ----

const DIGRAPH_TITLE: Record<number, number> = {
  0x1c4: 0x1c5, 0x1c5: 0x1c5, 0x1c6: 0x1c5, 0x1c7: 0x1c8, 0x1c8: 0x1c8, 0x1c9: 0x1c8,
  0x1ca: 0x1cb, 0x1cb: 0x1cb, 0x1cc: 0x1cb, 0x1f1: 0x1f2, 0x1f2: 0x1f2, 0x1f3: 0x1f2,
  0x1fb3: 0x1fbc, 0x1fbc: 0x1fbc, 0x1fc3: 0x1fcc, 0x1fcc: 0x1fcc, 0x1ff3: 0x1ffc, 0x1ffc: 0x1ffc,
}

/** Title case of one code point (Python's _PyUnicode_ToTitleFull, Unicode 14 special cases). */
export function pyTitleChar(c: string): string {
  const cp = c.codePointAt(0) ?? 0
  const mapped = DIGRAPH_TITLE[cp]
  if (mapped !== undefined) return String.fromCodePoint(mapped)
  // Georgian Mkhedruli letters are their own title case (upper case maps them to Mtavruli).
  if ((cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff)) return c
  if (cp >= 0x1f80 && cp <= 0x1faf) return String.fromCodePoint(cp | 0x8) // Greek with ypogegrammeni
  if (cp === 0x149) return '\u02bcN'
  const up = Array.from(pyUpper(c))
  if (up.length === 1) return up[0] as string
  // Multi-character upper case: Greek iota subscripts keep U+0345; ligatures (ß, ﬁ, …) lower the rest.
  if (cp >= 0x1f80 && cp <= 0x1fff && up[up.length - 1] === '\u0399') return up.slice(0, -1).join('') + '\u0345'
  return up[0] + up.slice(1).join('').toLowerCase()
}

/** str.lower (full case mapping incl. final sigma, as the JS engine implements it). */
export function pyLower(s: string): string {
  return s.toLowerCase()
}

// Lower-case letters that only gained an upper case in Unicode 16 (JS engines map them; CPython ≤ 3.13 does not).
const UPPER_SINCE_16 = /[\u019b\u0264\ua7d3\ua7d5]/

/** str.upper (full case mapping, e.g. 'ß' → 'SS'). */
export function pyUpper(s: string): string {
  if (!UPPER_SINCE_16.test(s)) return s.toUpperCase()
  return s.split(/([\u019b\u0264\ua7d3\ua7d5])/).map((part, i) => (i % 2 ? part : part.toUpperCase())).join('')
}

/** str.capitalize (Python ≥ 3.8): first code point to title case, the rest lower case. */
export function pyCapitalize(s: string): string {
  if (s === '') return s
  const first = String.fromCodePoint(s.codePointAt(0) as number)
  // Lower-case the rest in context (final sigma looks back at the first character).
  const lowered = s.toLowerCase().slice(first.toLowerCase().length)
  return pyTitleChar(first) + lowered
}

/** Lower case of cps[i] in context: capital sigma becomes final 'ς' at the end of a word (Python's rule). */
function lowerAt(cps: readonly string[], i: number): string {
  const c = cps[i] as string
  if (c !== '\u03a3') return c.toLowerCase()
  let j = i - 1
  while (j >= 0 && /\p{Case_Ignorable}/u.test(cps[j] as string)) j--
  if (j < 0 || !isCased(cps[j] as string)) return '\u03c3'
  j = i + 1
  while (j < cps.length && /\p{Case_Ignorable}/u.test(cps[j] as string)) j++
  return j === cps.length || !isCased(cps[j] as string) ? '\u03c2' : '\u03c3'
}

/** str.title: a cased character after a cased one is lowered, else title-cased. */
export function pyTitle(s: string): string {
  const cps = codePoints(s)
  let out = ''
  let prevCased = false
  cps.forEach((c, i) => {
    out += prevCased ? lowerAt(cps, i) : pyTitleChar(c)
    prevCased = isCased(c)
  })
  return out
}

/** str.swapcase. */
export function pySwapcase(s: string): string {
  const cps = codePoints(s)
  return cps.map((c, i) => {
    if (/\p{Uppercase}/u.test(c)) return lowerAt(cps, i)
    if (/\p{Lowercase}/u.test(c)) return pyUpper(c)
    return c
  }).join('')
}

// ---- strip / split ----

function stripSet(chars: string | null | undefined): (c: string) => boolean {
  if (chars === null || chars === undefined) return isPyWhitespace
  const set = new Set(codePoints(chars))
  return (c) => set.has(c)
}

/** str.strip(chars): chars null/undefined → Python whitespace. */
export function pyStrip(s: string, chars?: string | null): string {
  return pyRstrip(pyLstrip(s, chars), chars)
}

/** str.lstrip(chars). */
export function pyLstrip(s: string, chars?: string | null): string {
  const test = stripSet(chars)
  const cps = codePoints(s)
  let i = 0
  while (i < cps.length && test(cps[i] as string)) i++
  return i === 0 ? s : cps.slice(i).join('')
}

/** str.rstrip(chars). */
export function pyRstrip(s: string, chars?: string | null): string {
  const test = stripSet(chars)
  const cps = codePoints(s)
  let j = cps.length
  while (j > 0 && test(cps[j - 1] as string)) j--
  return j === cps.length ? s : cps.slice(0, j).join('')
}

/** str.split(sep, maxsplit): sep null → runs of whitespace, edges dropped; else exact separator. */
export function pySplit(s: string, sep?: string | null, maxsplit = -1): string[] {
  if (sep === null || sep === undefined) return splitWhitespace(s, maxsplit)
  if (sep === '') throw new RangeError('empty separator')
  const out: string[] = []
  let start = 0
  while (maxsplit < 0 || out.length < maxsplit) {
    const i = s.indexOf(sep, start)
    if (i < 0) break
    out.push(s.slice(start, i))
    start = i + sep.length
  }
  out.push(s.slice(start))
  return out
}

function splitWhitespace(s: string, maxsplit: number): string[] {
  const cps = codePoints(s)
  const out: string[] = []
  let i = 0
  const n = cps.length
  while (true) {
    while (i < n && isPyWhitespace(cps[i] as string)) i++
    if (i >= n) break
    if (maxsplit >= 0 && out.length >= maxsplit) {
      out.push(cps.slice(i).join(''))
      break
    }
    let j = i
    while (j < n && !isPyWhitespace(cps[j] as string)) j++
    out.push(cps.slice(i, j).join(''))
    i = j
  }
  return out
}

/** str.rsplit(sep, maxsplit). */
export function pyRsplit(s: string, sep?: string | null, maxsplit = -1): string[] {
  if (maxsplit < 0) return pySplit(s, sep, -1)
  if (sep === null || sep === undefined) {
    const rev = (t: string) => codePoints(t).reverse().join('')
    return splitWhitespace(rev(s), maxsplit).map(rev).reverse()
  }
  if (sep === '') throw new RangeError('empty separator')
  const out: string[] = []
  let end = s.length
  while (out.length < maxsplit) {
    const i = end - sep.length < 0 ? -1 : s.lastIndexOf(sep, end - sep.length)
    if (i < 0) break
    out.push(s.slice(i + sep.length, end))
    end = i
  }
  out.push(s.slice(0, end))
  return out.reverse()
}

const LINE_BREAK = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/g

/** str.splitlines(keepends). */
export function pySplitlines(s: string, keepends = false): string[] {
  const out: string[] = []
  let start = 0
  for (const m of s.matchAll(LINE_BREAK)) {
    const end = m.index as number
    out.push(s.slice(start, keepends ? end + m[0].length : end))
    start = end + m[0].length
  }
  if (start < s.length) out.push(s.slice(start))
  return out
}

// ---- search / replace (code-point indices) ----

/** CPython's ADJUST_INDICES for start/end of str methods (start is not clamped above len). */
function adjust(start: number | null | undefined, end: number | null | undefined, len: number): [number, number] {
  let a = start ?? 0
  let b = end ?? len
  if (b > len) b = len
  else if (b < 0) b = Math.max(0, b + len)
  if (a < 0) a = Math.max(0, a + len)
  return [a, b]
}

function searchSpace(s: string, start?: number | null, end?: number | null): [string[], number, number] {
  const cps = codePoints(s)
  return [cps, ...adjust(start, end, cps.length)]
}

/** str.find(sub, start, end) in code points; -1 when absent. */
export function pyFind(s: string, sub: string, start?: number | null, end?: number | null): number {
  const [cps, a, b] = searchSpace(s, start, end)
  const subLen = pyLen(sub)
  if (b - a < subLen) return -1
  const hay = cps.slice(a, b).join('')
  const i = hay.indexOf(sub)
  return i < 0 ? -1 : a + pyLen(hay.slice(0, i))
}

/** str.rfind(sub, start, end) in code points; -1 when absent. */
export function pyRfind(s: string, sub: string, start?: number | null, end?: number | null): number {
  const [cps, a, b] = searchSpace(s, start, end)
  if (b - a < pyLen(sub)) return -1
  const hay = cps.slice(a, b).join('')
  const i = hay.lastIndexOf(sub)
  return i < 0 ? -1 : a + pyLen(hay.slice(0, i))
}

/** str.count(sub, start, end): non-overlapping occurrences. */
export function pyCount(s: string, sub: string, start?: number | null, end?: number | null): number {
  const [cps, a, b] = searchSpace(s, start, end)
  if (b - a < pyLen(sub)) return 0
  if (sub === '') return b - a + 1
  return cps.slice(a, b).join('').split(sub).length - 1
}

/** str.replace(old, new, count): count < 0 → all; empty old inserts between code points. */
export function pyReplace(s: string, old: string, repl: string, count = -1): string {
  if (count === 0) return s
  if (old === '') {
    const cps = codePoints(s)
    let out = ''
    let n = 0
    for (let i = 0; i <= cps.length; i++) {
      if (count < 0 || n < count) {
        out += repl
        n++
      }
      if (i < cps.length) out += cps[i]
    }
    return out
  }
  const parts = s.split(old)
  if (count < 0 || parts.length - 1 <= count) return parts.join(repl)
  return parts.slice(0, count + 1).join(repl) + old + parts.slice(count + 1).join(old)
}

/** str.startswith(prefix, start, end); prefix may be a list of alternatives (a tuple in Python). */
export function pyStartsWith(s: string, prefix: string | readonly string[], start?: number | null, end?: number | null): boolean {
  const [cps, a, b] = searchSpace(s, start, end)
  const hay = cps.slice(a, Math.max(a, b)).join('')
  const options = typeof prefix === 'string' ? [prefix] : prefix
  return options.some((p) => b - a >= pyLen(p) && hay.startsWith(p))
}

/** str.endswith(suffix, start, end); suffix may be a list of alternatives. */
export function pyEndsWith(s: string, suffix: string | readonly string[], start?: number | null, end?: number | null): boolean {
  const [cps, a, b] = searchSpace(s, start, end)
  const hay = cps.slice(a, Math.max(a, b)).join('')
  const options = typeof suffix === 'string' ? [suffix] : suffix
  return options.some((p) => b - a >= pyLen(p) && hay.endsWith(p))
}

/** str.center(width, fill) with CPython's left/right split. */
export function pyCenter(s: string, width: number, fill = ' '): string {
  const n = pyLen(s)
  if (width <= n) return s
  const marg = width - n
  const left = Math.floor(marg / 2) + (marg & width & 1)
  return fill.repeat(left) + s + fill.repeat(marg - left)
}

/** str.zfill(width). */
export function pyZfill(s: string, width: number): string {
  const n = pyLen(s)
  if (width <= n) return s
  const pad = '0'.repeat(width - n)
  if (s[0] === '+' || s[0] === '-') return s[0] + pad + s.slice(1)
  return pad + s
}
