/**
 * Translates a Python 3.11 `re` pattern (str pattern) into JS RegExp source for the 'u' flag, with
 * Python's meaning kept: `^ $ \A \Z .` (no JS 'm'/'s' flags are used), Unicode `\d \s \w \b` as Python
 * defines them, `(?P<name>…)`/`(?P=name)`, inline and scoped flags, verbose mode, octal escapes and
 * Python's literal `{`. Syntax errors are reported as Python would (bad escape, nothing to repeat, …).
 *
 * Known approximations (documented for callers):
 * - `\w` is `[\p{L}\p{N}_]` (exactly Python's str.isalnum() or '_', which excludes combining marks),
 *   `\d` is `\p{Nd}`; JS may use a newer Unicode version than Python 3.11 (Unicode 14).
 * - IGNORECASE uses JS's simple case folding; scoped `(?i:…)` / `(?-i:…)` that changes it is unsupported.
 * - Repeats (`*`, `+`, `{m,n}`) of a group that can match empty: Python accepts an empty iteration and
 *   stops looping, JS rejects it and backtracks, so matches and captures can differ (e.g. `(?:\A|[^a])*`).
 *   Optional groups `(…)?` are translated to Python's semantics.
 * - A quantified group reports the capture of its last iteration in Python but may report "did not
 *   participate" in JS (`(?:(a)|b)+` on 'ab'); a backreference to a group that did not participate
 *   fails in Python but matches empty in JS.
 * - Unsupported (throws): conditionals `(?(1)…)`, atomic groups `(?>…)`, possessive quantifiers,
 *   `\N{name}`, the LOCALE flag.
 */

import { HarnessError } from '../errors.ts'
import { categorySet, classSource, litSource, wordBoundary, type ClassCode } from './regex-sets.ts'

/** Flags of a Python regex (re.IGNORECASE, re.DOTALL, re.MULTILINE, re.VERBOSE, re.ASCII). */
export interface PyRegexFlags {
  /** re.I: case-insensitive matching */
  ignoreCase?: boolean
  /** re.S: '.' also matches '\n' */
  dotAll?: boolean
  /** re.M: '^'/'$' also match at line starts/ends */
  multiline?: boolean
  /** re.X: ignore whitespace and '#' comments in the pattern */
  verbose?: boolean
  /** re.A: \w \d \s \b are ASCII-only */
  ascii?: boolean
}

/** JS pattern source equivalent to a Python pattern. */
export interface Translation {
  /** RegExp source for the 'u' flag (plus 'i' when ignoreCase) */
  source: string
  /** whether the JS RegExp needs the 'i' flag */
  ignoreCase: boolean
  /** number of capturing groups of the Python pattern */
  groupCount: number
  /** Python group name → group number */
  groupIndex: Map<string, number>
  /** true when an empty match may be preferred over a non-empty one at the same position (alternation,
   * lazy quantifier or backreference), so Python's "must advance" retry can differ from plain scanning */
  mayPreferEmpty: boolean
  /** true when the JS source contains a lookbehind (from ^, \A, \b, \B or a Python lookbehind), i.e. a match
   * may depend on text before its start */
  usesLookbehind: boolean
}

/** Local flags while parsing. */
interface Flags {
  i: boolean
  s: boolean
  m: boolean
  x: boolean
  a: boolean
}

/** One parsed item of a sequence: its JS source and what kind of node it is. */
interface Item {
  src: string
  kind: 'at' | 'repeat' | 'assert' | 'atom'
}

const ESCAPE_CHARS: Record<string, number> = { a: 7, f: 12, n: 10, r: 13, t: 9, v: 11, '\\': 92 }
const FLAG_CHARS = 'aiLmsuxt'
const OCT = /^[0-7]$/
const DEC = /^[0-9]$/
const HEX = /^[0-9a-fA-F]$/

/** Recursive-descent translator over the pattern's code points. */
class Translator {
  private readonly cs: string[]
  private pos = 0
  private groups = 0
  private readonly open = new Set<number>()
  readonly names = new Map<string, number>()
  mayPreferEmpty = false
  usesLookbehind = false
  globalI: boolean

  constructor(readonly pattern: string, private flags: Flags, private readonly groupOffset: number) {
    this.cs = Array.from(pattern)
    this.globalI = flags.i
  }

  get groupCount(): number {
    return this.groups
  }

  run(): string {
    const src = this.alternation(true)
    if (this.pos < this.cs.length) this.fail('unbalanced parenthesis')
    return src
  }

  fail(reason: string, at = this.pos): never {
    throw new HarnessError('TASK_SPEC_INVALID', `invalid Python regex ${JSON.stringify(this.pattern)}: ${reason} at position ${at}`,
      { pattern: this.pattern, reason, position: at })
  }

  unsupported(feature: string): never {
    throw new HarnessError('TASK_SPEC_INVALID',
      `unsupported Python regex feature in ${JSON.stringify(this.pattern)}: ${feature} (evalz translates Python re to JS RegExp)`,
      { pattern: this.pattern, feature })
  }

  private peek(): string | undefined {
    return this.cs[this.pos]
  }

  private next(): string | undefined {
    return this.cs[this.pos++]
  }

  private eat(c: string): boolean {
    if (this.cs[this.pos] !== c) return false
    this.pos++
    return true
  }

  private alternation(top: boolean): string {
    const branches = [this.sequence(top)]
    while (this.eat('|')) {
      this.mayPreferEmpty = true
      branches.push(this.sequence(false))
    }
    return branches.join('|')
  }

  private sequence(first: boolean): string {
    const items: Item[] = []
    for (;;) {
      const c = this.peek()
      if (c === undefined || c === '|' || c === ')') break
      this.pos++
      if (this.flags.x && ' \t\n\r\v\f'.includes(c)) continue
      if (this.flags.x && c === '#') {
        while (this.peek() !== undefined && this.next() !== '\n') { /* skip comment */ }
        continue
      }
      if (c === '*' || c === '+' || c === '?') {
        this.quantify(items, c === '+' ? '+' : c === '*' ? '*' : '?')
      } else if (c === '{') {
        const q = this.braceQuantifier()
        if (q === null) items.push({ src: litSource(0x7b), kind: 'atom' })
        else this.quantify(items, q)
      } else if (c === '(') {
        const item = this.group(first && items.length === 0)
        if (item) items.push(item)
      } else if (c === '[') {
        items.push({ src: this.charClass(), kind: 'atom' })
      } else if (c === '.') {
        items.push({ src: this.flags.s ? '[\\s\\S]' : '[^\\n]', kind: 'atom' })
      } else if (c === '^') {
        this.usesLookbehind = true
        items.push({ src: this.flags.m ? '(?<![^\\n])' : '(?<![\\s\\S])', kind: 'at' })
      } else if (c === '$') {
        items.push({ src: this.flags.m ? '(?![^\\n])' : '(?=\\n?(?![\\s\\S]))', kind: 'at' })
      } else if (c === '\\') {
        items.push(this.escape())
      } else {
        items.push({ src: litSource(c.codePointAt(0) as number), kind: 'atom' })
      }
    }
    return items.map((it) => it.src).join('')
  }

  /** Parses `{m,n}` after '{'; null (position restored) when Python reads the '{' as a literal. */
  private braceQuantifier(): string | null {
    const start = this.pos
    if (this.peek() === '}') return null
    let lo = ''
    let hi = ''
    while (DEC.test(this.peek() ?? '')) lo += this.next()
    const comma = this.eat(',')
    if (comma) while (DEC.test(this.peek() ?? '')) hi += this.next()
    else hi = lo
    if (!this.eat('}')) {
      this.pos = start
      return null
    }
    const min = lo ? Number(lo) : 0
    if (hi && Number(hi) < min) this.fail('min repeat greater than max repeat', start)
    return hi ? `{${min},${Number(hi)}}` : `{${min},}`
  }

  private quantify(items: Item[], q: string): void {
    const at = this.pos - 1
    const last = items[items.length - 1]
    if (!last || last.kind === 'at') this.fail('nothing to repeat', at)
    if (last.kind === 'repeat') this.fail('multiple repeat', at)
    const lazy = this.eat('?')
    if (lazy) this.mayPreferEmpty = true
    else if (this.peek() === '+') this.unsupported('possessive quantifier')
    let src: string
    if ((q === '?' || q === '{0,1}') && last.src.startsWith('(')) {
      // Python accepts an empty iteration of an optional group (and keeps its captures); JS rejects it and
      // backtracks. An alternation with an empty branch has Python's semantics.
      src = lazy ? `(?:|${last.src})` : `(?:${last.src}|)`
    } else {
      src = (last.kind === 'assert' ? `(?:${last.src})` : last.src) + q + (lazy ? '?' : '')
    }
    items[items.length - 1] = { src, kind: 'repeat' }
  }

  private groupName(term: string): string {
    let name = ''
    for (;;) {
      const c = this.next()
      if (c === undefined) this.fail('missing ' + term + ', unterminated name')
      if (c === term) break
      name += c
    }
    if (!name) this.fail('missing group name')
    if (!/^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(name)) this.fail(`bad character in group name '${name}'`)
    return name
  }

  private backref(n: number, at: number): Item {
    if (n > this.groups) this.fail(`invalid group reference ${n}`, at)
    if (this.open.has(n)) this.fail('cannot refer to an open group', at)
    this.mayPreferEmpty = true
    return { src: `(?:\\${n + this.groupOffset})`, kind: 'atom' }
  }

  private capture(name: string | undefined): Item {
    const n = ++this.groups
    if (name !== undefined) {
      if (this.names.has(name)) this.fail(`redefinition of group name '${name}'`)
      this.names.set(name, n)
    }
    this.open.add(n)
    const body = this.alternation(false)
    if (!this.eat(')')) this.fail('missing ), unterminated subpattern')
    this.open.delete(n)
    return { src: `(${body})`, kind: 'atom' }
  }

  /** After '('; returns null for comments and global flags (no item). */
  private group(atStart: boolean): Item | null {
    const start = this.pos - 1
    if (!this.eat('?')) return this.capture(undefined)
    const c = this.next()
    if (c === undefined) this.fail('unexpected end of pattern')
    if (c === 'P') {
      if (this.eat('<')) return this.capture(this.groupName('>'))
      if (this.eat('=')) {
        const name = this.groupName(')')
        const n = this.names.get(name)
        if (n === undefined) this.fail(`unknown group name '${name}'`)
        return this.backref(n, start)
      }
      this.fail('unknown extension ?P' + (this.peek() ?? ''))
    }
    if (c === ':' || c === '=' || c === '!') return this.subgroup(c === ':' ? '(?:' : `(?${c}`, c === ':' ? 'atom' : 'assert')
    if (c === '<') {
      const d = this.next()
      if (d === '=' || d === '!') {
        this.usesLookbehind = true
        return this.subgroup(`(?<${d}`, 'assert')
      }
      this.fail('unknown extension ?<' + (d ?? ''))
    }
    if (c === '#') {
      for (;;) {
        const d = this.next()
        if (d === undefined) this.fail('missing ), unterminated comment', start)
        if (d === ')') return null
      }
    }
    if (c === '(') this.unsupported('conditional group (?(…)…)')
    if (c === '>') this.unsupported('atomic group (?>…)')
    if (FLAG_CHARS.includes(c) || c === '-') return this.flagGroup(c, atStart, start)
    this.fail('unknown extension ?' + c)
  }

  private subgroup(open: string, kind: Item['kind']): Item {
    const body = this.alternation(false)
    if (!this.eat(')')) this.fail('missing ), unterminated subpattern')
    return { src: `${open}${body})`, kind }
  }

  private flagGroup(first: string, atStart: boolean, start: number): Item | null {
    const add = new Set<string>()
    const del = new Set<string>()
    let c: string | undefined = first
    if (c !== '-') {
      for (;;) {
        if (c === 'L') this.fail('bad inline flag value')
        if (c === 't') this.unsupported('TEMPLATE flag')
        add.add(c as string)
        if (add.has('a') && add.has('u')) this.fail('bad inline flag value')
        c = this.next()
        if (c === undefined) this.fail('missing -, : or )')
        if (c === ')' || c === '-' || c === ':') break
        if (!FLAG_CHARS.includes(c)) this.fail('unknown flag')
      }
    }
    if (c === ')') {
      if (!atStart) this.fail('global flags not at the start of the expression', start)
      this.applyFlags(add, del)
      this.globalI = this.flags.i
      return null
    }
    if (c === '-') {
      c = this.next()
      if (c === undefined) this.fail('missing flag')
      if (!FLAG_CHARS.includes(c)) this.fail('unknown flag')
      for (;;) {
        if ('aLu'.includes(c as string)) this.fail('bad inline flag value')
        del.add(c as string)
        c = this.next()
        if (c === undefined) this.fail('missing :')
        if (c === ':') break
        if (!FLAG_CHARS.includes(c)) this.fail('unknown flag')
      }
    }
    for (const f of add) if (del.has(f)) this.fail('bad inline flag value')
    const saved = this.flags
    this.applyFlags(add, del)
    if (this.flags.i !== this.globalI) this.unsupported('scoped IGNORECASE flag (?i:…)/(?-i:…)')
    const body = this.alternation(false)
    if (!this.eat(')')) this.fail('missing ), unterminated subpattern')
    this.flags = saved
    return { src: `(?:${body})`, kind: 'atom' }
  }

  private applyFlags(add: Set<string>, del: Set<string>): void {
    const f = { ...this.flags }
    for (const k of ['i', 's', 'm', 'x', 'a'] as const) {
      if (add.has(k)) f[k] = true
      if (del.has(k)) f[k] = false
    }
    this.flags = f
  }

  /** `\x..`, `\u....`, `\U........` after the letter: exactly n hex digits. */
  private hexEscape(n: number, at: number): number {
    let digits = ''
    while (digits.length < n && HEX.test(this.peek() ?? '')) digits += this.next()
    if (digits.length !== n) this.fail(`incomplete escape \\${this.cs[at + 1]}${digits}`, at)
    const cp = parseInt(digits, 16)
    if (cp > 0x10ffff) this.fail(`bad escape \\U${digits}`, at)
    return cp
  }

  /** Escapes valid both in and outside classes; null when not one of them. */
  private commonEscape(c: string, at: number): number | null {
    if (c in ESCAPE_CHARS) return ESCAPE_CHARS[c] as number
    if (c === 'x') return this.hexEscape(2, at)
    if (c === 'u') return this.hexEscape(4, at)
    if (c === 'U') return this.hexEscape(8, at)
    if (c === 'N') this.unsupported('named character escape \\N{…}')
    return null
  }

  private octal(first: string, at: number): number {
    let digits = first
    while (digits.length < 3 && OCT.test(this.peek() ?? '')) digits += this.next()
    const cp = parseInt(digits, 8)
    if (cp > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, at)
    return cp
  }

  /** After a '\\' outside a class. */
  private escape(): Item {
    const at = this.pos - 1
    const c = this.next()
    if (c === undefined) this.fail('bad escape (end of pattern)', at)
    if ('AbB'.includes(c)) this.usesLookbehind = true
    switch (c) {
      case 'A': return { src: '(?<![\\s\\S])', kind: 'at' }
      case 'Z': return { src: '(?![\\s\\S])', kind: 'at' }
      case 'b': return { src: wordBoundary(this.flags.a, false), kind: 'at' }
      case 'B': return { src: wordBoundary(this.flags.a, true), kind: 'at' }
      case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
        return { src: classSource([categorySet(c, this.flags.a)], false), kind: 'atom' }
    }
    const common = this.commonEscape(c, at)
    if (common !== null) return { src: litSource(common), kind: 'atom' }
    if (c === '0') return { src: litSource(this.octal('0', at) & 0xff), kind: 'atom' }
    if (DEC.test(c)) {
      let digits = c
      if (DEC.test(this.peek() ?? '')) {
        digits += this.next()
        if (OCT.test(c) && OCT.test(digits[1] as string) && OCT.test(this.peek() ?? '')) {
          digits += this.next()
          const cp = parseInt(digits, 8)
          if (cp > 0o377) this.fail(`octal escape value \\${digits} outside of range 0-0o377`, at)
          return { src: litSource(cp), kind: 'atom' }
        }
      }
      return this.backref(Number(digits), at)
    }
    if (/^[A-Za-z]$/.test(c)) this.fail(`bad escape \\${c}`, at)
    return { src: litSource(c.codePointAt(0) as number), kind: 'atom' }
  }

  /** One class element after its first char `c` was read. */
  private classCode(c: string): ClassCode {
    if (c !== '\\') return { kind: 'lit', cp: c.codePointAt(0) as number }
    const at = this.pos - 1
    const e = this.next()
    if (e === undefined) this.fail('bad escape (end of pattern)', at)
    if ('dDsSwW'.includes(e)) return categorySet(e, this.flags.a)
    if (e === 'b') return { kind: 'lit', cp: 8 }
    const common = this.commonEscape(e, at)
    if (common !== null) return { kind: 'lit', cp: common }
    if (OCT.test(e)) return { kind: 'lit', cp: this.octal(e, at) }
    if (DEC.test(e) || /^[A-Za-z]$/.test(e)) this.fail(`bad escape \\${e}`, at)
    return { kind: 'lit', cp: e.codePointAt(0) as number }
  }

  /** After '['. */
  private charClass(): string {
    const start = this.pos - 1
    const negate = this.eat('^')
    const codes: ClassCode[] = []
    for (;;) {
      const c = this.next()
      if (c === undefined) this.fail('unterminated character set', start)
      if (c === ']' && codes.length > 0) break
      const code1 = this.classCode(c)
      if (!this.eat('-')) {
        codes.push(code1)
        continue
      }
      const d = this.next()
      if (d === undefined) this.fail('unterminated character set', start)
      if (d === ']') {
        codes.push(code1, { kind: 'lit', cp: 0x2d })
        break
      }
      const code2 = this.classCode(d)
      if (code1.kind !== 'lit' || code2.kind !== 'lit') this.fail('bad character range', start)
      if (code2.cp < code1.cp) this.fail('bad character range', start)
      codes.push({ kind: 'set', src: `${litSource(code1.cp)}-${litSource(code2.cp)}` })
    }
    return classSource(codes, negate)
  }
}

/** Translates a Python pattern; groupOffset shifts backreference numbers (for a wrapper that adds groups in front). */
export function translatePattern(pattern: string, flags: PyRegexFlags = {}, groupOffset = 0): Translation {
  const t = new Translator(pattern, {
    i: !!flags.ignoreCase, s: !!flags.dotAll, m: !!flags.multiline, x: !!flags.verbose, a: !!flags.ascii,
  }, groupOffset)
  const source = t.run()
  return {
    source,
    ignoreCase: t.globalI,
    groupCount: t.groupCount,
    groupIndex: t.names,
    mayPreferEmpty: t.mayPreferEmpty,
    usesLookbehind: t.usesLookbehind,
  }
}
