/**
 * Suites: groups that reproduce a public leaderboard's run (lm-eval.md §6.13, §6.14). A suite is an ordinary
 * GroupSpec whose members carry the leaderboard's per-task overrides; an optional `metadata.suite_average` (free-form
 * group metadata, ignored by lm-eval, so exported YAML still loads there) asks evalz for a leaderboard average.
 */
import type { GroupSpec } from '../task-spec.ts'
import type { SuiteAverageSpec } from '../../results/suite-average.ts'
import { LEADERBOARD_V2 } from './leaderboard-v2.ts'

/**
 * Open LLM Leaderboard v1 (§6.13): lm-eval's `openllm` group overrides (fewshot_split train for arc_challenge,
 * hellaswag and winogrande, so they draw n shots per doc from train), with truthfulqa_mc2 alone instead of the
 * truthfulqa tag. `average` uses MMLU's macro mean over the 57 subjects, as the v1 leaderboard did (issue #1525);
 * `average_mmlu_micro` uses lm-eval's `mmlu` group value (size-weighted acc).
 */
export const OPEN_LLM_LEADERBOARD: GroupSpec = {
  group: 'open-llm-leaderboard',
  group_alias: 'open-llm-leaderboard',
  task: [
    { task: 'arc_challenge', fewshot_split: 'train', num_fewshot: 25 },
    { task: 'hellaswag', fewshot_split: 'train', num_fewshot: 10 },
    { task: 'truthfulqa_mc2', num_fewshot: 0 },
    { task: 'mmlu', num_fewshot: 5 },
    { task: 'winogrande', fewshot_split: 'train', num_fewshot: 5 },
    { task: 'gsm8k', num_fewshot: 5 },
  ],
  metadata: {
    version: 1.0,
    suite_average: {
      scale: 100,
      headline: [
        { name: 'arc_challenge', metric: 'acc_norm,none' },
        { name: 'hellaswag', metric: 'acc_norm,none' },
        { name: 'truthfulqa_mc2', metric: 'acc,none' },
        { name: 'mmlu', metric: 'acc,none' },
        { name: 'winogrande', metric: 'acc,none' },
        { name: 'gsm8k', metric: 'exact_match,strict-match' },
      ],
      variants: [
        { key: 'average', groupMean: 'macro' },
        { key: 'average_mmlu_micro', groupMean: 'micro' },
      ],
    } satisfies SuiteAverageSpec,
  },
}

/** Every built-in suite. */
export function suiteGroups(): GroupSpec[] {
  return [OPEN_LLM_LEADERBOARD, LEADERBOARD_V2]
}

/** Names of the built-in suites (shown as kind 'suite' by `evalz ls`). */
export const SUITE_NAMES: ReadonlySet<string> = new Set(suiteGroups().map(g => g.group))
