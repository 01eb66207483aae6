/**
 * Jinja's attribute and item access: `x.name` tries the Python attribute (methods) first, then
 * `x['name']`; `x[key]` tries the item first, then the attribute for str keys; a miss gives a
 * StrictUndefined (failing only when used), while access on an Undefined fails at once.
 */

import { codePoints, isPyDict, isPyTuple, pyTuple } from '../python/str.ts'
import { boundMethod } from './methods.ts'
import {
  dictLookup, intValue, keyRepr, LoopContext, Namespace, PyCallable, pyEq, PyRange, RenderError, typeName, Undefined,
} from './runtime.ts'

/** A slice value `[start:stop:step]` (each null when omitted). */
export class SliceValue {
  constructor(
    /** start index (null = from the start) */
    readonly start: unknown,
    /** stop index, exclusive (null = to the end) */
    readonly stop: unknown,
    /** step (null = 1) */
    readonly step: unknown,
  ) {}
}

function objRepr(obj: unknown): string {
  return obj === null || obj === undefined ? 'None' : `'${typeName(obj)} object'`
}

function missingAttr(obj: unknown, name: string): Undefined {
  return new Undefined(`${objRepr(obj)} has no attribute ${keyRepr(name)}`)
}

function missingItem(obj: unknown, key: unknown): Undefined {
  if (typeof key === 'string') return missingAttr(obj, key)
  return new Undefined(`${objRepr(obj)} has no element ${keyRepr(key)}`)
}

function loopAttr(loop: LoopContext, name: string, changed: { last?: unknown }): unknown {
  const { items, index0 } = loop
  const n = items.length
  switch (name) {
    case 'index': return index0 + 1
    case 'index0': return index0
    case 'revindex': return n - index0
    case 'revindex0': return n - index0 - 1
    case 'first': return index0 === 0
    case 'last': return index0 === n - 1
    case 'length': return n
    case 'depth': return 1
    case 'depth0': return 0
    case 'previtem': return index0 > 0 ? items[index0 - 1] : new Undefined('there is no previous item')
    case 'nextitem': return index0 + 1 < n ? items[index0 + 1] : new Undefined('there is no next item')
    case 'cycle': return new PyCallable('loop.cycle', (args) => {
      if (args.length === 0) throw new RenderError('no items for cycling given')
      return args[index0 % args.length]
    })
    case 'changed': return new PyCallable('loop.changed', (args) => {
      const value = pyTuple(args)
      const same = 'last' in changed && pyEq(changed.last, value)
      changed.last = value
      return !same
    })
    default: return undefined
  }
}

/** Per-loop state for loop.changed() (kept by the interpreter across iterations). */
export const LOOP_STATE = new WeakMap<readonly unknown[], { last?: unknown }>()

/** Jinja getattr: `obj.name`. */
export function getAttr(obj: unknown, name: string): unknown {
  if (obj instanceof Undefined) obj.fail()
  const method = boundMethod(obj, name)
  if (method) return method
  if (obj instanceof LoopContext) {
    let state = LOOP_STATE.get(obj.items)
    if (!state) {
      state = {}
      LOOP_STATE.set(obj.items, state)
    }
    const v = loopAttr(obj, name, state)
    return v === undefined ? missingAttr(obj, name) : v
  }
  if (obj instanceof Namespace) return obj.attrs.has(name) ? obj.attrs.get(name) : missingAttr(obj, name)
  if (obj instanceof PyRange && (name === 'start' || name === 'stop' || name === 'step')) return obj[name]
  if (isPyDict(obj)) {
    const hit = dictLookup(obj, name)
    return hit.found ? hit.value : missingAttr(obj, name)
  }
  return missingAttr(obj, name)
}

/** slice(start, stop, step).indices(len) → the selected positions. */
function sliceIndices(s: SliceValue, len: number): number[] | null {
  const get = (v: unknown): number | null | undefined => (v === null || v === undefined ? null : (intValue(v) ?? undefined))
  const step = get(s.step) ?? 1
  const startArg = get(s.start)
  const stopArg = get(s.stop)
  if (startArg === undefined || stopArg === undefined || get(s.step) === undefined) return null
  if (step === 0) throw new RenderError('ValueError: slice step cannot be zero')
  const lower = step > 0 ? 0 : -1
  const upper = step > 0 ? len : len - 1
  const norm = (v: number | null, dflt: number): number => {
    if (v === null) return dflt
    if (v < 0) return Math.max(v + len, lower)
    return Math.min(v, upper)
  }
  const start = norm(startArg, step > 0 ? lower : upper)
  const stop = norm(stopArg, step > 0 ? upper : lower)
  const out: number[] = []
  if (step > 0) for (let i = start; i < stop; i += step) out.push(i)
  else for (let i = start; i > stop; i += step) out.push(i)
  return out
}

/** Jinja getitem: `obj[key]` (key may be a SliceValue). */
export function getItem(obj: unknown, key: unknown): unknown {
  if (obj instanceof Undefined) obj.fail()
  const seq = typeof obj === 'string' ? codePoints(obj) : Array.isArray(obj) ? obj : obj instanceof PyRange ? obj.items() : null
  if (seq) {
    if (key instanceof SliceValue) {
      const idx = sliceIndices(key, seq.length)
      if (idx === null) throw new RenderError('slice indices must be integers or None or have an __index__ method')
      const picked = idx.map((i) => seq[i])
      if (typeof obj === 'string') return picked.join('')
      return isPyTuple(obj) ? pyTuple(picked) : picked
    }
    const i = intValue(key)
    if (i !== null) {
      const j = i < 0 ? i + seq.length : i
      return j >= 0 && j < seq.length ? seq[j] : missingItem(obj, key)
    }
    return typeof key === 'string' ? getAttr(obj, key) : missingItem(obj, key)
  }
  // Jinja subscripts slices directly (no getitem fallback), so a bad slice raises.
  if (key instanceof SliceValue) throw new RenderError(`'${typeName(obj)}' object is not subscriptable with a slice`)
  if (isPyDict(obj)) {
    if (key instanceof Undefined && key.strict) key.fail()
    if (Array.isArray(key) && !isPyTuple(key)) return missingItem(obj, key)
    if (isPyDict(key)) return missingItem(obj, key)
    const hit = dictLookup(obj, key)
    if (hit.found) return hit.value
    if (typeof key === 'string') {
      const method = boundMethod(obj, key)
      if (method) return method
    }
    return missingItem(obj, key)
  }
  if (typeof key === 'string') return getAttr(obj, key)
  return missingItem(obj, key)
}
