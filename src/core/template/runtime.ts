/**
 * Runtime value model of the template evaluator: Jinja's Undefined, callables, one-shot iterators,
 * dict views, loop contexts, and the Python semantics of truthiness, equality, ordering, len(),
 * iteration and str() over the value model of ../python/str.ts.
 */

import { PyFloat } from '../python/json.ts'
import { checkItems } from './budget.ts'
import { codePoints, isPyDict, isPyTuple, pyLen, pyRepr, pyStrRepr, type PyReprable } from '../python/str.ts'

/** A failure while evaluating a template (Python would raise); render.ts wraps it in TemplateError. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RenderError'
  }
}

/** Jinja's Undefined: `strict` = StrictUndefined (every use fails), else the lenient base class. */
export class Undefined implements PyReprable {
  /** message raised when the value is used */
  readonly hint: string
  /** StrictUndefined (true) or plain Undefined (false: prints '', iterates empty, is falsy) */
  readonly strict: boolean

  constructor(hint: string, strict = true) {
    this.hint = hint
    this.strict = strict
  }

  /** Raise the UndefinedError. */
  fail(): never {
    throw new RenderError(this.hint)
  }

  pyRepr(): string {
    return 'Undefined'
  }
}

/** Keyword arguments of a call, in source order. */
export type Kwargs = Map<string, unknown>

/** A Python callable: a bound method, a global function or a loop helper. */
export class PyCallable implements PyReprable {
  /** name used in error messages */
  readonly name: string
  /** the implementation */
  readonly fn: (args: unknown[], kwargs: Kwargs) => unknown

  constructor(name: string, fn: (args: unknown[], kwargs: Kwargs) => unknown) {
    this.name = name
    this.fn = fn
  }

  pyRepr(): string {
    throw new RenderError(`printing the callable '${this.name}' is not supported (Python prints a memory address)`)
  }
}

/** A one-shot iterator (Python generator / reversed() / map() results). */
export class PyIter implements PyReprable {
  private items: unknown[]

  constructor(items: unknown[]) {
    this.items = items
  }

  /** Take all remaining items (the iterator is then exhausted). */
  drain(): unknown[] {
    const out = this.items
    this.items = []
    return out
  }

  pyRepr(): string {
    throw new RenderError('printing an iterator is not supported (Python prints a memory address)')
  }
}

/** dict.keys() / values() / items() views. */
export class PyDictView implements PyReprable {
  /** which view */
  readonly kind: 'dict_keys' | 'dict_values' | 'dict_items'
  /** the view's items (tuples for dict_items) */
  readonly items: readonly unknown[]

  constructor(kind: 'dict_keys' | 'dict_values' | 'dict_items', items: readonly unknown[]) {
    this.kind = kind
    this.items = items
  }

  pyRepr(): string {
    return `${this.kind}(${pyRepr([...this.items])})`
  }
}

/** range(start, stop, step). */
export class PyRange implements PyReprable {
  constructor(
    /** first value */
    readonly start: number,
    /** end (exclusive) */
    readonly stop: number,
    /** increment, never 0 */
    readonly step: number,
  ) {}

  /** How many numbers the range holds (Python len(range)). */
  get length(): number {
    const n = this.step > 0 ? Math.ceil((this.stop - this.start) / this.step) : Math.ceil((this.start - this.stop) / -this.step)
    return Math.max(0, n)
  }

  /** The numbers of the range (within the render budget's item limit). */
  items(): number[] {
    checkItems(this.length, `range(${this.start}, ${this.stop}, ${this.step})`)
    const out: number[] = []
    if (this.step > 0) for (let i = this.start; i < this.stop; i += this.step) out.push(i)
    // step < 0 here, so i moves down towards stop
    // biome-ignore lint/correctness/useValidForDirection: the sign of step is checked on the line above
    else for (let i = this.start; i > this.stop; i += this.step) out.push(i)
    return out
  }

  pyRepr(): string {
    return this.step === 1 ? `range(${this.start}, ${this.stop})` : `range(${this.start}, ${this.stop}, ${this.step})`
  }
}

/** Jinja's namespace() object (attributes assignable with `{% set ns.x = … %}`). */
export class Namespace implements PyReprable {
  /** the namespace's attributes in assignment order */
  readonly attrs = new Map<string, unknown>()

  pyRepr(): string {
    return `<Namespace ${pyRepr(this.attrs)}>`
  }
}

/** The `loop` variable inside a for loop. */
export class LoopContext implements PyReprable {
  constructor(
    /** all items of the loop (after its `if` filter) */
    readonly items: readonly unknown[],
    /** position of the current item, from 0 */
    readonly index0: number,
  ) {}

  pyRepr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.items.length}>`
  }
}

/** Python type name used in messages ('str', 'list', 'dict', …). */
export function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'NoneType'
  if (typeof v === 'string') return 'str'
  if (typeof v === 'boolean') return 'bool'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'bigint') return 'int'
  if (v instanceof PyFloat) return 'float'
  if (Array.isArray(v)) return isPyTuple(v) ? 'tuple' : 'list'
  if (isPyDict(v)) return 'dict'
  if (v instanceof Undefined) return 'Undefined'
  if (v instanceof PyCallable) return 'builtin_function_or_method'
  if (v instanceof PyIter) return 'generator'
  if (v instanceof PyDictView) return v.kind
  if (v instanceof PyRange) return 'range'
  if (v instanceof LoopContext) return 'LoopContext'
  if (v instanceof Namespace) return 'Namespace'
  return 'object'
}

/** Fail if v is an Undefined (any flavour): used by operations that Undefined never supports. */
export function checkDefined(v: unknown): void {
  if (v instanceof Undefined) v.fail()
}

/** A number view of bool/int/float values; null for anything else. */
export function numeric(v: unknown): { value: number, isFloat: boolean } | null {
  if (typeof v === 'boolean') return { value: v ? 1 : 0, isFloat: false }
  if (typeof v === 'number') return { value: v, isFloat: !Number.isInteger(v) }
  if (typeof v === 'bigint') return { value: Number(v), isFloat: false }
  if (v instanceof PyFloat) return { value: v.value, isFloat: true }
  return null
}

/** An int argument (int or bool), or null when v is not one. */
export function intValue(v: unknown): number | null {
  if (typeof v === 'boolean') return v ? 1 : 0
  if (typeof v === 'number' && Number.isInteger(v)) return v
  if (typeof v === 'bigint') return Number(v)
  return null
}

/** Python truthiness. */
export function truthy(v: unknown): boolean {
  if (v instanceof Undefined) {
    if (v.strict) v.fail()
    return false
  }
  if (v === null || v === undefined) return false
  if (typeof v === 'boolean') return v
  if (typeof v === 'string') return v.length > 0
  const n = numeric(v)
  if (n) return n.value !== 0
  if (Array.isArray(v)) return v.length > 0
  if (v instanceof Map) return v.size > 0
  if (v instanceof PyDictView) return v.items.length > 0
  if (v instanceof PyRange) return v.length > 0
  if (isPyDict(v)) return Object.keys(v).length > 0
  return true
}

/** Entries of a dict (Map or plain object) in order. */
export function dictEntries(d: Map<unknown, unknown> | Record<string, unknown>): [unknown, unknown][] {
  return d instanceof Map ? [...d.entries()] : Object.entries(d).filter(([, v]) => v !== undefined)
}

/** d[key] with Python key equality; `found` false when the key is absent. */
export function dictLookup(d: Map<unknown, unknown> | Record<string, unknown>, key: unknown): { found: boolean, value?: unknown } {
  checkHashable(key)
  if (d instanceof Map) {
    if (d.has(key)) return { found: true, value: d.get(key) }
    for (const [k, v] of d) if (hashableEq(k, key)) return { found: true, value: v }
    return { found: false }
  }
  if (typeof key === 'string' && Object.hasOwn(d, key) && d[key] !== undefined) return { found: true, value: d[key] }
  return { found: false }
}

/** hash(key): StrictUndefined fails, lists and dicts are unhashable. */
function checkHashable(key: unknown): void {
  if (key instanceof Undefined && key.strict) key.fail()
  if (Array.isArray(key)) {
    if (!isPyTuple(key)) throw new RenderError("unhashable type: 'list'")
    key.forEach(checkHashable)
  }
  if (isPyDict(key)) throw new RenderError("unhashable type: 'dict'")
}

function hashableEq(a: unknown, b: unknown): boolean {
  checkHashable(b)
  return pyEq(a, b)
}

/** Python ==. */
export function pyEq(a: unknown, b: unknown): boolean {
  if (a instanceof Undefined || b instanceof Undefined) {
    if ((a instanceof Undefined && a.strict) || (b instanceof Undefined && b.strict)) {
      ;(a instanceof Undefined && a.strict ? a : b as Undefined).fail()
    }
    return a instanceof Undefined && b instanceof Undefined
  }
  if (a === undefined) a = null
  if (b === undefined) b = null
  if (a === b) return true
  const na = numeric(a)
  const nb = numeric(b)
  if (na && nb) return na.value === nb.value
  if (na || nb) return false
  if (typeof a === 'string' || typeof b === 'string') return false
  if (Array.isArray(a) && Array.isArray(b)) {
    if (isPyTuple(a) !== isPyTuple(b) || a.length !== b.length) return false
    return a.every((x, i) => pyEq(x, b[i]))
  }
  if (isPyDict(a) && isPyDict(b)) {
    const ea = dictEntries(a)
    if (ea.length !== dictEntries(b).length) return false
    return ea.every(([k, v]) => {
      const hit = dictLookup(b, k)
      return hit.found && pyEq(v, hit.value)
    })
  }
  return false
}

/** Compare code point by code point (JS compares UTF-16 units). */
function compareStr(a: string, b: string): number {
  if (!/[\uD800-\uDFFF]/.test(a + b)) return a < b ? -1 : a > b ? 1 : 0
  const ca = Array.from(a)
  const cb = Array.from(b)
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = (ca[i] as string).codePointAt(0) as number
    const y = (cb[i] as string).codePointAt(0) as number
    if (x !== y) return x < y ? -1 : 1
  }
  return ca.length - cb.length
}

/** Python ordering (<, >) as -1/0/1; NaN comparisons give NaN. Throws for unorderable types. */
export function pyCompare(a: unknown, b: unknown, op: string): number {
  checkDefined(a)
  checkDefined(b)
  const na = numeric(a)
  const nb = numeric(b)
  if (na && nb) return na.value < nb.value ? -1 : na.value > nb.value ? 1 : na.value === nb.value ? 0 : NaN
  if (typeof a === 'string' && typeof b === 'string') return compareStr(a, b)
  if (Array.isArray(a) && Array.isArray(b) && isPyTuple(a) === isPyTuple(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      if (!pyEq(a[i], b[i])) return pyCompare(a[i], b[i], op)
    }
    return a.length - b.length
  }
  throw new RenderError(`'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`)
}

/** iter(v) as an array of items (strings by code point, dicts by key). */
export function iterate(v: unknown): unknown[] {
  if (v instanceof Undefined) {
    if (v.strict) v.fail()
    return []
  }
  if (typeof v === 'string') return codePoints(v)
  if (Array.isArray(v)) return [...v]
  if (v instanceof Map) return [...v.keys()]
  if (v instanceof PyIter) return v.drain()
  if (v instanceof PyDictView) return [...v.items]
  if (v instanceof PyRange) return v.items()
  if (isPyDict(v)) return dictEntries(v).map(([k]) => k)
  throw new RenderError(`'${typeName(v)}' object is not iterable`)
}

/** len(v). */
export function lenOf(v: unknown): number {
  if (v instanceof Undefined) {
    if (v.strict) v.fail()
    return 0
  }
  if (typeof v === 'string') return pyLen(v)
  if (Array.isArray(v)) return v.length
  if (v instanceof Map) return v.size
  if (v instanceof PyDictView) return v.items.length
  if (v instanceof PyRange) return v.length
  if (isPyDict(v)) return dictEntries(v).length
  throw new RenderError(`object of type '${typeName(v)}' has no len()`)
}

/** str(v) as Jinja prints it (StrictUndefined raises, plain Undefined prints ''). */
export function toStr(v: unknown): string {
  if (v instanceof Undefined) {
    if (v.strict) v.fail()
    return ''
  }
  if (typeof v === 'string') return v
  try {
    return pyRepr(v)
  } catch (e) {
    if (e instanceof RenderError) throw e
    throw new RenderError(`cannot convert a value to str: ${(e as Error).message}`)
  }
}

/** `item in container`. */
export function contains(container: unknown, item: unknown): boolean {
  if (container instanceof Undefined) container.fail()
  if (typeof container === 'string') {
    if (item instanceof Undefined) item.fail()
    if (typeof item !== 'string') throw new RenderError(`'in <string>' requires string as left operand, not ${typeName(item)}`)
    return container.includes(item)
  }
  if (isPyDict(container)) return dictLookup(container, item).found
  if (container instanceof PyDictView && container.kind === 'dict_keys') {
    return container.items.some((k) => hashableEq(k, item))
  }
  return iterate(container).some((x) => pyEq(x, item))
}

/** Python repr of an attribute / key for error messages. */
export function keyRepr(k: unknown): string {
  return typeof k === 'string' ? pyStrRepr(k) : (() => { try { return pyRepr(k) } catch { return '?' } })()
}
