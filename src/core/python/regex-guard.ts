/**
 * The guard every regex from a task file passes before it runs (filters, metrics' `regexes_to_ignore`,
 * `regex_replace` in templates): JS RegExp, like Python's `re`, is a backtracking engine and cannot be
 * interrupted, so a pattern such as `(a+)+$` on 'a'×40 + '!' would run for minutes. The guard refuses, in one
 * line and before any text is matched, every pattern whose backtracking can take exponential time.
 *
 * The test is the exact criterion for exponential backtracking ("exponential degree of ambiguity"): in the
 * pattern's position automaton (Glushkov's, with one edge per way the pattern can move from one character to
 * the next), some state can return to itself reading the same text along two different paths. It is decided
 * on the product automaton: a strongly connected component holding a pair (q, q) and a pair of different moves.
 *
 * Approximations (all err on the side of refusing): character classes are compared on a sample alphabet (ASCII,
 * the pattern's own literals and a few characters of each Unicode category); a counted repeat `{m,n}` with
 * n > 1 counts as a loop; a backreference counts as `[\s\S]*`; lookarounds are checked as patterns of their own.
 * Polynomial backtracking (`\s*\s*$`) is not refused. Every regex in lm-eval's task files passes.
 */

import { HarnessError } from '../errors.ts'

/** A parsed node of the translated (JS) pattern source. */
type Node =
  | { readonly k: 'atom'; readonly src: string }
  | { readonly k: 'seq'; readonly items: readonly Node[] }
  | { readonly k: 'alt'; readonly alts: readonly Node[] }
  | { readonly k: 'rep'; readonly min: number; readonly max: number; readonly body: Node }
  | { readonly k: 'look'; readonly body: Node }

/** What a fragment contributes to the position automaton. */
interface Frag {
  /** matches the empty string */
  readonly nullable: boolean
  /** positions that can start it */
  readonly first: readonly number[]
  /** positions that can end it */
  readonly last: readonly number[]
}

/** Product edges explored before the check gives up (patterns that large fall back to a nested-repeat test). */
const PRODUCT_BUDGET = 2_000_000

/** Characters beyond ASCII that stand for their Unicode categories when classes are compared. */
const SAMPLE_EXTRA = [
  0x85, 0xa0, 0xaa, 0xb2, 0xb5, 0xc0, 0xdf, 0xe9, 0xff, 0x130, 0x17f, 0x300, 0x391, 0x3b1, 0x410, 0x430, 0x5d0,
  0x627, 0x663, 0x966, 0x1680, 0x2000, 0x2028, 0x2029, 0x202f, 0x2160, 0x212a, 0x3000, 0x3042, 0x4e2d, 0xac00,
  0xff10, 0xff21, 0x1d400, 0x1f600,
]

/** Recursive-descent parser of the JS source that regex-translate.ts writes. */
class SourceParser {
  private pos = 0

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.alternation()
    if (this.pos < this.src.length) throw new Error(`unexpected ')' at ${this.pos}`)
    return node
  }

  private alternation(): Node {
    const alts = [this.sequence()]
    while (this.src[this.pos] === '|') {
      this.pos++
      alts.push(this.sequence())
    }
    return alts.length === 1 ? alts[0] as Node : { k: 'alt', alts }
  }

  private sequence(): Node {
    const items: Node[] = []
    for (;;) {
      const c = this.src[this.pos]
      if (c === undefined || c === '|' || c === ')') break
      const atom = this.atom()
      items.push(this.quantified(atom))
    }
    return { k: 'seq', items }
  }

  private quantified(atom: Node): Node {
    let node = atom
    for (;;) {
      const c = this.src[this.pos]
      let min: number
      let max: number
      if (c === '*' || c === '+' || c === '?') {
        this.pos++
        ;[min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1]
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos))
        if (!m) throw new Error(`bad '{' at ${this.pos}`)
        this.pos += m[0].length
        min = Number(m[1])
        max = m[2] === undefined ? min : m[3] ? Number(m[3]) : Infinity
      } else return node
      if (this.src[this.pos] === '?') this.pos++
      node = { k: 'rep', min, max, body: node }
    }
  }

  private atom(): Node {
    const start = this.pos
    const c = this.src[this.pos++] as string
    if (c === '(') {
      const rest = this.src.slice(this.pos)
      const look = /^\?(?:=|!|<=|<!)/.exec(rest)
      if (look) this.pos += look[0].length
      else if (rest.startsWith('?:')) this.pos += 2
      else if (rest.startsWith('?<')) this.pos = this.src.indexOf('>', this.pos) + 1
      const body = this.alternation()
      if (this.src[this.pos++] !== ')') throw new Error(`missing ')' for the group at ${start}`)
      if (look) return { k: 'look', body }
      // a backreference `(?:\N)` matches text of any length
      if (/^\(\?:\\\d+\)$/.test(this.src.slice(start, this.pos))) {
        return { k: 'rep', min: 0, max: Infinity, body: { k: 'atom', src: '[\\s\\S]' } }
      }
      return body
    }
    if (c === '[') {
      while (this.pos < this.src.length && this.src[this.pos] !== ']') this.pos += this.src[this.pos] === '\\' ? 2 : 1
      this.pos++
      return { k: 'atom', src: this.src.slice(start, this.pos) }
    }
    if (c === '\\') {
      const m = /^(?:[uxpP]\{[^}]*\}|\d+|.)/su.exec(this.src.slice(this.pos))
      this.pos += m ? m[0].length : 0
      if (m && /^\d/.test(m[0])) return { k: 'rep', min: 0, max: Infinity, body: { k: 'atom', src: '[\\s\\S]' } }
      return { k: 'atom', src: this.src.slice(start, this.pos) }
    }
    if (c === '.') return { k: 'atom', src: '[^\\n\\r\\u2028\\u2029]' }
    if (c === '^' || c === '$') return { k: 'look', body: { k: 'seq', items: [] } }
    const cp = this.src.codePointAt(start) as number
    this.pos = start + (cp > 0xffff ? 2 : 1)
    return { k: 'atom', src: this.src.slice(start, this.pos) }
  }
}

/** The position automaton of one pattern (lookaround bodies are collected for their own check). */
class PositionAutomaton {
  /** atom source per position */
  readonly atoms: string[] = []
  /** edges[p] = targets of p's moves, one entry per distinct way (duplicates are distinct moves) */
  readonly edges: number[][] = []
  /** bodies of lookarounds, checked separately */
  readonly lookarounds: Node[] = []
  /** whether an unbounded repeat sits inside another (the fallback test) */
  nestedLoops = false

  build(node: Node, loopDepth = 0): Frag {
    switch (node.k) {
      case 'atom': {
        const p = this.atoms.push(node.src) - 1
        this.edges.push([])
        return { nullable: false, first: [p], last: [p] }
      }
      case 'look':
        this.lookarounds.push(node.body)
        return { nullable: true, first: [], last: [] }
      case 'alt': {
        const frags = node.alts.map(a => this.build(a, loopDepth))
        return { nullable: frags.some(f => f.nullable), first: frags.flatMap(f => f.first), last: frags.flatMap(f => f.last) }
      }
      case 'seq': {
        let acc: Frag = { nullable: true, first: [], last: [] }
        for (const item of node.items) {
          const f = this.build(item, loopDepth)
          this.link(acc.last, f.first)
          acc = {
            nullable: acc.nullable && f.nullable,
            first: acc.nullable ? [...acc.first, ...f.first] : acc.first,
            last: f.nullable ? [...acc.last, ...f.last] : f.last,
          }
        }
        return acc
      }
      case 'rep': {
        if (node.max === 0) return { nullable: true, first: [], last: [] }
        const loops = node.max > 1
        if (loops && loopDepth > 0) this.nestedLoops = true
        const f = this.build(node.body, loopDepth + (loops ? 1 : 0))
        if (loops) this.link(f.last, f.first)
        return { nullable: node.min === 0 || f.nullable, first: f.first, last: f.last }
      }
    }
  }

  private link(from: readonly number[], to: readonly number[]): void {
    for (const a of from) for (const b of to) (this.edges[a] as number[]).push(b)
  }
}

/** Which positions' characters can be the same character (compared on the sample alphabet). */
function overlapTable(atoms: readonly string[], ignoreCase: boolean, source: string): boolean[][] {
  const alphabet = new Set<number>(SAMPLE_EXTRA)
  for (let c = 0; c < 128; c++) alphabet.add(c)
  for (const m of source.matchAll(/\\u\{([0-9a-f]+)\}/g)) alphabet.add(parseInt(m[1] as string, 16))
  const chars = [...alphabet].map(c => String.fromCodePoint(c))
  const sets = atoms.map(src => {
    const re = new RegExp(`^(?:${src})$`, ignoreCase ? 'ui' : 'u')
    return chars.map(ch => re.test(ch))
  })
  return sets.map(a => sets.map(b => a.some((x, i) => x && b[i])))
}

/**
 * True when the automaton can read one text from a state back to itself along two paths: a strongly connected
 * component of the product automaton that holds a diagonal pair (q, q) and a non-diagonal pair or move.
 * Undefined when the product is larger than the budget.
 */
function exponentiallyAmbiguous(auto: PositionAutomaton, overlap: boolean[][]): boolean | undefined {
  const n = auto.atoms.length
  const index = new Map<number, number>()
  const low = new Map<number, number>()
  const onStack = new Set<number>()
  const stack: number[] = []
  let counter = 0
  let budget = PRODUCT_BUDGET
  // successors of pair (p, q): [pair, whether the two moves differ]
  const successors = (node: number): [number, boolean][] => {
    const p = Math.floor(node / n)
    const q = node % n
    const out: [number, boolean][] = []
    const ep = auto.edges[p] as number[]
    const eq = auto.edges[q] as number[]
    for (let i = 0; i < ep.length; i++) {
      for (let j = 0; j < eq.length; j++) {
        const a = ep[i] as number
        const b = eq[j] as number
        if (!(overlap[a] as boolean[])[b]) continue
        out.push([a * n + b, p !== q || i !== j])
      }
    }
    budget -= out.length + 1
    return out
  }
  for (let q = 0; q < n; q++) {
    const root = q * n + q
    if (index.has(root)) continue
    // iterative Tarjan
    const work: { node: number; succ: [number, boolean][]; i: number }[] = []
    const enter = (node: number): void => {
      index.set(node, counter)
      low.set(node, counter++)
      stack.push(node)
      onStack.add(node)
      work.push({ node, succ: successors(node), i: 0 })
    }
    enter(root)
    while (work.length > 0) {
      if (budget < 0) return undefined
      const top = work[work.length - 1] as { node: number; succ: [number, boolean][]; i: number }
      if (top.i < top.succ.length) {
        const [next] = top.succ[top.i++] as [number, boolean]
        if (!index.has(next)) enter(next)
        else if (onStack.has(next)) low.set(top.node, Math.min(low.get(top.node) as number, index.get(next) as number))
        continue
      }
      work.pop()
      const parent = work[work.length - 1]
      if (parent) low.set(parent.node, Math.min(low.get(parent.node) as number, low.get(top.node) as number))
      if (low.get(top.node) !== index.get(top.node)) continue
      const component = new Set<number>()
      for (;;) {
        const x = stack.pop() as number
        onStack.delete(x)
        component.add(x)
        if (x === top.node) break
      }
      if (componentIsAmbiguous(component, n, successors)) return true
    }
  }
  return false
}

function componentIsAmbiguous(component: Set<number>, n: number, successors: (x: number) => [number, boolean][]): boolean {
  let diagonal = false
  let differs = false
  for (const x of component) {
    const p = Math.floor(x / n)
    if (p === x % n) diagonal = true
    else differs = true
    if (!differs) differs = successors(x).some(([y, d]) => d && component.has(y))
  }
  return diagonal && differs
}

/** Refuses (HarnessError TASK_SPEC_INVALID) a Python pattern whose translated JS source can backtrack exponentially. */
export function guardRegex(pattern: string, source: string, ignoreCase: boolean): void {
  const pending: Node[] = [new SourceParser(source).parse()]
  while (pending.length > 0) {
    const auto = new PositionAutomaton()
    auto.build(pending.pop() as Node)
    pending.push(...auto.lookarounds)
    if (auto.atoms.length === 0) continue
    const verdict = exponentiallyAmbiguous(auto, overlapTable(auto.atoms, ignoreCase, source))
    if (verdict === true || (verdict === undefined && auto.nestedLoops)) {
      throw new HarnessError('TASK_SPEC_INVALID',
        `regex ${JSON.stringify(pattern)} can take exponential time (a repeat whose body can match the same text in ` +
        'more than one way, as in (a+)+ or (a|a)*); rewrite it so each repeated part has one way to match',
        { pattern, reason: 'exponential backtracking' })
    }
  }
}
