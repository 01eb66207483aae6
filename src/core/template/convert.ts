/**
 * Python's int() and float() constructors as used by Jinja's `int` / `float` filters, including
 * the errors that decide when those filters fall back to their default.
 */

import { pyStrip } from '../python/str.ts'
import { numeric, Undefined } from './runtime.ts'

/** Which Python exception a conversion raised. */
export type ConversionFailure = 'TypeError' | 'ValueError' | 'OverflowError'

/** Result of a conversion: the value, or the Python exception class it raised. */
export type Converted<T> = { ok: true, value: T } | { ok: false, error: ConversionFailure }

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER)
const FLOAT_TEXT = /^[+-]?(?:(?:\d(?:_?\d)*)(?:\.(?:\d(?:_?\d)*)?)?|\.\d(?:_?\d)*)(?:[eE][+-]?\d(?:_?\d)*)?$/
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i

function intResult(big: bigint): Converted<number | bigint> {
  return { ok: true, value: big >= -MAX_SAFE && big <= MAX_SAFE ? Number(big) : big }
}

/** int(text, base) for base 0 or 2..36 (ASCII digits only). */
export function pyIntFromStr(text: string, base: number): Converted<number | bigint> {
  let s = pyStrip(text)
  let sign = 1n
  if (s[0] === '+' || s[0] === '-') {
    if (s[0] === '-') sign = -1n
    s = s.slice(1)
  }
  const prefix = /^0([xob])/i.exec(s)
  const prefixBase = prefix ? { x: 16, o: 8, b: 2 }[(prefix[1] as string).toLowerCase() as 'x' | 'o' | 'b'] : 0
  let b = base
  if (b === 0) {
    b = prefixBase || 10
    if (b === 10 && /^0+_?[1-9]/.test(s)) return { ok: false, error: 'ValueError' }
  }
  if (prefix && prefixBase === b) s = s.slice(2).replace(/^_/, '')
  if (b < 2 || b > 36) return { ok: false, error: 'ValueError' }
  if (!/^[0-9a-z]+(?:_[0-9a-z]+)*$/i.test(s)) return { ok: false, error: 'ValueError' }
  s = s.replace(/_/g, '').toLowerCase()
  let acc = 0n
  const B = BigInt(b)
  for (const ch of s) {
    const d = parseInt(ch, 36)
    if (d >= b) return { ok: false, error: 'ValueError' }
    acc = acc * B + BigInt(d)
  }
  return intResult(sign * acc)
}

/** float(text). */
export function pyFloatFromStr(text: string): Converted<number> {
  const s = pyStrip(text)
  const special = SPECIAL_FLOAT.exec(s)
  if (special) {
    const neg = special[1] === '-'
    if ((special[2] as string).toLowerCase() === 'nan') return { ok: true, value: NaN }
    return { ok: true, value: neg ? -Infinity : Infinity }
  }
  if (!FLOAT_TEXT.test(s)) return { ok: false, error: 'ValueError' }
  return { ok: true, value: Number(s.replace(/_/g, '')) }
}

/** float(value) for str, bool, int, float; TypeError for anything else (Undefined fails). */
export function pyFloat(value: unknown): Converted<number> {
  if (value instanceof Undefined) value.fail()
  if (typeof value === 'string') return pyFloatFromStr(value)
  const n = numeric(value)
  if (n) return { ok: true, value: n.value }
  return { ok: false, error: 'TypeError' }
}

/** int(value) for non-str values: truncates floats; NaN → ValueError, ±inf → OverflowError. */
export function pyIntFromValue(value: unknown): Converted<number | bigint> {
  if (value instanceof Undefined) value.fail()
  if (typeof value === 'bigint') return { ok: true, value }
  const n = numeric(value)
  if (!n) return { ok: false, error: 'TypeError' }
  if (Number.isNaN(n.value)) return { ok: false, error: 'ValueError' }
  if (!Number.isFinite(n.value)) return { ok: false, error: 'OverflowError' }
  const t = Math.trunc(n.value)
  return Number.isSafeInteger(t) ? { ok: true, value: t + 0 } : { ok: true, value: BigInt(t) }
}

