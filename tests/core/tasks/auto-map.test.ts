/**
 * Auto-mapping a dataset to a task over synthetic column sets: which columns are picked, which templates result,
 * and — by planning the task over the rows — the prompts, continuations and gold indices lm-eval's layout gives
 * (`Question: q\nAnswer:` + `' ' + choice`), written out by hand here.
 */
import { describe, expect, it } from 'vitest'
import type { Doc, DocSource } from '../../../src/core/source.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import { autoMapDataset, chooseSplits, looksLikeDatasetRef, parseDatasetRef } from '../../../src/core/tasks/auto-map.ts'
import { planTask } from '../../../src/core/tasks/task-plan.ts'
import { ARC_EASY } from '../../../src/core/tasks/builtin/arc.ts'
import { PIQA } from '../../../src/core/tasks/builtin/multiple-choice-qa.ts'
import { isHarnessError } from '../../../src/core/errors.ts'

const REF = parseDatasetRef('me/ds')

function memorySource(splits: Record<string, Doc[]>): DocSource {
  return {
    description: 'memory',
    async hasSplit(ref) { return ref.split in splits },
    async loadSplit(ref) { return splits[ref.split].slice() },
  }
}

/** Plans the spec over `rows` (test split) and returns, per doc, the prompt, the continuations and the gold. */
async function plan(spec: TaskSpec, rows: Doc[]): Promise<{ prompt: string; conts: string[]; target: unknown }[]> {
  const p = await planTask(spec, memorySource({ [spec.test_split!]: rows, [spec.fewshot_split!]: rows }), { fewshotSeed: 1234 })
  return p.docs.map(d => ({ prompt: String(d.requests[0].arguments[0]), conts: d.requests.map(r => String(r.arguments[1])), target: d.target }))
}

function mapError(rows: Doc[]): { code: string; message: string } {
  try {
    autoMapDataset(REF, ['test'], rows)
  } catch (e) {
    if (isHarnessError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected no mapping')
}

describe('dataset references', () => {
  it('parses owner/name[:config][@split]', () => {
    expect(parseDatasetRef('allenai/ai2_arc:ARC-Easy@test')).toEqual({ text: 'allenai/ai2_arc:ARC-Easy@test', path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' })
    expect(parseDatasetRef('m-a-p/MusicTheoryBench')).toMatchObject({ path: 'm-a-p/MusicTheoryBench', name: undefined, split: undefined })
    expect(parseDatasetRef('cais/mmlu@dev')).toMatchObject({ path: 'cais/mmlu', name: undefined, split: 'dev' })
    expect(looksLikeDatasetRef('arc_easy')).toBe(false)
    expect(looksLikeDatasetRef('a/b')).toBe(true)
  })
  it('rejects malformed references with the expected form', () => {
    for (const bad of ['a/', '/b', 'a/../b', 'a/b:', 'a/b@', 'ab:c']) {
      expect(() => parseDatasetRef(bad), bad).toThrow(/owner\/name\[:config\]\[@split\]/)
    }
  })
})

describe('split choice', () => {
  it('evaluates @split, else test, validation, dev, train in that order', () => {
    expect(chooseSplits(REF, ['train', 'validation', 'test'])).toEqual({ test: 'test', fewshot: 'train' })
    expect(chooseSplits(REF, ['train', 'validation'])).toEqual({ test: 'validation', fewshot: 'train' })
    expect(chooseSplits(parseDatasetRef('me/ds@train'), ['train', 'validation'])).toEqual({ test: 'train', fewshot: 'validation' })
    expect(chooseSplits(REF, ['dev', 'test', 'validation'])).toEqual({ test: 'test', fewshot: 'dev' })
    expect(chooseSplits(REF, ['eval', 'extra'])).toEqual({ test: 'eval', fewshot: 'extra' })
  })
  it('draws shots from the eval split itself when it is the only one (self-exclusion applies)', () => {
    expect(chooseSplits(REF, ['validation'])).toEqual({ test: 'validation', fewshot: 'validation' })
  })
  it('names the splits present when @split is missing', () => {
    expect(() => chooseSplits(parseDatasetRef('me/ds:cfg@test'), ['train', 'validation'])).toThrow("dataset me/ds config cfg has no split 'test' (splits: train, validation)")
  })
})

describe('multiple choice', () => {
  const arcRows: Doc[] = [
    { id: 'a', question: 'Which is a gas?', choices: { text: ['ice', 'steam', 'rock'], label: ['A', 'B', 'C'] }, answerKey: 'B' },
    { id: 'b', question: 'Pick two.', choices: { text: ['one', 'two', 'three', 'four'], label: ['1', '2', '3', '4'] }, answerKey: '2' },
  ]
  it('ARC-like: dict choices and a letter answerKey mapped through the labels — the built-in arc template', async () => {
    const m = autoMapDataset(parseDatasetRef('x/arc:E@test'), ['test', 'validation'], arcRows)
    expect(m.spec).toMatchObject({
      task: 'x/arc:E@test', dataset_path: 'x/arc', dataset_name: 'E', test_split: 'test', fewshot_split: 'validation',
      output_type: 'multiple_choice',
      doc_to_text: ARC_EASY.doc_to_text, doc_to_choice: ARC_EASY.doc_to_choice, doc_to_target: ARC_EASY.doc_to_target,
    })
    expect((m.spec.metric_list ?? []).map(x => x.metric)).toEqual(['acc', 'acc_norm'])
    expect(await plan(m.spec, arcRows)).toEqual([
      { prompt: 'Question: Which is a gas?\nAnswer:', conts: [' ice', ' steam', ' rock'], target: 1 },
      { prompt: 'Question: Pick two.\nAnswer:', conts: [' one', ' two', ' three', ' four'], target: 1 },
    ])
    expect(m.description).toContain("dict column 'choices'")
    expect(m.description).toContain('{{choices.label.index(answerKey)}}')
  })

  it('MMLU-like: a list column and an int index', async () => {
    const rows = [
      { question: '2+2?', subject: 'math', choices: ['3', '4', '5', '6'], answer: 1 },
      { question: '1+1?', subject: 'math', choices: ['2', '3', '4', '5'], answer: 0 },
    ]
    const m = autoMapDataset(REF, ['test', 'dev'], rows)
    expect(m.spec).toMatchObject({ doc_to_choice: 'choices', doc_to_target: 'answer', fewshot_split: 'dev' })
    expect(await plan(m.spec, rows)).toEqual([
      { prompt: 'Question: 2+2?\nAnswer:', conts: [' 3', ' 4', ' 5', ' 6'], target: 1 },
      { prompt: 'Question: 1+1?\nAnswer:', conts: [' 2', ' 3', ' 4', ' 5'], target: 0 },
    ])
  })

  it('reads an int gold as 1-based only when 0-based cannot hold', async () => {
    const rows = [{ question: 'q1', options: ['a', 'b'], label: 2 }, { question: 'q2', options: ['c', 'd'], label: 1 }]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec.doc_to_target).toBe('{{label - 1}}')
    expect((await plan(m.spec, rows)).map(d => d.target)).toEqual([1, 0])
  })

  it('HellaSwag-like: endings and a digit-string label', async () => {
    const rows = [
      { ctx_a: 'A man', ctx_b: 'is', ctx: 'A man is', endings: ['running.', 'sleeping.', 'eating.', 'here.'], label: '3' },
      { ctx_a: 'A dog', ctx_b: 'barks', ctx: 'A dog barks', endings: ['loudly.', 'never.', 'twice.', 'now.'], label: '0' },
    ]
    const m = autoMapDataset(REF, ['validation'], rows)
    expect(m.spec).toMatchObject({ doc_to_text: 'Question: {{ctx}}\nAnswer:', doc_to_choice: 'endings', doc_to_target: '{{label}}' })
    expect((await plan(m.spec, rows)).map(d => d.target)).toEqual([3, 0])
  })

  it('A–D columns and a letter answer', async () => {
    const rows = [
      { Question: 'Capital of France?', A: 'Rome', B: 'Paris', C: 'Oslo', D: 'Bern', Answer: 'B' },
      { Question: 'Capital of Norway?', A: 'Rome', B: 'Paris', C: 'Oslo', D: 'Bern', Answer: 'C' },
    ]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec).toMatchObject({
      doc_to_text: 'Question: {{Question}}\nAnswer:',
      doc_to_choice: '{{[A, B, C, D]}}',
      doc_to_target: "{{'ABCDEFGHIJKLMNOPQRSTUVWXYZ'.index(Answer)}}",
    })
    expect(await plan(m.spec, rows)).toEqual([
      { prompt: 'Question: Capital of France?\nAnswer:', conts: [' Rome', ' Paris', ' Oslo', ' Bern'], target: 1 },
      { prompt: 'Question: Capital of Norway?\nAnswer:', conts: [' Rome', ' Paris', ' Oslo', ' Bern'], target: 2 },
    ])
  })

  it('strips padded lowercase letters and reads option_a… families', async () => {
    const rows = [{ query: 'q', option_a: 'x', option_b: 'y', option_c: 'z', answer: ' c' }]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec.doc_to_choice).toBe('{{[option_a, option_b, option_c]}}')
    expect(m.spec.doc_to_target).toBe("{{'abcdefghijklmnopqrstuvwxyz'.index(answer.strip())}}")
    expect((await plan(m.spec, rows))[0].target).toBe(2)
  })

  it('PIQA-like sol1/sol2 fit, giving the built-in piqa template', async () => {
    const rows = [{ goal: 'Open a jar', sol1: 'twist the lid', sol2: 'eat the lid', label: 0 }]
    const m = autoMapDataset(parseDatasetRef('baber/piqa'), ['train', 'validation'], rows)
    expect(m.spec).toMatchObject({ doc_to_text: PIQA.doc_to_text, doc_to_choice: PIQA.doc_to_choice, doc_to_target: PIQA.doc_to_target })
    expect(m.spec).toMatchObject({ test_split: 'validation', fewshot_split: 'train' })
    expect(await plan(m.spec, rows)).toEqual([{ prompt: 'Question: Open a jar\nAnswer:', conts: [' twist the lid', ' eat the lid'], target: 0 }])
  })

  it('Winogrande-like option1/option2 with a 1-based digit answer', async () => {
    const rows = [{ sentence: 'The cup fell because _ was slippery.', option1: 'the cup', option2: 'the table', answer: '2' }]
    const m = autoMapDataset(REF, ['validation'], rows)
    expect(m.spec.doc_to_target).toBe('{{answer|int - 1}}')
    expect((await plan(m.spec, rows))[0].target).toBe(1)
  })

  it('a gold given as the choice text becomes its index', async () => {
    const rows = [{ question: 'Color of the sky?', options: ['green', 'blue'], answer: 'blue' }, { question: 'Grass?', options: ['green', 'blue'], answer: 'green' }]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec.doc_to_target).toBe('{{options.index(answer)}}')
    expect((await plan(m.spec, rows)).map(d => d.target)).toEqual([1, 0])
  })

  it('puts a passage before the question and ignores columns that are not template names', async () => {
    const rows = [{ passage: 'Cats purr.', question: 'Do cats purr?', 'question text': 'ignored', choices: ['no', 'yes'], label: 1 }]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec.doc_to_text).toBe('{{passage}}\nQuestion: {{question}}\nAnswer:')
    expect((await plan(m.spec, rows))[0].prompt).toBe('Cats purr.\nQuestion: Do cats purr?\nAnswer:')
  })

  it('does not take ctx_a/ctx_b for choices', () => {
    expect(mapError([{ ctx: 'x', ctx_a: 'a', ctx_b: 'b', label: 0 }]).message).toContain('no choices and no answer column')
  })
})

describe('generation', () => {
  it('question and answer text → generate_until with exact_match', async () => {
    const rows = [{ question: 'Capital of France?', answer: 'Paris' }, { question: '6*7?', answer: 42 }]
    const m = autoMapDataset(REF, ['test', 'train'], rows)
    expect(m.spec).toMatchObject({
      output_type: 'generate_until', doc_to_text: 'Question: {{question}}\nAnswer:', doc_to_target: '{{answer}}',
      generation_kwargs: { until: ['\n\n'], do_sample: false }, fewshot_split: 'train',
    })
    expect(m.spec.doc_to_choice).toBeUndefined()
    expect(m.spec.metric_list).toEqual([{ metric: 'exact_match', aggregation: 'mean', higher_is_better: true }])
    const p = await planTask(m.spec, memorySource({ test: rows, train: rows }), { fewshotSeed: 1234 })
    expect(p.docs.map(d => d.target)).toEqual(['Paris', '42'])
    expect(p.docs[0].requests[0].request).toMatchObject({ kind: 'generate_until', context: 'Question: Capital of France?\nAnswer:', gen: { until: ['\n\n'] } })
  })

  it('falls back to generation when choices exist but no gold indexes them, and says so', () => {
    const rows = [{ question: 'q', options: ['a', 'b'], answer: 'c' }]
    const m = autoMapDataset(REF, ['test'], rows)
    expect(m.spec.output_type).toBe('generate_until')
    expect(m.description).toContain("list column 'options' ignored")
  })
})

describe('no mapping', () => {
  it('fails in one line with the columns found and what was expected', () => {
    const e = mapError([{ page: 'Some text', id: 3, tags: ['x'] }])
    expect(e.code).toBe('TASK_SPEC_INVALID')
    expect(e.message.split('\n')).toHaveLength(1)
    expect(e.message).toContain("cannot map dataset 'me/ds' (split test)")
    expect(e.message).toContain('columns found: page (string), id (int), tags (list)')
    expect(e.message).toMatch(/expected a question column \(question\/query/)
  })
  it('a classification set with an int label and no choices does not fit', () => {
    expect(mapError([{ text: 'great film', label: 1 }]).message).toContain('columns found: text (string), label (int)')
  })
  it('an empty split does not fit', () => {
    expect(mapError([]).message).toContain('columns found: none')
  })
})
