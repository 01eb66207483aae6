/**
 * lm-eval's corpus-level aggregations over per-doc (gold, prediction) pairs: `bleu`, `chrf`, `ter` (sacrebleu,
 * translation.ts) and `f1`, `matthews_corrcoef` (scikit-learn, classification.ts), with lm-eval's bootstrap stderr
 * (`bootstrap_iters` replicates, at most 100 for bleu/chrf/ter; CPython `random.Random(i)` per chunk of 1000).
 * The translation metrics turn each pair into sacrebleu's segment statistics once; a replicate re-sums them.
 */
import { HarnessError } from '../errors.ts'
import { f1Score, labelPairs, matthewsCorrcoef } from './classification.ts'
import type { Segment } from './translation.ts'
import { bleuScore, bleuSegmentStats, chrfScore, chrfSegmentStats, terScore, terSegmentStats } from './translation.ts'
import { bootstrapStderr } from './stderr.ts'

/** The corpus aggregations, by lm-eval's registered names. */
export type CorpusAggregationName = 'bleu' | 'chrf' | 'ter' | 'f1' | 'matthews_corrcoef'

export const CORPUS_AGGREGATIONS: readonly CorpusAggregationName[] = ['bleu', 'chrf', 'ter', 'f1', 'matthews_corrcoef']

/** True if `name` is a corpus aggregation. */
export function isCorpusAggregation(name: string): name is CorpusAggregationName {
  return (CORPUS_AGGREGATIONS as readonly string[]).includes(name)
}

const TRANSLATION = {
  bleu: { stats: bleuSegmentStats, score: bleuScore },
  chrf: { stats: (s: Segment) => chrfSegmentStats(s), score: (x: readonly number[]) => chrfScore(x) },
  ter: { stats: terSegmentStats, score: terScore },
} as const

/** lm-eval's _sacreformat: each pair's references (a list is several, cut to the shortest list) and prediction. */
function segments(name: string, items: readonly unknown[]): Segment[] {
  const pairs = labelPairs(name, items)
  const lists = pairs.map(([g]) => (Array.isArray(g) ? g.map(String) : [String(g)]))
  const streams = Math.min(...lists.map(l => l.length))
  return pairs.map(([, p], i) => {
    if (Array.isArray(p) && p.length !== 1) throw new HarnessError('TASK_SPEC_INVALID', `${name}: a prediction must be one string, got ${JSON.stringify(p)}`)
    return { hyp: String(Array.isArray(p) ? p[0] : p), refs: lists[i].slice(0, streams) }
  })
}

/** Element-wise sum of statistics rows, left to right (sacrebleu's sum_of_lists). */
function sumRows(rows: readonly (readonly number[])[]): number[] {
  const total = new Array<number>(rows[0]?.length ?? 0).fill(0)
  for (const row of rows) for (let i = 0; i < total.length; i++) total[i] += row[i]
  return total
}

/** The aggregation's value over the per-doc pairs. */
export function corpusAggregate(name: CorpusAggregationName, items: readonly unknown[]): number {
  if (name === 'f1') return f1Score(labelPairs(name, items))
  if (name === 'matthews_corrcoef') return matthewsCorrcoef(labelPairs(name, items))
  const m = TRANSLATION[name]
  return m.score(sumRows(segments(name, items).map(s => m.stats(s))))
}

/** lm-eval's stderr of the aggregation: a bootstrap ('N/A' without bootstrap iterations or with < 2 items). */
export function corpusStderr(name: CorpusAggregationName, items: readonly unknown[], bootstrapIters: number): number | 'N/A' {
  if (!(bootstrapIters > 0) || items.length < 2) return 'N/A'
  if (name === 'f1') return bootstrapStderr(f1Score, labelPairs(name, items), bootstrapIters, 'naive')
  if (name === 'matthews_corrcoef') return bootstrapStderr(matthewsCorrcoef, labelPairs(name, items), bootstrapIters)
  const m = TRANSLATION[name]
  const rows = segments(name, items).map(s => m.stats(s))
  return bootstrapStderr(resample => m.score(sumRows(resample)), rows, Math.min(bootstrapIters, 100))
}
