/** hellaswag (lm-eval tasks/hellaswag, v1.0, §6.1). */
import type { Doc } from '../../source.ts'
import type { TaskSpec } from '../task-spec.ts'
import { pyCapitalize, pyStrip } from '../../python/str.ts'
import { pyRegex } from '../../python/regex.ts'

export const HELLASWAG: TaskSpec = {
  task: 'hellaswag',
  tag: ['multiple_choice'],
  dataset_path: 'Rowan/hellaswag',
  dataset_kwargs: { trust_remote_code: true },
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  process_docs: { function: 'hellaswag/utils.process_docs' },
  doc_to_text: '{{query}}',
  doc_to_target: '{{label}}',
  doc_to_choice: 'choices',
  metric_list: [
    { metric: 'acc', aggregation: 'mean', higher_is_better: true },
    { metric: 'acc_norm', aggregation: 'mean', higher_is_better: true },
  ],
  metadata: { version: 1.0 },
}

/** lm-eval's hellaswag preprocess: strip, ' [title]' → '. ', drop [bracketed] spans, one pass of '  ' → ' '. */
export function hellaswagPreprocess(text: string): string {
  let t = pyStrip(text)
  t = t.replaceAll(' [title]', '. ')
  t = pyRegex('\\[.*?\\]').sub(t, '')
  t = t.replaceAll('  ', ' ')
  return t
}

/** process_docs: adds query, choices and gold after the original columns (datasets.map keeps them). */
export function hellaswagProcessDocs(docs: readonly Doc[]): Doc[] {
  return docs.map(doc => {
    const ctx = `${String(doc.ctx_a)} ${pyCapitalize(String(doc.ctx_b))}`
    return {
      ...doc,
      query: hellaswagPreprocess(`${String(doc.activity_label)}: ${ctx}`),
      choices: (doc.endings as string[]).map(hellaswagPreprocess),
      gold: Number.parseInt(String(doc.label), 10),
    }
  })
}
