/**
 * Prefix sharing for loglikelihood rows: which rows share a leading run of input tokens that is computed once
 * (its KV cache kept) and how the rest is batched. Pure planning; loglikelihood.ts runs the plan.
 *
 * A row's shareable part is its input minus the positions whose logits are read (the last `keep`), so a
 * shared prefix never holds a scored position. Rows are sorted by that key; a recursive split over the
 * longest-common-prefix array picks, for every subtree of the implied trie, either one group sharing the
 * subtree's common prefix or the best split of its children — whichever feeds fewer tokens.
 */
import { chunkByPadding, compareTokenTuples } from './collator.ts'

/** One model row as the planner sees it. */
export interface PlanRow {
  /** model input ids */
  readonly input: readonly number[]
  /** trailing positions whose logits are read (≥ 1, ≤ input.length) */
  readonly keep: number
}

/** Rows that share `prefixLength` leading input tokens. */
export interface PrefixGroup {
  /** the shared tokens (run once) */
  readonly prefix: readonly number[]
  /** indices into the planned rows; each row's suffix is input.slice(prefix.length) */
  readonly rows: readonly number[]
}

/** The planner's answer. */
export interface PrefixPlan {
  /** groups of ≥ 2 rows with a shared prefix */
  readonly groups: readonly PrefixGroup[]
  /** rows computed whole (no useful shared prefix) */
  readonly single: readonly number[]
}

/** Tokens a group must save before sharing pays for its extra pass and KV copies. */
export const GROUP_OVERHEAD_TOKENS = 4

/** Groups rows by shared prefixes so that the fed token count is smallest. */
export function planPrefixGroups(rows: readonly PlanRow[]): PrefixPlan {
  const keyLen = rows.map((r) => r.input.length - r.keep)
  const order = rows.map((_, i) => i).filter((i) => keyLen[i] > 0)
  const key = (i: number) => rows[i].input.slice(0, keyLen[i])
  order.sort((a, b) => compareTokenTuples(key(a), key(b)))
  // lcp[k] = common prefix of the keys of order[k-1] and order[k]
  const lcp = order.map((row, k) => (k === 0 ? 0 : commonPrefix(rows[order[k - 1]].input, rows[row].input, Math.min(keyLen[order[k - 1]], keyLen[row]))))
  const groups: PrefixGroup[] = []
  const single = rows.map((_, i) => i).filter((i) => keyLen[i] <= 0)
  const lens = order.map((i) => rows[i].input.length)
  // [lo, hi) ranges of `order` whose keys share a prefix; recursion depth = distinct common-prefix levels
  const choose = (lo: number, hi: number): { cost: number; take: () => void } => {
    if (hi - lo === 1) return { cost: lens[lo], take: () => single.push(order[lo]) }
    let depth = Infinity
    for (let k = lo + 1; k < hi; k++) depth = Math.min(depth, lcp[k])
    let total = 0
    for (let k = lo; k < hi; k++) total += lens[k]
    const asGroup = depth > 0 ? depth + total - (hi - lo) * depth + GROUP_OVERHEAD_TOKENS : Infinity
    const parts: { cost: number; take: () => void }[] = []
    let start = lo
    for (let k = lo + 1; k <= hi; k++) {
      if (k === hi || lcp[k] === depth) {
        parts.push(choose(start, k))
        start = k
      }
    }
    const split = parts.reduce((s, p) => s + p.cost, 0)
    if (asGroup < split) {
      return {
        cost: asGroup,
        take: () => groups.push({ prefix: rows[order[lo]].input.slice(0, depth), rows: order.slice(lo, hi) }),
      }
    }
    return { cost: split, take: () => parts.forEach((p) => p.take()) }
  }
  if (order.length > 0) choose(0, order.length).take()
  single.sort((a, b) => a - b)
  return { groups, single }
}

/** Length of the common prefix of a and b, at most `limit`. */
function commonPrefix(a: readonly number[], b: readonly number[], limit: number): number {
  let n = 0
  while (n < limit && a[n] === b[n]) n++
  return n
}

/** One prefix pass and the suffix passes that read its KV cache. */
export interface SharedPass {
  /** the groups whose prefixes run together (left-padded) in one pass */
  readonly groups: readonly PrefixGroup[]
  /** suffix batches: per row, the planned row index and the prefix row (index into groups) it continues */
  readonly batches: readonly { readonly row: number; readonly from: number }[][]
}

/**
 * Orders groups by prefix length (longest first), cuts them into prefix passes of at most `batchSize` groups and
 * `4 × batchSize` rows whose padded prefix positions stay under MAX_PADDED_SHARE, and cuts each pass's rows, longest
 * suffix first, into batches of at most `batchSize` under the same padding bound.
 */
export function scheduleSharedPasses(plan: PrefixPlan, rows: readonly PlanRow[], batchSize: number): SharedPass[] {
  const groups = [...plan.groups].sort((a, b) => b.prefix.length - a.prefix.length || a.rows[0] - b.rows[0])
  const passes: SharedPass[] = []
  for (const byPadding of chunkByPadding(groups, (g) => g.prefix.length, batchSize)) {
    let current: PrefixGroup[] = []
    let rowCount = 0
    for (const g of byPadding) {
      if (current.length > 0 && rowCount + g.rows.length > 4 * batchSize) {
        passes.push(suffixBatches(current, rows, batchSize))
        current = []
        rowCount = 0
      }
      current.push(g)
      rowCount += g.rows.length
    }
    passes.push(suffixBatches(current, rows, batchSize))
  }
  return passes
}

/** A pass over `groups`: their rows, longest suffix first, in padding-bounded batches. */
function suffixBatches(groups: PrefixGroup[], rows: readonly PlanRow[], batchSize: number): SharedPass {
  const members = groups.flatMap((g, from) => g.rows.map((row) => ({ row, from, suffix: rows[row].input.length - g.prefix.length })))
  members.sort((a, b) => b.suffix - a.suffix || a.row - b.row)
  const batches = chunkByPadding(members, (m) => m.suffix, batchSize).map((b) => b.map(({ row, from }) => ({ row, from })))
  return { groups, batches }
}
