/** Reading results and samples files of lm-eval (0.4.x layouts) and evalz into RunData. */
import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { parseRun } from '../../../src/core/compare/run-data.ts'
import { isHarnessError } from '../../../src/core/errors.ts'
import { evalzRun, LM_DATE as DATE, LM_DIR as LM, lmEvalRun, read } from './fixture-runs.ts'

function harnessError(f: () => unknown): { code: string; message: string } {
  try {
    f()
  } catch (e) {
    if (isHarnessError(e)) return e
    throw e
  }
  throw new Error('expected a HarnessError')
}

describe('parseRun on an lm-eval output', () => {
  const run = lmEvalRun()

  it('reads the model, settings and producer', () => {
    expect(run.label).toBe('EleutherAI/pythia-160m')
    expect(run.producer).toBe('lm-eval')
    expect(run.producerVersion).toBe('0.4.8')
    expect(run.model).toMatchObject({ backend: 'hf', dtype: 'torch.float32', device: 'cuda:0', numParameters: 162322944 })
    expect(run.settings).toMatchObject({ limit: null, fewshotSeed: 1234, chatTemplateSha: null, fewshotAsMultiturn: false, maxLength: 2048 })
    expect(run.groups).toEqual([])
    expect(run.notes).toEqual([])
  })

  it('reads per-task config, headline metrics with stderr and samples', () => {
    const arc = run.tasks.find(t => t.name === 'arc_easy')!
    expect(arc.config).toMatchObject({ numFewshot: 0, outputType: 'multiple_choice', version: '1.0', originalDocs: 2376, effectiveDocs: 40, fewshotSeed: 1234 })
    expect(arc.config.metrics).toEqual([
      { metric: 'acc', aggregation: 'mean', higherIsBetter: true },
      { metric: 'acc_norm', aggregation: 'mean', higherIsBetter: true },
    ])
    const raw = (JSON.parse(read(join(LM, `results_${DATE}.json`))) as { results: Record<string, Record<string, number>> }).results.arc_easy
    expect(arc.headline).toEqual([
      { metric: 'acc', filter: 'none', value: raw['acc,none'], stderr: raw['acc_stderr,none'] },
      { metric: 'acc_norm', filter: 'none', value: raw['acc_norm,none'], stderr: raw['acc_norm_stderr,none'] },
    ])
    expect(raw['acc,none']).toBeGreaterThan(0)
    expect(arc.samples).toHaveLength(40)
    const gsm = run.tasks.find(t => t.name === 'gsm8k')!
    expect(gsm.config.numFewshot).toBe(5)
    expect(gsm.samples.map(s => s.filter).filter(f => f === 'flexible-extract')).toHaveLength(16)
  })

  it('derives the multiple-choice prediction from the filtered log-likelihoods and the gold text from the target', () => {
    const lines = read(join(LM, `samples_arc_easy_${DATE}.jsonl`)).trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
    const arc = run.tasks.find(t => t.name === 'arc_easy')!
    arc.samples.forEach((s, i) => {
      const raw = lines[i]
      const lls = (raw.filtered_resps as string[][]).map(r => Number(r[0]))
      const best = lls.indexOf(Math.max(...lls))
      expect(s.predictionIndex).toBe(best)
      expect(s.values.acc).toBe(best === Number(raw.target) ? 1 : 0)
      const choices = (raw.doc as { choices: { text: string[] } }).choices.text
      expect(s.prediction).toBe(choices[best])
      expect(s.targetText).toBe(choices[Number(raw.target)])
      expect(s.docHash).toBe(raw.doc_hash)
      expect(s.prompt.startsWith('Question: ')).toBe(true)
    })
  })

  it('takes the filtered answer as a generation prediction', () => {
    const gsm = run.tasks.find(t => t.name === 'gsm8k')!
    const strict = gsm.samples.filter(s => s.filter === 'strict-match')
    expect(strict.every(s => s.prediction === '[invalid]' || /^-?[0-9.,]+$/.test(s.prediction))).toBe(true)
    expect(strict.some(s => s.prediction === '[invalid]')).toBe(true)
    expect(gsm.samples.every(s => Object.keys(s.values).join() === 'exact_match')).toBe(true)
  })
})

describe('parseRun on an evalz output', () => {
  const run = evalzRun()
  it('recognises evalz and ignores its extra sample keys', () => {
    expect(run.producer).toBe('evalz')
    expect(run.label).toBe('my-org/pythia-160m-sft')
    expect(run.model.dtype).toBe('fp32')
    const arc = run.tasks.find(t => t.name === 'arc_easy')!
    expect(Object.keys(arc.samples[0].values)).toEqual(['acc', 'acc_norm'])
  })
})

describe('parseRun tolerates missing optional fields', () => {
  it('reads a bare results object, Python NaN/Infinity, old aliases, groups and lines without hashes or filter', () => {
    const results = `{"results": {"mmlu": {"alias": "mmlu", "acc,none": 0.5, "acc_stderr,none": 0.01},
      "mmlu_anatomy": {"alias": " - mmlu_anatomy", "acc,none": NaN, "acc_stderr,none": "N/A", "perplexity,none": Infinity}},
      "group_subtasks": {"mmlu": ["mmlu_anatomy"]}}`
    const samples = '{"doc_id": 0, "doc": {"q": "x"}, "target": 1, "arguments": [], "resps": [], "filtered_resps": [], "acc": 1.0}\n\n'
    const run = parseRun(results, { mmlu_anatomy: samples, unknown_task: '' }, { label: 'mine' })
    expect(run.label).toBe('mine')
    expect(run.groups).toEqual([{ name: 'mmlu', alias: 'mmlu', children: ['mmlu_anatomy'], headline: [{ metric: 'acc', filter: 'none', value: 0.5, stderr: 0.01 }] }])
    const t = run.tasks[0]
    expect(t.alias).toBe('mmlu_anatomy')
    expect(t.headline).toEqual([
      { metric: 'acc', filter: 'none', value: undefined, stderr: undefined },
      { metric: 'perplexity', filter: 'none', value: undefined, stderr: undefined },
    ])
    expect(t.config).toMatchObject({ numFewshot: undefined, outputType: undefined, version: undefined })
    expect(t.config.metrics.map(m => [m.metric, m.aggregation, m.higherIsBetter])).toEqual([['acc', 'mean', true], ['perplexity', 'perplexity', false]])
    expect(t.samples[0]).toMatchObject({ docId: 0, filter: 'none', docHash: undefined, target: '1', values: { acc: 1 } })
    expect(run.settings.limit).toBeUndefined()
    expect(run.notes).toEqual(["samples for 'unknown_task' match no task in the results file; ignored"])
  })

  it('matches samples files by the sanitised task name evalz writes', () => {
    const run = parseRun('{"results": {"hf:my/data": {"acc,none": 1.0}}}', { 'hf__my__data': '{"doc_id": 3, "acc": 1}\n' })
    expect(run.tasks[0].samples.map(s => s.docId)).toEqual([3])
  })
})

describe('parseRun rejects invalid input in one line', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['not JSON', () => parseRun('{"results": '), /results file is not valid JSON/],
    ['no results', () => parseRun('{"foo": 1}'), /no "results" object/],
    ['bad sample line', () => parseRun('{"results": {"t": {}}}', { t: '{"doc_id": 0}\n{oops\n' }), /task 't', line 2: not valid JSON/],
    ['no doc_id', () => parseRun('{"results": {"t": {}}}', { t: '{"doc": {}}\n' }), /task 't', line 1: doc_id is missing/],
    ['array line', () => parseRun('{"results": {"t": {}}}', { t: '[1]\n' }), /expected a JSON object, got an array/],
  ]
  for (const [name, f, re] of cases) {
    it(name, () => {
      const e = harnessError(f)
      expect(e.code).toBe('DATASET_PARSE_ERROR')
      expect(e.message).toMatch(re)
      expect(e.message).not.toContain('\n')
    })
  }
})
