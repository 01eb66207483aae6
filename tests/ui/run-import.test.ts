/** Which picked files make an importable run: lm-eval's dated names, evalz's plain ones, one-line refusals. */
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { importPlan, samplesTaskKey } from '../../src/ui/run-import.ts'
import { EVALZ_DIR, LM_DATE, LM_DIR, read } from '../core/compare/fixture-runs.ts'

const lm = (name: string) => ({ name, text: read(join(LM_DIR, name)) })
const RESULTS = lm(`results_${LM_DATE}.json`)
const ARC = lm(`samples_arc_easy_${LM_DATE}.jsonl`)
const GSM = lm(`samples_gsm8k_${LM_DATE}.jsonl`)

describe('samplesTaskKey', () => {
  it('drops lm-eval\'s date suffix and keeps task names with underscores', () => {
    expect(samplesTaskKey(`samples_arc_easy_${LM_DATE}.jsonl`)).toBe('arc_easy')
    expect(samplesTaskKey('samples_mmlu_high_school_physics_2024-05-20T12-34-56.jsonl')).toBe('mmlu_high_school_physics')
    expect(samplesTaskKey('samples_arc_easy.jsonl')).toBe('arc_easy')
    expect(samplesTaskKey('results.jsonl')).toBeUndefined()
    expect(samplesTaskKey('samples_x.json')).toBeUndefined()
  })
})

describe('importPlan', () => {
  it('keys lm-eval samples by task, results file first, in any pick order', () => {
    const plan = importPlan([GSM, RESULTS, ARC])
    expect(Object.keys(plan.input.samplesJsonl).sort()).toEqual(['arc_easy', 'gsm8k'])
    expect(plan.input.samplesJsonl.arc_easy).toBe(ARC.text)
    expect(plan.input.fileNames).toEqual([RESULTS.name, GSM.name, ARC.name])
    expect(plan.run.producer).toBe('lm-eval')
    expect(plan.run.tasks.map((t) => t.samples.length)).toEqual([40, 32])
  })

  it('takes evalz\'s undated files and a results file alone', () => {
    const plan = importPlan([{ name: 'results.json', text: read(join(EVALZ_DIR, 'results.json')) }, { name: 'samples_arc_easy.jsonl', text: read(join(EVALZ_DIR, 'samples_arc_easy.jsonl')) }])
    expect(plan.run.producer).toBe('evalz')
    expect(Object.keys(plan.input.samplesJsonl)).toEqual(['arc_easy'])
    expect(importPlan([RESULTS]).run.tasks.every((t) => !t.hasSamples)).toBe(true)
  })

  it('refuses with one line naming the file', () => {
    const fails = (files: { name: string; text: string }[]) => {
      try {
        importPlan(files)
        return 'accepted'
      } catch (e) {
        return `${(e as { code: string }).code} ${(e as Error).message}`
      }
    }
    expect(fails([ARC])).toMatch(/^DATASET_PARSE_ERROR no results file among the picked files/)
    expect(fails([RESULTS, { ...RESULTS, name: 'results_b.json' }])).toMatch(/2 results files picked \(results_.*, results_b.json\); import one run at a time/)
    expect(fails([RESULTS, { name: 'notes.txt', text: '' }])).toMatch(/'notes.txt' is neither a results .json nor a samples .jsonl/)
    expect(fails([RESULTS, { name: 'arc.jsonl', text: ARC.text }])).toMatch(/'arc.jsonl' is not named samples_<task>.jsonl/)
    expect(fails([RESULTS, { ...ARC, name: 'samples_arc_easy_2024-01-01T00-00-00.jsonl' }])).toMatch(/is from another run than results_.* \(date 2024-01-01T00-00-00/)
    expect(fails([RESULTS, ARC, { ...ARC, name: 'samples_arc_easy.jsonl' }])).toMatch(/two samples files for task 'arc_easy'/)
    expect(fails([RESULTS, { ...ARC, name: `samples_hellaswag_${LM_DATE}.jsonl` }])).toMatch(/samples for 'hellaswag' match no task of results_.*\(tasks: arc_easy, gsm8k\)/)
    expect(fails([{ ...RESULTS, text: '{"results": 3' }])).toMatch(new RegExp(`^DATASET_PARSE_ERROR results_${LM_DATE}.json: results file is not valid JSON`))
    expect(fails([RESULTS, { ...ARC, text: 'nope' }])).toMatch(new RegExp(`^DATASET_PARSE_ERROR ${ARC.name}: samples of task 'arc_easy', line 1: not valid JSON \\(.*\\); pass the samples_<task>.jsonl file`))
    for (const f of [fails([ARC]), fails([RESULTS, { ...ARC, text: 'nope' }])]) expect(f).not.toContain('\n')
  })
})
