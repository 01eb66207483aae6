/** arc_easy / arc_challenge (lm-eval tasks/arc, v1.0, §6.2). */
import type { TaskSpec } from '../task-spec.ts'

export const ARC_EASY: TaskSpec = {
  task: 'arc_easy',
  tag: ['ai2_arc'],
  dataset_path: 'allenai/ai2_arc',
  dataset_name: 'ARC-Easy',
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  test_split: 'test',
  doc_to_text: 'Question: {{question}}\nAnswer:',
  doc_to_target: '{{choices.label.index(answerKey)}}',
  doc_to_choice: '{{choices.text}}',
  should_decontaminate: true,
  doc_to_decontamination_query: 'Question: {{question}}\nAnswer:',
  metric_list: [
    { metric: 'acc', aggregation: 'mean', higher_is_better: true },
    { metric: 'acc_norm', aggregation: 'mean', higher_is_better: true },
  ],
  metadata: { version: 1.0 },
}

export const ARC_CHALLENGE: TaskSpec = { ...ARC_EASY, task: 'arc_challenge', dataset_name: 'ARC-Challenge' }
