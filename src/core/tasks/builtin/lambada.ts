/** lambada_openai (lm-eval tasks/lambada, v1.0, §6.9): loglikelihood of the last word. */
import type { TaskSpec } from '../task-spec.ts'

export const LAMBADA_OPENAI: TaskSpec = {
  task: 'lambada_openai',
  tag: ['lambada'],
  dataset_path: 'EleutherAI/lambada_openai',
  dataset_name: 'default',
  dataset_kwargs: { trust_remote_code: true },
  output_type: 'loglikelihood',
  test_split: 'test',
  doc_to_text: "{{text.split(' ')[:-1]|join(' ')}}",
  doc_to_target: "{{' '+text.split(' ')[-1]}}",
  should_decontaminate: true,
  doc_to_decontamination_query: '{{text}}',
  metric_list: [
    { metric: 'perplexity', aggregation: 'perplexity', higher_is_better: false },
    { metric: 'acc', aggregation: 'mean', higher_is_better: true },
  ],
  metadata: { version: 1.0 },
}
