/**
 * Evaluates a parsed template with Jinja2's semantics: dynamic scopes (for-loop bodies, with and
 * set blocks get their own scope; if does not), StrictUndefined names, Python operators, and a
 * compile-time check for unknown filters/tests (deferred to run time inside if / conditional
 * expressions, as Jinja does).
 */

import { isPyDict, isPyTuple, pyTuple } from '../python/str.ts'
import { getAttr, getItem, SliceValue } from './access.ts'
import { argInt, bind } from './args.ts'
import type { Expr, Stmt, Target } from './ast.ts'
import { spendOutput, spendSteps } from './budget.ts'
import { applyFilter, filterExists } from './filters.ts'
import { callTest, testExists } from './is-tests.ts'
import { binaryOp, unaryOp } from './operators.ts'
import {
  contains, iterate, LoopContext, Namespace, PyCallable, pyCompare, pyEq, PyRange, RenderError, toStr, truthy,
  typeName, Undefined, type Kwargs,
} from './runtime.ts'

/** Variables passed to a render (the fields of a doc). */
export interface TemplateContext {
  readonly [name: string]: unknown
}

function unsupportedGlobal(name: string): PyCallable {
  return new PyCallable(name, () => {
    throw new RenderError(`the global '${name}' is not supported by this evaluator`)
  })
}

const GLOBALS: Record<string, unknown> = {
  range: new PyCallable('range', (args, kwargs) => {
    bind('range', [], [], kwargs)
    if (args.length < 1 || args.length > 3) throw new RenderError(`range expected 1 to 3 arguments, got ${args.length}`)
    const nums = args.map((a) => argInt('range', a))
    const [start, stop, step] = nums.length === 1 ? [0, nums[0] as number, 1] : [nums[0] as number, nums[1] as number, nums[2] ?? 1]
    if (step === 0) throw new RenderError('range() arg 3 must not be zero')
    return new PyRange(start, stop, step)
  }),
  dict: new PyCallable('dict', (args, kwargs) => {
    if (args.length > 1) throw new RenderError(`dict expected at most 1 argument, got ${args.length}`)
    const out = new Map<unknown, unknown>()
    if (args.length === 1) {
      const src = args[0]
      if (isPyDict(src)) for (const k of iterate(src)) out.set(k, getItem(src, k))
      else for (const pair of iterate(src)) {
        const kv = iterate(pair)
        if (kv.length !== 2) throw new RenderError('dictionary update sequence element has wrong length')
        out.set(kv[0], kv[1])
      }
    }
    for (const [k, v] of kwargs) out.set(k, v)
    return out
  }),
  namespace: new PyCallable('namespace', (args, kwargs) => {
    const ns = new Namespace()
    for (const a of args) for (const k of iterate(a)) ns.attrs.set(toStr(k), getItem(a, k))
    for (const [k, v] of kwargs) ns.attrs.set(k, v)
    return ns
  }),
  lipsum: unsupportedGlobal('lipsum'),
  cycler: unsupportedGlobal('cycler'),
  joiner: unsupportedGlobal('joiner'),
}

/** A variable scope; the root one falls back to the render context, then to Jinja's globals. */
export class Scope {
  private readonly vars = new Map<string, unknown>()

  constructor(private readonly parent: Scope | null, private readonly ctx: TemplateContext) {}

  /** Look a name up (StrictUndefined when missing). */
  resolve(name: string): unknown {
    for (let s: Scope | null = this; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name)
    if (Object.hasOwn(this.ctx, name) && this.ctx[name] !== undefined) return this.ctx[name]
    if (Object.hasOwn(GLOBALS, name)) return GLOBALS[name]
    return new Undefined(`'${name}' is undefined`)
  }

  /** Bind a name in this scope. */
  set(name: string, value: unknown): void {
    this.vars.set(name, value)
  }

  /** A child scope. */
  child(): Scope {
    return new Scope(this, this.ctx)
  }
}

function evalArgs(args: readonly Expr[], kwargs: readonly (readonly [string, Expr])[], scope: Scope): [unknown[], Kwargs] {
  const a = args.map((x) => evalExpr(x, scope))
  const k: Kwargs = new Map()
  for (const [name, x] of kwargs) k.set(name, evalExpr(x, scope))
  return [a, k]
}

function compare(op: string, a: unknown, b: unknown): boolean {
  switch (op) {
    case '==': return pyEq(a, b)
    case '!=': return !pyEq(a, b)
    case '<': return pyCompare(a, b, op) < 0
    case '<=': return pyCompare(a, b, op) <= 0
    case '>': return pyCompare(a, b, op) > 0
    case '>=': return pyCompare(a, b, op) >= 0
    case 'in': return contains(b, a)
    case 'notin': return !contains(b, a)
    default: throw new RenderError(`unknown comparison '${op}'`)
  }
}

function dictLiteral(pairs: readonly (readonly [Expr, Expr])[], scope: Scope): Map<unknown, unknown> {
  const out = new Map<unknown, unknown>()
  for (const [ke, ve] of pairs) {
    const k = evalExpr(ke, scope)
    const v = evalExpr(ve, scope)
    if (k instanceof Undefined && k.strict) k.fail()
    if ((Array.isArray(k) && !isPyTuple(k)) || isPyDict(k)) throw new RenderError(`unhashable type: '${typeName(k)}'`)
    const existing = [...out.keys()].find((x) => x === k || pyEq(x, k))
    out.set(existing === undefined ? k : existing, v)
  }
  return out
}

/** Evaluate an expression to a Python value. */
export function evalExpr(e: Expr, scope: Scope): unknown {
  spendSteps()
  switch (e.type) {
    case 'const': return e.value
    case 'name': return scope.resolve(e.name)
    case 'list': return e.items.map((x) => evalExpr(x, scope))
    case 'tuple': return pyTuple(e.items.map((x) => evalExpr(x, scope)))
    case 'dict': return dictLiteral(e.pairs, scope)
    case 'getattr': return getAttr(evalExpr(e.obj, scope), e.attr)
    case 'getitem': {
      const obj = evalExpr(e.obj, scope)
      const a = e.arg
      const key = a.type === 'slice'
        ? new SliceValue(a.start && evalExpr(a.start, scope), a.stop && evalExpr(a.stop, scope), a.step && evalExpr(a.step, scope))
        : evalExpr(a, scope)
      return getItem(obj, key)
    }
    case 'slice': throw new RenderError('slice outside a subscript')
    case 'call': {
      const callee = evalExpr(e.callee, scope)
      const [args, kwargs] = evalArgs(e.args, e.kwargs, scope)
      if (callee instanceof PyCallable) return callee.fn(args, kwargs)
      if (callee instanceof Undefined) callee.fail()
      throw new RenderError(`'${typeName(callee)}' object is not callable`)
    }
    case 'filter': {
      if (!e.node) throw new RenderError('filter without operand')
      const value = evalExpr(e.node, scope)
      const [args, kwargs] = evalArgs(e.args, e.kwargs, scope)
      return applyFilter(e.name, value, args, kwargs)
    }
    case 'test': {
      const value = evalExpr(e.node, scope)
      const [args, kwargs] = evalArgs(e.args, e.kwargs, scope)
      return callTest(e.name, value, args, kwargs)
    }
    case 'binop': return binaryOp(e.op, evalExpr(e.left, scope), evalExpr(e.right, scope))
    case 'concat': return e.items.map((x) => toStr(evalExpr(x, scope))).join('')
    case 'unary': {
      const v = evalExpr(e.node, scope)
      return e.op === 'not' ? !truthy(v) : unaryOp(e.op, v)
    }
    case 'and': {
      const l = evalExpr(e.left, scope)
      return truthy(l) ? evalExpr(e.right, scope) : l
    }
    case 'or': {
      const l = evalExpr(e.left, scope)
      return truthy(l) ? l : evalExpr(e.right, scope)
    }
    case 'compare': {
      let left = evalExpr(e.first, scope)
      for (const [op, x] of e.ops) {
        const right = evalExpr(x, scope)
        if (!compare(op, left, right)) return false
        left = right
      }
      return true
    }
    case 'cond': {
      if (truthy(evalExpr(e.test, scope))) return evalExpr(e.then, scope)
      if (e.else_) return evalExpr(e.else_, scope)
      return new Undefined('the inline if-expression evaluated to false and no else section was defined.', false)
    }
  }
}

function assign(target: Target, value: unknown, scope: Scope): void {
  if (target.type === 'name') {
    scope.set(target.name, value)
  } else if (target.type === 'nsref') {
    const ns = scope.resolve(target.name)
    if (!(ns instanceof Namespace)) throw new RenderError('cannot assign attribute on non-namespace object')
    ns.attrs.set(target.attr, value)
  } else {
    const items = iterate(value)
    if (items.length !== target.items.length) {
      throw new RenderError(items.length > target.items.length
        ? `too many values to unpack (expected ${target.items.length})`
        : `not enough values to unpack (expected ${target.items.length}, got ${items.length})`)
    }
    target.items.forEach((t, i) => assign(t, items[i], scope))
  }
}

/** Execute statements, appending output text to `out`. */
export function execBody(body: readonly Stmt[], scope: Scope, out: string[]): void {
  for (const s of body) execStmt(s, scope, out)
}

function renderBlock(body: readonly Stmt[], scope: Scope): string {
  const out: string[] = []
  execBody(body, scope, out)
  return out.join('')
}

function emit(out: string[], text: string): void {
  spendOutput(text.length)
  out.push(text)
}

function execStmt(s: Stmt, scope: Scope, out: string[]): void {
  switch (s.type) {
    case 'text': emit(out, s.text); return
    case 'print': emit(out, toStr(evalExpr(s.expr, scope))); return
    case 'if': execBody(truthy(evalExpr(s.test, scope)) ? s.body : s.else_, scope, out); return
    case 'for': {
      let items = iterate(evalExpr(s.iter, scope))
      if (s.filter) {
        const f = s.filter
        items = items.filter((item) => {
          const inner = scope.child()
          assign(s.target, item, inner)
          return truthy(evalExpr(f, inner))
        })
      }
      if (items.length === 0) {
        execBody(s.else_, scope.child(), out)
        return
      }
      items.forEach((item, i) => {
        spendSteps()
        const inner = scope.child()
        inner.set('loop', new LoopContext(items, i))
        assign(s.target, item, inner)
        execBody(s.body, inner, out)
      })
      return
    }
    case 'set': assign(s.target, evalExpr(s.expr, scope), scope); return
    case 'setblock': {
      const text = renderBlock(s.body, scope.child())
      const value = s.filter ? applyFilterCall(s.filter, text, scope) : text
      assign(s.target, value, scope)
      return
    }
    case 'with': {
      const inner = scope.child()
      const values = s.values.map((v) => evalExpr(v, scope))
      s.targets.forEach((t, i) => assign(t, values[i], inner))
      execBody(s.body, inner, out)
      return
    }
    case 'filterblock': {
      emit(out, toStr(applyFilterCall(s.filter, renderBlock(s.body, scope.child()), scope)))
      return
    }
  }
}

/** Apply a chain of filters from a block header to `value` (innermost first). */
function applyFilterCall(f: Expr, value: unknown, scope: Scope): unknown {
  if (f.type !== 'filter') throw new RenderError('expected a filter')
  const operand = f.node ? applyFilterCall(f.node, value, scope) : value
  const [args, kwargs] = evalArgs(f.args, f.kwargs, scope)
  return applyFilter(f.name, operand, args, kwargs)
}

function checkExpr(e: Expr | null, soft: boolean): void {
  if (!e) return
  switch (e.type) {
    case 'filter':
      if (!soft && !filterExists(e.name)) throw new RenderError(`no filter named '${e.name}'`)
      checkExpr(e.node, soft)
      e.args.forEach((x) => checkExpr(x, soft))
      e.kwargs.forEach(([, x]) => checkExpr(x, soft))
      return
    case 'test':
      if (!soft && !testExists(e.name)) throw new RenderError(`no test named '${e.name}'`)
      checkExpr(e.node, soft)
      e.args.forEach((x) => checkExpr(x, soft))
      e.kwargs.forEach(([, x]) => checkExpr(x, soft))
      return
    case 'cond': checkExpr(e.test, true); checkExpr(e.then, true); checkExpr(e.else_, true); return
    case 'list': case 'tuple': case 'concat': e.items.forEach((x) => checkExpr(x, soft)); return
    case 'dict': e.pairs.forEach(([k, v]) => { checkExpr(k, soft); checkExpr(v, soft) }); return
    case 'getattr': checkExpr(e.obj, soft); return
    case 'getitem': checkExpr(e.obj, soft); checkExpr(e.arg, soft); return
    case 'slice': checkExpr(e.start, soft); checkExpr(e.stop, soft); checkExpr(e.step, soft); return
    case 'call': checkExpr(e.callee, soft); e.args.forEach((x) => checkExpr(x, soft)); e.kwargs.forEach(([, x]) => checkExpr(x, soft)); return
    case 'binop': case 'and': case 'or': checkExpr(e.left, soft); checkExpr(e.right, soft); return
    case 'unary': checkExpr(e.node, soft); return
    case 'compare': checkExpr(e.first, soft); e.ops.forEach(([, x]) => checkExpr(x, soft)); return
    default: return
  }
}

/** Jinja's compile-time check: unknown filters/tests fail unless inside an if or a conditional expression. */
export function checkNames(body: readonly Stmt[], soft: boolean): void {
  for (const s of body) {
    switch (s.type) {
      case 'print': checkExpr(s.expr, soft); break
      case 'if': checkExpr(s.test, true); checkNames(s.body, true); checkNames(s.else_, true); break
      case 'for': checkExpr(s.iter, soft); checkExpr(s.filter, false); checkNames(s.body, false); checkNames(s.else_, false); break
      case 'set': checkExpr(s.expr, soft); break
      case 'setblock': checkExpr(s.filter, false); checkNames(s.body, false); break
      case 'with': s.values.forEach((v) => checkExpr(v, soft)); checkNames(s.body, false); break
      case 'filterblock': checkExpr(s.filter, false); checkNames(s.body, false); break
      default: break
    }
  }
}
