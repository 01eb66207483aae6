/**
 * Group scores from leaf-task scores (lm-eval `api/metrics.py`: aggregate_subtask_metrics,
 * pooled_sample_stderr; used by `evaluator_utils.consolidate_group_results`).
 */

import { DEFAULT_SUMMATION, pySum, type Summation } from './aggregation.ts'

/**
 * Group value: Σ(value_i·n_i) / Σn_i with n_i = task sample count when weightBySize, else the plain
 * mean of the task values (every n_i = 1). values and sizes are per leaf task, in task order.
 */
export function aggregateGroup(
  values: readonly number[],
  sizes: readonly number[],
  weightBySize: boolean,
  summation: Summation = DEFAULT_SUMMATION,
): number {
  checkLengths(values.length, sizes.length)
  const weights = weightBySize ? sizes : sizes.map(() => 1)
  const products = values.map((v, i) => v * (weights[i] as number))
  // Sizes are Python ints: their sum is exact.
  return pySum(products, summation) / pySum(weights, summation)
}

/**
 * Pooled group stderr: sqrt( Σ((n_i−1)·se_i²·n_i) / (Σn_i − k) / Σn_i ), k = number of tasks.
 * 'N/A' if any task stderr is 'N/A' (or Σn_i = k, where Python would divide by zero).
 * Squares use se·se where lm-eval uses `se ** 2` (C pow): a possible last-bit difference, see stderr.ts.
 */
export function pooledStderr(
  stderrs: readonly (number | 'N/A')[],
  sizes: readonly number[],
  summation: Summation = DEFAULT_SUMMATION,
): number | 'N/A' {
  checkLengths(stderrs.length, sizes.length)
  const terms: number[] = []
  for (let i = 0; i < stderrs.length; i++) {
    const se = stderrs[i]
    if (se === 'N/A' || se === undefined) return 'N/A'
    const n = sizes[i] as number
    terms.push((n - 1) * (se * se) * n)
  }
  const total = pySum(sizes, summation)
  const dof = total - sizes.length
  if (dof === 0) return 'N/A'
  const pooledVar = pySum(terms, summation) / dof
  return Math.sqrt(pooledVar / total)
}

function checkLengths(a: number, b: number): void {
  if (a !== b) throw new RangeError(`group aggregation needs one size per task: ${a} values, ${b} sizes`)
}
