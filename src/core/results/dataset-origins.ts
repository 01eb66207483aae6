/**
 * The results file's record of the data a run read: each split once, in task order, with where it came from
 * (the source's description, and the dataset repo's commit when the source knows it).
 */
import type { DocSource } from '../source.ts'
import { neededSplits } from '../suite-check.ts'
import type { TaskSpec } from '../tasks/task-spec.ts'

/** One split a run read. */
export interface DatasetOrigin {
  /** Hub dataset id */
  readonly path: string
  /** config name; null = the default config */
  readonly name: string | null
  /** split name */
  readonly split: string
  /** where the rows came from, e.g. 'data dir ../shared/hf-data' or the Hub */
  readonly source: string
  /** the dataset repo's commit (40 hex chars); null when unknown */
  readonly revision: string | null
}

/** Every split the tasks read with these shots, once each, with its origin. */
export async function datasetOrigins(specs: readonly TaskSpec[], source: DocSource, numFewshot: number | undefined): Promise<DatasetOrigin[]> {
  const seen = new Set<string>()
  const out: DatasetOrigin[] = []
  for (const spec of specs) {
    for (const { ref } of neededSplits(spec, numFewshot)) {
      const key = JSON.stringify([ref.path, ref.name ?? null, ref.split])
      if (seen.has(key)) continue
      seen.add(key)
      const origin = await source.originOf?.(ref)
      out.push({ path: ref.path, name: ref.name ?? null, split: ref.split, source: origin?.source ?? source.description, revision: origin?.revision ?? null })
    }
  }
  return out
}
