/**
 * Python's `json.dumps(value, ensure_ascii=False[, indent=n])` and `repr(float)`, so results and sample
 * files come out byte-identical to lm-eval's.
 *
 * Python keeps ints and floats apart (`1` vs `1.0`); JS does not. Mapping used here:
 * - a JS number that is an integer → int text (`3`; `-0` → `0`), any other finite number → float repr;
 * - `new PyFloat(x)` → always float repr (`1.0`, `-0.0`), for values Python holds as float;
 * - NaN / ±Infinity (number or PyFloat) → bare `NaN`, `Infinity`, `-Infinity` (Python's allow_nan default);
 * - bigint → int text; booleans → true/false; null and undefined → null;
 * - arrays → lists (undefined items → null); Map → dict in insertion order (keys: string, number,
 *   boolean, null, converted as Python converts dict keys); other objects → dict of own enumerable keys,
 *   skipping keys whose value is undefined (as JSON.stringify does; Python has no such value).
 *   Note JS objects list integer-like keys first; use a Map when Python's key order differs.
 */

/** A number that Python holds as a float (dumped as `1.0`, not `1`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** Options of pyJsonDumps. */
export interface PyJsonOptions {
  /** spaces per nesting level; undefined → one line with ', ' and ': ' separators (Python's default) */
  indent?: number
}

/** Python's repr(float): shortest round-trip digits, '1.0', '1e-05', '1.5e+16', 'nan', 'inf', '-inf'. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan'
  if (x === Infinity) return 'inf'
  if (x === -Infinity) return '-inf'
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0'
  const sign = x < 0 ? '-' : ''
  // toExponential() without an argument yields the shortest digits that round-trip, like Python's repr.
  const [mant, expText] = Math.abs(x).toExponential().split('e') as [string, string]
  const digits = mant.replace('.', '')
  const exp = Number(expText)
  const decpt = exp + 1 // position of the decimal point relative to the digits
  if (decpt > -4 && decpt <= 16) {
    if (decpt <= 0) return `${sign}0.${'0'.repeat(-decpt)}${digits}`
    if (decpt >= digits.length) return `${sign}${digits}${'0'.repeat(decpt - digits.length)}.0`
    return `${sign}${digits.slice(0, decpt)}.${digits.slice(decpt)}`
  }
  const frac = digits.length > 1 ? `.${digits.slice(1)}` : ''
  const expSign = exp < 0 ? '-' : '+'
  return `${sign}${digits[0]}${frac}e${expSign}${String(Math.abs(exp)).padStart(2, '0')}`
}

/** Python's json.dumps(value, ensure_ascii=False, indent=opts.indent) for the JS values listed above. */
export function pyJsonDumps(value: unknown, opts: PyJsonOptions = {}): string {
  const indent = opts.indent === undefined ? undefined : ' '.repeat(Math.max(0, opts.indent))
  return encode(value, indent, 0, new Set<object>())
}

const ESCAPES: Record<string, string> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
}

/** A JSON string literal as Python writes it with ensure_ascii=False. */
function encodeString(s: string): string {
  const escaped = s.replace(/["\\\u0000-\u001f]/g, (c) =>
    ESCAPES[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
  return `"${escaped}"`
}

/** Python float text inside JSON (NaN/Infinity bare, as json.dumps writes them). */
function encodeFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN'
  if (x === Infinity) return 'Infinity'
  if (x === -Infinity) return '-Infinity'
  return pyFloatRepr(x)
}

/** A JS number as Python would print the int or float it stands for. */
function encodeNumber(x: number): string {
  if (!Number.isInteger(x)) return encodeFloat(x)
  return Math.abs(x) < 1e21 ? String(x) : BigInt(x).toString()
}

/** A dict key converted to str as Python's json does (str, int, float, bool, None keys). */
function encodeKey(key: unknown): string {
  if (typeof key === 'string') return key
  if (typeof key === 'number') return encodeNumber(key)
  if (key instanceof PyFloat) return encodeFloat(key.value)
  if (typeof key === 'bigint') return key.toString()
  if (typeof key === 'boolean') return key ? 'true' : 'false'
  if (key === null || key === undefined) return 'null'
  throw new TypeError(`keys must be str, int, float, bool or None, not ${typeof key}`)
}

function encode(value: unknown, indent: string | undefined, level: number, stack: Set<object>): string {
  if (value === null || value === undefined) return 'null'
  switch (typeof value) {
    case 'boolean': return value ? 'true' : 'false'
    case 'number': return encodeNumber(value)
    case 'bigint': return value.toString()
    case 'string': return encodeString(value)
    case 'object': break
    default: throw new TypeError(`Object of type ${typeof value} is not JSON serializable`)
  }
  if (value instanceof PyFloat) return encodeFloat(value.value)
  if (stack.has(value)) throw new TypeError('Circular reference detected')
  stack.add(value)
  let parts: string[]
  let open: string
  let close: string
  if (Array.isArray(value)) {
    parts = value.map((v) => encode(v, indent, level + 1, stack))
    open = '['
    close = ']'
  } else {
    const entries = value instanceof Map
      ? [...value.entries()].map(([k, v]) => [encodeKey(k), v] as const)
      : Object.entries(value).filter(([, v]) => v !== undefined)
    parts = entries.map(([k, v]) => `${encodeString(k)}: ${encode(v, indent, level + 1, stack)}`)
    open = '{'
    close = '}'
  }
  stack.delete(value)
  if (parts.length === 0) return open + close
  if (indent === undefined) return open + parts.join(', ') + close
  const inner = '\n' + indent.repeat(level + 1)
  return open + inner + parts.join(',' + inner) + '\n' + indent.repeat(level) + close
}
