/**
 * Jinja2 3.1 tests (`x is defined`, `x is divisibleby 3`, …) with their Python behaviour, including
 * which ones touch an Undefined operand (and so fail under StrictUndefined) and which only inspect it.
 */

import { PyFloat } from '../python/json.ts'
import { isPyDict, isPyFloat, pyIsLower, pyIsUpper } from '../python/str.ts'
import { bind } from './args.ts'
import { filterExists } from './filters.ts'
import { binaryOp } from './operators.ts'
import {
  contains, LoopContext, PyCallable, pyCompare, PyDictView, pyEq, PyIter, PyRange, RenderError, toStr,
  Undefined, type Kwargs,
} from './runtime.ts'

type TestFn = (value: unknown, args: unknown[], kwargs: Kwargs) => boolean

function unary(name: string, fn: (v: unknown) => boolean): TestFn {
  return (v, args, kwargs) => {
    bind(name, [], args, kwargs)
    return fn(v)
  }
}

function binary(name: string, fn: (v: unknown, other: unknown) => boolean): TestFn {
  return (v, args, kwargs) => fn(v, bind(name, ['other'], args, kwargs)[0])
}

function isInt(v: unknown): boolean {
  return (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint'
}

function mod(v: unknown, n: unknown): boolean {
  return pyEq(binaryOp('%', v, n), 0)
}

function sameAs(a: unknown, b: unknown): boolean {
  if (a === undefined) a = null
  if (b === undefined) b = null
  if (typeof a === 'number' && typeof b === 'number') return Number.isInteger(a) && a === b && a >= -5 && a <= 256
  if (typeof a === 'string' || a instanceof PyFloat) return false
  return a === b
}

const lt = (a: unknown, b: unknown) => pyCompare(a, b, '<') < 0
const le = (a: unknown, b: unknown) => pyCompare(a, b, '<=') <= 0
const gt = (a: unknown, b: unknown) => pyCompare(a, b, '>') > 0
const ge = (a: unknown, b: unknown) => pyCompare(a, b, '>=') >= 0

const TESTS: Record<string, TestFn> = {
  boolean: unary('boolean', (v) => typeof v === 'boolean'),
  callable: unary('callable', (v) => v instanceof PyCallable || v instanceof Undefined || v instanceof LoopContext),
  defined: unary('defined', (v) => !(v instanceof Undefined)),
  divisibleby: (v, args, kwargs) => mod(v, bind('divisibleby', ['num'], args, kwargs)[0]),
  eq: binary('eq', pyEq),
  escaped: unary('escaped', () => false),
  even: unary('even', (v) => mod(v, 2)),
  false: unary('false', (v) => v === false),
  filter: unary('filter', (v) => typeof v === 'string' && filterExists(v)),
  float: unary('float', (v) => isPyFloat(v)),
  ge: binary('ge', ge),
  gt: binary('gt', gt),
  in: (v, args, kwargs) => contains(bind('in', ['seq'], args, kwargs)[0], v),
  integer: unary('integer', isInt),
  iterable: unary('iterable', (v) => {
    if (v instanceof Undefined && v.strict) v.fail()
    return typeof v === 'string' || Array.isArray(v) || isPyDict(v) || v instanceof PyIter ||
      v instanceof PyDictView || v instanceof PyRange || v instanceof Undefined || v instanceof LoopContext
  }),
  le: binary('le', le),
  lower: unary('lower', (v) => pyIsLower(toStr(v))),
  lt: binary('lt', lt),
  mapping: unary('mapping', isPyDict),
  ne: binary('ne', (a, b) => !pyEq(a, b)),
  none: unary('none', (v) => v === null || v === undefined),
  number: unary('number', (v) => typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || v instanceof PyFloat),
  odd: unary('odd', (v) => pyEq(binaryOp('%', v, 2), 1)),
  sameas: binary('sameas', sameAs),
  sequence: unary('sequence', (v) => {
    if (v instanceof Undefined) return !v.strict
    return typeof v === 'string' || Array.isArray(v) || isPyDict(v) || v instanceof PyRange
  }),
  string: unary('string', (v) => typeof v === 'string'),
  test: unary('test', (v) => typeof v === 'string' && Object.hasOwn(TESTS, v)),
  true: unary('true', (v) => v === true),
  undefined: unary('undefined', (v) => v instanceof Undefined),
  upper: unary('upper', (v) => pyIsUpper(toStr(v))),
}
Object.assign(TESTS, {
  '==': TESTS.eq, equalto: TESTS.eq, '!=': TESTS.ne, '<': TESTS.lt, lessthan: TESTS.lt, '<=': TESTS.le,
  '>': TESTS.gt, greaterthan: TESTS.gt, '>=': TESTS.ge,
})

/** True if a test of that name exists. */
export function testExists(name: string): boolean {
  return Object.hasOwn(TESTS, name)
}

/** Evaluate `value is name(args)`. */
export function callTest(name: string, value: unknown, args: unknown[], kwargs: Kwargs): boolean {
  const fn = TESTS[name]
  if (!Object.hasOwn(TESTS, name) || !fn) throw new RenderError(`no test named '${name}'`)
  return fn(value, args, kwargs)
}
