/**
 * Jinja2 3.1 lexer for the default delimiters, as configured by lm-eval (keep_trailing_newline=True,
 * trim_blocks / lstrip_blocks off). Line breaks are normalised to '\n', `{%-`/`{{-`/`{#-` strip the
 * preceding text with Python's rstrip, `-%}`/`-}}`/`-#}` drop the whitespace that follows, `{% raw %}`
 * blocks pass through as text, string literals are unescaped as Jinja does (backslashreplace, then
 * Python's unicode-escape codec).
 */

import { pyUnescape } from '../python/literal.ts'
import { isPyWhitespace, PY_SPACE_CLASS, pyRstrip } from '../python/str.ts'
import { RenderError } from './runtime.ts'

/** Kinds of token the parser sees. */
export type TokenType =
  | 'data' | 'block_begin' | 'block_end' | 'variable_begin' | 'variable_end'
  | 'name' | 'string' | 'integer' | 'float' | 'operator' | 'eof'

/** One token; `value` is the text (data, name, operator), the unescaped string, or the number. */
export interface Token {
  /** token kind */
  readonly type: TokenType
  /** payload: text for data/name/operator/string, a number for integer/float (bigint when huge) */
  readonly value: string | number | bigint
  /** 1-based line of the token start */
  readonly line: number
}

const OPERATORS = ['**', '//', '==', '!=', '>=', '<=', '+', '-', '/', '*', '%', '~', '[', ']', '(', ')',
  '{', '}', '>', '<', '=', '.', ':', '|', ',', ';']
const FLOAT_RE = /^(?:\d+_)*\d+(?:(?:\.(?:\d+_)*\d+)?[eE][+-]?(?:\d+_)*\d+|\.(?:\d+_)*\d+)/
const INTEGER_RE = /^(?:0[bB](?:_?[01])+|0[oO](?:_?[0-7])+|0[xX](?:_?[\da-fA-F])+|[1-9](?:_?\d)*|0(?:_?0)*)/
const NAME_RE = /^[\p{L}\p{N}_][\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}\u00b7_]*/u
const STRING_RE = /^(?:'[^'\\]*(?:\\[\s\S][^'\\]*)*'|"[^"\\]*(?:\\[\s\S][^"\\]*)*")/
const RAW_BEGIN_RE = /^\{%[-+]?\s*raw\s*(?:-%\}|%\})/u
const RAW_END_RE = /\{%([-+]?)\s*endraw\s*(\+%\}|-%\}|%\})/u
const PY_SPACE_RE = new RegExp(`^[${PY_SPACE_CLASS}]+`)

/** Jinja's string-literal decoding: non-ASCII → backslash escapes, then unicode-escape. */
function unescapeJinja(body: string): string {
  let ascii = ''
  for (const ch of body) {
    const cp = ch.codePointAt(0) as number
    if (cp < 0x80) ascii += ch
    else if (cp <= 0xff) ascii += '\\x' + cp.toString(16).padStart(2, '0')
    else if (cp <= 0xffff) ascii += '\\u' + cp.toString(16).padStart(4, '0')
    else ascii += '\\U' + cp.toString(16).padStart(8, '0')
  }
  try {
    return pyUnescape(ascii)
  } catch (e) {
    throw new RenderError(`bad string literal: ${(e as Error).message}`)
  }
}

function skipSpace(src: string, pos: number): number {
  while (pos < src.length && isPyWhitespace(src[pos] as string)) pos++
  return pos
}

/** A function giving the 1-based line of a position in src. */
function lineCounter(src: string): (pos: number) => number {
  const breaks: number[] = []
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) breaks.push(i)
  return (pos) => {
    let lo = 0
    let hi = breaks.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((breaks[mid] as number) < pos) lo = mid + 1
      else hi = mid
    }
    return lo + 1
  }
}

/** Tokenize a template source (after Jinja's newline normalisation). Throws RenderError on bad syntax. */
export function tokenize(source: string): Token[] {
  const src = source.replace(/\r\n|\r/g, '\n')
  const lineOf = lineCounter(src)
  const tokens: Token[] = []
  let pos = 0
  const push = (type: TokenType, value: string | number | bigint, at: number) =>
    tokens.push({ type, value, line: lineOf(at) })

  while (pos < src.length) {
    const open = /\{[{%#]/g
    open.lastIndex = pos
    const m = open.exec(src)
    if (!m) {
      push('data', src.slice(pos), pos)
      break
    }
    const start = m.index
    const kind = src[start + 1] as string
    const sign = src[start + 2] === '-' || src[start + 2] === '+' ? src[start + 2] as string : ''
    let text = src.slice(pos, start)
    if (sign === '-') text = pyRstrip(text)
    if (text !== '') push('data', text, pos)

    if (kind === '%' && RAW_BEGIN_RE.test(src.slice(start))) {
      const head = RAW_BEGIN_RE.exec(src.slice(start)) as RegExpExecArray
      let bodyStart = start + head[0].length
      if (head[0].endsWith('-%}')) bodyStart = skipSpace(src, bodyStart)
      const endRe = new RegExp(RAW_END_RE.source, 'gu')
      endRe.lastIndex = bodyStart
      const end = endRe.exec(src)
      if (!end) throw new RenderError('missing end of raw directive')
      let body = src.slice(bodyStart, end.index)
      if (end[1] === '-') body = pyRstrip(body)
      if (body !== '') push('data', body, bodyStart)
      pos = end.index + end[0].length
      if (end[2] === '-%}') pos = skipSpace(src, pos)
      continue
    }
    if (kind === '#') {
      const close = src.indexOf('#}', start + 2 + sign.length)
      if (close < 0) throw new RenderError('missing end of comment tag')
      pos = close + 2
      if (src[close - 1] === '-' && close - 1 >= start + 2 + sign.length) pos = skipSpace(src, pos)
      continue
    }
    const isBlock = kind === '%'
    push(isBlock ? 'block_begin' : 'variable_begin', src.slice(start, start + 2), start)
    pos = lexTag(src, start + 2 + sign.length, isBlock, tokens, lineOf)
  }
  tokens.push({ type: 'eof', value: '', line: lineOf(src.length) })
  return tokens
}

/** Lex the inside of a {% %} or {{ }} tag from `pos`; returns the position after the closing tag. */
function lexTag(src: string, pos: number, isBlock: boolean, tokens: Token[], lineOf: (pos: number) => number): number {
  const balance: string[] = []
  const close = isBlock ? '%}' : '}}'
  while (true) {
    if (pos >= src.length) throw new RenderError(`unexpected end of template, expected '${close}'`)
    const rest = src.slice(pos)
    const line = lineOf(pos)
    if (balance.length === 0) {
      if (rest.startsWith('-' + close)) {
        tokens.push({ type: isBlock ? 'block_end' : 'variable_end', value: close, line })
        return skipSpace(src, pos + 3)
      }
      if (isBlock && rest.startsWith('+' + close)) {
        tokens.push({ type: 'block_end', value: close, line })
        return pos + 3
      }
      if (rest.startsWith(close)) {
        tokens.push({ type: isBlock ? 'block_end' : 'variable_end', value: close, line })
        return pos + 2
      }
    }
    const ws = PY_SPACE_RE.exec(rest)
    if (ws) {
      pos += ws[0].length
      continue
    }
    const fl = src[pos - 1] === '.' ? null : FLOAT_RE.exec(rest)
    if (fl) {
      tokens.push({ type: 'float', value: Number(fl[0].replace(/_/g, '')), line })
      pos += fl[0].length
      continue
    }
    const int = INTEGER_RE.exec(rest)
    if (int) {
      const big = BigInt(int[0].replace(/_/g, '').toLowerCase().replace(/^0+(?=\d)/, ''))
      const value = big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big
      tokens.push({ type: 'integer', value, line })
      pos += int[0].length
      continue
    }
    const name = NAME_RE.exec(rest)
    if (name) {
      if (/^\p{N}/u.test(name[0])) throw new RenderError(`invalid character in identifier '${name[0]}'`)
      tokens.push({ type: 'name', value: name[0], line })
      pos += name[0].length
      continue
    }
    const str = STRING_RE.exec(rest)
    if (str) {
      tokens.push({ type: 'string', value: unescapeJinja(str[0].slice(1, -1)), line })
      pos += str[0].length
      continue
    }
    const op = OPERATORS.find((o) => rest.startsWith(o))
    if (op === undefined) throw new RenderError(`unexpected char '${rest[0]}' at line ${line}`)
    if (op === '{' || op === '(' || op === '[') balance.push(op === '{' ? '}' : op === '(' ? ')' : ']')
    else if (op === '}' || op === ')' || op === ']') {
      const expected = balance.pop()
      if (expected === undefined) throw new RenderError(`unexpected '${op}'`)
      if (expected !== op) throw new RenderError(`unexpected '${op}', expected '${expected}'`)
    }
    tokens.push({ type: 'operator', value: op, line })
    pos += op.length
  }
}
