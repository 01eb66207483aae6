/**
 * The compare view's helpers over the fixture runs (pythia-160m by lm-eval vs its SFT by evalz): flip sets agree
 * with core's paired statistics and a recount, choice probabilities pair up by position, the history search.
 */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { compareRuns } from '../../src/core/compare/run-compare.ts'
import type { RunSummary } from '../../src/protocol/eval-worker-api.ts'
import { choiceBars, flipSets, matchesSearch, runOptionText, sampleIndex, sampleOf, sharedTasks, verdictLine } from '../../src/ui/compare-samples.ts'
import { parseSamples } from '../../src/ui/sample-view.ts'
import { EVALZ_DIR, evalzRun, LM_DATE, LM_DIR, lmEvalRun, read } from '../core/compare/fixture-runs.ts'

describe('flipSets', () => {
  it('splits matched docs into fixed, broken and both wrong as core counts them', () => {
    const a = lmEvalRun()
    const b = evalzRun()
    const cmp = compareRuns(a, b, { iterations: 200 })
    for (const t of cmp.tasks) {
      const ta = a.tasks.find((x) => x.name === t.task)!
      const tb = b.tasks.find((x) => x.name === t.task)!
      for (const m of t.metrics.filter((x) => x.paired?.binary)) {
        const sets = flipSets(ta, tb, m.metric, m.filter, t.docs!.matched)
        const bin = m.paired!.binary!
        expect([sets.fixed, sets.broken]).toEqual([bin.fixedIds, bin.brokenIds])
        expect(sets.bothWrong).toHaveLength(bin.bothWrong)
        // recount both-wrong from the raw values
        const value = (run: typeof a, id: number) => run.tasks.find((x) => x.name === t.task)!.samples.find((s) => s.docId === id && s.filter === m.filter)!.values[m.metric]
        expect(sets.bothWrong.every((id) => Number(value(a, id)) === 0 && Number(value(b, id)) === 0)).toBe(true)
      }
    }
    const arc = cmp.tasks.find((t) => t.task === 'arc_easy')!
    expect(verdictLine(arc, arc.metrics[0])).toMatch(/^arc_easy · acc: (B better|B worse|no clear change): 0\.\d{4} → 0\.\d{4}, Δ [+-]0\.\d{4} \[.*\] 95% CI, n 40, \d+ fixed \/ \d+ broken, McNemar p = /)
  })

  it('leaves out docs without a 0/1 value in both runs', () => {
    const a = lmEvalRun().tasks[0]
    const sets = flipSets(a, a, 'acc', 'none', [0, 1, 2, 999])
    expect([...sets.fixed, ...sets.broken]).toEqual([])
    expect(sets.bothWrong.every((id) => id <= 2)).toBe(true)
  })
})

describe('choiceBars', () => {
  it('pairs both runs\' choice probabilities by position, with gold and each run\'s pick', () => {
    const configs = { output_type: 'multiple_choice', target_delimiter: ' ' }
    const va = sampleIndex(parseSamples('arc_easy', read(join(LM_DIR, `samples_arc_easy_${LM_DATE}.jsonl`)), configs))
    const vb = sampleIndex(parseSamples('arc_easy', read(join(EVALZ_DIR, 'samples_arc_easy.jsonl')), configs))
    const sa = sampleOf(va, 'none', 3)!
    const sb = sampleOf(vb, 'none', 3)!
    const bars = choiceBars([sa, sb])
    expect(bars.map((c) => c.text)).toEqual(sa.choices.map((c) => c.text))
    for (const j of [0, 1]) expect(bars.reduce((s, c) => s + c.probs[j], 0)).toBeCloseTo(1, 12)
    expect(bars.findIndex((c) => c.gold)).toBe(sa.goldIndex)
    expect(bars.findIndex((c) => c.picked[0])).toBe(sa.predictionIndex)
    expect(bars.findIndex((c) => c.picked[1])).toBe(sb.predictionIndex)
    // one run missing the doc: its probabilities are NaN
    expect(choiceBars([sa, undefined]).every((c) => Number.isNaN(c.probs[1]) && !c.picked[1])).toBe(true)
    expect(sampleOf(va, 'strict-match', 3)).toBe(sa)
    expect(choiceBars([undefined])).toEqual([])
  })
})

describe('history helpers', () => {
  const run = (over: Partial<RunSummary>): RunSummary => ({
    id: 'r', createdAt: Date.UTC(2025, 0, 2), status: 'done', modelName: 'pythia-160m',
    request: { runId: 'r', model: 'demo', device: 'wasm', tasks: ['mmlu'], limit: undefined, numFewshot: undefined, batchSize: 1, seed: 1234, bootstrapIters: 0 },
    headline: { mmlu: ['acc', 0.3], mmlu_anatomy: ['acc', 0.25] }, ...over,
  })

  it('searches model, tasks, tags and notes, every word', () => {
    const r = run({ tags: ['sft', 'lr-3e-4'], note: 'After the second epoch', imported: { producer: 'lm-eval', producerVersion: '0.4.8', fileNames: [], ranAt: undefined } })
    for (const q of ['', 'pythia', 'ANATOMY', 'sft', 'lr-3e', 'second epoch', 'imported lm-eval', 'pythia sft']) expect(matchesSearch(r, q), q).toBe(true)
    for (const q of ['llama', 'pythia llama', 'base']) expect(matchesSearch(r, q), q).toBe(false)
  })

  it('searches the device a run used and its GPU adapter', () => {
    const gpu = run({
      request: { ...run({}).request, device: 'auto' },
      device: { requested: 'auto', device: 'webgpu', adapter: { vendor: 'nvidia', architecture: 'ampere', description: '', isFallbackAdapter: false }, fellBack: false, reason: undefined },
    })
    for (const q of ['webgpu', 'nvidia', 'pythia ampere', 'auto']) expect(matchesSearch(gpu, q), q).toBe(true)
    expect(matchesSearch(gpu, 'wasm')).toBe(false)
    expect(matchesSearch(run({ device: { requested: 'wasm', device: 'wasm', adapter: undefined, fellBack: false, reason: 'wasm was requested' } }), 'wasm')).toBe(true)
  })

  it('finds shared tasks and writes picker options with group sizes', () => {
    expect(sharedTasks(run({}), run({ headline: { mmlu_anatomy: ['acc', 0.5], arc_easy: ['acc', 0.5] } }))).toEqual(['mmlu_anatomy'])
    expect(sharedTasks(run({}), run({ headline: {} }))).toEqual([])
    const entries = [{ name: 'mmlu', kind: 'group' as const, dataset: undefined, config: undefined, splits: [], outputType: undefined, numFewshot: undefined, metrics: [], members: ['a', 'b', 'c'] }]
    expect(runOptionText(run({ tags: ['base'] }), entries)).toMatch(/^pythia-160m · mmlu \(3\) · .* · base$/)
  })
})
