/**
 * Few-shot samplers (lm-eval.md §4.1): one sampler per task, built once over the whole pool, with one
 * CPython-compatible Random(seed) consumed doc by doc in evaluation order.
 */
import type { Doc } from '../source.ts'
import { PyRandom } from '../python/random.ts'
import { HarnessError } from '../errors.ts'
import { pyEq } from '../template/runtime.ts'

/** 'default' draws at random; 'first_n' takes the pool's first n docs. */
export type SamplerName = 'default' | 'first_n'

/** Draws few-shot docs for each evaluated doc. */
export interface FewshotSampler {
  /** n shots for `evalDoc`; when `exclude` the eval doc itself can never be a shot (n+1 rule) */
  sample(n: number, evalDoc: Doc, exclude: boolean): Doc[]
}

/** Builds a sampler over `pool` seeded with `seed` (lm-eval's default fewshot seed is 1234). */
export function makeSampler(name: SamplerName, pool: readonly Doc[], seed: number, fewshotIndices?: readonly number[]): FewshotSampler {
  const docs = fewshotIndices ? fewshotIndices.map(i => pool[i]) : pool
  const rnd = new PyRandom(seed)
  if (name === 'first_n') {
    return {
      sample(n, evalDoc, exclude) {
        const candidates = exclude ? docs.filter(d => !pyEq(d, evalDoc)) : docs
        return candidates.slice(0, n)
      },
    }
  }
  if (name === 'default') {
    return {
      sample(n, evalDoc, exclude) {
        if (!exclude) return drawn(rnd, docs, n)
        const picked = drawn(rnd, docs, n + 1).filter(d => !pyEq(d, evalDoc))
        return picked.slice(0, n)
      },
    }
  }
  throw new HarnessError('TASK_SPEC_INVALID', `unknown few-shot sampler '${String(name)}' (valid: default, first_n)`)
}

function drawn(rnd: PyRandom, docs: readonly Doc[], k: number): Doc[] {
  if (k > docs.length) {
    throw new HarnessError('TASK_SPEC_INVALID', `asked for ${k} few-shot samples from a pool of ${docs.length} docs; lower --num-fewshot`, { k, pool: docs.length })
  }
  return rnd.sample(docs, k)
}
