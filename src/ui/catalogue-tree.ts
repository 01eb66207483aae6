/**
 * The catalogue as a tree: a group lists tasks, subgroups and tags, a tag lists tasks (or more tags); the leaves
 * are the tasks a selection would run. The task picker counts and checks datasets over the leaves.
 */
import type { CatalogueEntry } from '../core/catalogue.ts'

/** Kinds tried when a member name is looked up, first match wins (lm-eval keeps the names apart). */
const LOOKUP_ORDER: readonly CatalogueEntry['kind'][] = ['task', 'group', 'tag']

/** Name → entry, tasks before groups before tags when names collide. */
export function indexCatalogue(entries: readonly CatalogueEntry[]): Map<string, CatalogueEntry> {
  const byName = new Map<string, CatalogueEntry>()
  for (const kind of LOOKUP_ORDER) {
    for (const e of entries) if (e.kind === kind && !byName.has(e.name)) byName.set(e.name, e)
  }
  return byName
}

/** The distinct task entries under `entry` (itself for a task), resolving subgroups and tags recursively; unknown names are skipped. */
export function leafTasks(entry: CatalogueEntry, byName: ReadonlyMap<string, CatalogueEntry>): CatalogueEntry[] {
  const out = new Map<string, CatalogueEntry>()
  const seen = new Set<string>()
  const walk = (e: CatalogueEntry): void => {
    if (e.kind === 'task') {
      out.set(e.name, e)
      return
    }
    if (seen.has(e.name)) return
    seen.add(e.name)
    for (const m of e.members) {
      const child = byName.get(m)
      if (child && child !== e) walk(child)
    }
  }
  walk(entry)
  return [...out.values()]
}
