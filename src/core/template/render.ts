/**
 * Rendering lm-eval task templates exactly as Python's Jinja2 does in lm-eval's environment:
 * `Environment(undefined=StrictUndefined, keep_trailing_newline=True)`, autoescape off, plus the
 * `regex_replace` filter; `renderTemplate(t, doc)` = `env.from_string(t).render(**doc)`.
 *
 * Values follow ../python/str.ts: JS integers are Python ints, non-integers and PyFloat are floats,
 * arrays are lists (pyTuple for tuples), Maps and plain objects are dicts, null is None.
 */

import { PyFloat } from '../python/json.ts'
import { isPyDict } from '../python/str.ts'
import type { Stmt } from './ast.ts'
import { withRenderBudget } from './budget.ts'
import { checkNames, evalExpr, execBody, Scope, type TemplateContext } from './interpreter.ts'
import { tokenize } from './lexer.ts'
import { parseTokens } from './parser.ts'
import { toStr, Undefined } from './runtime.ts'

export type { TemplateContext } from './interpreter.ts'

/** A template failed to parse or render (Python's Jinja2 would raise); `message` says what failed. */
export class TemplateError extends Error {
  /** the template source that failed */
  readonly template: string

  constructor(message: string, template: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TemplateError'
    this.template = template
  }
}

const CACHE_LIMIT = 2000
const cache = new Map<string, readonly Stmt[]>()

function wrap<T>(template: string, fn: () => T): T {
  try {
    return withRenderBudget(fn)
  } catch (e) {
    if (e instanceof TemplateError) throw e
    const msg = e instanceof Error ? e.message : String(e)
    throw new TemplateError(msg, template, { cause: e })
  }
}

function compile(template: string): readonly Stmt[] {
  let body = cache.get(template)
  if (body) return body
  body = wrap(template, () => {
    const parsed = parseTokens(tokenize(template))
    checkNames(parsed, false)
    return parsed
  })
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(template, body)
  return body
}

/** Render `template` with the fields of a doc as variables (Python: env.from_string(t).render(**ctx)). */
export function renderTemplate(template: string, ctx: TemplateContext): string {
  const body = compile(template)
  return wrap(template, () => {
    const out: string[] = []
    execBody(body, new Scope(null, ctx), out)
    return out.join('')
  })
}

function isPlainValue(v: unknown): boolean {
  if (v === null || ['string', 'number', 'boolean', 'bigint'].includes(typeof v) || v instanceof PyFloat) return true
  if (Array.isArray(v)) return v.every(isPlainValue)
  if (v instanceof Map) return [...v.entries()].every(([k, x]) => isPlainValue(k) && isPlainValue(x))
  if (isPyDict(v)) return Object.values(v).every((x) => x === undefined || isPlainValue(x))
  return false
}

/**
 * If the whole template is one `{{ expr }}` (whitespace control allowed, no other text), the Python
 * value of expr (str, int, float, bool, None, list, tuple, dict); otherwise — or when the value is
 * not such a plain value (range, dict view, …) — the rendered string, which is str() of that value.
 */
export function renderTemplateValue(template: string, ctx: TemplateContext): unknown {
  const body = compile(template)
  const only = body.length === 1 ? body[0] : undefined
  if (only?.type !== 'print') return renderTemplate(template, ctx)
  return wrap(template, () => {
    const value = evalExpr(only.expr, new Scope(null, ctx))
    if (value instanceof Undefined && value.strict) value.fail()
    return isPlainValue(value) ? value : toStr(value)
  })
}


