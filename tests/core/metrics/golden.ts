/** Typed access to tests/core/fixtures/metrics/metrics.json (written by gen_metrics.py). */

import { readFileSync } from 'node:fs'

/** Per-summation expectations. */
export type BySummation<T> = { naive: T, neumaier: T }

export interface Golden {
  python: string
  numpy: string
  sum: ({ xs: number[] } & BySummation<number>)[]
  exp: { table: number[], x: number[], exp: (number | 'inf')[] }
  fma: [number, number, number, number][]
  stats: ({ xs: number[], median: number }
    & BySummation<{ mean: number, stderr: number, perplexity: number | null, pow_agrees: boolean }>)[]
  weighted: ({ items: [number, number][] } & BySummation<{ weighted_perplexity: number, bits_per_byte: number }>)[]
  bootstrap: ({ aggregation: 'perplexity' | 'median', xs: number[], iters: number }
    & BySummation<{ stderr: number, pow_agrees: boolean }>)[]
  group: ({ values: number[], sizes: number[], stderrs: number[] }
    & BySummation<{ weighted: number, unweighted: number, pooled: number, pow_agrees: boolean }>)[]
  mc2: { docs: { lls: number[], labels: number[], acc: number }[], mean: number }
  multiple_choice: {
    lls: number[]
    choices: string[]
    gold: number | number[]
    isGreedy: boolean[]
    expected: Record<string, number>
  }[]
  exact_match: { prediction: string, references: string[], options: Record<string, unknown>, expected: number }[]
  filters: {
    responses: (string | null)[]
    strict: string[]
    flexible: string[]
    flexible_first: string[]
    custom_fallback: string[]
    tuple_all_empty: string[]
    scored: { filtered: string, reference: string, expected: number }[]
  }
}

export const golden = JSON.parse(
  readFileSync(new URL('../fixtures/metrics/metrics.json', import.meta.url), 'utf8'),
) as Golden

/** The two summation flavours, for it.each-style loops. */
export const SUMMATIONS = ['naive', 'neumaier'] as const
