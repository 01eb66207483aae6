/**
 * Pre-flight: before any model work, check that every split a run will read exists in the doc source, and
 * fail once, naming every missing one, instead of stopping at the first task that lacks its data halfway through.
 */
import type { DocSource, SplitRef } from './source.ts'
import type { TaskSpec } from './tasks/task-spec.ts'
import { evalSplit } from './tasks/task-spec.ts'
import { effectiveFewshot } from './tasks/task-plan.ts'
import { HarnessError } from './errors.ts'
import { checkTaskRegexes } from './tasks/task-regexes.ts'

/** What a task reads a split for. */
export type SplitUse = 'eval' | 'fewshot'

/** One split a task needs. */
export interface NeededSplit {
  readonly task: string
  readonly use: SplitUse
  readonly ref: SplitRef
}

/** The splits a task reads with these shots: its eval split, and its few-shot pool's split when it draws shots. */
export function neededSplits(spec: TaskSpec, numFewshot: number | undefined): NeededSplit[] {
  const ref = (split: string): SplitRef => ({ path: spec.dataset_path, name: spec.dataset_name, split })
  const out: NeededSplit[] = []
  const evaluated = evalSplit(spec)
  if (evaluated !== undefined) out.push({ task: spec.task, use: 'eval', ref: ref(evaluated) })
  if (effectiveFewshot(spec, numFewshot) > 0) {
    const pool = fewshotSplit(spec)
    if (pool !== undefined) out.push({ task: spec.task, use: 'fewshot', ref: ref(pool) })
  }
  return out
}

/** The few-shot pool's split as task-plan.ts reads it (undefined when the shots are `fewshot_config.samples`). */
function fewshotSplit(spec: TaskSpec): string | undefined {
  const split = spec.fewshot_config?.split ?? spec.fewshot_split
  if (split !== undefined) return split
  if (spec.fewshot_config?.samples !== undefined) return undefined
  return spec.training_split ?? spec.validation_split ?? spec.test_split
}

/** Every needed split the source lacks, in task order (each split asked of the source once). */
export async function findMissingSplits(specs: readonly TaskSpec[], source: DocSource, numFewshot: number | undefined): Promise<NeededSplit[]> {
  const present = new Map<string, Promise<boolean>>()
  const missing: NeededSplit[] = []
  for (const spec of specs) {
    for (const need of neededSplits(spec, numFewshot)) {
      const key = `${need.ref.path}\u0000${need.ref.name ?? ''}\u0000${need.ref.split}`
      let p = present.get(key)
      if (p === undefined) {
        p = source.hasSplit(need.ref)
        present.set(key, p)
      }
      if (!(await p)) missing.push(need)
    }
  }
  return missing
}

/**
 * Throws one DATASET_SPLIT_MISSING error listing every missing split (task, dataset, config, split); else resolves.
 * First the tasks' regexes are compiled (a pattern that could backtrack for minutes is named with its task).
 */
export async function checkSplits(specs: readonly TaskSpec[], source: DocSource, numFewshot: number | undefined): Promise<void> {
  checkTaskRegexes(specs)
  const missing = await findMissingSplits(specs, source, numFewshot)
  if (missing.length === 0) return
  const listed = missing.map(m => {
    const config = m.ref.name === undefined ? '' : ` (config ${m.ref.name})`
    return `${m.task}: ${m.use === 'eval' ? 'eval' : 'few-shot'} split '${m.ref.split}' of ${m.ref.path}${config}`
  })
  const fewshotOnly = missing.every(m => m.use === 'fewshot')
  const add = source.missingHint ?? 'add those splits to the data'
  const hint = fewshotOnly ? `; ${add}, or ${source.zeroShotHint ?? 'run 0-shot with --num-fewshot 0'}` : `; ${add}`
  throw new HarnessError(
    'DATASET_SPLIT_MISSING',
    `${missing.length} dataset split(s) missing in ${source.description}: ${listed.join('; ')}${hint}`,
    { missing: missing.map(m => ({ task: m.task, use: m.use, path: m.ref.path, name: m.ref.name ?? null, split: m.ref.split })) },
  )
}
