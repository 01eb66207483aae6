/** Single-file multiple-choice tasks: boolq (§6.8), piqa (§6.7), openbookqa (§6.11), sciq (§6.12). */
import type { MetricConfig, TaskSpec } from '../task-spec.ts'

const ACC: MetricConfig = { metric: 'acc', aggregation: 'mean', higher_is_better: true }
const ACC_NORM: MetricConfig = { metric: 'acc_norm', aggregation: 'mean', higher_is_better: true }

export const BOOLQ: TaskSpec = {
  task: 'boolq',
  tag: ['super-glue-lm-eval-v1'],
  dataset_path: 'aps/super_glue',
  dataset_name: 'boolq',
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  doc_to_text: '{{passage}}\nQuestion: {{question}}?\nAnswer:',
  doc_to_target: 'label',
  doc_to_choice: ['no', 'yes'],
  should_decontaminate: true,
  doc_to_decontamination_query: 'passage',
  metric_list: [{ metric: 'acc' }],
  metadata: { version: 2.0 },
}

export const PIQA: TaskSpec = {
  task: 'piqa',
  dataset_path: 'baber/piqa',
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  doc_to_text: 'Question: {{goal}}\nAnswer:',
  doc_to_target: 'label',
  doc_to_choice: '{{[sol1, sol2]}}',
  should_decontaminate: true,
  doc_to_decontamination_query: 'goal',
  metric_list: [ACC, ACC_NORM],
  metadata: { version: 1.0 },
}

export const OPENBOOKQA: TaskSpec = {
  task: 'openbookqa',
  dataset_path: 'allenai/openbookqa',
  dataset_name: 'main',
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  test_split: 'test',
  doc_to_text: 'question_stem',
  doc_to_target: '{{choices.label.index(answerKey.lstrip())}}',
  doc_to_choice: '{{choices.text}}',
  should_decontaminate: true,
  doc_to_decontamination_query: 'question_stem',
  metric_list: [ACC, ACC_NORM],
  metadata: { version: 1.0 },
}

export const SCIQ: TaskSpec = {
  task: 'sciq',
  dataset_path: 'allenai/sciq',
  output_type: 'multiple_choice',
  training_split: 'train',
  validation_split: 'validation',
  test_split: 'test',
  doc_to_text: '{{support.lstrip()}}\nQuestion: {{question}}\nAnswer:',
  doc_to_target: 3,
  doc_to_choice: '{{[distractor1, distractor2, distractor3, correct_answer]}}',
  should_decontaminate: true,
  doc_to_decontamination_query: '{{support}} {{question}}',
  metric_list: [ACC, ACC_NORM],
  metadata: { version: 1.0 },
}
