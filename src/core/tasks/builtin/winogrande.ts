/** winogrande (lm-eval tasks/winogrande, v1.0, §6.4): partial evaluation with one context per option. */
import type { Doc } from '../../source.ts'
import type { TaskSpec } from '../task-spec.ts'
import { HarnessError } from '../../errors.ts'
import { pyStrip } from '../../python/str.ts'

export const WINOGRANDE: TaskSpec = {
  task: 'winogrande',
  dataset_path: 'allenai/winogrande',
  dataset_name: 'winogrande_xl',
  dataset_kwargs: { trust_remote_code: true },
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  doc_to_text: { function: 'winogrande/preprocess_winogrande.doc_to_text' },
  doc_to_target: { function: 'winogrande/preprocess_winogrande.doc_to_target' },
  doc_to_choice: { function: 'winogrande/preprocess_winogrande.doc_to_choice' },
  should_decontaminate: true,
  doc_to_decontamination_query: 'sentence',
  metric_list: [{ metric: 'acc', aggregation: 'mean', higher_is_better: true }],
  metadata: { version: 1.0 },
}

function blankIndex(doc: Doc): number {
  const sentence = String(doc.sentence)
  const i = sentence.indexOf('_')
  if (i < 0) throw new HarnessError('TASK_SPEC_INVALID', `winogrande: sentence has no '_' blank: ${JSON.stringify(sentence)}`)
  return i
}

/** The gold option's index: answer '1' → 0, '2' → 1. */
export function winograndeDocToText(doc: Doc): number {
  const map: Record<string, number> = { 1: 0, 2: 1 }
  const gold = map[String(doc.answer)]
  if (gold === undefined) throw new HarnessError('TASK_SPEC_INVALID', `winogrande: answer must be '1' or '2', got ${JSON.stringify(doc.answer)}`)
  return gold
}

/** The shared continuation: the sentence after the blank, stripped. */
export function winograndeDocToTarget(doc: Doc): string {
  return pyStrip(String(doc.sentence).slice(blankIndex(doc) + 1))
}

/** One context per option: the sentence up to the blank with the option filled in. */
export function winograndeDocToChoice(doc: Doc): string[] {
  const prefix = String(doc.sentence).slice(0, blankIndex(doc))
  return [prefix + String(doc.option1), prefix + String(doc.option2)]
}
