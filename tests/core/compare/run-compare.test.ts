/**
 * compareRuns on the fixture runs (lm-eval baseline vs evalz fine-tune) against the independent Python computation
 * (fixtures/gen_compare.py → compare-expected.json), flip counts recounted from the raw lines, and the checks
 * (different data, config differences, missing samples, groups) on small hand-built runs.
 */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { parseRun } from '../../../src/core/compare/run-data.ts'
import { compareRuns } from '../../../src/core/compare/run-compare.ts'
import { sha256Hex } from '../../../src/core/hash.ts'
import { evalzRun, FIXTURES as FIX, lmEvalRun, read } from './fixture-runs.ts'

interface Expected {
  task: string
  metric: string
  filter: string
  n: number
  valueA: number
  valueB: number
  delta: number
  bothRight: number
  bothWrong: number
  fixedIds: number[]
  brokenIds: number[]
  mcnemarP: number
  bootstrap: { low: number; high: number }
  normal: { low: number; high: number; stderr: number }
  promptDiffers: number
}

describe('compareRuns on an lm-eval run and an evalz run', () => {
  const cmp = compareRuns(lmEvalRun(), evalzRun())
  const expected = JSON.parse(read(join(FIX, 'compare-expected.json'))) as Expected[]

  it('uses the default seed and resamples', () => {
    expect([cmp.seed, cmp.iterations]).toEqual([1234, 10000])
    expect(cmp.tasks.map(t => t.task)).toEqual(['arc_easy', 'gsm8k'])
    expect(cmp.onlyInA).toEqual([])
  })

  for (const e of expected) {
    it(`${e.task} ${e.metric},${e.filter} equals the Python computation`, () => {
      const t = cmp.tasks.find(x => x.task === e.task)!
      const m = t.metrics.find(x => x.metric === e.metric && x.filter === e.filter)!
      const p = m.paired!
      expect({ n: p.n, valueA: p.valueA, valueB: p.valueB, delta: p.delta }).toEqual({ n: e.n, valueA: e.valueA, valueB: e.valueB, delta: e.delta })
      expect(p.interval).toEqual(e.bootstrap)
      const bin = p.binary!
      expect({ bothRight: bin.bothRight, bothWrong: bin.bothWrong, fixedIds: bin.fixedIds, brokenIds: bin.brokenIds })
        .toEqual({ bothRight: e.bothRight, bothWrong: e.bothWrong, fixedIds: e.fixedIds, brokenIds: e.brokenIds })
      expect([bin.fixed, bin.broken]).toEqual([e.fixedIds.length, e.brokenIds.length])
      expect(bin.mcnemarP).toBe(e.mcnemarP)
      expect(bin.normal).toEqual(e.normal)
      expect(t.docs!.promptDiffers).toHaveLength(e.promptDiffers)
      expect(m.verdict).toBe(e.mcnemarP < 0.05 ? (e.delta > 0 ? 'better' : 'worse') : 'unclear')
    })
  }

  it('recounts the arc_easy acc flips from the raw sample lines', () => {
    const lines = (p: string): Record<string, number>[] => read(p).trim().split('\n').map(l => JSON.parse(l) as Record<string, number>)
    const a = lines(join(FIX, 'lm-eval-out/EleutherAI__pythia-160m/samples_arc_easy_2025-03-14T09-26-53.589793.jsonl'))
    const b = new Map(lines(join(FIX, 'evalz-out/samples_arc_easy.jsonl')).map(s => [s.doc_id, s]))
    const fixed = a.filter(s => s.acc === 0 && b.get(s.doc_id)!.acc === 1).map(s => s.doc_id)
    const broken = a.filter(s => s.acc === 1 && b.get(s.doc_id)!.acc === 0).map(s => s.doc_id)
    const bin = cmp.tasks[0].metrics[0].paired!.binary!
    // gen_runs.py planted 9 fixed and 3 broken docs
    expect([fixed.length, broken.length]).toEqual([9, 3])
    expect(bin.fixedIds).toEqual(fixed)
    expect(bin.brokenIds).toEqual(broken)
  })

  it('warns about the few-shot difference and the prompts it changed, not about dtype spellings', () => {
    expect(cmp.runDiffs).toEqual([])
    expect(cmp.warnings).toEqual([
      'gsm8k: num_fewshot differs: A 5, B 3',
      'gsm8k: prompts differ on 16 of 16 matched docs (prompt_hash); check few-shot count, seed, templates and chat settings',
    ])
    expect(cmp.tasks[1].configDiffs).toEqual([{ task: 'gsm8k', field: 'num_fewshot', a: '5', b: '3' }])
  })
})

/** A results file and samples over `docs` doc ids, acc per doc from `acc`. */
function run(opts: {
  tasks: Record<string, { acc: number[]; docs?: number[]; hash?: (id: number) => string; prompt?: string; shots?: number }>
  config?: Record<string, unknown>
  groups?: Record<string, string[]>
  noSamples?: string[]
  extra?: Record<string, unknown>
}): ReturnType<typeof parseRun> {
  const results: Record<string, unknown> = {}
  const samples: Record<string, string> = {}
  const nShot: Record<string, number> = {}
  for (const [name, t] of Object.entries(opts.tasks)) {
    const docs = t.docs ?? t.acc.map((_, i) => i)
    results[name] = { alias: name, 'acc,none': t.acc.reduce((x, y) => x + y, 0) / t.acc.length, 'acc_stderr,none': 0.1 }
    nShot[name] = t.shots ?? 0
    if (opts.noSamples?.includes(name)) continue
    samples[name] = docs.map((id, i) => JSON.stringify({
      doc_id: id, doc: { id }, target: '0', filter: 'none', metrics: ['acc'],
      doc_hash: t.hash?.(id) ?? `h${id}`, prompt_hash: `${t.prompt ?? 'p'}${id}`, target_hash: 't', acc: t.acc[i],
    })).join('\n')
  }
  for (const g of Object.keys(opts.groups ?? {})) results[g] = { alias: g, 'acc,none': 0.5, 'acc_stderr,none': 0.05 }
  const root = { results, group_subtasks: opts.groups ?? {}, 'n-shot': nShot, config: { limit: null, fewshot_seed: 1234, ...opts.config }, ...opts.extra }
  return parseRun(JSON.stringify(root), samples)
}

describe('compareRuns checks', () => {
  it('flags docs whose doc_hash differs and leaves them out; lists docs only in one run', () => {
    const a = run({ tasks: { t: { acc: [1, 0, 1, 0, 1] } } })
    const b = run({ tasks: { t: { acc: [1, 1, 0, 1, 1, 1], docs: [0, 1, 2, 3, 4, 5], hash: id => (id === 2 ? 'changed' : `h${id}`) } } })
    const cmp = compareRuns(a, b, { iterations: 200 })
    const t = cmp.tasks[0]
    expect(t.docs).toMatchObject({ matched: [0, 1, 3, 4], differentData: [2], onlyA: [], onlyB: [5], promptDiffers: [] })
    const p = t.metrics[0].paired!
    expect(p.n).toBe(4)
    expect(p.binary).toMatchObject({ fixedIds: [1, 3], brokenIds: [], bothRight: 2, bothWrong: 0 })
    expect(cmp.warnings).toContain('t: different data for 1 doc(s) (doc_hash differs: doc_id 2); left out of the statistics')
    expect(cmp.warnings).toContain('t: 1 doc(s) only in run B (doc_id 5); compared on the 4 shared docs')
  })

  it('reports run-wide setting differences and tasks only in one run', () => {
    const a = run({ tasks: { t: { acc: [1, 0] }, only_a: { acc: [1] } }, config: { limit: 2.0, model_dtype: 'torch.float16' }, extra: { chat_template: null, fewshot_as_multiturn: false } })
    const b = run({ tasks: { t: { acc: [1, 0] }, only_b: { acc: [0] } }, config: { limit: null, model_dtype: 'q4' }, extra: { chat_template: '{{ messages }}', fewshot_as_multiturn: true } })
    const cmp = compareRuns(a, b, { iterations: 50 })
    expect(cmp.runDiffs.map(d => [d.field, d.a, d.b])).toEqual([
      ['model_dtype', 'torch.float16', 'q4'],
      ['limit', '2', 'none'],
      ['chat_template_sha', 'none', sha256Hex('{{ messages }}')],
      ['fewshot_as_multiturn', 'false', 'true'],
    ])
    expect(cmp.onlyInA).toEqual(['only_a'])
    expect(cmp.onlyInB).toEqual(['only_b'])
    expect(cmp.warnings).toContain('run setting model_dtype differs: A torch.float16, B q4')
    expect(cmp.warnings).toContain('only in run B (not compared): only_b')
  })

  it('compares headlines only, with a note, when a run has no samples', () => {
    const a = run({ tasks: { t: { acc: [1, 0] } }, noSamples: ['t'] })
    const b = run({ tasks: { t: { acc: [1, 1] } } })
    const cmp = compareRuns(a, b)
    const m = cmp.tasks[0].metrics[0]
    expect(m.paired).toBeUndefined()
    expect(m.verdict).toBe('untested')
    expect(m.note).toBe('no samples in run A')
    expect(m.headlineA?.value).toBe(0.5)
    expect(m.headlineB?.value).toBe(1)
    expect(cmp.warnings).toContain('t: no samples in run A; paired statistics need the samples files (run with --log_samples)')
  })

  it('calls a large consistent gain better and pools a group over its member tasks', () => {
    const ones = (n: number): number[] => Array.from({ length: n }, () => 1)
    const zeros = (n: number): number[] => Array.from({ length: n }, () => 0)
    const a = run({ tasks: { s1: { acc: zeros(30) }, s2: { acc: [...ones(5), ...zeros(5)] } }, groups: { g: ['s1', 's2'] } })
    const b = run({ tasks: { s1: { acc: ones(30) }, s2: { acc: [...zeros(5), ...ones(5)] } }, groups: { g: ['s1', 's2'] } })
    const cmp = compareRuns(a, b, { iterations: 500 })
    expect(cmp.tasks[0].metrics[0].verdict).toBe('better')
    expect(cmp.tasks[1].metrics[0].verdict).toBe('unclear')
    const g = cmp.groups[0]
    expect(g.tasks).toEqual(['s1', 's2'])
    const p = g.metrics[0].paired!
    expect(p.n).toBe(40)
    expect(p.binary).toMatchObject({ fixed: 35, broken: 5, fixedIds: [], brokenIds: [] })
    expect(g.metrics[0].note).toBe('pooled over 2 task(s), every matched doc weighted equally')
    expect(g.metrics[0].verdict).toBe('better')
  })
})
