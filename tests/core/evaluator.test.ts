import { describe, expect, it } from 'vitest'
import type { DocSource, Doc, SplitRef } from '../../src/core/source.ts'
import type { GroupSpec, TaskSpec } from '../../src/core/tasks/task-spec.ts'
import type { RunInfo } from '../../src/core/results/results-json.ts'
import { evaluate } from '../../src/core/evaluator.ts'
import { makeCatalogue } from '../../src/core/tasks/registry.ts'
import { HarnessError } from '../../src/core/errors.ts'
import { pyJsonDumps } from '../../src/core/python/json.ts'
import { fakeBackend } from './fake-backend.ts'

function memorySource(data: Record<string, Doc[]>): DocSource {
  const key = (r: SplitRef) => `${r.path}/${r.name ?? 'default'}/${r.split}`
  return {
    description: 'memory',
    async hasSplit(r) { return key(r) in data },
    async loadSplit(r) {
      const rows = data[key(r)]
      if (!rows) throw new HarnessError('DATASET_SPLIT_MISSING', `no ${key(r)}`)
      return rows.map(d => ({ ...d }))
    },
  }
}

const MC: TaskSpec = {
  task: 'toy_mc', dataset_path: 'toy/mc', output_type: 'multiple_choice', test_split: 'test',
  doc_to_text: 'Q: {{q}}\nA:', doc_to_choice: 'choices', doc_to_target: 'gold',
  metric_list: [{ metric: 'acc' }, { metric: 'acc_norm' }], metadata: { version: 1.0 },
}
const MC2: TaskSpec = { ...MC, task: 'toy_mc_b', dataset_path: 'toy/mc_b' }
const GEN: TaskSpec = {
  task: 'toy_gen', dataset_path: 'toy/gen', output_type: 'generate_until', test_split: 'test',
  doc_to_text: 'Sum {{a}}+{{b}}=', doc_to_target: '{{a + b}}',
  generation_kwargs: { until: ['\n'], do_sample: false, temperature: 0.0 },
  filter_list: [
    { name: 'raw', filter: [{ function: 'take_first' }] },
    { name: 'number', filter: [{ function: 'regex', regex_pattern: '(\\d+)' }, { function: 'take_first' }] },
  ],
  metric_list: [{ metric: 'exact_match', aggregation: 'mean', higher_is_better: true }],
}
const ROLL: TaskSpec = { task: 'toy_roll', dataset_path: 'toy/roll', output_type: 'loglikelihood_rolling', test_split: 'test', doc_to_text: '', doc_to_target: 'text' }
const BROKEN: TaskSpec = { ...MC, task: 'toy_mc2_hook', dataset_path: 'toy/mc', process_results: { function: 'truthfulqa/utils.process_results_mc2' }, metric_list: [{ metric: 'acc' }] }
const GROUP: GroupSpec = { group: 'toy', task: ['toy_mc', 'toy_mc_b'], aggregate_metric_list: [{ metric: 'acc', weight_by_size: true }], metadata: { version: 1 } }

const DATA: Record<string, Doc[]> = {
  'toy/mc/default/test': [
    { q: 'one', choices: ['a', 'bb bb', 'ccc'], gold: 0 },
    { q: 'two', choices: ['xx', 'y'], gold: 0 },
    { q: 'three', choices: ['long answer', 'zz'], gold: 1 },
  ],
  'toy/mc_b/default/test': [{ q: 'four', choices: ['p', 'qq'], gold: 0 }],
  'toy/gen/default/test': [{ a: 2, b: 3 }, { a: 4, b: 4 }],
  'toy/roll/default/test': [{ text: 'a b c' }, { text: 'hello world' }],
}

const RUN: RunInfo = {
  model: 'fake', modelArgs: 'pretrained=fake', batchSize: 2, limit: undefined, numFewshot: undefined,
  bootstrapIters: 100, fewshotSeed: 1234, evalzVersion: 'test', startTime: 1000, tokenizer: undefined,
}

function run(tasks: string[], extra: Partial<Parameters<typeof evaluate>[0]> = {}) {
  const catalogue = makeCatalogue([MC, MC2, GEN, ROLL, BROKEN], [GROUP], [])
  let t = 0
  return evaluate({
    tasks, catalogue, source: memorySource(DATA), backend: fakeBackend({ 'Sum 2+3=': ' 5 apples', 'Sum 4+4=': '9' }),
    batchSize: 2, fewshotSeed: 1234, bootstrapIters: 100, logSamples: true, runInfo: RUN, now: () => (t += 10), ...extra,
  })
}

describe('evaluate', () => {
  it('scores multiple choice with acc and code-point acc_norm and writes lm-eval keys', async () => {
    const { results, samples } = await run(['toy_mc'])
    const entry = (results.results as Record<string, Record<string, unknown>>).toy_mc
    // lls are −len(' '+choice)/10: doc0 picks 'a' (gold 0) → 1; doc1 picks 'y' (gold 0) → 0; doc2 picks 'zz' (gold 1) → 1
    expect(JSON.parse(pyJsonDumps(entry))).toMatchObject({ 'acc,none': 2 / 3, 'acc_norm,none': expect.any(Number), sample_len: 3 })
    expect(Object.keys(entry)).toEqual(['name', 'alias', 'acc,none', 'acc_stderr,none', 'acc_norm,none', 'acc_norm_stderr,none', 'sample_len'])
    const s = samples.get('toy_mc')![0]
    expect(Object.keys(s).slice(0, 11)).toEqual(['doc_id', 'doc', 'target', 'arguments', 'resps', 'filtered_resps', 'filter', 'metrics', 'doc_hash', 'prompt_hash', 'target_hash'])
    expect(s.arguments).toEqual({ gen_args_0: { arg_0: 'Q: one\nA:', arg_1: ' a' }, gen_args_1: { arg_0: 'Q: one\nA:', arg_1: ' bb bb' }, gen_args_2: { arg_0: 'Q: one\nA:', arg_1: ' ccc' } })
    expect(s.resps).toEqual([[['-0.2', 'True']], [['-0.6', 'False']], [['-0.4', 'True']]])
    expect(pyJsonDumps(s)).toContain('"acc": 1.0')
  })

  it('rolls a group up over its leaves weighted by size, with pooled stderr and sample_count', async () => {
    const { results } = await run(['toy'])
    const r = JSON.parse(pyJsonDumps(results)) as Record<string, Record<string, Record<string, unknown>>>
    expect(Object.keys(r.results)).toEqual(['toy', 'toy_mc', 'toy_mc_b'])
    const accA = r.results.toy_mc['acc,none'] as number
    const accB = r.results.toy_mc_b['acc,none'] as number
    expect(r.groups.toy['acc,none']).toBeCloseTo((accA * 3 + accB * 1) / 4, 15)
    expect(r.groups.toy.sample_count).toEqual({ 'acc,none': 4 })
    expect(r.group_subtasks).toEqual({ toy: ['toy_mc', 'toy_mc_b'] })
    expect(r.versions.toy).toBe('1')
    expect(r.groups.toy['acc_stderr,none']).toBe('N/A')
  })

  it('applies every filter pipeline to generations', async () => {
    const { results, samples } = await run(['toy_gen'])
    const entry = JSON.parse(pyJsonDumps((results.results as Record<string, unknown>).toy_gen)) as Record<string, number>
    expect(entry['exact_match,raw']).toBe(0)
    expect(entry['exact_match,number']).toBe(0.5)
    const recs = samples.get('toy_gen')!
    expect(recs.map(r => r.filter)).toEqual(['raw', 'raw', 'number', 'number'])
    expect(recs[2].filtered_resps).toEqual(['5'])
    expect(recs[0].arguments).toEqual({ gen_args_0: { arg_0: 'Sum 2+3=', arg_1: expect.objectContaining({ until: ['\n'], do_sample: false }) } })
  })

  it('computes weighted perplexities for rolling tasks with N/A stderr', async () => {
    const { results } = await run(['toy_roll'])
    const entry = JSON.parse(pyJsonDumps((results.results as Record<string, unknown>).toy_roll)) as Record<string, unknown>
    const ll = -(5 + 11) / 4
    expect(entry['word_perplexity,none']).toBeCloseTo(Math.exp(-ll / (3 + 2)), 12)
    expect(entry['byte_perplexity,none']).toBeCloseTo(Math.exp(-ll / 16), 12)
    expect(entry['bits_per_byte,none']).toBeCloseTo(-(ll / 16) / Math.LN2, 12)
    expect(entry['word_perplexity_stderr,none']).toBe('N/A')
  })

  it('reports running intervals of proportions as Wilson intervals inside [0, 1], never zero width', async () => {
    const progress: { task: string; ci95: readonly [number, number]; value: number; n: number; interval: string }[] = []
    await run(['toy_mc', 'toy_roll'], {
      onEvent: e => { if (e.type === 'task-progress' && e.metric) progress.push({ task: e.task, ...e.metric }) },
    })
    const mc = progress.filter(p => p.task === 'toy_mc')
    expect(mc.map(p => p.n)).toEqual([1, 2, 3])
    for (const p of mc) {
      expect(p.interval).toBe('wilson')
      expect(p.ci95[0]).toBeGreaterThanOrEqual(0)
      expect(p.ci95[1]).toBeLessThanOrEqual(1)
      expect(p.ci95[1] - p.ci95[0]).toBeGreaterThan(0)
    }
    // rolling perplexity has no mean metric: no running value
    expect(progress.filter(p => p.task === 'toy_roll')).toEqual([])
  })

  it('records a doc whose scoring fails in its sample and leaves it out of the metrics', async () => {
    const events: string[] = []
    const { results, samples } = await run(['toy_mc2_hook'], { onEvent: e => events.push(e.type) })
    const recs = samples.get('toy_mc2_hook')!
    expect(recs.every(r => (r.evalz_error as { message: string }).message.length > 0)).toBe(true)
    expect((results.evalz as Record<string, unknown>).failed_docs).toEqual({ toy_mc2_hook: 3 })
    expect(events).toContain('scored')
  })

  it('sends each request kind to the backend once, batched across tasks', async () => {
    const backend = fakeBackend()
    const catalogue = makeCatalogue([MC, MC2, GEN, ROLL], [GROUP], [])
    await evaluate({
      tasks: ['toy_mc', 'toy_mc_b', 'toy_roll'], catalogue, source: memorySource(DATA), backend, batchSize: 4, fewshotSeed: 1234,
      bootstrapIters: 0, logSamples: false, runInfo: RUN, now: () => 0,
    })
    expect(backend.calls).toEqual(['loglikelihood:9', 'rolling:2'])
  })

  it('stops with CANCELLED when the signal is aborted', async () => {
    const ctl = new AbortController()
    ctl.abort()
    await expect(run(['toy_mc'], { signal: ctl.signal })).rejects.toMatchObject({ code: 'CANCELLED' })
  })

  it('reports N/A stderr for everything when bootstrap_iters is 0, like lm-eval', async () => {
    const { results } = await run(['toy_mc'], { bootstrapIters: 0 })
    expect((results.results as Record<string, Record<string, unknown>>).toy_mc['acc_stderr,none']).toBe('N/A')
  })
})
