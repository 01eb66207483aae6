/**
 * "Any dataset as a task": a dataset named as `owner/name[:config][@split]` becomes a TaskSpec by looking at its
 * splits and a few rows (column rules and their priority order: auto-map-columns.ts).
 *
 * - Splits: the eval split (test_split) is the `@split` given, else the first of test, validation, dev, train
 *   present, else the first split listed. The few-shot split is another split, preferring train, then dev
 *   (MMLU's few-shot split), validation, val, then any other; with a single split it is that split, so
 *   lm-eval's self-exclusion rule keeps an eval doc out of its own shots (lm-eval.md §4.1).
 * - Multiple choice (tried first): question + choices + gold → lm-eval's arc layout, `Question: {{q}}\nAnswer:`,
 *   continuations `' ' + choice`, metrics acc and acc_norm.
 * - Generation: question + answer text → generate_until with `until: ["\n\n"]` (lm-eval's default: the few-shot
 *   delimiter), greedy; the `remove_whitespace` filter drops the space the model writes after `Answer:` (as
 *   lm-eval's triviaqa does), then exact_match with lm-eval's defaults (case and punctuation count).
 * - Nothing fits → HarnessError TASK_SPEC_INVALID naming the columns found and what was expected.
 * The mapping is checked by rendering its templates over the sample rows before it is returned.
 */
import type { Doc } from '../source.ts'
import type { TaskSpec } from './task-spec.ts'
import { HarnessError } from '../errors.ts'
import { docToChoice, docToTarget, docToText, taskFields } from './doc-fields.ts'
import {
  CHOICE_COLUMNS, GENERATION_ANSWER_COLUMNS, GOLD_COLUMNS, QUESTION_COLUMNS, choiceTemplate, columnType, columnsOf,
  findChoices, findGenerationAnswer, findGold, findPassage, findQuestion, targetTemplate,
} from './auto-map-columns.ts'
import type { ChoiceSource, Gold } from './auto-map-columns.ts'

/** A dataset named where a task is expected: `owner/name[:config][@split]`. */
export interface DatasetRef {
  /** the entry as typed; it becomes the task name */
  readonly text: string
  /** Hub dataset id (dataset_path), e.g. 'allenai/ai2_arc' */
  readonly path: string
  /** config (dataset_name); undefined = the default config */
  readonly name: string | undefined
  /** split to evaluate; undefined = chosen from the splits present */
  readonly split: string | undefined
}

/** The splits an auto-mapped task uses. */
export interface ChosenSplits {
  /** the split evaluated (test_split) */
  readonly test: string
  /** the split shots are drawn from (fewshot_split) */
  readonly fewshot: string
}

/** An auto-mapped task. */
export interface AutoMapping {
  readonly spec: TaskSpec
  /** columns used, by role (question, passage, choices, gold, answer) */
  readonly columns: Readonly<Record<string, string>>
  /** a short multi-line description of the mapping, for stderr */
  readonly description: string
}

const EVAL_SPLITS = ['test', 'validation', 'dev', 'train']
const FEWSHOT_SPLITS = ['train', 'dev', 'validation', 'val']
const REF = /^([^:@]+)(?::([^@]+))?(?:@(.+))?$/

/** True when a --tasks entry names a dataset (it contains '/'). */
export function looksLikeDatasetRef(name: string): boolean {
  return name.includes('/')
}

/** Parses `owner/name[:config][@split]`; throws USAGE on a malformed reference. */
export function parseDatasetRef(text: string): DatasetRef {
  const m = REF.exec(text)
  const path = m?.[1]
  if (!m || path === undefined || path.split('/').some(s => s === '' || s === '.' || s === '..') || !path.includes('/')) {
    throw new HarnessError('USAGE', `'${text}' is not a dataset reference (expected owner/name[:config][@split], e.g. allenai/ai2_arc:ARC-Easy@test)`, { text })
  }
  return { text, path, name: m[2], split: m[3] }
}

/** Picks the eval and few-shot splits; throws DATASET_SPLIT_MISSING when `@split` is not among `splits`. */
export function chooseSplits(ref: DatasetRef, splits: readonly string[]): ChosenSplits {
  const where = `dataset ${ref.path}${ref.name === undefined ? '' : ` config ${ref.name}`}`
  if (splits.length === 0) {
    throw new HarnessError('DATASET_NOT_FOUND', `${where} has no data files (expected <split>.jsonl, .json, .csv or .parquet)`, { path: ref.path, name: ref.name })
  }
  if (ref.split !== undefined && !splits.includes(ref.split)) {
    throw new HarnessError('DATASET_SPLIT_MISSING', `${where} has no split '${ref.split}' (splits: ${splits.join(', ')})`, {
      path: ref.path, name: ref.name, split: ref.split, available: [...splits],
    })
  }
  const test = ref.split ?? EVAL_SPLITS.find(s => splits.includes(s)) ?? splits[0]
  const others = splits.filter(s => s !== test)
  const fewshot = FEWSHOT_SPLITS.find(s => others.includes(s)) ?? others[0] ?? test
  return { test, fewshot }
}

/** Maps a dataset to a task from its splits and the first rows of its eval split; throws TASK_SPEC_INVALID when nothing fits. */
export function autoMapDataset(ref: DatasetRef, splits: readonly string[], rows: readonly Doc[]): AutoMapping {
  const chosen = chooseSplits(ref, splits)
  const columns = columnsOf(rows)
  const question = findQuestion(rows, columns)
  if (question === undefined) throw noFit(ref, chosen.test, rows, 'no question column')
  const passage = findPassage(rows, columns, question)
  const text = passage === undefined ? `Question: {{${question}}}\nAnswer:` : `{{${passage}}}\nQuestion: {{${question}}}\nAnswer:`
  const base = {
    task: ref.text,
    dataset_path: ref.path,
    ...(ref.name === undefined ? {} : { dataset_name: ref.name }),
    test_split: chosen.test,
    fewshot_split: chosen.fewshot,
  }
  const roles: Record<string, string> = { question, ...(passage === undefined ? {} : { passage }) }
  const choices = findChoices(rows, columns)
  const gold = choices === undefined ? undefined : findGold(rows, columns, choices)
  let spec: TaskSpec
  let note = ''
  if (choices !== undefined && gold !== undefined) {
    spec = {
      ...base,
      output_type: 'multiple_choice',
      doc_to_text: text,
      doc_to_choice: choiceTemplate(choices),
      doc_to_target: targetTemplate(gold, choices, rows),
      metric_list: [
        { metric: 'acc', aggregation: 'mean', higher_is_better: true },
        { metric: 'acc_norm', aggregation: 'mean', higher_is_better: true },
      ],
      metadata: { version: 1.0 },
    }
    roles.choices = choices.kind === 'columns' ? choices.columns.join(',') : choices.column
    roles.gold = gold.column
    note = `${describeChoices(choices)}; gold ${describeGold(gold)}`
  } else {
    const answer = findGenerationAnswer(rows, columns, question)
    if (answer === undefined) {
      const why = choices === undefined ? 'no choices and no answer column' : `choices in ${describeChoices(choices)} but no gold column that indexes them, and no answer column`
      throw noFit(ref, chosen.test, rows, why)
    }
    spec = {
      ...base,
      output_type: 'generate_until',
      doc_to_text: text,
      doc_to_target: `{{${answer}}}`,
      generation_kwargs: { until: ['\n\n'], do_sample: false, temperature: 0.0 },
      filter_list: [{ name: 'remove_whitespace', filter: [{ function: 'remove_whitespace' }, { function: 'take_first' }] }],
      metric_list: [{ metric: 'exact_match', aggregation: 'mean', higher_is_better: true }],
      metadata: { version: 1.0 },
    }
    roles.answer = answer
    note = `answer text '${answer}'${choices === undefined ? '' : ` (${describeChoices(choices)} ignored: no gold column indexes them)`}`
  }
  verifyMapping(spec, rows)
  return { spec, columns: roles, description: describe(spec, note) }
}

/** Renders the mapping over the sample rows; throws TASK_SPEC_INVALID when a row does not map. */
function verifyMapping(spec: TaskSpec, rows: readonly Doc[]): void {
  const fields = taskFields(spec)
  rows.forEach((row, i) => {
    const text = docToText(spec, fields, row, i)
    const target = docToTarget(spec, fields, row, i)
    if (typeof text !== 'string') throw invalid(spec, i, `the prompt is ${typeof text}`)
    if (spec.output_type !== 'multiple_choice') return
    const choices = docToChoice(spec, fields, row, i)
    if (typeof target !== 'number' || target < 0 || target >= choices.length) {
      throw invalid(spec, i, `gold ${JSON.stringify(target)} is not an index into ${choices.length} choices`)
    }
  })
}

function invalid(spec: TaskSpec, row: number, why: string): HarnessError {
  return new HarnessError('TASK_SPEC_INVALID', `auto-mapped task '${spec.task}' does not fit row ${row}: ${why}`, { task: spec.task, row })
}

function describeChoices(c: ChoiceSource): string {
  switch (c.kind) {
    case 'list': return `list column '${c.column}'`
    case 'dict': return `dict column '${c.column}' (text${c.hasLabels ? ', label' : ''})`
    case 'columns': return `columns ${c.columns.join(', ')}`
  }
}

function describeGold(g: Gold): string {
  const how: Record<Gold['rule'], string> = {
    index: 'index', index1: '1-based index', label: 'label of the choice', digit: 'index as digits',
    digit1: '1-based index as digits', letter: 'letter', text: 'text of the choice',
  }
  return `'${g.column}' (${how[g.rule]})`
}

/** The stderr block: kind, splits, each template. */
function describe(spec: TaskSpec, note: string): string {
  const show = (v: unknown): string => JSON.stringify(v)
  const lines = [
    `evalz: auto-mapped dataset '${spec.task}' as ${spec.output_type} (eval split ${spec.test_split}, few-shot split ${spec.fewshot_split}); ${note}`,
    `  doc_to_text:   ${show(spec.doc_to_text)}`,
  ]
  if (spec.doc_to_choice !== undefined) lines.push(`  doc_to_choice: ${show(spec.doc_to_choice)}`)
  lines.push(`  doc_to_target: ${show(spec.doc_to_target)}`)
  lines.push(`  metrics:       ${(spec.metric_list ?? []).map(m => m.metric).join(', ')}${spec.output_type === 'generate_until' ? ` (until ["\\n\\n"], filter remove_whitespace)` : ''}`)
  return `${lines.join('\n')}\n`
}

/** The one-line no-fit error: the columns found (with types) and what was expected. */
function noFit(ref: DatasetRef, split: string, rows: readonly Doc[], why: string): HarnessError {
  const columns = columnsOf(rows)
  const found = columns.length === 0 ? 'none' : columns.map(c => `${c} (${columnType(rows, c)})`).join(', ')
  const q = QUESTION_COLUMNS.slice(0, 6).join('/')
  const message = `cannot map dataset '${ref.text}' (split ${split}) to a task: ${why}; columns found: ${found}; ` +
    `expected a question column (${q}…) with choices (a list or {text, label} column named ${CHOICE_COLUMNS.slice(0, 4).join('/')}…, ` +
    `or A/B/C/D-style columns) and a gold answer (${GOLD_COLUMNS.slice(0, 4).join('/')}…: index, letter or choice text), ` +
    `or a question and an answer column (${GENERATION_ANSWER_COLUMNS.slice(0, 4).join('/')}…)`
  return new HarnessError('TASK_SPEC_INVALID', message, { dataset: ref.text, split, columns: columns.map(c => ({ name: c, type: columnType(rows, c) })) })
}
