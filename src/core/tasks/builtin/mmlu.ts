/**
 * mmlu (lm-eval tasks/mmlu/default, §6.3, §2.5): 57 subject tasks (v1.0) under four category groups and the
 * `mmlu` group (v2), all micro-averaging acc weighted by size.
 */
import type { GroupSpec, TaskSpec } from '../task-spec.ts'

/** mmlu category of each subject, as lm-eval's _generate_configs.py assigns them. */
export type MmluCategory = 'stem' | 'other' | 'social_sciences' | 'humanities'

export const MMLU_SUBJECTS: Readonly<Record<string, MmluCategory>> = {
  abstract_algebra: 'stem',
  anatomy: 'stem',
  astronomy: 'stem',
  business_ethics: 'other',
  clinical_knowledge: 'other',
  college_biology: 'stem',
  college_chemistry: 'stem',
  college_computer_science: 'stem',
  college_mathematics: 'stem',
  college_medicine: 'other',
  college_physics: 'stem',
  computer_security: 'stem',
  conceptual_physics: 'stem',
  econometrics: 'social_sciences',
  electrical_engineering: 'stem',
  elementary_mathematics: 'stem',
  formal_logic: 'humanities',
  global_facts: 'other',
  high_school_biology: 'stem',
  high_school_chemistry: 'stem',
  high_school_computer_science: 'stem',
  high_school_european_history: 'humanities',
  high_school_geography: 'social_sciences',
  high_school_government_and_politics: 'social_sciences',
  high_school_macroeconomics: 'social_sciences',
  high_school_mathematics: 'stem',
  high_school_microeconomics: 'social_sciences',
  high_school_physics: 'stem',
  high_school_psychology: 'social_sciences',
  high_school_statistics: 'stem',
  high_school_us_history: 'humanities',
  high_school_world_history: 'humanities',
  human_aging: 'other',
  human_sexuality: 'social_sciences',
  international_law: 'humanities',
  jurisprudence: 'humanities',
  logical_fallacies: 'humanities',
  machine_learning: 'stem',
  management: 'other',
  marketing: 'other',
  medical_genetics: 'other',
  miscellaneous: 'other',
  moral_disputes: 'humanities',
  moral_scenarios: 'humanities',
  nutrition: 'other',
  philosophy: 'humanities',
  prehistory: 'humanities',
  professional_accounting: 'other',
  professional_law: 'humanities',
  professional_medicine: 'other',
  professional_psychology: 'social_sciences',
  public_relations: 'social_sciences',
  security_studies: 'social_sciences',
  sociology: 'social_sciences',
  us_foreign_policy: 'social_sciences',
  virology: 'other',
  world_religions: 'humanities',
}

/** The subject task for one subject, as lm-eval's generated YAML plus _default_template_yaml. */
export function mmluSubjectTask(subject: string): TaskSpec {
  const category = MMLU_SUBJECTS[subject]
  return {
    task: `mmlu_${subject}`,
    task_alias: subject,
    tag: [`mmlu_${category}_tasks`],
    dataset_path: 'cais/mmlu',
    dataset_name: subject,
    dataset_kwargs: { trust_remote_code: true },
    test_split: 'test',
    fewshot_split: 'dev',
    fewshot_config: { sampler: 'first_n' },
    output_type: 'multiple_choice',
    doc_to_text: '{{question.strip()}}\nA. {{choices[0]}}\nB. {{choices[1]}}\nC. {{choices[2]}}\nD. {{choices[3]}}\nAnswer:',
    doc_to_choice: ['A', 'B', 'C', 'D'],
    doc_to_target: 'answer',
    description: `The following are multiple choice questions (with answers) about ${subject.replaceAll('_', ' ')}.\n\n`,
    metric_list: [{ metric: 'acc', aggregation: 'mean', higher_is_better: true }],
    metadata: { version: 1.0 },
  }
}

const CATEGORY_ALIAS: Readonly<Record<MmluCategory, string>> = {
  stem: 'stem',
  other: 'other',
  social_sciences: 'social sciences',
  humanities: 'humanities',
}

/** The four category groups (each over its tag) and the top-level mmlu group. */
export function mmluGroups(): GroupSpec[] {
  const categories: MmluCategory[] = ['stem', 'other', 'social_sciences', 'humanities']
  const agg = [{ metric: 'acc', weight_by_size: true }] as const
  return [
    ...categories.map((c): GroupSpec => ({
      group: `mmlu_${c}`,
      group_alias: CATEGORY_ALIAS[c],
      task: [`mmlu_${c}_tasks`],
      aggregate_metric_list: agg,
      metadata: { version: 2 },
    })),
    { group: 'mmlu', group_alias: 'mmlu', task: categories.map(c => `mmlu_${c}`), aggregate_metric_list: agg, metadata: { version: 2 } },
  ]
}

export function mmluTasks(): TaskSpec[] {
  return Object.keys(MMLU_SUBJECTS).map(mmluSubjectTask)
}
