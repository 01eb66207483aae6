/**
 * The built-in task and group catalogue, listed explicitly (nothing registers itself on import).
 */
import type { GroupSpec, TaskSpec } from '../task-spec.ts'
import { ARC_CHALLENGE, ARC_EASY } from './arc.ts'
import { BOOLQ, OPENBOOKQA, PIQA, SCIQ } from './multiple-choice-qa.ts'
import { HELLASWAG } from './hellaswag.ts'
import { WINOGRANDE } from './winogrande.ts'
import { LAMBADA_OPENAI } from './lambada.ts'
import { TRUTHFULQA_MC1, TRUTHFULQA_MC2 } from './truthfulqa.ts'
import { GSM8K } from './gsm8k.ts'
import { WIKITEXT } from './wikitext.ts'
import { mmluGroups, mmluTasks } from './mmlu.ts'
import { DEMO_ARITH, DEMO_CAPITALS, DEMO_CLOZE, DEMO_STORIES } from './demo.ts'
import { leaderboardV2Groups, leaderboardV2Tasks } from './leaderboard-v2.ts'
import { suiteGroups } from './suites.ts'

/** Every built-in task spec. */
export function builtinTasks(): TaskSpec[] {
  return [
    ARC_EASY, ARC_CHALLENGE, BOOLQ, PIQA, OPENBOOKQA, SCIQ, HELLASWAG, WINOGRANDE, LAMBADA_OPENAI,
    TRUTHFULQA_MC1, TRUTHFULQA_MC2, GSM8K, WIKITEXT, ...mmluTasks(),
    DEMO_CAPITALS, DEMO_ARITH, DEMO_CLOZE, DEMO_STORIES, ...leaderboardV2Tasks(),
  ]
}

/** Every built-in group spec. */
export function builtinGroups(): GroupSpec[] {
  return [...mmluGroups(), ...leaderboardV2Groups(), ...suiteGroups()]
}

/**
 * Names of lm-evaluation-harness tasks, groups and task families that evalz does not ship (yet); a request for
 * one is answered "available in lm-evaluation-harness" rather than "unknown".
 */
export const LM_EVAL_ONLY: readonly string[] = [
  'agieval', 'anli', 'arabicmmlu', 'arithmetic', 'asdiv', 'babi', 'bbh', 'belebele', 'bigbench', 'blimp', 'boolq_seq2seq',
  'cb', 'ceval', 'cmmlu', 'cola', 'commonsense_qa', 'copa', 'coqa', 'crows_pairs', 'drop', 'eq_bench', 'fda',
  'glue', 'gpqa', 'gsm8k_cot', 'gsm8k_cot_llama', 'gsm8k_cot_zeroshot', 'headqa', 'hendrycks_ethics', 'hendrycks_math',
  'humaneval', 'ifeval', 'kmmlu', 'kobest', 'lambada', 'lambada_openai_cloze', 'lambada_standard', 'leaderboard', 'logiqa',
  'logiqa2', 'mathqa', 'mbpp', 'mc_taco', 'medmcqa', 'medqa_4options', 'mgsm', 'minerva_math', 'mmlu_flan_n_shot_generative',
  'mmlu_pro', 'mmlusr', 'mnli', 'mrpc', 'multirc', 'musr', 'mutual', 'nq_open', 'openllm', 'paws_x', 'pile',
  'pile_10k', 'polemo2', 'prost', 'pubmedqa', 'qa4mre', 'qasper', 'qnli', 'qqp', 'race', 'record', 'rte', 'sglue_rte',
  'siqa', 'social_iqa', 'squad_completion', 'squadv2', 'sst2', 'storycloze', 'swag', 'tinyBenchmarks', 'toxigen',
  'triviaqa', 'truthfulqa', 'truthfulqa_gen', 'unscramble', 'webqs', 'wic', 'wikitext103', 'winogender', 'wmdp',
  'wmt14', 'wmt16', 'wnli', 'wsc', 'wsc273', 'xcopa', 'xnli', 'xstorycloze', 'xwinograd',
]
