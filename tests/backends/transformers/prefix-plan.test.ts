import { describe, expect, it } from 'vitest'
import { GROUP_OVERHEAD_TOKENS, planPrefixGroups, scheduleSharedPasses } from '../../../src/backends/transformers/prefix-plan.ts'
import type { PlanRow } from '../../../src/backends/transformers/prefix-plan.ts'

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i)

/** Tokens fed by a plan: each group's prefix once plus every row's suffix, singles whole. */
function fed(rows: readonly PlanRow[], plan: ReturnType<typeof planPrefixGroups>): number {
  let n = plan.single.reduce((s, i) => s + rows[i].input.length, 0)
  for (const g of plan.groups) n += g.prefix.length + g.rows.reduce((s, i) => s + rows[i].input.length - g.prefix.length, 0)
  return n
}

describe('planPrefixGroups', () => {
  it('shares each multiple-choice context among its endings (HellaSwag shape), never a scored position', () => {
    const rows: PlanRow[] = []
    for (let doc = 0; doc < 5; doc++) {
      const ctx = [1, 2, ...range(100 * (doc + 1), 30)] // every doc starts with the same 2 tokens
      for (let e = 0; e < 4; e++) {
        const ending = range(1000 * (doc + 1) + 10 * e, 5 + e)
        rows.push({ input: [...ctx, ...ending.slice(0, -1)], keep: ending.length })
      }
    }
    const plan = planPrefixGroups(rows)
    expect(plan.single).toEqual([])
    expect(plan.groups).toHaveLength(5)
    for (const g of plan.groups) {
      expect(g.rows).toHaveLength(4)
      expect(g.prefix).toHaveLength(31) // ctx[:-1]: the last context token predicts the first ending token
      for (const r of g.rows) {
        expect(rows[r].input.slice(0, g.prefix.length)).toEqual(g.prefix)
        expect(rows[r].input.length - g.prefix.length).toBeGreaterThanOrEqual(rows[r].keep)
      }
    }
    expect(new Set(plan.groups.flatMap((g) => g.rows)).size).toBe(rows.length)
  })

  it('shares few-shot examples across documents (MMLU shape) and keeps unrelated rows whole', () => {
    const shots = range(500, 200)
    const rows: PlanRow[] = range(0, 10).map((doc) => ({ input: [...shots, ...range(10_000 + 100 * doc, 40)], keep: 1 }))
    rows.push({ input: range(90_000, 12), keep: 2 }, { input: [7], keep: 1 })
    const plan = planPrefixGroups(rows)
    expect(plan.groups).toHaveLength(1)
    expect(plan.groups[0].prefix).toEqual(shots)
    expect(plan.single).toEqual([10, 11])
    const whole = rows.reduce((s, r) => s + r.input.length, 0)
    expect(fed(rows, plan)).toBe(whole - 9 * 200)
  })

  it('picks the deeper level when it feeds fewer tokens, and skips prefixes too short to pay', () => {
    // 3 docs share 3 tokens; within each doc 2 rows share 20 more: per-doc groups win
    const rows: PlanRow[] = []
    for (let doc = 0; doc < 3; doc++) {
      for (let e = 0; e < 2; e++) rows.push({ input: [9, 9, 9, ...range(100 * (doc + 1), 20), 50 + e, 60 + e], keep: 2 })
    }
    const plan = planPrefixGroups(rows)
    expect(plan.groups.map((g) => g.prefix.length)).toEqual([23, 23, 23])
    // two rows sharing fewer tokens than the overhead stay whole
    const tiny = planPrefixGroups([{ input: [1, 2, 3, 4], keep: 1 }, { input: [1, 2, 5, 6], keep: 1 }])
    expect(GROUP_OVERHEAD_TOKENS).toBeGreaterThanOrEqual(2)
    expect(tiny.groups).toEqual([])
    expect(tiny.single).toEqual([0, 1])
  })

  it('feeds no more tokens than the rows themselves on random inputs', () => {
    let s = 7
    const rnd = (n: number) => { s = (s * 1103515245 + 12345) % 2147483648; return s % n }
    const rows: PlanRow[] = range(0, 200).map(() => {
      const input = range(0, 1 + rnd(30)).map(() => rnd(3))
      return { input, keep: 1 + rnd(input.length) }
    })
    const plan = planPrefixGroups(rows)
    expect([...plan.single, ...plan.groups.flatMap((g) => g.rows)].sort((a, b) => a - b)).toEqual(range(0, 200))
    expect(fed(rows, plan)).toBeLessThanOrEqual(rows.reduce((n, r) => n + r.input.length, 0))
    for (const g of plan.groups) for (const r of g.rows) expect(rows[r].input.length - g.prefix.length).toBeGreaterThanOrEqual(rows[r].keep)
  })
})

describe('scheduleSharedPasses', () => {
  it('runs up to batch-size prefixes per pass and cuts their rows, longest suffix first, into batches', () => {
    const rows: PlanRow[] = []
    for (let doc = 0; doc < 6; doc++) {
      for (let e = 0; e < 4; e++) rows.push({ input: [...range(100 * (doc + 1), 10 + doc), ...range(7, 1 + e)], keep: 1 + e })
    }
    const plan = planPrefixGroups(rows)
    const passes = scheduleSharedPasses(plan, rows, 2)
    expect(passes.map((p) => p.groups.length)).toEqual([2, 2, 2])
    expect(passes[0].groups[0].prefix.length).toBeGreaterThanOrEqual(passes[0].groups[1].prefix.length)
    for (const p of passes) {
      expect(p.batches.map((b) => b.length)).toEqual([2, 2, 2, 2])
      const suffix = (b: { row: number; from: number }) => rows[b.row].input.length - p.groups[b.from].prefix.length
      const lens = p.batches.flat().map(suffix)
      expect([...lens].sort((a, b) => b - a)).toEqual(lens)
    }
    // a group with many rows gets a pass to itself
    const big = scheduleSharedPasses({ groups: [{ prefix: [1], rows: range(0, 40) }, { prefix: [2], rows: range(40, 2) }], single: [] },
      range(0, 42).map((i) => ({ input: [i < 40 ? 1 : 2, i], keep: 1 })), 8)
    expect(big.map((p) => p.groups.length)).toEqual([1, 1])
    expect(big[0].batches.map((b) => b.length)).toEqual([8, 8, 8, 8, 8])
  })
})
