/**
 * Jinja2 3.1 built-in filters (the subset templates use) plus lm-eval's `regex_replace`, with the
 * Python behaviour of each (jinja2/filters.py semantics, autoescape off). Built-in filters not listed
 * here exist in Python but fail with "not supported" (escape, tojson, groupby, wordwrap, …).
 */

import { checkItems } from './budget.ts'
import { PyFloat } from '../python/json.ts'
import { pyRegex } from '../python/regex.ts'
import {
  codePoints, isPyDict, isPyTuple, mkFloat, pyCapitalize, pyCenter, pyLower, pyReplace, pyRsplit, pySplitlines,
  pyStrip, pyTuple, pyUpper, pyLen, PY_SPACE_CLASS,
} from '../python/str.ts'
import { getAttr, getItem } from './access.ts'
import { boundMethod } from './methods.ts'
import { argInt, argOptStr, argStr, bind } from './args.ts'
import { pyFloat, pyIntFromStr, pyIntFromValue, type Converted } from './convert.ts'
import { callTest } from './is-tests.ts'
import { binaryOp, pyRoundFloat } from './operators.ts'
import {
  dictEntries, intValue, iterate, lenOf, numeric, pyCompare, pyEq, PyDictView, PyIter, PyRange, RenderError, toStr,
  truthy, typeName, Undefined, type Kwargs,
} from './runtime.ts'

/** A filter implementation: the filtered value, positional args, keyword args. */
export type FilterFn = (value: unknown, args: unknown[], kwargs: Kwargs) => unknown

/** Filters that exist in Jinja2 but are not implemented here (they fail instead of guessing). */
const UNSUPPORTED = new Set(['e', 'escape', 'forceescape', 'safe', 'tojson', 'pprint', 'random', 'groupby',
  'slice', 'wordwrap', 'urlencode', 'urlize', 'xmlattr', 'striptags', 'filesizeformat'])

/** Filters that accept an Undefined operand without failing. */
const UNDEFINED_OK = new Set(['default', 'd', 'items'])

const TITLE_SPLIT = new RegExp(`([-${PY_SPACE_CLASS}({\\[<]+)`, 'u')

function ignoreCase(v: unknown): unknown {
  return typeof v === 'string' ? pyLower(v) : v
}

/** Jinja's make_attrgetter: dotted path of getitem lookups, digit parts as ints. */
function attrGetter(attribute: unknown, post?: (v: unknown) => unknown, dflt: unknown = null): (item: unknown) => unknown {
  if (attribute === null || attribute === undefined) return post ?? ((x) => x)
  const parts: unknown[] = typeof attribute === 'string'
    ? attribute.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p))
    : [attribute]
  return (item) => {
    let v = item
    for (const part of parts) {
      v = getItem(v, part)
      if (dflt !== null && v instanceof Undefined) v = dflt
    }
    return post ? post(v) : v
  }
}

function sortItems(items: unknown[], key: (v: unknown) => unknown, reverseArg: unknown): unknown[] {
  const reverse = argInt('sort', reverseArg) !== 0
  const keyed = items.map((v) => [key(v), v] as const)
  keyed.sort((a, b) => (reverse ? -1 : 1) * (pyCompare(a[0], b[0], '<') || 0))
  return keyed.map(([, v]) => v)
}

function minMax(value: unknown, args: unknown[], kwargs: Kwargs, sign: 1 | -1, name: string): unknown {
  const [cs, attribute] = bind(name, [['case_sensitive', false], ['attribute', null]], args, kwargs)
  const items = iterate(value)
  if (items.length === 0) return new Undefined('No aggregated item, sequence was empty.')
  const key = attrGetter(attribute, truthy(cs) ? undefined : ignoreCase)
  let best = items[0]
  let bestKey = key(best)
  for (const item of items.slice(1)) {
    const k = key(item)
    if (sign * pyCompare(k, bestKey, sign > 0 ? '>' : '<') > 0) {
      best = item
      bestKey = k
    }
  }
  return best
}

function selectOrReject(value: unknown, args: unknown[], kwargs: Kwargs, keep: boolean, byAttr: boolean): PyIter {
  if (!truthy(value)) return new PyIter([])
  let off = 0
  let transform = (x: unknown) => x
  if (byAttr) {
    if (args.length === 0) throw new RenderError('Missing parameter for attribute name')
    transform = attrGetter(args[0])
    off = 1
  }
  const test = args.length > off
    ? (x: unknown) => callTest(argStr('select', args[off]), x, args.slice(off + 1), kwargs)
    : truthy
  return new PyIter(iterate(value).filter((item) => test(transform(item)) === keep))
}

function intFilter(value: unknown, args: unknown[], kwargs: Kwargs): unknown {
  const [dflt, base] = bind('int', [['default', 0], ['base', 10]], args, kwargs)
  const b = intValue(base)
  const first: Converted<number | bigint> = typeof value === 'string'
    ? (b === null ? { ok: false, error: 'TypeError' } : pyIntFromStr(value, b))
    : pyIntFromValue(value)
  if (first.ok) return first.value
  if (first.error === 'OverflowError') throw new RenderError('OverflowError: cannot convert float infinity to integer')
  const f = pyFloat(value)
  if (!f.ok) return dflt
  const second = pyIntFromValue(new PyFloat(f.value))
  return second.ok ? second.value : dflt
}

function roundFilter(value: unknown, args: unknown[], kwargs: Kwargs): unknown {
  const [precArg, method] = bind('round', [['precision', 0], ['method', 'common']], args, kwargs)
  if (method !== 'common' && method !== 'ceil' && method !== 'floor') {
    throw new RenderError('method must be common, ceil or floor')
  }
  const n = numeric(value)
  if (!n) throw new RenderError(`type ${typeName(value)} doesn't define __round__ method`)
  const prec = argInt('round', precArg)
  if (method === 'common') {
    if (n.isFloat) return mkFloat(pyRoundFloat(n.value, prec))
    if (prec >= 0) return n.value
    const unit = 10 ** -prec
    const q = Math.floor(n.value / unit)
    const r = n.value - q * unit
    const up = r * 2 > unit || (r * 2 === unit && q % 2 !== 0)
    return (up ? q + 1 : q) * unit
  }
  const scale = 10 ** prec
  const rounded = (method === 'ceil' ? Math.ceil : Math.floor)(n.value * scale)
  return mkFloat(rounded / scale)
}

function truncateFilter(value: unknown, args: unknown[], kwargs: Kwargs): unknown {
  const [lengthArg, killwords, end, leewayArg] = bind('truncate',
    [['length', 255], ['killwords', false], ['end', '...'], ['leeway', null]], args, kwargs)
  const length = argInt('truncate', lengthArg)
  const endStr = argStr('truncate', end)
  const leeway = leewayArg === null ? 5 : argInt('truncate', leewayArg)
  if (length < pyLen(endStr)) throw new RenderError(`expected length >= ${pyLen(endStr)}, got ${length}`)
  if (leeway < 0) throw new RenderError(`expected leeway >= 0, got ${leeway}`)
  if (lenOf(value) <= length + leeway) return value
  if (typeof value !== 'string') throw new RenderError(`can only concatenate ${typeName(value)} (not "str")`)
  const cps = codePoints(value)
  const head = cps.slice(0, Math.max(0, length - pyLen(endStr))).join('')
  if (truthy(killwords)) return head + endStr
  return (pyRsplit(head, ' ', 1)[0] as string) + endStr
}

function indentFilter(value: unknown, args: unknown[], kwargs: Kwargs): string {
  const [width, first, blank] = bind('indent', [['width', 4], ['first', false], ['blank', false]], args, kwargs)
  const w = typeof width === 'string' ? 0 : Math.max(0, argInt('indent', width))
  checkItems(w, `indent(${w})`)
  const ind = typeof width === 'string' ? width : ' '.repeat(w)
  if (typeof value !== 'string') throw new RenderError(`indent needs a str, not ${typeName(value)}`)
  const lines = pySplitlines(value + '\n')
  let rv: string
  if (truthy(blank)) rv = lines.join('\n' + ind)
  else {
    rv = lines[0] ?? ''
    const rest = lines.slice(1)
    if (rest.length > 0) rv += '\n' + rest.map((l) => (l ? ind + l : l)).join('\n')
  }
  return truthy(first) ? ind + rv : rv
}

function reversedItems(value: unknown): unknown[] | null {
  if (Array.isArray(value) || isPyDict(value) || value instanceof PyDictView || value instanceof PyRange || typeof value === 'string') {
    return iterate(value).reverse()
  }
  return null
}

const one = (name: string, fn: (v: unknown) => unknown): FilterFn => (v, args, kwargs) => {
  bind(name, [], args, kwargs)
  return fn(v)
}

const FILTERS: Record<string, FilterFn> = {
  abs: one('abs', (v) => {
    const n = numeric(v)
    if (!n) throw new RenderError(`bad operand type for abs(): '${typeName(v)}'`)
    return n.isFloat ? mkFloat(Math.abs(n.value)) : Math.abs(n.value)
  }),
  attr: (v, args, kwargs) => {
    const name = toStr(bind('attr', ['name'], args, kwargs)[0])
    // Python getattr only: dict keys are not attributes.
    if (typeof v === 'string' || Array.isArray(v) || isPyDict(v)) {
      return boundMethod(v, name) ?? new Undefined(`'${typeName(v)} object' has no attribute '${name}'`)
    }
    return getAttr(v, name)
  },
  batch: (v, args, kwargs) => {
    const [countArg, fill] = bind('batch', ['linecount', ['fill_with', null]], args, kwargs)
    const count = argInt('batch', countArg)
    const out: unknown[][] = []
    let tmp: unknown[] = []
    for (const item of iterate(v)) {
      if (tmp.length === count) {
        out.push(tmp)
        tmp = []
      }
      tmp.push(item)
    }
    if (tmp.length > 0) {
      if (fill !== null && tmp.length < count) while (tmp.length < count) tmp.push(fill)
      out.push(tmp)
    }
    return new PyIter(out)
  },
  capitalize: one('capitalize', (v) => pyCapitalize(toStr(v))),
  center: (v, args, kwargs) => pyCenter(toStr(v), argInt('center', bind('center', [['width', 80]], args, kwargs)[0])),
  count: one('count', lenOf),
  default: (v, args, kwargs) => {
    const [dflt, boolean] = bind('default', [['default_value', ''], ['boolean', false]], args, kwargs)
    return v instanceof Undefined || (truthy(boolean) && !truthy(v)) ? dflt : v
  },
  dictsort: (v, args, kwargs) => {
    const [cs, by, reverse] = bind('dictsort', [['case_sensitive', false], ['by', 'key'], ['reverse', false]], args, kwargs)
    if (by !== 'key' && by !== 'value') throw new RenderError('You can only sort by either "key" or "value"')
    if (!isPyDict(v)) throw new RenderError(`'${typeName(v)}' object has no attribute 'items'`)
    const pos = by === 'key' ? 0 : 1
    const pairs = dictEntries(v).map(([k, x]) => pyTuple([k, x]))
    return sortItems(pairs, (p) => (truthy(cs) ? (p as unknown[])[pos] : ignoreCase((p as unknown[])[pos])), reverse)
  },
  first: one('first', (v) => {
    const items = iterate(v)
    return items.length > 0 ? items[0] : new Undefined('No first item, sequence was empty.')
  }),
  float: (v, args, kwargs) => {
    const [dflt] = bind('float', [['default', new PyFloat(0)]], args, kwargs)
    const f = pyFloat(v)
    return f.ok ? mkFloat(f.value) : dflt
  },
  format: (v, args, kwargs) => {
    if (args.length > 0 && kwargs.size > 0) throw new RenderError("can't handle positional and keyword arguments at the same time")
    return binaryOp('%', toStr(v), kwargs.size > 0 ? new Map(kwargs) : pyTuple(args))
  },
  indent: indentFilter,
  int: intFilter,
  items: one('items', (v) => {
    if (v instanceof Undefined) return new PyIter([])
    if (!isPyDict(v)) throw new RenderError('Can only get item pairs from a mapping.')
    return new PyIter(dictEntries(v).map(([k, x]) => pyTuple([k, x])))
  }),
  join: (v, args, kwargs) => {
    const [d, attribute] = bind('join', [['d', ''], ['attribute', null]], args, kwargs)
    const get = attrGetter(attribute)
    return iterate(v).map((x) => toStr(get(x))).join(toStr(d))
  },
  last: one('last', (v) => {
    const items = reversedItems(v)
    if (items === null) throw new RenderError(`'${typeName(v)}' object is not reversible`)
    return items.length > 0 ? items[0] : new Undefined('No last item, sequence was empty.')
  }),
  length: one('length', lenOf),
  list: one('list', iterate),
  lower: one('lower', (v) => pyLower(toStr(v))),
  map: (v, args, kwargs) => {
    if (!truthy(v)) return new PyIter([])
    if (args.length === 0 && kwargs.has('attribute')) {
      const rest = new Map(kwargs)
      const attribute = rest.get('attribute')
      const dflt = rest.has('default') ? rest.get('default') : null
      rest.delete('attribute')
      rest.delete('default')
      if (rest.size > 0) throw new RenderError(`Unexpected keyword argument '${[...rest.keys()][0]}'`)
      return new PyIter(iterate(v).map(attrGetter(attribute, undefined, dflt)))
    }
    if (args.length === 0) throw new RenderError('map requires a filter argument')
    const name = argStr('map', args[0])
    return new PyIter(iterate(v).map((x) => applyFilter(name, x, args.slice(1), kwargs)))
  },
  max: (v, args, kwargs) => minMax(v, args, kwargs, 1, 'max'),
  min: (v, args, kwargs) => minMax(v, args, kwargs, -1, 'min'),
  regex_replace: (v, args, kwargs) => {
    const [pattern, repl, count] = bind('regex_replace', ['pattern', 'repl', ['count', 0]], args, kwargs)
    if (typeof v !== 'string') throw new RenderError('expected string or bytes-like object')
    return pyRegex(argStr('regex_replace', pattern)).sub(v, argStr('regex_replace', repl), argInt('regex_replace', count))
  },
  reject: (v, args, kwargs) => selectOrReject(v, args, kwargs, false, false),
  rejectattr: (v, args, kwargs) => selectOrReject(v, args, kwargs, false, true),
  replace: (v, args, kwargs) => {
    const [o, n, c] = bind('replace', ['old', 'new', ['count', null]], args, kwargs)
    return pyReplace(toStr(v), toStr(o), toStr(n), c === null ? -1 : argInt('replace', c))
  },
  reverse: one('reverse', (v) => {
    if (typeof v === 'string') return codePoints(v).reverse().join('')
    const items = reversedItems(v)
    if (items !== null) return new PyIter(items)
    return iterate(v).reverse()
  }),
  round: roundFilter,
  select: (v, args, kwargs) => selectOrReject(v, args, kwargs, true, false),
  selectattr: (v, args, kwargs) => selectOrReject(v, args, kwargs, true, true),
  sort: (v, args, kwargs) => {
    const [reverse, cs, attribute] = bind('sort', [['reverse', false], ['case_sensitive', false], ['attribute', null]], args, kwargs)
    return sortItems(iterate(v), attrGetter(attribute, truthy(cs) ? undefined : ignoreCase), reverse)
  },
  string: one('string', toStr),
  sum: (v, args, kwargs) => {
    const [attribute, start] = bind('sum', [['attribute', null], ['start', 0]], args, kwargs)
    if (typeof start === 'string') throw new RenderError("sum() can't sum strings [use ''.join(seq) instead]")
    return iterate(v).map(attrGetter(attribute)).reduce((acc, x) => binaryOp('+', acc, x), start)
  },
  title: one('title', (v) => toStr(v).split(TITLE_SPLIT)
    .filter((item) => item !== '')
    .map((item) => {
      const cps = codePoints(item)
      return pyUpper(cps[0] as string) + pyLower(cps.slice(1).join(''))
    }).join('')),
  trim: (v, args, kwargs) => pyStrip(toStr(v), argOptStr('trim', bind('trim', [['chars', null]], args, kwargs)[0])),
  truncate: truncateFilter,
  unique: (v, args, kwargs) => {
    const [cs, attribute] = bind('unique', [['case_sensitive', false], ['attribute', null]], args, kwargs)
    const key = attrGetter(attribute, truthy(cs) ? undefined : ignoreCase)
    const seen: unknown[] = []
    const out: unknown[] = []
    for (const item of iterate(v)) {
      const k = key(item)
      if ((Array.isArray(k) && !isPyTuple(k)) || isPyDict(k)) throw new RenderError(`unhashable type: '${typeName(k)}'`)
      if (!seen.some((s) => pyEq(s, k))) {
        seen.push(k)
        out.push(item)
      }
    }
    return new PyIter(out)
  },
  upper: one('upper', (v) => pyUpper(toStr(v))),
  wordcount: one('wordcount', (v) => (toStr(v).match(/[\p{L}\p{N}_]+/gu) ?? []).length),
}
FILTERS.d = FILTERS.default as FilterFn

/** True if a filter of that name exists (implemented or not). */
export function filterExists(name: string): boolean {
  return Object.hasOwn(FILTERS, name) || UNSUPPORTED.has(name)
}

/** Apply filter `name` to `value`. */
export function applyFilter(name: string, value: unknown, args: unknown[], kwargs: Kwargs): unknown {
  if (!Object.hasOwn(FILTERS, name)) {
    if (UNSUPPORTED.has(name)) throw new RenderError(`the filter '${name}' is not supported by this evaluator`)
    throw new RenderError(`no filter named '${name}'`)
  }
  if (value instanceof Undefined && value.strict && !UNDEFINED_OK.has(name)) value.fail()
  return (FILTERS[name] as FilterFn)(value, args, kwargs)
}
