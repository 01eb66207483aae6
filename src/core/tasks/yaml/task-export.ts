/**
 * What `evalz export-task <name>` writes: one lm-eval YAML per task (in a folder named after its hooks' lm-eval
 * folder when it has `!function` hooks, beside a Python module importing them — or, for hooks of a task folder's
 * own Python module, a copy of that module in a folder named like the original), one per group, recursively
 * through a group's members; a tag exports its tasks.
 */
import type { TaskCatalogue } from '../registry.ts'
import type { GroupSpec, TaskSpec } from '../task-spec.ts'
import { resolveSelection } from '../registry.ts'
import { memberName } from '../task-spec.ts'
import { groupToYaml, hookModules, taskToYaml } from './task-yaml-writer.ts'

/** One file to write, relative to the export folder. */
export interface ExportFile {
  /** POSIX path relative to the --to folder */
  readonly path: string
  readonly text: string
}

/** Files plus one-line notes for the user (hooks that need lm-eval's Python). */
export interface ExportPlan {
  readonly files: readonly ExportFile[]
  readonly notes: readonly string[]
}

/** A file name for a task or group name: an inline member's `<parent>::<name>` becomes `<parent>__<name>`. */
function fileStem(name: string): string {
  return name.replaceAll('::', '__')
}

/**
 * Plans the export of a task, group or tag (unknown names fail as in `evalz run`). `pythonModules` holds the text of
 * the task folders' own Python modules (module path → source) the tasks' hooks live in; those are copied.
 */
export function planExport(cat: TaskCatalogue, name: string, pythonModules: ReadonlyMap<string, string> = new Map()): ExportPlan {
  resolveSelection(cat, [name])
  const files = new Map<string, string>()
  const notes: string[] = []
  const seen = new Set<string>()

  const addTask = (spec: TaskSpec): void => {
    if (seen.has(`task:${spec.task}`)) return
    seen.add(`task:${spec.task}`)
    const { text, hooks } = taskToYaml(spec)
    if (hooks.length === 0) {
      files.set(`${fileStem(spec.task)}.yaml`, text)
      return
    }
    const own = pythonModules.get(`${hooks[0].folder}/${hooks[0].module}.py`)
    if (own !== undefined) {
      // the folder's own module: copied beside the YAML, in a folder named like the original
      const leaf = hooks[0].folder.split('/').filter(Boolean).pop() ?? 'task'
      files.set(`${leaf}/${fileStem(spec.task)}.yaml`, text)
      for (const h of hooks) {
        const source = pythonModules.get(`${h.folder}/${h.module}.py`)
        if (source !== undefined) files.set(`${leaf}/${h.module}.py`, source)
      }
      notes.push(`${leaf}/${spec.task}.yaml uses !function ${[...new Set(hooks.map(h => `${h.module}.${h.fn}`))].join(', ')}: copied ${[...new Set(hooks.map(h => `${h.module}.py`))].join(', ')} from ${hooks[0].folder}`)
      return
    }
    const folder = hooks[0].folder
    files.set(`${folder}/${fileStem(spec.task)}.yaml`, text)
    for (const [file, source] of hookModules(hooks)) {
      const path = `${folder}/${file}`
      const prev = files.get(path)
      files.set(path, prev === undefined ? source : mergeModules(prev, source))
    }
    notes.push(`${folder}/${spec.task}.yaml uses !function ${[...new Set(hooks.map(h => `${h.module}.${h.fn}`))].join(', ')}: ${folder}/${hooks[0].module}.py imports them from lm_eval.tasks.${folder.replaceAll('/', '.')} (lm-eval ships them)`)
  }

  const addName = (n: string): void => {
    const task = cat.tasks.get(n)
    if (task) return addTask(task)
    const group = cat.groups.get(n)
    if (group) return addGroup(group)
    for (const t of cat.tags.get(n) ?? []) addTask(cat.tasks.get(t)!)
  }

  const addGroup = (group: GroupSpec): void => {
    if (seen.has(`group:${group.group}`)) return
    seen.add(`group:${group.group}`)
    files.set(`${fileStem(group.group)}.yaml`, groupToYaml(group))
    for (const m of group.task) addName(memberName(m))
  }

  addName(name)
  return { files: [...files].map(([path, text]) => ({ path, text })), notes }
}

/** Two generated modules for one folder: the union of their import lines. */
function mergeModules(a: string, b: string): string {
  const lines = a.trimEnd().split('\n')
  for (const line of b.trimEnd().split('\n')) if (!lines.includes(line)) lines.push(line)
  return `${lines.join('\n')}\n`
}
