/**
 * Binding call arguments to Python-style signatures, and argument type checks with Python's errors.
 */

import { PyFloat } from '../python/json.ts'
import { intValue, RenderError, typeName, Undefined, type Kwargs } from './runtime.ts'

/** A parameter: a bare name is required; [name, default] is optional. */
export type Param = string | readonly [string, unknown]

/**
 * Bind positional and keyword arguments to `params`, Python style; returns the values in param order.
 * `positionalOnly` rejects keywords (most str methods). `varargs` collects extra positionals as a last value.
 */
export function bind(fname: string, params: readonly Param[], args: readonly unknown[], kwargs: Kwargs,
  opts: { positionalOnly?: boolean, varargs?: boolean } = {}): unknown[] {
  const names = params.map((p) => (typeof p === 'string' ? p : p[0]))
  if (opts.positionalOnly && kwargs.size > 0) throw new RenderError(`${fname}() takes no keyword arguments`)
  const fixed = opts.varargs ? names.length - 1 : names.length
  if (!opts.varargs && args.length > fixed) {
    throw new RenderError(`${fname}() takes at most ${fixed} arguments (${args.length} given)`)
  }
  const out: unknown[] = []
  for (let i = 0; i < fixed; i++) {
    const name = names[i] as string
    const p = params[i] as Param
    if (i < args.length) {
      if (kwargs.has(name)) throw new RenderError(`${fname}() got multiple values for argument '${name}'`)
      out.push(args[i])
    } else if (kwargs.has(name)) {
      out.push(kwargs.get(name))
    } else if (typeof p !== 'string') {
      out.push(p[1])
    } else {
      throw new RenderError(`${fname}() missing required argument '${name}'`)
    }
  }
  if (opts.varargs) out.push(args.slice(fixed))
  for (const k of kwargs.keys()) {
    if (!names.slice(0, fixed).includes(k)) throw new RenderError(`${fname}() got an unexpected keyword argument '${k}'`)
  }
  return out
}

/** Fail on an Undefined argument (used where Python would touch it). */
function noUndefined(v: unknown): void {
  if (v instanceof Undefined) v.fail()
}

/** A str argument, else TypeError. */
export function argStr(fname: string, v: unknown): string {
  noUndefined(v)
  if (typeof v !== 'string') throw new RenderError(`${fname}() argument must be str, not ${typeName(v)}`)
  return v
}

/** A str-or-None argument. */
export function argOptStr(fname: string, v: unknown): string | null {
  if (v === null || v === undefined) return null
  return argStr(fname, v)
}

/** An int argument (bool counts), else TypeError. */
export function argInt(fname: string, v: unknown): number {
  noUndefined(v)
  const n = intValue(v)
  if (n === null) {
    const what = v instanceof PyFloat || typeof v === 'number' ? 'integer argument expected, got float' : `'${typeName(v)}' object cannot be interpreted as an integer`
    throw new RenderError(`${fname}(): ${what}`)
  }
  return n
}

/** An int-or-None argument (slice-style start/end). */
export function argOptInt(fname: string, v: unknown): number | null {
  if (v === null || v === undefined) return null
  return argInt(fname, v)
}
