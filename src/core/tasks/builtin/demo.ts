/**
 * evalz's demo tasks, one per request kind, over the small datasets written for this project in
 * public/datasets (mirror layout). They run on the bundled demo model with no network.
 */
import type { TaskSpec } from '../task-spec.ts'

export const DEMO_CAPITALS: TaskSpec = {
  task: 'demo_capitals',
  tag: ['demo'],
  dataset_path: 'evalz/demo-capitals',
  output_type: 'multiple_choice',
  training_split: 'train',
  test_split: 'test',
  fewshot_split: 'train',
  doc_to_text: 'Question: What is the capital of {{country}}?\nAnswer:',
  doc_to_target: 'answer',
  doc_to_choice: 'choices',
  metric_list: [
    { metric: 'acc', aggregation: 'mean', higher_is_better: true },
    { metric: 'acc_norm', aggregation: 'mean', higher_is_better: true },
  ],
  metadata: { version: 1.0 },
}

export const DEMO_ARITH: TaskSpec = {
  task: 'demo_arith',
  tag: ['demo'],
  dataset_path: 'evalz/demo-arith',
  output_type: 'generate_until',
  training_split: 'train',
  test_split: 'test',
  fewshot_split: 'train',
  num_fewshot: 2,
  doc_to_text: 'Question: {{question}}\nAnswer:',
  doc_to_target: '{{answer}}',
  generation_kwargs: { until: ['\n', 'Question:'], do_sample: false, temperature: 0.0, max_gen_toks: 8 },
  metric_list: [{ metric: 'exact_match', aggregation: 'mean', higher_is_better: true, ignore_case: true }],
  filter_list: [
    { name: 'strict-match', filter: [{ function: 'regex', regex_pattern: '^\\s*(-?[0-9]+)\\s*$' }, { function: 'take_first' }] },
    {
      name: 'flexible-extract',
      filter: [{ function: 'regex', group_select: -1, regex_pattern: '(-?[0-9]+)' }, { function: 'take_first' }],
    },
  ],
  metadata: { version: 1.0 },
}

export const DEMO_CLOZE: TaskSpec = {
  task: 'demo_cloze',
  tag: ['demo'],
  dataset_path: 'evalz/demo-cloze',
  output_type: 'loglikelihood',
  test_split: 'test',
  doc_to_text: "{{text.split(' ')[:-1]|join(' ')}}",
  doc_to_target: "{{' '+text.split(' ')[-1]}}",
  metric_list: [
    { metric: 'perplexity', aggregation: 'perplexity', higher_is_better: false },
    { metric: 'acc', aggregation: 'mean', higher_is_better: true },
  ],
  metadata: { version: 1.0 },
}

export const DEMO_STORIES: TaskSpec = {
  task: 'demo_stories',
  tag: ['demo'],
  dataset_path: 'evalz/demo-stories',
  output_type: 'loglikelihood_rolling',
  test_split: 'test',
  doc_to_text: '',
  doc_to_target: 'text',
  metric_list: [{ metric: 'word_perplexity' }, { metric: 'byte_perplexity' }, { metric: 'bits_per_byte' }],
  metadata: { version: 1.0 },
}
