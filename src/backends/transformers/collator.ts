/**
 * Ordering, grouping and batching of requests the way lm-eval's Collator does it (lm-eval.md §5.3, §5.5).
 */

/** A loglikelihood request in token space. */
export interface TokenPair {
  /** context token ids (never empty after §5.1) */
  readonly context: readonly number[]
  /** continuation token ids (the scored tokens) */
  readonly continuation: readonly number[]
}

/** One model row: the shared input of a group of requests with identical ctx + cont[:-1]. */
export interface ForwardRow {
  /** model input ids: (ctx + cont)[-(maxLength+1):][:-1] */
  readonly input: readonly number[]
  /** indices into the request list of every request that reads its logits from this row */
  readonly members: readonly number[]
}

/** A generation request reduced to what ordering needs. */
export interface GenerationSortItem {
  /** number of context tokens (before truncation) */
  readonly tokenCount: number
  /** the context string (tie breaker, compared by code point like Python) */
  readonly context: string
  /** canonical key of the generation kwargs; equal keys batch together */
  readonly genKey: string
}

/** Compares token tuples like Python tuples of ints. */
export function compareTokenTuples(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1
  }
  return a.length - b.length
}

/** Compares strings by Unicode code point (Python `str` order), not by UTF-16 unit. */
export function comparePyStrings(a: string, b: string): number {
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!
    const cb = b.codePointAt(j)!
    if (ca !== cb) return ca < cb ? -1 : 1
    i += ca > 0xffff ? 2 : 1
    j += cb > 0xffff ? 2 : 1
  }
  return (a.length - i) - (b.length - j)
}

/** lm-eval's loglikelihood sort key (-len(toks), tuple(toks)) as a comparator: longest first. */
export function compareByLengthThenTokens(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return b.length - a.length
  return compareTokenTuples(a, b)
}

/** The model input for a request: the last maxLength+1 tokens of ctx + cont, minus the last one. */
export function modelInput(pair: TokenPair, maxLength: number): number[] {
  const whole = [...pair.context, ...pair.continuation]
  return whole.slice(Math.max(0, whole.length - (maxLength + 1)), whole.length - 1)
}

/**
 * Groups requests by ctx + cont[:-1] (the logits cache), orders the groups by their representative's
 * sort key and cuts them into batches of `batchSize` rows. The representative of a group is the member
 * with the longest continuation (first in request order on ties); every member shares its input.
 */
export function planLoglikelihoodBatches(
  pairs: readonly TokenPair[],
  batchSize: number,
  maxLength: number,
): ForwardRow[][] {
  return chunk(planLoglikelihoodRows(pairs, maxLength), batchSize)
}

/** The rows of planLoglikelihoodBatches in lm-eval's order, not yet cut into batches. */
export function planLoglikelihoodRows(pairs: readonly TokenPair[], maxLength: number): ForwardRow[] {
  const groups = new Map<string, number[]>()
  pairs.forEach((p, i) => {
    const key = [...p.context, ...p.continuation.slice(0, -1)].join(',')
    const g = groups.get(key)
    if (g) g.push(i)
    else groups.set(key, [i])
  })
  const reps = [...groups.values()].map((members) => {
    let rep = members[0]
    for (const m of members) if (pairs[m].continuation.length > pairs[rep].continuation.length) rep = m
    return { rep, members, toks: [...pairs[rep].context, ...pairs[rep].continuation] }
  })
  reps.sort((a, b) => compareByLengthThenTokens(a.toks, b.toks))
  return reps.map((r) => ({ input: modelInput(pairs[r.rep], maxLength), members: r.members }))
}

/**
 * Generation order: groups by identical kwargs (first appearance order), sorts each group by
 * (-tokenCount, context) and cuts it into batches. Returns request indices per batch.
 */
export function planGenerationBatches(items: readonly GenerationSortItem[], batchSize: number): number[][] {
  const groups = new Map<string, number[]>()
  items.forEach((it, i) => {
    const g = groups.get(it.genKey)
    if (g) g.push(i)
    else groups.set(it.genKey, [i])
  })
  const batches: number[][] = []
  for (const members of groups.values()) {
    const sorted = [...members].sort((a, b) =>
      items[b].tokenCount - items[a].tokenCount || comparePyStrings(items[a].context, items[b].context))
    batches.push(...chunk(sorted, batchSize))
  }
  return batches
}

/** Canonical JSON of generation kwargs with sorted keys, used to group identical settings. */
export function canonicalKey(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalKey).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => comparePyStrings(a, b))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalKey(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

/** Largest padded share of a batch's positions that padding-aware batching accepts. */
export const MAX_PADDED_SHARE = 0.1

/**
 * Cuts `items` (longest first) into consecutive batches of at most `size` whose padded positions,
 * rows × longest − Σ lengths, stay within `maxShare` of rows × longest; a batch always takes one item.
 */
export function chunkByPadding<T>(items: readonly T[], lengthOf: (item: T) => number, size: number, maxShare = MAX_PADDED_SHARE): T[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`batch size ${size} must be an integer ≥ 1`)
  const out: T[][] = []
  let current: T[] = []
  let longest = 0
  let sum = 0
  for (const item of items) {
    const len = lengthOf(item)
    const width = Math.max(longest, len)
    const rows = current.length + 1
    if (current.length > 0 && (current.length >= size || rows * width - (sum + len) > maxShare * rows * width)) {
      out.push(current)
      current = []
      longest = 0
      sum = 0
    }
    current.push(item)
    longest = Math.max(longest, len)
    sum += len
  }
  if (current.length > 0) out.push(current)
  return out
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`batch size ${size} must be an integer ≥ 1`)
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}
