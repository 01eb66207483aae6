/** comparisonMarkdown: the results table, warnings, differing settings and flip lists; cells escaped. */
import { describe, expect, it } from 'vitest'
import { compareRuns } from '../../../src/core/compare/run-compare.ts'
import { comparisonMarkdown } from '../../../src/core/compare/comparison-markdown.ts'
import { parseRun } from '../../../src/core/compare/run-data.ts'
import { formatDelta, formatInterval, formatP, formatValue } from '../../../src/core/compare/number-format.ts'
import { evalzRun, lmEvalRun } from './fixture-runs.ts'

describe('comparisonMarkdown', () => {
  const cmp = compareRuns(lmEvalRun(), evalzRun(), { iterations: 500 })
  const md = comparisonMarkdown(cmp)

  it('has one results row per task metric with the paired numbers', () => {
    expect(md.startsWith('# evalz comparison: my-org/pythia-160m-sft vs EleutherAI/pythia-160m\n')).toBe(true)
    for (const t of cmp.tasks) {
      t.metrics.forEach((m, i) => {
        const p = m.paired!
        expect(md).toContain(`| ${i === 0 ? t.alias : ''} | ${m.metric} | ${m.filter} | ${p.n} | ${formatValue(p.valueA)} | ${formatValue(p.valueB)} | ${formatDelta(p.delta)} | ${formatInterval(p.interval)} | ${p.binary!.fixed} | ${p.binary!.broken} | ${formatP(p.binary!.mcnemarP)} |`)
      })
    }
    expect(md).toContain('- gsm8k: num_fewshot differs: A 5, B 3')
    expect(md).toContain('| gsm8k | num_fewshot | 5 | 3 |')
    expect(md).toContain(`- fixed (A wrong → B right), 9: doc_id ${cmp.tasks[0].metrics[0].paired!.binary!.fixedIds.join(', ')}`)
    expect(md.endsWith('\n')).toBe(true)
  })

  it('escapes pipes and line breaks in cells', () => {
    const run = (acc: number): ReturnType<typeof parseRun> => parseRun(JSON.stringify({ results: { 'a|b': { alias: 'x|y\nz', 'acc,none': acc } } }))
    const out = comparisonMarkdown(compareRuns(run(0.25), run(0.5)))
    expect(out).toContain('| x\\|y z | acc | none | — | 0.2500 | 0.5000 | +0.2500 | — | — | — | — | not tested (no samples in run A and B) |')
  })
})

describe('number formats', () => {
  it('formats values, signed deltas and p-values', () => {
    expect([formatValue(0.42499), formatValue(undefined), formatValue(NaN)]).toEqual(['0.4250', '—', '—'])
    expect([formatDelta(0.15), formatDelta(-0.025), formatDelta(0), formatDelta(-0.00001)]).toEqual(['+0.1500', '-0.0250', '0.0000', '0.0000'])
    expect([formatP(0.5), formatP(0.00042), formatP(0), formatP(undefined)]).toEqual(['0.5000', '4e-4', '<1e-300', '—'])
  })
})
