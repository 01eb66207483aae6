/**
 * Jinja2 3.1 expression grammar (jinja2/parser.py): conditional expressions, or/and/not, chained
 * comparisons with in / not in, + - ~ * / // % ** (left-associative, ** binds looser than unary minus),
 * filters, tests, calls, attribute/item/slice access, and list/tuple/dict literals.
 */

import { mkFloat } from '../python/str.ts'
import type { Expr } from './ast.ts'
import type { Token } from './lexer.ts'
import { RenderError } from './runtime.ts'

const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>='])
const TEST_ARG_START = new Set(['name', 'string', 'integer', 'float'])

/** Options of Jinja's parse_tuple. */
export interface TupleOptions {
  /** items are primaries only (assignment targets) */
  simplified?: boolean
  /** allow `a if b else c` items (default true) */
  withCondexpr?: boolean
  /** names that end the tuple (e.g. 'in' after a for target) */
  extraEnd?: readonly string[]
  /** inside explicit parentheses, where `()` is an empty tuple */
  explicitParens?: boolean
}

/** Token cursor plus the expression grammar; the statement parser extends it. */
export class ExprParser {
  protected pos = 0

  constructor(protected readonly tokens: readonly Token[]) {}

  protected get cur(): Token {
    return this.tokens[this.pos] as Token
  }

  protected look(): Token {
    return this.tokens[Math.min(this.pos + 1, this.tokens.length - 1)] as Token
  }

  protected next(): Token {
    const t = this.cur
    if (t.type !== 'eof') this.pos++
    return t
  }

  protected fail(msg: string): never {
    throw new RenderError(`syntax error on line ${this.cur.line}: ${msg}`)
  }

  protected isOp(op: string): boolean {
    return this.cur.type === 'operator' && this.cur.value === op
  }

  protected isName(name: string): boolean {
    return this.cur.type === 'name' && this.cur.value === name
  }

  protected describe(t: Token): string {
    if (t.type === 'eof') return 'end of template'
    return `'${String(t.value)}'`
  }

  protected expectOp(op: string): void {
    if (!this.isOp(op)) this.fail(`expected '${op}', got ${this.describe(this.cur)}`)
    this.next()
  }

  protected expectType(type: Token['type']): Token {
    if (this.cur.type !== type) this.fail(`expected ${type.replace('_', ' ')}, got ${this.describe(this.cur)}`)
    return this.next()
  }

  protected expectName(name?: string): string {
    if (this.cur.type !== 'name' || (name !== undefined && this.cur.value !== name)) {
      this.fail(`expected ${name ?? 'name'}, got ${this.describe(this.cur)}`)
    }
    return this.next().value as string
  }

  protected isTupleEnd(extraEnd: readonly string[]): boolean {
    const t = this.cur
    if (t.type === 'variable_end' || t.type === 'block_end' || t.type === 'eof') return true
    if (t.type === 'operator' && t.value === ')') return true
    return t.type === 'name' && extraEnd.includes(t.value as string)
  }

  /** Jinja's parse_tuple: one expression, or a tuple when commas appear. */
  protected parseTuple(opts: TupleOptions): Expr {
    const args: Expr[] = []
    let isTuple = false
    while (true) {
      if (args.length > 0) this.expectOp(',')
      if (this.isTupleEnd(opts.extraEnd ?? [])) break
      args.push(opts.simplified ? this.parsePrimary() : this.parseExpression(opts.withCondexpr ?? true))
      if (this.isOp(',')) isTuple = true
      else break
    }
    if (!isTuple) {
      if (args.length > 0) return args[0] as Expr
      if (!opts.explicitParens) this.fail(`expected an expression, got ${this.describe(this.cur)}`)
    }
    return { type: 'tuple', items: args }
  }

  protected parseExpression(withCondexpr: boolean): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr()
  }

  protected parseCondexpr(): Expr {
    let expr = this.parseOr()
    while (this.isName('if')) {
      this.next()
      const test = this.parseOr()
      let else_: Expr | null = null
      if (this.isName('else')) {
        this.next()
        else_ = this.parseCondexpr()
      }
      expr = { type: 'cond', test, then: expr, else_ }
    }
    return expr
  }

  protected parseOr(): Expr {
    let left = this.parseAnd()
    while (this.isName('or')) {
      this.next()
      left = { type: 'or', left, right: this.parseAnd() }
    }
    return left
  }

  protected parseAnd(): Expr {
    let left = this.parseNot()
    while (this.isName('and')) {
      this.next()
      left = { type: 'and', left, right: this.parseNot() }
    }
    return left
  }

  protected parseNot(): Expr {
    if (this.isName('not')) {
      this.next()
      return { type: 'unary', op: 'not', node: this.parseNot() }
    }
    return this.parseCompare()
  }

  protected parseCompare(): Expr {
    const first = this.parseMath1()
    const ops: [string, Expr][] = []
    while (true) {
      if (this.cur.type === 'operator' && COMPARE_OPS.has(this.cur.value as string)) {
        const op = this.next().value as string
        ops.push([op, this.parseMath1()])
      } else if (this.isName('in')) {
        this.next()
        ops.push(['in', this.parseMath1()])
      } else if (this.isName('not') && this.look().type === 'name' && this.look().value === 'in') {
        this.next()
        this.next()
        ops.push(['notin', this.parseMath1()])
      } else break
    }
    return ops.length === 0 ? first : { type: 'compare', first, ops }
  }

  protected parseMath1(): Expr {
    let left = this.parseConcat()
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next().value as string
      left = { type: 'binop', op, left, right: this.parseConcat() }
    }
    return left
  }

  protected parseConcat(): Expr {
    const items = [this.parseMath2()]
    while (this.isOp('~')) {
      this.next()
      items.push(this.parseMath2())
    }
    return items.length === 1 ? items[0] as Expr : { type: 'concat', items }
  }

  protected parseMath2(): Expr {
    let left = this.parsePow()
    while (this.isOp('*') || this.isOp('/') || this.isOp('//') || this.isOp('%')) {
      const op = this.next().value as string
      left = { type: 'binop', op, left, right: this.parsePow() }
    }
    return left
  }

  protected parsePow(): Expr {
    let left = this.parseUnary(true)
    while (this.isOp('**')) {
      this.next()
      left = { type: 'binop', op: '**', left, right: this.parseUnary(true) }
    }
    return left
  }

  protected parseUnary(withFilter: boolean): Expr {
    let node: Expr
    if (this.isOp('-') || this.isOp('+')) {
      const op = this.next().value as '-' | '+'
      node = { type: 'unary', op, node: this.parseUnary(false) }
    } else {
      node = this.parsePrimary()
    }
    node = this.parsePostfix(node)
    return withFilter ? this.parseFilterExpr(node) : node
  }

  protected parsePrimary(): Expr {
    const t = this.cur
    if (t.type === 'name') {
      this.next()
      const v = t.value as string
      if (v === 'true' || v === 'True') return { type: 'const', value: true }
      if (v === 'false' || v === 'False') return { type: 'const', value: false }
      if (v === 'none' || v === 'None') return { type: 'const', value: null }
      return { type: 'name', name: v }
    }
    if (t.type === 'string') {
      let s = ''
      while (this.cur.type === 'string') s += this.next().value as string
      return { type: 'const', value: s }
    }
    if (t.type === 'integer' || t.type === 'float') {
      this.next()
      return { type: 'const', value: t.type === 'float' ? mkFloat(t.value as number) : t.value }
    }
    if (this.isOp('(')) {
      this.next()
      const node = this.parseTuple({ explicitParens: true })
      this.expectOp(')')
      return node
    }
    if (this.isOp('[')) return this.parseList()
    if (this.isOp('{')) return this.parseDict()
    return this.fail(`unexpected ${this.describe(t)}`)
  }

  protected parseList(): Expr {
    this.expectOp('[')
    const items: Expr[] = []
    while (!this.isOp(']')) {
      if (items.length > 0) this.expectOp(',')
      if (this.isOp(']')) break
      items.push(this.parseExpression(true))
    }
    this.expectOp(']')
    return { type: 'list', items }
  }

  protected parseDict(): Expr {
    this.expectOp('{')
    const pairs: [Expr, Expr][] = []
    while (!this.isOp('}')) {
      if (pairs.length > 0) this.expectOp(',')
      if (this.isOp('}')) break
      const key = this.parseExpression(true)
      this.expectOp(':')
      pairs.push([key, this.parseExpression(true)])
    }
    this.expectOp('}')
    return { type: 'dict', pairs }
  }

  protected parsePostfix(node: Expr): Expr {
    while (true) {
      if (this.isOp('.') || this.isOp('[')) node = this.parseSubscript(node)
      else if (this.isOp('(')) node = this.parseCall(node)
      else return node
    }
  }

  protected parseFilterExpr(node: Expr): Expr {
    while (true) {
      if (this.isOp('|')) node = this.parseFilter(node, false)
      else if (this.isName('is')) node = this.parseTest(node)
      else if (this.isOp('(')) node = this.parseCall(node)
      else return node
    }
  }

  protected parseSubscript(node: Expr): Expr {
    const t = this.next()
    if (t.value === '.') {
      const attr = this.next()
      if (attr.type === 'name') return { type: 'getattr', obj: node, attr: attr.value as string }
      if (attr.type !== 'integer') this.fail('expected name or number')
      return { type: 'getitem', obj: node, arg: { type: 'const', value: attr.value } }
    }
    const args: Expr[] = []
    while (!this.isOp(']')) {
      if (args.length > 0) this.expectOp(',')
      args.push(this.parseSubscribed())
    }
    this.expectOp(']')
    const arg: Expr = args.length === 1 ? args[0] as Expr : { type: 'tuple', items: args }
    return { type: 'getitem', obj: node, arg }
  }

  protected parseSubscribed(): Expr {
    let start: Expr | null = null
    if (this.isOp(':')) {
      this.next()
    } else {
      const node = this.parseExpression(true)
      if (!this.isOp(':')) return node
      this.next()
      start = node
    }
    const atEnd = () => this.isOp(']') || this.isOp(',')
    let stop: Expr | null = null
    if (!this.isOp(':') && !atEnd()) stop = this.parseExpression(true)
    let step: Expr | null = null
    if (this.isOp(':')) {
      this.next()
      if (!atEnd()) step = this.parseExpression(true)
    }
    return { type: 'slice', start, stop, step }
  }

  protected parseCallArgs(): { args: Expr[], kwargs: [string, Expr][] } {
    this.expectOp('(')
    const args: Expr[] = []
    const kwargs: [string, Expr][] = []
    let requireComma = false
    while (!this.isOp(')')) {
      if (requireComma) {
        this.expectOp(',')
        if (this.isOp(')')) break
      }
      if (this.isOp('*') || this.isOp('**')) this.fail('*args / **kwargs in calls are not supported')
      if (this.cur.type === 'name' && this.look().type === 'operator' && this.look().value === '=') {
        const key = this.next().value as string
        this.next()
        kwargs.push([key, this.parseExpression(true)])
      } else {
        if (kwargs.length > 0) this.fail('invalid syntax for function call expression')
        args.push(this.parseExpression(true))
      }
      requireComma = true
    }
    this.expectOp(')')
    return { args, kwargs }
  }

  protected parseCall(node: Expr): Expr {
    const { args, kwargs } = this.parseCallArgs()
    return { type: 'call', callee: node, args, kwargs }
  }

  protected parseFilter(node: Expr | null, startInline: boolean): Expr {
    let inline = startInline
    while (this.isOp('|') || inline) {
      if (!inline) this.next()
      inline = false
      let name = this.expectName()
      while (this.isOp('.')) {
        this.next()
        name += '.' + this.expectName()
      }
      const { args, kwargs } = this.isOp('(') ? this.parseCallArgs() : { args: [], kwargs: [] }
      node = { type: 'filter', node, name, args, kwargs }
    }
    return node as Expr
  }

  protected parseTest(node: Expr): Expr {
    this.next()
    let negated = false
    if (this.isName('not')) {
      this.next()
      negated = true
    }
    let name = this.expectName()
    while (this.isOp('.')) {
      this.next()
      name += '.' + this.expectName()
    }
    let args: Expr[] = []
    let kwargs: [string, Expr][] = []
    const c = this.cur
    if (this.isOp('(')) {
      ({ args, kwargs } = this.parseCallArgs())
    } else if ((TEST_ARG_START.has(c.type) || this.isOp('[') || this.isOp('{')) &&
      !(c.type === 'name' && ['else', 'or', 'and'].includes(c.value as string))) {
      if (this.isName('is')) this.fail('you cannot chain multiple tests with is')
      args = [this.parsePostfix(this.parsePrimary())]
    }
    const test: Expr = { type: 'test', node, name, args, kwargs }
    return negated ? { type: 'unary', op: 'not', node: test } : test
  }
}
