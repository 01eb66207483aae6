/**
 * Syntax tree of a parsed template (the subset of Jinja2's node types this evaluator supports).
 */

/** An expression node. */
export type Expr =
  | { readonly type: 'const', readonly value: unknown }
  | { readonly type: 'name', readonly name: string }
  | { readonly type: 'list' | 'tuple', readonly items: readonly Expr[] }
  | { readonly type: 'dict', readonly pairs: readonly (readonly [Expr, Expr])[] }
  | { readonly type: 'getattr', readonly obj: Expr, readonly attr: string }
  | { readonly type: 'getitem', readonly obj: Expr, readonly arg: Expr }
  | { readonly type: 'slice', readonly start: Expr | null, readonly stop: Expr | null, readonly step: Expr | null }
  | { readonly type: 'call', readonly callee: Expr, readonly args: readonly Expr[], readonly kwargs: readonly (readonly [string, Expr])[] }
  | FilterCall
  | { readonly type: 'test', readonly node: Expr, readonly name: string, readonly args: readonly Expr[], readonly kwargs: readonly (readonly [string, Expr])[] }
  | { readonly type: 'binop', readonly op: string, readonly left: Expr, readonly right: Expr }
  | { readonly type: 'concat', readonly items: readonly Expr[] }
  | { readonly type: 'unary', readonly op: '-' | '+' | 'not', readonly node: Expr }
  | { readonly type: 'and' | 'or', readonly left: Expr, readonly right: Expr }
  | { readonly type: 'compare', readonly first: Expr, readonly ops: readonly (readonly [string, Expr])[] }
  | { readonly type: 'cond', readonly test: Expr, readonly then: Expr, readonly else_: Expr | null }

/** `|name(args)` applied to `node` (node null inside `{% filter %}` / `{% set x | f %}` headers). */
export interface FilterCall {
  readonly type: 'filter'
  readonly node: Expr | null
  readonly name: string
  readonly args: readonly Expr[]
  readonly kwargs: readonly (readonly [string, Expr])[]
}

/** An assignment target: a name, a namespace attribute (`ns.x`), or a tuple of targets. */
export type Target =
  | { readonly type: 'name', readonly name: string }
  | { readonly type: 'nsref', readonly name: string, readonly attr: string }
  | { readonly type: 'tuple', readonly items: readonly Target[] }

/** A statement node. */
export type Stmt =
  | { readonly type: 'text', readonly text: string }
  | { readonly type: 'print', readonly expr: Expr }
  | { readonly type: 'if', readonly test: Expr, readonly body: readonly Stmt[], readonly else_: readonly Stmt[] }
  | {
    readonly type: 'for', readonly target: Target, readonly iter: Expr, readonly filter: Expr | null,
    readonly body: readonly Stmt[], readonly else_: readonly Stmt[]
  }
  | { readonly type: 'set', readonly target: Target, readonly expr: Expr }
  | { readonly type: 'setblock', readonly target: Target, readonly filter: FilterCall | null, readonly body: readonly Stmt[] }
  | { readonly type: 'with', readonly targets: readonly Target[], readonly values: readonly Expr[], readonly body: readonly Stmt[] }
  | { readonly type: 'filterblock', readonly filter: FilterCall, readonly body: readonly Stmt[] }
