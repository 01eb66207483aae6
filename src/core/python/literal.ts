/**
 * Python literal text, both ways: `repr()` / `str()` of plain values (quote choice, escapes, True/None,
 * 1.0, [a, b], (a,), {'k': v}), and `ast.literal_eval` for the literals lm-eval parses out of rendered
 * templates: str (all quote forms, prefixes r/u, escapes), int (incl. 0x/0o/0b, underscores), float,
 * True/False/None, unary +/- on numbers, list, tuple and dict. Sets, bytes, complex numbers and `\N{…}`
 * escapes are rejected. Values follow the model of ./str.ts (float → non-integer number or PyFloat,
 * tuple → pyTuple, dict → Map from literal_eval; Map or plain object accepted by repr).
 */

import { PyFloat, pyFloatRepr } from './json.ts'
import { isPyDict, isPyTuple, mkFloat, pyTuple } from './str.ts'

/** A literal_eval failure (Python raises ValueError or SyntaxError). */
export class PyLiteralError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PyLiteralError'
  }
}

interface Tok {
  kind: 'num' | 'str' | 'name' | 'op' | 'nl' | 'end'
  text: string
  value?: unknown
}

const NUMBER = /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)[jJ]?/
const STRING_START = /^([rRuUbBfF]{0,2})('''|"""|'|")/
const NAME = /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*/u
const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
}

/** Python string-literal escape processing (non-raw). */
export function pyUnescape(body: string): string {
  let out = ''
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string
    if (c !== '\\') {
      out += c
      continue
    }
    const e = body[i + 1]
    if (e === undefined) throw new PyLiteralError('trailing backslash in string')
    i++
    const simple = SIMPLE_ESCAPES[e]
    if (simple !== undefined) {
      out += simple
    } else if (e >= '0' && e <= '7') {
      const m = /^[0-7]{1,3}/.exec(body.slice(i)) as RegExpExecArray
      out += String.fromCodePoint(parseInt(m[0], 8))
      i += m[0].length - 1
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const width = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const digits = body.slice(i + 1, i + 1 + width)
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) throw new PyLiteralError(`truncated \\${e} escape`)
      const cp = parseInt(digits, 16)
      if (cp > 0x10ffff) throw new PyLiteralError('illegal Unicode character')
      out += String.fromCodePoint(cp)
      i += width
    } else if (e === 'N') {
      throw new PyLiteralError('\\N{...} escapes are not supported')
    } else {
      out += '\\' + e // unknown escapes keep the backslash
    }
  }
  return out
}

function lex(text: string): Tok[] {
  const toks: Tok[] = []
  let i = 0
  let depth = 0
  while (i < text.length) {
    const rest = text.slice(i)
    const c = text[i] as string
    if (c === ' ' || c === '\t' || c === '\f') { i++; continue }
    if (c === '\\' && (rest.startsWith('\\\n') || rest.startsWith('\\\r\n'))) { i += rest[1] === '\n' ? 2 : 3; continue }
    if (c === '#') { while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++; continue }
    if (c === '\n' || c === '\r') {
      if (depth === 0) toks.push({ kind: 'nl', text: c })
      i++
      continue
    }
    const sm = STRING_START.exec(rest)
    if (sm) {
      const prefix = (sm[1] as string).toLowerCase()
      if (prefix.includes('b') || prefix.includes('f')) throw new PyLiteralError(`unsupported ${prefix}-string literal`)
      if (prefix.length === 2) throw new PyLiteralError('invalid string prefix')
      const q = sm[2] as string
      let j = i + sm[0].length
      let body = ''
      while (true) {
        if (j >= text.length) throw new PyLiteralError('unterminated string literal')
        if (text.startsWith(q, j)) break
        const ch = text[j] as string
        if ((ch === '\n' || ch === '\r') && q.length === 1) throw new PyLiteralError('unterminated string literal')
        if (ch === '\\' && j + 1 < text.length) {
          body += ch + text[j + 1]
          j += 2
          continue
        }
        body += ch
        j++
      }
      body = body.replace(/\r\n?/g, '\n')
      toks.push({ kind: 'str', text: text.slice(i, j + q.length), value: prefix === 'r' ? body : pyUnescape(body) })
      i = j + q.length
      continue
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = NUMBER.exec(rest) as RegExpExecArray
      toks.push({ kind: 'num', text: m[0] })
      i += m[0].length
      continue
    }
    const nm = NAME.exec(rest)
    if (nm) {
      toks.push({ kind: 'name', text: nm[0] })
      i += nm[0].length
      continue
    }
    if ('[({'.includes(c)) depth++
    if ('])}'.includes(c)) depth = Math.max(0, depth - 1)
    toks.push({ kind: 'op', text: c })
    i++
  }
  toks.push({ kind: 'end', text: '' })
  return toks
}

function parseNumber(text: string): number | bigint | PyFloat {
  if (/[jJ]$/.test(text)) throw new PyLiteralError('complex numbers are not supported')
  const t = text.replace(/_/g, '')
  if (!/^0[xXoObB]/.test(t) && /[.eE]/.test(t)) return mkFloat(Number(t))
  if (/^0+[1-9]/.test(t)) throw new PyLiteralError('leading zeros in decimal integer literals are not permitted')
  const big = BigInt(t) // BigInt() reads 0x / 0o / 0b prefixes like Python
  return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

class LiteralParser {
  private pos = 0
  constructor(private readonly toks: Tok[]) {}

  private peek(): Tok {
    return this.toks[this.pos] as Tok
  }

  private next(): Tok {
    return this.toks[this.pos++] as Tok
  }

  private isOp(text: string): boolean {
    const t = this.peek()
    return t.kind === 'op' && t.text === text
  }

  private expect(text: string): void {
    const t = this.next()
    if (t.kind !== 'op' || t.text !== text) throw new PyLiteralError(`invalid syntax: expected '${text}', got '${t.text}'`)
  }

  parseTop(): unknown {
    while (this.peek().kind === 'nl') this.next()
    const first = this.parseValue()
    let value = first
    if (this.isOp(',')) value = pyTuple([first, ...this.parseRest('')])
    while (this.peek().kind === 'nl') this.next()
    if (this.peek().kind !== 'end') throw new PyLiteralError(`invalid syntax near '${this.peek().text}'`)
    return value
  }

  /** After a first item and a ',': more items until `close` ('' = end of input). */
  private parseRest(close: string): unknown[] {
    const items: unknown[] = []
    while (this.isOp(',')) {
      this.next()
      if (close === '' ? ['end', 'nl'].includes(this.peek().kind) : this.isOp(close)) break
      items.push(this.parseValue())
    }
    return items
  }

  private parseValue(): unknown {
    const t = this.next()
    if (t.kind === 'op' && (t.text === '-' || t.text === '+')) {
      let parens = 0
      while (this.isOp('(')) { this.next(); parens++ }
      const operand = this.next()
      if (operand.kind !== 'num') throw new PyLiteralError('malformed node or string: unary operator on a non-number')
      for (; parens > 0; parens--) this.expect(')')
      const v = parseNumber(operand.text)
      if (t.text === '+') return v
      if (v instanceof PyFloat) return new PyFloat(-v.value)
      return v === 0 ? 0 : -v
    }
    if (t.kind === 'num') {
      const v = parseNumber(t.text)
      if (this.isOp('+') || this.isOp('-')) throw new PyLiteralError('malformed node or string: binary operation')
      return v
    }
    if (t.kind === 'str') {
      let s = t.value as string
      while (this.peek().kind === 'str') s += this.next().value as string
      return s
    }
    if (t.kind === 'name') {
      if (t.text === 'True') return true
      if (t.text === 'False') return false
      if (t.text === 'None') return null
      throw new PyLiteralError(`malformed node or string: name '${t.text}'`)
    }
    if (t.kind === 'op' && t.text === '[') return this.parseSeq(']')
    if (t.kind === 'op' && t.text === '(') {
      if (this.isOp(')')) { this.next(); return pyTuple([]) }
      const first = this.parseValue()
      if (this.isOp(')')) { this.next(); return first }
      const items = [first, ...this.parseRest(')')]
      this.expect(')')
      return pyTuple(items)
    }
    if (t.kind === 'op' && t.text === '{') return this.parseDict()
    throw new PyLiteralError(`invalid syntax near '${t.text}'`)
  }

  private parseSeq(close: string): unknown[] {
    if (this.isOp(close)) { this.next(); return [] }
    const items = [this.parseValue(), ...this.parseRest(close)]
    this.expect(close)
    return items
  }

  private parseDict(): Map<unknown, unknown> {
    const d = new Map<unknown, unknown>()
    if (this.isOp('}')) { this.next(); return d }
    while (true) {
      const k = this.parseValue()
      if (!this.isOp(':')) throw new PyLiteralError('set literals are not supported')
      this.next()
      const v = this.parseValue()
      if (Array.isArray(k) && !isPyTuple(k)) throw new PyLiteralError("unhashable type: 'list'")
      if (k instanceof Map) throw new PyLiteralError("unhashable type: 'dict'")
      d.set(k, v)
      if (this.isOp('}')) { this.next(); return d }
      this.expect(',')
      if (this.isOp('}')) { this.next(); return d }
    }
  }
}

/** ast.literal_eval(text) for str/int/float/bool/None/list/tuple/dict literals; throws PyLiteralError otherwise. */
export function pyLiteralEval(text: string): unknown {
  const src = text.replace(/^[ \t]+/, '')
  return new LiteralParser(lex(src)).parseTop()
}

// ---- repr / str ----

const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u

/** str.isprintable for one code point (categories C*, Z* except ' '; engine's Unicode version). */
export function isPyPrintable(ch: string): boolean {
  return ch === ' ' || !NON_PRINTABLE.test(ch)
}

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0')
}

/** repr(str): single quotes unless the text has ' and no ", with Python's escapes. */
export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'"
  let out = quote
  for (const ch of Array.from(s)) {
    const cp = ch.codePointAt(0) as number
    if (ch === quote || ch === '\\') out += '\\' + ch
    else if (ch === '\t') out += '\\t'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (cp < 0x20 || cp === 0x7f) out += '\\x' + hex(cp, 2)
    else if (cp < 0x7f || isPyPrintable(ch)) out += ch
    else if (cp <= 0xff) out += '\\x' + hex(cp, 2)
    else if (cp <= 0xffff) out += '\\u' + hex(cp, 4)
    else out += '\\U' + hex(cp, 8)
  }
  return out + quote
}

/** repr(int) for a JS integer number or bigint (no exponent notation). */
export function pyIntRepr(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString()
  if (Object.is(n, -0)) return '0'
  return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString()
}

/** An object that prints itself in Python (used by template runtime objects). */
export interface PyReprable {
  /** Python repr() text */
  pyRepr(): string
}

function hasPyRepr(v: object): v is PyReprable {
  return typeof (v as { pyRepr?: unknown }).pyRepr === 'function'
}

/** repr(value) with Python formatting (quotes, True/False/None, 1.0, [a, b], (a,), {'k': v}). */
export function pyRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None'
  switch (typeof value) {
    case 'string': return pyStrRepr(value)
    case 'boolean': return value ? 'True' : 'False'
    case 'number': return Number.isInteger(value) ? pyIntRepr(value) : pyFloatRepr(value)
    case 'bigint': return value.toString()
    case 'object': break
    default: throw new TypeError(`no Python repr for a JS ${typeof value}`)
  }
  if (value instanceof PyFloat) return pyFloatRepr(value.value)
  if (Array.isArray(value)) {
    const items = value.map(pyRepr)
    if (!isPyTuple(value)) return `[${items.join(', ')}]`
    return items.length === 1 ? `(${items[0]},)` : `(${items.join(', ')})`
  }
  if (value instanceof Map) {
    return `{${[...value.entries()].map(([k, v]) => `${pyRepr(k)}: ${pyRepr(v)}`).join(', ')}}`
  }
  if (hasPyRepr(value)) return value.pyRepr()
  if (isPyDict(value)) {
    return `{${Object.entries(value).map(([k, v]) => `${pyStrRepr(k)}: ${pyRepr(v)}`).join(', ')}}`
  }
  throw new TypeError(`no Python repr for ${Object.prototype.toString.call(value)}`)
}

/** str(value): strings as they are, everything else as repr. */
export function pyStr(value: unknown): string {
  return typeof value === 'string' ? value : pyRepr(value)
}
