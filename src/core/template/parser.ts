/**
 * Jinja2 3.1 parser (same grammar and precedence as jinja2/parser.py) for output, if/elif/else,
 * for (with `if` filter and else), set (expression and block forms, namespace attributes), with,
 * and filter blocks. Unknown tags — including macro, call, block, include, break/continue (an
 * extension lm-eval does not load) — are syntax errors.
 */

import type { Expr, FilterCall, Stmt, Target } from './ast.ts'
import { ExprParser } from './expr-parser.ts'
import type { Token } from './lexer.ts'

/** Parse a token list into statements. Throws RenderError on a syntax error. */
export function parseTokens(tokens: readonly Token[]): Stmt[] {
  const p = new Parser(tokens)
  const body = p.subparse(null)
  return body
}

class Parser extends ExprParser {
  /** Statements until a `{% <end> %}` tag whose name is in `ends` (left as current token). */
  subparse(ends: readonly string[] | null): Stmt[] {
    const body: Stmt[] = []
    while (this.cur.type !== 'eof') {
      const t = this.cur
      if (t.type === 'data') {
        this.next()
        body.push({ type: 'text', text: t.value as string })
      } else if (t.type === 'variable_begin') {
        this.next()
        body.push({ type: 'print', expr: this.parseTuple({}) })
        this.expectType('variable_end')
      } else if (t.type === 'block_begin') {
        this.next()
        if (ends && this.cur.type === 'name' && ends.includes(this.cur.value as string)) return body
        body.push(this.parseStatement())
        this.expectType('block_end')
      } else {
        this.fail(`unexpected ${this.describe(t)}`)
      }
    }
    if (ends) this.fail(`unexpected end of template, expected ${ends.map((e) => `'${e}'`).join(' or ')}`)
    return body
  }

  protected parseStatements(ends: readonly string[], dropNeedle: boolean): Stmt[] {
    if (this.isOp(':')) this.next()
    this.expectType('block_end')
    const body = this.subparse(ends)
    if (dropNeedle) this.next()
    return body
  }

  protected parseStatement(): Stmt {
    if (this.cur.type !== 'name') this.fail('tag name expected')
    const name = this.cur.value as string
    switch (name) {
      case 'if': this.next(); return this.parseIf()
      case 'for': return this.parseFor()
      case 'set': return this.parseSet()
      case 'with': return this.parseWith()
      case 'filter': {
        this.next()
        const filter = this.parseFilter(null, true) as FilterCall
        return { type: 'filterblock', filter, body: this.parseStatements(['endfilter'], true) }
      }
      default:
        return this.fail(`encountered unknown or unsupported tag '${name}'`)
    }
  }

  /** After `if` / `elif`: the test, the body, and the elif/else chain. */
  protected parseIf(): Stmt {
    const test = this.parseTuple({ withCondexpr: false })
    const body = this.parseStatements(['elif', 'else', 'endif'], false)
    const tag = this.next().value
    let else_: Stmt[] = []
    if (tag === 'elif') else_ = [this.parseIf()]
    else if (tag === 'else') else_ = this.parseStatements(['endif'], true)
    return { type: 'if', test, body, else_ }
  }

  protected parseFor(): Stmt {
    this.next()
    const target = this.parseAssignTarget(['in'], false)
    this.expectName('in')
    const iter = this.parseTuple({ withCondexpr: false, extraEnd: ['recursive'] })
    let filter: Expr | null = null
    if (this.isName('if')) {
      this.next()
      filter = this.parseExpression(true)
    }
    if (this.isName('recursive')) this.fail('recursive loops are not supported')
    const body = this.parseStatements(['endfor', 'else'], false)
    const else_ = this.next().value === 'endfor' ? [] : this.parseStatements(['endfor'], true)
    return { type: 'for', target, iter, filter, body, else_ }
  }

  protected parseSet(): Stmt {
    this.next()
    const target = this.parseAssignTarget(null, true)
    if (this.isOp('=')) {
      this.next()
      return { type: 'set', target, expr: this.parseTuple({}) }
    }
    const filter = this.isOp('|') ? this.parseFilter(null, false) as FilterCall : null
    return { type: 'setblock', target, filter, body: this.parseStatements(['endset'], true) }
  }

  protected parseWith(): Stmt {
    this.next()
    const targets: Target[] = []
    const values: Expr[] = []
    while (this.cur.type !== 'block_end') {
      if (targets.length > 0) this.expectOp(',')
      targets.push(this.parseAssignTarget(null, false))
      this.expectOp('=')
      values.push(this.parseExpression(true))
    }
    return { type: 'with', targets, values, body: this.parseStatements(['endwith'], true) }
  }

  protected parseAssignTarget(extraEnd: readonly string[] | null, withNamespace: boolean): Target {
    if (withNamespace && this.cur.type === 'name' && this.look().type === 'operator' && this.look().value === '.') {
      const name = this.expectName()
      this.next()
      return { type: 'nsref', name, attr: this.expectName() }
    }
    const expr = this.parseTuple({ simplified: true, extraEnd: extraEnd ?? [] })
    const toTarget = (e: Expr): Target => {
      if (e.type === 'name') return { type: 'name', name: e.name }
      if (e.type === 'tuple') return { type: 'tuple', items: e.items.map(toTarget) }
      return this.fail(`can't assign to '${e.type}'`)
    }
    return toTarget(expr)
  }

}
