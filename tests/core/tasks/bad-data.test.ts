/**
 * Careless data never becomes a silent number (issue 17): an empty eval split, rows without the gold column
 * (missing key, or an empty cell of a ragged CSV), and more shots than the few-shot split holds (lm-eval raises
 * there too) each stop the task in one line naming it, before any request is built.
 */
import { describe, expect, it } from 'vitest'
import type { Doc, DocSource, SplitRef } from '../../../src/core/source.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import { planTask } from '../../../src/core/tasks/task-plan.ts'
import { HarnessError } from '../../../src/core/errors.ts'
import { parseCsv } from '../../../src/data/parse-csv.ts'
import { harnessFailure } from '../../rejection.ts'

function source(data: Record<string, Doc[]>): DocSource {
  const key = (r: SplitRef) => `${r.path}/${r.split}`
  return {
    description: 'memory',
    async hasSplit(r) { return key(r) in data },
    async loadSplit(r) {
      const rows = data[key(r)]
      if (!rows) throw new HarnessError('DATASET_SPLIT_MISSING', `no ${key(r)}`)
      return rows
    },
  }
}

const MC: TaskSpec = {
  task: 'toy_mc', dataset_path: 'toy', output_type: 'multiple_choice', test_split: 'test', training_split: 'train',
  doc_to_text: 'Q: {{q}}\nA:', doc_to_choice: 'choices', doc_to_target: 'label',
}
const ROW = { q: 'one', choices: ['a', 'b'], label: 0 }

describe('bad data stops the task in one line', () => {
  it('an empty eval split is an error, not 0 docs with exit 0', async () => {
    const e = await harnessFailure(planTask(MC, source({ 'toy/test': [] }), { fewshotSeed: 1234 }))
    expect(e.message).toBe("task 'toy_mc': eval split 'test' of toy has no docs; check the data file (a run over no docs has no result)")
  })

  it("a row without the gold column is named (not scored against the text 'label')", async () => {
    const rows = [ROW, { q: 'two', choices: ['a', 'b'] }]
    const e = await harnessFailure(planTask(MC, source({ 'toy/test': rows }), { fewshotSeed: 1234 }))
    expect(e.code).toBe('DATASET_PARSE_ERROR')
    expect(e.message).toMatch(/^task 'toy_mc', doc 1: the gold column 'label' \(doc_to_target\) is missing \(the doc has q, choices\); fix/)
  })

  it("a ragged CSV row (gold cell absent) is named, not scored against 'None'", async () => {
    const docs = parseCsv('q,a,b,label\none,x,y,0\ntwo,x,y\n', 'toy/test.csv')
    const spec: TaskSpec = { ...MC, doc_to_choice: '{{[a, b]}}' }
    const e = await harnessFailure(planTask(spec, source({ 'toy/test': docs }), { fewshotSeed: 1234 }))
    expect(e.message).toMatch(/^task 'toy_mc', doc 1: the gold column 'label' \(doc_to_target\) is empty/)
  })

  it('--num-fewshot beyond the few-shot split raises, as lm-eval does (instead of using fewer and recording more)', async () => {
    const data = { 'toy/test': [ROW], 'toy/train': Array.from({ length: 5 }, () => ROW) }
    for (const sampler of ['default', 'first_n'] as const) {
      const spec: TaskSpec = { ...MC, fewshot_config: { sampler } }
      const e = await harnessFailure(planTask(spec, source(data), { fewshotSeed: 1234, numFewshot: 10 }))
      expect(e.code).toBe('USAGE')
      expect(e.message).toBe("task 'toy_mc': 10 few-shot examples asked for but its few-shot split has 5 docs (lm-eval raises here too); use --num-fewshot 5 or fewer")
    }
    const ok = await planTask(MC, source(data), { fewshotSeed: 1234, numFewshot: 5 })
    expect(ok.numFewshot).toBe(5)
  })

  it('a template gold (not a bare column name) still renders as lm-eval does', async () => {
    const spec: TaskSpec = { ...MC, doc_to_target: '{{label}}' }
    const plan = await planTask(spec, source({ 'toy/test': [ROW] }), { fewshotSeed: 1234 })
    expect(plan.docs[0]?.target).toBe(0)
  })
})
