/**
 * When each stored model and dataset was last used, from the run history: a run uses its model id and, through the
 * catalogue, the datasets of its tasks' leaf tasks.
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { indexCatalogue, leafTasks } from './catalogue-tree.ts'

/** When things were last used. */
export interface LastUse {
  /** stored model id → unix ms of the newest run that used it */
  readonly models: ReadonlyMap<string, number>
  /** dataset path (e.g. 'allenai/ai2_arc') → unix ms of the newest run that read it */
  readonly datasets: ReadonlyMap<string, number>
}

/** When each stored model and dataset was last used, from the run history (tasks resolved to their datasets). */
export function lastUse(runs: readonly RunSummary[], entries: readonly CatalogueEntry[]): LastUse {
  const byName = indexCatalogue(entries)
  const models = new Map<string, number>()
  const datasets = new Map<string, number>()
  const later = (m: Map<string, number>, key: string, at: number) => { if ((m.get(key) ?? 0) < at) m.set(key, at) }
  for (const run of runs) {
    later(models, run.request.model, run.createdAt)
    for (const name of run.request.tasks) {
      const e = byName.get(name)
      if (!e) continue
      for (const t of leafTasks(e, byName)) if (t.dataset !== undefined) later(datasets, t.dataset, run.createdAt)
    }
  }
  return { models, datasets }
}
