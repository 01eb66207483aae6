/** gsm8k (lm-eval tasks/gsm8k/gsm8k.yaml, v3.0, §6.6, §3.5): 5-shot generation with two answer filters. */
import type { TaskSpec } from '../task-spec.ts'

export const GSM8K: TaskSpec = {
  task: 'gsm8k',
  tag: ['math_word_problems'],
  dataset_path: 'openai/gsm8k',
  dataset_name: 'main',
  output_type: 'generate_until',
  training_split: 'train',
  fewshot_split: 'train',
  test_split: 'test',
  doc_to_text: 'Question: {{question}}\nAnswer:',
  doc_to_target: '{{answer}}',
  metric_list: [{
    metric: 'exact_match',
    aggregation: 'mean',
    higher_is_better: true,
    ignore_case: true,
    ignore_punctuation: false,
    regexes_to_ignore: [',', '\\$', '(?s).*#### ', '\\.$'],
  }],
  generation_kwargs: { until: ['Question:', '</s>', '<|im_end|>'], do_sample: false, temperature: 0.0 },
  repeats: 1,
  num_fewshot: 5,
  filter_list: [
    { name: 'strict-match', filter: [{ function: 'regex', regex_pattern: '#### (\\-?[0-9\\.\\,]+)' }, { function: 'take_first' }] },
    {
      name: 'flexible-extract',
      filter: [{ function: 'regex', group_select: -1, regex_pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)' }, { function: 'take_first' }],
    },
  ],
  metadata: { version: 3.0 },
}
