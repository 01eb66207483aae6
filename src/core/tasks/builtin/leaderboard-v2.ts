/**
 * Open LLM Leaderboard v2 tasks evalz can run (lm-eval `tasks/leaderboard/`, §6.14): GPQA, MMLU-Pro, MuSR and BBH
 * (leaderboard-bbh.ts). Missing: leaderboard_ifeval (its scoring is ~25 instruction checkers in Python — language
 * detection, word and sentence counting with nltk — not ported) and leaderboard_math_hard (exact_match through sympy
 * equivalence of LaTeX answers, which has no JS port).
 */
import { pyRegex } from '../../python/regex.ts'
import type { Doc } from '../../source.ts'
import type { GroupSpec, TaskSpec } from '../task-spec.ts'
import { PyRandom } from '../../python/random.ts'
import { pyLiteralEval, pyStr, pyStrip } from '../../python/str.ts'
import { LEADERBOARD_BBH, leaderboardBbhTasks } from './leaderboard-bbh.ts'

const ACC_NORM = [{ metric: 'acc_norm', aggregation: 'mean', higher_is_better: true }] as const
const BY_SIZE_ACC_NORM = [{ metric: 'acc_norm', aggregation: 'mean', weight_by_size: true }] as const

/** leaderboard_gpqa_{main,diamond,extended}: 0-shot, the train split evaluated, answers shuffled in process_docs. */
function gpqaTask(config: 'main' | 'diamond' | 'extended'): TaskSpec {
  return {
    task: `leaderboard_gpqa_${config}`,
    dataset_path: 'Idavidrein/gpqa',
    dataset_name: `gpqa_${config}`,
    output_type: 'multiple_choice',
    process_docs: { function: 'leaderboard/gpqa/utils.process_docs' },
    training_split: 'train',
    validation_split: 'train',
    doc_to_text: 'What is the correct answer to this question:{{Question}}\nChoices:\n(A) {{choice1}}\n(B) {{choice2}}\n(C) {{choice3}}\n(D) {{choice4}}\nAnswer: ',
    doc_to_target: 'answer',
    doc_to_choice: ['(A)', '(B)', '(C)', '(D)'],
    num_fewshot: 0,
    metric_list: ACC_NORM,
    fewshot_config: { sampler: 'first_n' },
    metadata: { version: 1.0 },
  }
}

/** leaderboard_mmlu_pro: 5-shot first_n from validation (the first 5 rows of the split), letters A–J, acc. */
export const LEADERBOARD_MMLU_PRO: TaskSpec = {
  task: 'leaderboard_mmlu_pro',
  dataset_path: 'TIGER-Lab/MMLU-Pro',
  test_split: 'test',
  fewshot_split: 'validation',
  fewshot_config: { sampler: 'first_n' },
  output_type: 'multiple_choice',
  doc_to_text: { function: 'leaderboard/mmlu_pro/utils.doc_to_text' },
  doc_to_choice: { function: 'leaderboard/mmlu_pro/utils.doc_to_choice' },
  doc_to_target: 'answer',
  metric_list: [{ metric: 'acc', aggregation: 'mean', higher_is_better: true }],
  num_fewshot: 5,
  metadata: { version: 0.1 },
  target_delimiter: '',
}

/** leaderboard_musr_<split>: 0-shot, one split of TAUR-Lab/MuSR each; choices are a Python list literal string. */
function musrTask(split: 'murder_mysteries' | 'object_placements' | 'team_allocation'): TaskSpec {
  return {
    task: `leaderboard_musr_${split}`,
    dataset_path: 'TAUR-Lab/MuSR',
    test_split: split,
    output_type: 'multiple_choice',
    doc_to_text: { function: 'leaderboard/musr/utils.doc_to_text' },
    doc_to_target: '{{answer_choice}}',
    doc_to_choice: '{{choices}}',
    metric_list: ACC_NORM,
    metadata: { version: 1.0 },
    target_delimiter: '',
  }
}

const GPQA_CONFIGS = ['diamond', 'extended', 'main'] as const
const MUSR_SPLITS = ['murder_mysteries', 'object_placements', 'team_allocation'] as const

/** Every leaderboard v2 task evalz has. */
export function leaderboardV2Tasks(): TaskSpec[] {
  return [...leaderboardBbhTasks(), ...GPQA_CONFIGS.map(gpqaTask), LEADERBOARD_MMLU_PRO, ...MUSR_SPLITS.map(musrTask)]
}

/** The subgroups, as lm-eval's `_leaderboard_*.yaml` (size-weighted acc_norm). */
export function leaderboardV2Groups(): GroupSpec[] {
  return [
    LEADERBOARD_BBH,
    { group: 'leaderboard_gpqa', task: GPQA_CONFIGS.map(c => `leaderboard_gpqa_${c}`), aggregate_metric_list: BY_SIZE_ACC_NORM },
    { group: 'leaderboard_musr', task: MUSR_SPLITS.map(s => `leaderboard_musr_${s}`), aggregate_metric_list: BY_SIZE_ACC_NORM },
  ]
}

/**
 * Suite `leaderboard-v2`: lm-eval's `leaderboard` group without leaderboard_math_hard and leaderboard_ifeval
 * (see the file comment); like lm-eval's, it has no aggregate of its own.
 */
export const LEADERBOARD_V2: GroupSpec = {
  group: 'leaderboard-v2',
  task: ['leaderboard_mmlu_pro', 'leaderboard_bbh', 'leaderboard_gpqa', 'leaderboard_musr'],
  metadata: { version: 1.0 },
}

/** gpqa utils.preprocess: None → ' ', strip, ' [title]' → '. ', one pass of '  ' → ' '. */
export function gpqaPreprocess(text: unknown): string {
  if (text === null || text === undefined) return ' '
  return pyRegex('\\[.*?\\]').sub(pyStrip(String(text)).replaceAll(' [title]', '. '), '').replaceAll('  ', ' ')
}

/** CPython's random.shuffle (in place): for i from n−1 down to 1, swap x[i] with x[randbelow(i + 1)]. */
export function pyShuffle<T>(rng: PyRandom, x: T[]): void {
  for (let i = x.length - 1; i > 0; i--) {
    const j = rng.randbelow(i + 1)
    const t = x[i]
    x[i] = x[j]
    x[j] = t
  }
}

/**
 * gpqa utils.process_docs: the four preprocessed answers shuffled with Python's *global* `random`, which
 * lm-eval's simple_evaluate seeds with 0. evalz starts a fresh Random(0) at each call, i.e. it assumes the split is
 * the first thing drawn from the global generator after seeding. In lm-eval that holds only for the first GPQA
 * task loaded in a fresh process; later loads (the other GPQA configs, any task drawing from `random` before) and
 * `datasets`' on-disk map cache (which can replay an earlier run's shuffle) change the order.
 */
export function gpqaProcessDocs(docs: readonly Doc[]): Doc[] {
  const rng = new PyRandom(0)
  return docs.map(doc => {
    const correct = gpqaPreprocess(doc['Correct Answer'])
    const choices = [
      gpqaPreprocess(doc['Incorrect Answer 1']),
      gpqaPreprocess(doc['Incorrect Answer 2']),
      gpqaPreprocess(doc['Incorrect Answer 3']),
      correct,
    ]
    pyShuffle(rng, choices)
    const gold = choices.indexOf(correct)
    return {
      ...doc,
      choice1: choices[0],
      choice2: choices[1],
      choice3: choices[2],
      choice4: choices[3],
      answer: `(${String.fromCharCode(65 + gold)})`,
    }
  })
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function mmluProOptions(doc: Doc): unknown[] {
  return doc.options as unknown[]
}

/** mmlu_pro utils.doc_to_text: question, one 'L. option' line per option, 'Answer:'. */
export function mmluProDocToText(doc: Doc): string {
  const lines = mmluProOptions(doc).map((o, i) => `${LETTERS[i]}. ${pyStr(o)}\n`)
  return `${pyStr(doc.question)}\n${lines.join('')}Answer:`
}

/** mmlu_pro utils.doc_to_choice: one letter per option. */
export function mmluProDocToChoice(doc: Doc): string[] {
  return mmluProOptions(doc).map((_, i) => LETTERS[i])
}

/** musr utils.doc_to_text: narrative, question, numbered choices ('1 - c'), 'Answer:'. */
export function musrDocToText(doc: Doc): string {
  const choices = pyLiteralEval(String(doc.choices)) as unknown[]
  const listed = choices.map((c, i) => `${i + 1} - ${pyStr(c)}\n`).join('')
  return `${pyStr(doc.narrative)}\n\n${pyStr(doc.question)}\n\n${listed}\nAnswer:`
}
