/**
 * Python `re` semantics (3.7+ empty-match rules) on top of JS RegExp: the pattern is translated by
 * regex-translate.ts, and findall / sub / split scan the string as CPython's sre does, including the
 * "must advance" rule: after an empty match at p, the next match may start at p only if it is non-empty.
 *
 * Every pattern passes regex-guard.ts first: one that can backtrack exponentially is refused in one line.
 *
 * Positions (`start`, `end`) are UTF-16 indices into the JS string; matching itself is per code point
 * (the 'u' flag), as Python's is. Approximations are listed in regex-translate.ts.
 */

import { HarnessError } from '../errors.ts'
import { guardRegex } from './regex-guard.ts'
import { translatePattern, type PyRegexFlags, type Translation } from './regex-translate.ts'

export type { PyRegexFlags } from './regex-translate.ts'

/** A successful match (Python's re.Match). */
export interface PyMatch {
  /** UTF-16 index where the match starts */
  readonly start: number
  /** UTF-16 index just past the match */
  readonly end: number
  /** groups 1..n as m.groups(): undefined for a group that did not participate (Python None) */
  readonly groups: (string | undefined)[]
  /** m.group(i): 0 (default) = whole match; a number or a group name; throws RangeError for no such group */
  group(i?: number | string): string | undefined
}

/** A compiled Python regex. */
export interface PyRegex {
  /** the Python pattern text */
  readonly pattern: string
  /** re.findall: 0 groups → whole matches; 1 group → group 1 ('' if it did not participate); >1 → arrays of all groups */
  findall(s: string): (string | string[])[]
  /** re.search: first match anywhere */
  search(s: string): PyMatch | null
  /** re.match: a match starting at 0 */
  match(s: string): PyMatch | null
  /** re.fullmatch: a match spanning all of s */
  fullmatch(s: string): PyMatch | null
  /** re.sub with a Python template (\1, \g<1>, \g<name>, \n, \\ …) or a function; count 0 = all */
  sub(s: string, repl: string | ((m: PyMatch) => string), count?: number): string
  /** re.split incl. captured groups ('' for a group that did not participate, where Python gives None) */
  split(s: string, maxsplit?: number): string[]
}

/** A match as found by the scanner, before it becomes a PyMatch. */
interface RawMatch {
  start: number
  end: number
  text: string
  groups: (string | undefined)[]
}

/** Template part: literal text or a group number. */
type TemplatePart = string | number

const CACHE_LIMIT = 1000
const cache = new Map<string, PyRegex>()

/** Compiles a Python pattern with the given flags (cached per pattern and flags). */
export function pyRegex(pattern: string, flags: PyRegexFlags = {}): PyRegex {
  const key = JSON.stringify([pattern, !!flags.ignoreCase, !!flags.dotAll, !!flags.multiline, !!flags.verbose, !!flags.ascii])
  let re = cache.get(key)
  if (!re) {
    re = new CompiledRegex(pattern, flags)
    if (cache.size >= CACHE_LIMIT) cache.clear()
    cache.set(key, re)
  }
  return re
}

function buildRegExp(pattern: string, source: string, flags: string): RegExp {
  try {
    return new RegExp(source, flags)
  } catch (e) {
    throw new HarnessError('TASK_SPEC_INVALID',
      `invalid or unsupported Python regex ${JSON.stringify(pattern)}: ${(e as Error).message}`, { pattern })
  }
}

function toMatch(raw: RawMatch, names: Map<string, number>): PyMatch {
  return {
    start: raw.start,
    end: raw.end,
    groups: raw.groups,
    group(i: number | string = 0): string | undefined {
      const n = typeof i === 'string' ? names.get(i) : i
      if (n === undefined || !Number.isInteger(n) || n < 0 || n > raw.groups.length) throw new RangeError(`no such group: ${i}`)
      return n === 0 ? raw.text : raw.groups[n - 1]
    },
  }
}

class CompiledRegex implements PyRegex {
  private readonly t: Translation
  private readonly global: RegExp
  private readonly sticky: RegExp
  private readonly full: RegExp
  private advance: RegExp | undefined
  private advanceSliced: RegExp | undefined

  constructor(readonly pattern: string, private readonly flags: PyRegexFlags) {
    this.t = translatePattern(pattern, flags)
    guardRegex(pattern, this.t.source, this.t.ignoreCase)
    const f = this.t.ignoreCase ? 'ui' : 'u'
    this.global = buildRegExp(pattern, this.t.source, 'g' + f)
    this.sticky = buildRegExp(pattern, this.t.source, 'y' + f)
    this.full = buildRegExp(pattern, `(?:${this.t.source})(?![\\s\\S])`, 'y' + f)
  }

  findall(s: string): (string | string[])[] {
    const out: (string | string[])[] = []
    const n = this.t.groupCount
    for (const m of this.scan(s)) {
      if (n === 0) out.push(m.text)
      else if (n === 1) out.push(m.groups[0] ?? '')
      else out.push(m.groups.map((g) => g ?? ''))
    }
    return out
  }

  search(s: string): PyMatch | null {
    return this.wrap(this.execAt(this.global, s, 0, 0))
  }

  match(s: string): PyMatch | null {
    return this.wrap(this.execAt(this.sticky, s, 0, 0))
  }

  fullmatch(s: string): PyMatch | null {
    return this.wrap(this.execAt(this.full, s, 0, 0))
  }

  sub(s: string, repl: string | ((m: PyMatch) => string), count = 0): string {
    const template = typeof repl === 'string' ? this.parseTemplate(repl) : null
    if (count < 0) return s
    let out = ''
    let last = 0
    let done = 0
    for (const m of this.scan(s)) {
      if (count > 0 && done >= count) break
      out += s.slice(last, m.start)
      if (template) {
        for (const part of template) out += typeof part === 'string' ? part : (part === 0 ? m.text : m.groups[part - 1] ?? '')
      } else {
        out += (repl as (m: PyMatch) => string)(toMatch(m, this.t.groupIndex))
      }
      last = m.end
      done++
    }
    return out + s.slice(last)
  }

  split(s: string, maxsplit = 0): string[] {
    if (maxsplit < 0) return [s]
    const out: string[] = []
    let last = 0
    let done = 0
    for (const m of this.scan(s)) {
      if (maxsplit > 0 && done >= maxsplit) break
      out.push(s.slice(last, m.start))
      for (const g of m.groups) out.push(g ?? '')
      last = m.end
      done++
    }
    out.push(s.slice(last))
    return out
  }

  private wrap(raw: RawMatch | null): PyMatch | null {
    return raw ? toMatch(raw, this.t.groupIndex) : null
  }

  /** Runs re (global or sticky) from index `at`; `skip` leading groups belong to a wrapper. */
  private execAt(re: RegExp, s: string, at: number, skip: number): RawMatch | null {
    re.lastIndex = at
    const m = re.exec(s)
    if (!m) return null
    return { start: m.index, end: m.index + m[0].length, text: m[0], groups: m.slice(1 + skip) }
  }

  /**
   * The first non-empty match starting exactly at pos (CPython's "must advance" retry), or null.
   * Without lookbehinds the pattern cannot see text before pos, so it runs on s.slice(pos) (O(1) in V8)
   * and `(?<=[\s\S])` at the end demands a non-empty match. Otherwise group 1 captures the rest of the
   * string at the start, and the end must not be followed by exactly that text (O(length) per call).
   */
  private advanceAt(s: string, pos: number): RawMatch | null {
    const f = this.t.ignoreCase ? 'yui' : 'yu'
    if (!this.t.usesLookbehind) {
      this.advanceSliced ??= buildRegExp(this.pattern, `(?:${this.t.source})(?<=[\\s\\S])`, f)
      const m = this.execAt(this.advanceSliced, s.slice(pos), 0, 0)
      return m && { ...m, start: m.start + pos, end: m.end + pos }
    }
    if (!this.advance) {
      const inner = translatePattern(this.pattern, this.flags, 1)
      this.advance = buildRegExp(this.pattern, `(?=([\\s\\S]*))(?:${inner.source})(?!\\1(?![\\s\\S]))`, f)
    }
    return this.execAt(this.advance, s, pos, 1)
  }

  /** Successive matches as CPython's findall/sub/split find them. */
  private *scan(s: string): Generator<RawMatch> {
    let pos = 0
    let mustAdvance = false
    while (pos <= s.length) {
      let m: RawMatch | null = null
      if (mustAdvance) {
        if (this.t.mayPreferEmpty) m = this.advanceAt(s, pos)
        if (!m) {
          if (pos >= s.length) return
          const cp = s.codePointAt(pos) as number
          m = this.execAt(this.global, s, pos + (cp > 0xffff ? 2 : 1), 0)
        }
      } else {
        m = this.execAt(this.global, s, pos, 0)
      }
      if (!m) return
      yield m
      mustAdvance = m.end === m.start
      pos = m.end
    }
  }

  /** Parses a Python replacement template into literal text and group numbers. */
  private parseTemplate(repl: string): TemplatePart[] {
    const parts: TemplatePart[] = []
    const cs = Array.from(repl)
    let lit = ''
    const bad = (reason: string): never => {
      throw new HarnessError('TASK_SPEC_INVALID',
        `invalid replacement ${JSON.stringify(repl)} for regex ${JSON.stringify(this.pattern)}: ${reason}`,
        { pattern: this.pattern, repl, reason })
    }
    const group = (n: number): void => {
      if (n > this.t.groupCount) bad(`invalid group reference ${n}`)
      if (lit) parts.push(lit)
      lit = ''
      parts.push(n)
    }
    const isOct = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '7'
    const isDec = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i] as string
      if (c !== '\\') {
        lit += c
        continue
      }
      const e = cs[++i]
      if (e === undefined) bad('bad escape (end of pattern)')
      if (e === 'g') {
        if (cs[i + 1] !== '<') bad('missing <')
        const close = cs.indexOf('>', i + 2)
        if (close < 0) bad('missing >, unterminated name')
        const name = cs.slice(i + 2, close).join('')
        if (!name) bad('missing group name')
        i = close
        const byName = this.t.groupIndex.get(name)
        if (byName !== undefined) group(byName)
        else if (/^[0-9]+$/.test(name)) group(Number(name))
        else bad(/^[\p{L}_][\p{L}\p{N}_]*$/u.test(name) ? `unknown group name '${name}'` : `bad character in group name '${name}'`)
      } else if (e === '0') {
        let digits = ''
        while (digits.length < 2 && isOct(cs[i + 1])) digits += cs[++i]
        lit += String.fromCharCode(parseInt('0' + digits, 8) & 0xff)
      } else if (isDec(e)) {
        let digits = e as string
        if (isDec(cs[i + 1])) {
          digits += cs[++i]
          if (isOct(e) && isOct(digits[1]) && isOct(cs[i + 1])) {
            digits += cs[++i]
            const cp = parseInt(digits, 8)
            if (cp > 0o377) bad(`octal escape value \\${digits} outside of range 0-0o377`)
            lit += String.fromCharCode(cp)
            continue
          }
        }
        group(Number(digits))
      } else {
        const known: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' }
        const k = known[e as string]
        if (k !== undefined) lit += k
        else if (/^[A-Za-z]$/.test(e as string)) bad(`bad escape \\${e}`)
        else lit += '\\' + e
      }
    }
    if (lit) parts.push(lit)
    return parts
  }
}
