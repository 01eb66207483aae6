/**
 * Merges tasks and groups loaded from YAML (--include-path) into a catalogue. A YAML task or group replaces a
 * built-in of the same name (the user's file is what they asked to run); YAML tags are registered in full
 * (sorted task names), unless the tag's name is already a task or group (lm-eval skips such tags). Names whose
 * file did not load are kept as `broken`, so asking for one fails with the file's reason; so is the file name of a
 * base config (a YAML without `task:`), so asking for it names the file and the missing key.
 */
import type { TaskCatalogue } from '../registry.ts'
import type { LoadedYaml } from './task-yaml-loader.ts'
import { comparePython } from '../registry.ts'

/** The catalogue with `loaded` added on top. */
export function catalogueWithYaml(base: TaskCatalogue, loaded: LoadedYaml): TaskCatalogue {
  const tasks = new Map(base.tasks)
  const groups = new Map(base.groups)
  for (const t of loaded.tasks) tasks.set(t.task, t)
  for (const g of loaded.groups) groups.set(g.group, g)
  const tags = new Map<string, readonly string[]>(base.tags)
  const added = new Map<string, Set<string>>()
  for (const t of loaded.tasks) {
    for (const tag of t.tag ?? []) {
      if (tasks.has(tag) || groups.has(tag)) continue
      const set = added.get(tag) ?? new Set(base.tags.get(tag) ?? [])
      set.add(t.task)
      added.set(tag, set)
    }
  }
  for (const [tag, names] of added) tags.set(tag, [...names].sort(comparePython))
  const broken = new Map(base.broken ?? [])
  for (const p of loaded.problems ?? []) for (const name of p.names) if (!tasks.has(name) && !groups.has(name)) broken.set(name, p)
  // asking for a base config by its file's name (no `task:` key in it) names the file and the missing key
  for (const file of loaded.baseConfigs ?? []) {
    const stem = (file.split('/').pop() ?? file).replace(/\.ya?ml$/, '')
    if (tasks.has(stem) || groups.has(stem) || tags.has(stem) || broken.has(stem)) continue
    broken.set(stem, { code: 'TASK_UNKNOWN', reason: `unknown task '${stem}': ${file} has no \`task:\` key, so it is a base `
      + `config that other files include; add \`task: ${stem}\` to it to run it as a task` })
  }
  return { ...base, tasks, groups, tags, broken, problems: [...base.problems ?? [], ...loaded.problems ?? []] }
}
