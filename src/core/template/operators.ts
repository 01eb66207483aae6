/**
 * Python arithmetic for template expressions: + - * / // % ** (ints stay ints, `/` gives a float,
 * floor division and modulo follow the divisor's sign), unary minus/plus and printf-style `str % args`.
 */

import { checkItems } from './budget.ts'
import { PyFloat } from '../python/json.ts'
import { isPyDict, isPyTuple, mkFloat, pyRepr, pyTuple } from '../python/str.ts'
import { checkDefined, dictLookup, intValue, numeric, RenderError, toStr, typeName, Undefined } from './runtime.ts'

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)

/** An int result (JS -0 becomes 0; huge values become bigint when exact ints are known). */
function mkInt(x: number): number {
  return x === 0 ? 0 : x
}

function unsupported(op: string, a: unknown, b: unknown): never {
  throw new RenderError(`unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`)
}

/** CPython float floor division and remainder (divmod semantics). */
function floatDivmod(x: number, y: number): [number, number] {
  if (y === 0) throw new RenderError('float divmod()')
  let mod = x % y
  let div = (x - mod) / y
  if (mod) {
    if ((y < 0) !== (mod < 0)) {
      mod += y
      div -= 1
    }
  } else {
    mod = Object.is(y, -0) || y < 0 ? -0 : 0
  }
  let floordiv: number
  if (div) {
    floordiv = Math.floor(div)
    if (div - floordiv > 0.5) floordiv += 1
  } else {
    floordiv = (x / y < 0 || Object.is(x / y, -0)) ? -0 : 0
  }
  return [floordiv, mod]
}

function intPow(a: number, b: number): number | bigint {
  const approx = a ** b
  if (Number.isSafeInteger(approx)) return approx
  if (Math.abs(a) > 1 && b * Math.log2(Math.abs(a)) > 1e6) throw new RenderError('MemoryError: integer power is too large')
  const big = BigInt(a) ** BigInt(b)
  return big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big
}

const MAX_REPEAT = 1 << 26

function repeat(seq: unknown, n: number): unknown {
  const times = Math.max(0, n)
  const len = typeof seq === 'string' ? seq.length : (seq as unknown[]).length
  if (len * times > MAX_REPEAT) throw new RenderError('MemoryError: sequence repetition is too large')
  checkItems(len * times, 'a repeated sequence')
  if (typeof seq === 'string') return seq.repeat(times)
  const arr = seq as unknown[]
  const out: unknown[] = []
  for (let i = 0; i < times && arr.length > 0; i++) out.push(...arr)
  return isPyTuple(arr) ? pyTuple(out) : out
}

/** Apply a binary arithmetic operator (+ - * / // % **) with Python semantics. */
export function binaryOp(op: string, a: unknown, b: unknown): unknown {
  if (op === '%' && typeof a === 'string') return printf(a, b)
  checkDefined(a)
  checkDefined(b)
  const na = numeric(a)
  const nb = numeric(b)
  if (na && nb) return numericOp(op, na.value, nb.value, na.isFloat || nb.isFloat, a, b)
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') return a + b
      if (Array.isArray(a) && Array.isArray(b) && isPyTuple(a) === isPyTuple(b)) {
        return isPyTuple(a) ? pyTuple([...a, ...b]) : [...a, ...b]
      }
      return unsupported(op, a, b)
    case '*': {
      const isSeq = (v: unknown) => typeof v === 'string' || Array.isArray(v)
      if (isSeq(a) && intValue(b) !== null) return repeat(a, intValue(b) as number)
      if (isSeq(b) && intValue(a) !== null) return repeat(b, intValue(a) as number)
      return unsupported(op, a, b)
    }
    case '%':
      if (typeof a === 'string') return printf(a, b)
      return unsupported(op, a, b)
    default:
      return unsupported(op, a, b)
  }
}

function numericOp(op: string, x: number, y: number, isFloat: boolean, a: unknown, b: unknown): unknown {
  switch (op) {
    case '+': return isFloat ? mkFloat(x + y) : mkInt(x + y)
    case '-': return isFloat ? mkFloat(x - y) : mkInt(x - y)
    case '*': return isFloat ? mkFloat(x * y) : mkInt(x * y)
    case '/':
      if (y === 0) throw new RenderError('division by zero')
      return mkFloat(x / y)
    case '//':
      if (y === 0) throw new RenderError('integer division or modulo by zero')
      return isFloat ? mkFloat(floatDivmod(x, y)[0]) : mkInt(Math.floor(x / y))
    case '%': {
      if (y === 0) throw new RenderError('integer division or modulo by zero')
      if (isFloat) return mkFloat(floatDivmod(x, y)[1])
      const r = x % y
      return mkInt(r !== 0 && (r < 0) !== (y < 0) ? r + y : r)
    }
    case '**':
      if (!isFloat && y >= 0) return intPow(x, y)
      if (x === 0 && y < 0) throw new RenderError('0.0 cannot be raised to a negative power')
      if (x < 0 && !Number.isInteger(y)) throw new RenderError('complex results are not supported')
      return mkFloat(x ** y)
    default:
      return unsupported(op, a, b)
  }
}

/** Unary minus / plus. */
export function unaryOp(op: '-' | '+', v: unknown): unknown {
  checkDefined(v)
  const n = numeric(v)
  if (!n) throw new RenderError(`bad operand type for unary ${op}: '${typeName(v)}'`)
  if (op === '+') return n.isFloat ? mkFloat(n.value) : n.value
  if (typeof v === 'bigint') return -v
  return n.isFloat ? mkFloat(-n.value) : mkInt(-n.value)
}

const SPEC = /%(?:\(([^)]*)\))?([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?[hlL]?([diouxXeEfFgGcrsa%])/g

/** printf-style `fmt % args` for the conversions s r a d i f F e E g G x X o c and %%. */
export function printf(fmt: string, args: unknown): string {
  const positional = isPyTuple(args) ? [...args] : [args]
  const mapping = isPyDict(args) ? args : null
  // Python treats any non-tuple, non-str object with __getitem__ (dict, list) as a mapping: no arity check.
  const lenient = mapping !== null || (Array.isArray(args) && !isPyTuple(args)) || args instanceof Undefined
  let next = 0
  let usedMapping = false
  const take = (key: string | undefined): unknown => {
    if (key !== undefined) {
      if (!mapping) throw new RenderError('format requires a mapping')
      usedMapping = true
      const hit = dictLookup(mapping, key)
      if (!hit.found) throw new RenderError(`KeyError: ${pyRepr(key)}`)
      return hit.value
    }
    if (mapping && !isPyTuple(args)) {
      usedMapping = true
      return args
    }
    if (next >= positional.length) throw new RenderError('not enough arguments for format string')
    return positional[next++]
  }
  const out = fmt.replace(SPEC, (_m, key: string | undefined, flags: string, width: string | undefined, prec: string | undefined, conv: string) => {
    if (conv === '%') return '%'
    const w = width === '*' ? Number(take(undefined)) : width === undefined ? 0 : Number(width)
    const p = prec === '*' ? Number(take(undefined)) : prec === undefined ? undefined : Number(prec)
    const v = take(key)
    let body = formatOne(conv, v, p, flags)
    if (body.length < w) {
      checkItems(w, `the printf width %${w}`)
      if (flags.includes('-')) body = body.padEnd(w)
      else if (flags.includes('0') && 'diouxXeEfFgG'.includes(conv)) {
        const sign = /^[-+ ]/.test(body) ? body[0] as string : ''
        body = sign + body.slice(sign.length).padStart(w - sign.length, '0')
      } else body = body.padStart(w)
    }
    return body
  })
  if (!usedMapping && !lenient && next < positional.length) throw new RenderError('not all arguments converted during string formatting')
  return out
}

function formatOne(conv: string, v: unknown, prec: number | undefined, flags: string): string {
  if (conv === 's') return prec === undefined ? toStr(v) : toStr(v).slice(0, prec)
  if (conv === 'r' || conv === 'a') return pyRepr(v)
  if (conv === 'c') {
    if (typeof v === 'string' && [...v].length === 1) return v
    const n = intValue(v)
    if (n === null) throw new RenderError('%c requires int or char')
    return String.fromCodePoint(n)
  }
  const n = numeric(v)
  if (!n) throw new RenderError(`%${conv} format: a real number is required, not ${typeName(v)}`)
  const value = 'diouxX'.includes(conv) ? Math.trunc(n.value) + 0 : n.value
  const sign = value < 0 || Object.is(value, -0) ? '-' : flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : ''
  const x = Math.abs(value)
  let body: string
  switch (conv) {
    case 'd': case 'i': case 'u': body = String(Math.trunc(x)); break
    case 'x': body = Math.trunc(x).toString(16); break
    case 'X': body = Math.trunc(x).toString(16).toUpperCase(); break
    case 'o': body = Math.trunc(x).toString(8); break
    case 'f': case 'F': body = Number.isFinite(x) ? formatFixed(x, prec ?? 6) : (Number.isNaN(x) ? 'nan' : 'inf'); break
    case 'e': case 'E': body = expForm(x, prec ?? 6); break
    default: throw new RenderError(`%${conv} formatting is not supported`)
  }
  if (conv === 'E' || conv === 'F') body = body.toUpperCase()
  return sign + body
}

function expForm(x: number, prec: number): string {
  const [m, e] = x.toExponential(prec).split('e') as [string, string]
  const exp = Number(e)
  return `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`
}

/** A PyFloat-aware number for JS Math (helper for filters). */
export function floatOf(v: unknown): number {
  return v instanceof PyFloat ? v.value : Number(v)
}

/** The exact binary value of a finite double as num / den (den a power of two). */
function exactRational(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8))
  view.setFloat64(0, x)
  const bits = view.getBigUint64(0)
  const sign = bits >> 63n ? -1n : 1n
  const expBits = Number((bits >> 52n) & 0x7ffn)
  const frac = bits & 0xfffffffffffffn
  const mant = expBits === 0 ? frac : frac | (1n << 52n)
  const exp = (expBits === 0 ? 1 : expBits) - 1075
  return exp >= 0 ? [sign * (mant << BigInt(exp)), 1n] : [sign * mant, 1n << BigInt(-exp)]
}

/** |x| rounded half-to-even at 10^-digits on its exact binary value, as an integer count of 10^-digits units. */
function scaledRound(x: number, digits: number): bigint {
  let [num, den] = exactRational(Math.abs(x))
  if (digits >= 0) num *= 10n ** BigInt(digits)
  else den *= 10n ** BigInt(-digits)
  const q = num / den
  const r2 = (num % den) * 2n
  return r2 > den || (r2 === den && (q & 1n) === 1n) ? q + 1n : q
}

/** Python's '%.{digits}f' of |x| (finite, digits ≥ 0): correctly rounded, ties to even. */
export function formatFixed(x: number, digits: number): string {
  const q = scaledRound(x, digits).toString().padStart(digits + 1, '0')
  return digits === 0 ? q : `${q.slice(0, -digits)}.${q.slice(-digits)}`
}

/** Python's round(float, ndigits) (ndigits may be negative): correctly rounded, ties to even. */
export function pyRoundFloat(x: number, ndigits: number): number {
  if (!Number.isFinite(x) || ndigits > 323) return x
  if (ndigits < -308) return x < 0 || Object.is(x, -0) ? -0 : 0
  const q = scaledRound(x, ndigits)
  const text = ndigits >= 0 ? `${q}e-${ndigits}` : `${q}e${-ndigits}`
  const r = Number(text)
  return x < 0 || Object.is(x, -0) ? -r : r
}
