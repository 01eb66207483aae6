/**
 * Python methods callable from templates: str, list/tuple and dict methods (bound to their object),
 * with Python's argument rules and errors. Mutating methods exist as attributes but fail when called.
 */

import { checkItems } from './budget.ts'
import {
  isPyDict, isPyTuple, pyCapitalize, pyCenter, pyCount, pyEndsWith, pyFind, pyIsAlnum, pyIsAlpha, pyIsDecimal,
  pyIsDigit, pyIsLower, pyIsNumeric, pyIsSpace, pyIsUpper, isPyPrintable, codePoints, pyLower, pyLstrip,
  pyReplace, pyRfind, pyRsplit, pyRstrip, pySplit, pySplitlines, pyStartsWith, pyStrip, pySwapcase,
  pyTitle, pyTuple, pyUpper, pyZfill, pyLen,
} from '../python/str.ts'
import { argInt, argOptInt, argOptStr, argStr, bind } from './args.ts'
import {
  dictEntries, dictLookup, iterate, pyEq, PyCallable, PyDictView, RenderError, typeName, type Kwargs,
} from './runtime.ts'

type Impl<T> = (self: T, args: unknown[], kwargs: Kwargs) => unknown

function prefixArg(fname: string, v: unknown): string | string[] {
  if (isPyTuple(v)) return v.map((x) => argStr(fname, x))
  if (typeof v !== 'string') {
    throw new RenderError(`${fname} first arg must be str or a tuple of str, not ${typeName(v)}`)
  }
  return v
}

function notFound(kind: string): never {
  throw new RenderError(`ValueError: ${kind}`)
}

function pad(fname: string, s: string, args: unknown[], kwargs: Kwargs, side: 'l' | 'r'): string {
  const [w, f] = bind(fname, ['width', ['fillchar', ' ']], args, kwargs, { positionalOnly: true })
  const width = argInt(fname, w)
  const fill = argStr(fname, f)
  if (pyLen(fill) !== 1) throw new RenderError('The fill character must be exactly one character long')
  const n = width - pyLen(s)
  if (n <= 0) return s
  checkItems(n, `${fname}(${width})`)
  return side === 'l' ? s + fill.repeat(n) : fill.repeat(n) + s
}

function isTitle(s: string): boolean {
  let cased = false
  let prevCased = false
  for (const c of codePoints(s)) {
    if (/[\p{Uppercase}\p{Lt}]/u.test(c)) {
      if (prevCased) return false
      prevCased = true
      cased = true
    } else if (/\p{Lowercase}/u.test(c)) {
      if (!prevCased) return false
      prevCased = true
      cased = true
    } else prevCased = false
  }
  return cased
}

function noArgs(fn: (s: string) => unknown): Impl<string> {
  return (s, args, kwargs) => {
    bind('method', [], args, kwargs, { positionalOnly: true })
    return fn(s)
  }
}

function search(fname: string, fn: (s: string, sub: string, a: number | null, b: number | null) => unknown): Impl<string> {
  return (s, args, kwargs) => {
    const [sub, a, b] = bind(fname, ['sub', ['start', null], ['end', null]], args, kwargs, { positionalOnly: true })
    return fn(s, argStr(fname, sub), argOptInt(fname, a), argOptInt(fname, b))
  }
}

function strip(fname: string, fn: (s: string, chars: string | null) => string): Impl<string> {
  return (s, args, kwargs) => {
    const [chars] = bind(fname, [['chars', null]], args, kwargs, { positionalOnly: true })
    return fn(s, argOptStr(fname, chars))
  }
}

function splitter(fname: string, fn: typeof pySplit): Impl<string> {
  return (s, args, kwargs) => {
    const [sep, max] = bind(fname, [['sep', null], ['maxsplit', -1]], args, kwargs)
    const sepStr = argOptStr(fname, sep)
    if (sepStr === '') throw new RenderError('ValueError: empty separator')
    return fn(s, sepStr, argInt(fname, max))
  }
}

function partition(fname: string, s: string, args: unknown[], kwargs: Kwargs, fromRight: boolean): unknown {
  const [sepArg] = bind(fname, ['sep'], args, kwargs, { positionalOnly: true })
  const sep = argStr(fname, sepArg)
  if (sep === '') throw new RenderError('ValueError: empty separator')
  const i = fromRight ? s.lastIndexOf(sep) : s.indexOf(sep)
  if (i < 0) return fromRight ? pyTuple(['', '', s]) : pyTuple([s, '', ''])
  return pyTuple([s.slice(0, i), sep, s.slice(i + sep.length)])
}

const STR_METHODS: Record<string, Impl<string> | null> = {
  capitalize: noArgs(pyCapitalize),
  casefold: null,
  center: (s, args, kwargs) => {
    const [w, f] = bind('center', ['width', ['fillchar', ' ']], args, kwargs, { positionalOnly: true })
    const fill = argStr('center', f)
    if (pyLen(fill) !== 1) throw new RenderError('The fill character must be exactly one character long')
    return pyCenter(s, argInt('center', w), fill)
  },
  count: search('count', pyCount),
  encode: null,
  endswith: (s, args, kwargs) => {
    const [p, a, b] = bind('endswith', ['suffix', ['start', null], ['end', null]], args, kwargs, { positionalOnly: true })
    return pyEndsWith(s, prefixArg('endswith', p), argOptInt('endswith', a), argOptInt('endswith', b))
  },
  expandtabs: null,
  find: search('find', pyFind),
  format: null,
  format_map: null,
  index: search('index', (s, sub, a, b) => {
    const i = pyFind(s, sub, a, b)
    return i < 0 ? notFound('substring not found') : i
  }),
  isalnum: noArgs(pyIsAlnum),
  isalpha: noArgs(pyIsAlpha),
  isascii: noArgs((s) => /^[\x00-\x7f]*$/.test(s)),
  isdecimal: noArgs(pyIsDecimal),
  isdigit: noArgs(pyIsDigit),
  isidentifier: noArgs((s) => /^[\p{L}\p{Nl}_][\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}]*$/u.test(s)),
  islower: noArgs(pyIsLower),
  isnumeric: noArgs(pyIsNumeric),
  isprintable: noArgs((s) => codePoints(s).every(isPyPrintable)),
  isspace: noArgs(pyIsSpace),
  istitle: noArgs(isTitle),
  isupper: noArgs(pyIsUpper),
  join: (s, args, kwargs) => {
    const [it] = bind('join', ['iterable'], args, kwargs, { positionalOnly: true })
    return iterate(it).map((x, i) => {
      if (typeof x !== 'string') throw new RenderError(`sequence item ${i}: expected str instance, ${typeName(x)} found`)
      return x
    }).join(s)
  },
  ljust: (s, args, kwargs) => pad('ljust', s, args, kwargs, 'l'),
  lower: noArgs(pyLower),
  lstrip: strip('lstrip', pyLstrip),
  maketrans: null,
  partition: (s, args, kwargs) => partition('partition', s, args, kwargs, false),
  removeprefix: (s, args, kwargs) => {
    const p = argStr('removeprefix', bind('removeprefix', ['prefix'], args, kwargs, { positionalOnly: true })[0])
    return p !== '' && s.startsWith(p) ? s.slice(p.length) : s
  },
  removesuffix: (s, args, kwargs) => {
    const p = argStr('removesuffix', bind('removesuffix', ['suffix'], args, kwargs, { positionalOnly: true })[0])
    return p !== '' && s.endsWith(p) ? s.slice(0, s.length - p.length) : s
  },
  replace: (s, args, kwargs) => {
    const [o, n, c] = bind('replace', ['old', 'new', ['count', -1]], args, kwargs, { positionalOnly: true })
    return pyReplace(s, argStr('replace', o), argStr('replace', n), argInt('replace', c))
  },
  rfind: search('rfind', pyRfind),
  rindex: search('rindex', (s, sub, a, b) => {
    const i = pyRfind(s, sub, a, b)
    return i < 0 ? notFound('substring not found') : i
  }),
  rjust: (s, args, kwargs) => pad('rjust', s, args, kwargs, 'r'),
  rpartition: (s, args, kwargs) => partition('rpartition', s, args, kwargs, true),
  rsplit: splitter('rsplit', pyRsplit),
  rstrip: strip('rstrip', pyRstrip),
  split: splitter('split', pySplit),
  splitlines: (s, args, kwargs) => {
    const [keep] = bind('splitlines', [['keepends', false]], args, kwargs)
    return pySplitlines(s, Boolean(argInt('splitlines', keep)))
  },
  startswith: (s, args, kwargs) => {
    const [p, a, b] = bind('startswith', ['prefix', ['start', null], ['end', null]], args, kwargs, { positionalOnly: true })
    return pyStartsWith(s, prefixArg('startswith', p), argOptInt('startswith', a), argOptInt('startswith', b))
  },
  strip: strip('strip', pyStrip),
  swapcase: noArgs(pySwapcase),
  title: noArgs(pyTitle),
  translate: null,
  upper: noArgs(pyUpper),
  zfill: (s, args, kwargs) => pyZfill(s, argInt('zfill', bind('zfill', ['width'], args, kwargs, { positionalOnly: true })[0])),
}

function seqIndex(self: readonly unknown[], args: unknown[], kwargs: Kwargs): number {
  const [x, a, b] = bind('index', ['value', ['start', 0], ['stop', Number.MAX_SAFE_INTEGER]], args, kwargs, { positionalOnly: true })
  const n = self.length
  let start = argInt('index', a)
  let stop = argInt('index', b)
  if (start < 0) start = Math.max(0, start + n)
  if (stop < 0) stop = Math.max(0, stop + n)
  for (let i = start; i < Math.min(stop, n); i++) if (pyEq(self[i], x)) return i
  return notFound(`${typeName(self) === 'tuple' ? 'tuple.index(x): x not in tuple' : 'list.index(x): x not in list'}`)
}

const SEQ_METHODS: Record<string, Impl<readonly unknown[]> | null> = {
  count: (self, args, kwargs) => {
    const [x] = bind('count', ['value'], args, kwargs, { positionalOnly: true })
    return self.filter((y) => pyEq(y, x)).length
  },
  index: seqIndex,
}

const LIST_ONLY: Record<string, Impl<readonly unknown[]> | null> = {
  copy: (self, args, kwargs) => {
    bind('copy', [], args, kwargs, { positionalOnly: true })
    return [...self]
  },
  append: null, clear: null, extend: null, insert: null, pop: null, remove: null, reverse: null, sort: null,
}

type Dict = Map<unknown, unknown> | Record<string, unknown>

const DICT_METHODS: Record<string, Impl<Dict> | null> = {
  get: (d, args, kwargs) => {
    const [k, dflt] = bind('get', ['key', ['default', null]], args, kwargs, { positionalOnly: true })
    const hit = dictLookup(d, k)
    return hit.found ? hit.value : dflt
  },
  keys: (d, args, kwargs) => {
    bind('keys', [], args, kwargs, { positionalOnly: true })
    return new PyDictView('dict_keys', dictEntries(d).map(([k]) => k))
  },
  values: (d, args, kwargs) => {
    bind('values', [], args, kwargs, { positionalOnly: true })
    return new PyDictView('dict_values', dictEntries(d).map(([, v]) => v))
  },
  items: (d, args, kwargs) => {
    bind('items', [], args, kwargs, { positionalOnly: true })
    return new PyDictView('dict_items', dictEntries(d).map(([k, v]) => pyTuple([k, v])))
  },
  copy: (d, args, kwargs) => {
    bind('copy', [], args, kwargs, { positionalOnly: true })
    return new Map(dictEntries(d))
  },
  clear: null, fromkeys: null, pop: null, popitem: null, setdefault: null, update: null,
}

function lookup<T>(table: Record<string, Impl<T> | null>, self: T, owner: string, name: string): PyCallable | null {
  if (!Object.hasOwn(table, name)) return null
  const impl = table[name]
  return new PyCallable(`${owner}.${name}`, (args, kwargs) => {
    if (!impl) throw new RenderError(`${owner}.${name}() is not supported by this evaluator`)
    return impl(self, args, kwargs)
  })
}

/** The bound method `name` of a str, list, tuple or dict, or null when the type has no such attribute. */
export function boundMethod(self: unknown, name: string): PyCallable | null {
  if (typeof self === 'string') return lookup(STR_METHODS, self, 'str', name)
  if (Array.isArray(self)) {
    return lookup(SEQ_METHODS, self, typeName(self), name) ?? (isPyTuple(self) ? null : lookup(LIST_ONLY, self, 'list', name))
  }
  if (isPyDict(self)) return lookup(DICT_METHODS, self, 'dict', name)
  return null
}
