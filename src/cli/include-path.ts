/**
 * `--include-path DIR`: lm-eval task/group YAML folders read from disk (recursively) and merged into the
 * built-in catalogue (a YAML task or group replaces a built-in of the same name).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, dirname, resolve, sep } from 'node:path'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { LoadedYaml, YamlReader } from '../core/tasks/yaml/task-yaml-loader.ts'
import { builtinCatalogue } from '../core/catalogue.ts'
import { loadTaskYaml } from '../core/tasks/yaml/task-yaml-loader.ts'
import { catalogueWithYaml } from '../core/tasks/yaml/yaml-catalogue.ts'
import { HarnessError } from '../core/errors.ts'

/** A YamlReader over the local file system (POSIX-style paths; subfolders listed with a trailing '/'). */
export function nodeYamlReader(): YamlReader {
  return {
    async list(dir) {
      const entries = await readdir(dir, { withFileTypes: true })
      return entries.map(e => (e.isDirectory() ? `${e.name}/` : e.name))
    },
    read: path => readFile(path, 'utf8'),
  }
}

/** Loads every task and group under `dirs`; a missing folder is a usage error naming it. */
export async function loadIncludePaths(dirs: readonly string[], knownNames?: Iterable<string>): Promise<LoadedYaml> {
  const roots: string[] = []
  for (const dir of dirs) {
    const abs = resolve(dir)
    const ok = await stat(abs).then(s => s.isDirectory(), () => false)
    if (!ok) throw new HarnessError('USAGE', `--include-path ${dir}: not a folder (${abs}); give a folder of lm-eval task YAML files`, { dir: abs })
    roots.push(abs.split(sep).join('/'))
  }
  return loadTaskYaml(nodeYamlReader(), roots, { knownNames })
}

/** The built-in catalogue, plus the tasks and groups of `--include-path` folders and of task files given in --tasks. */
export async function catalogueWithIncludePaths(dirs: readonly string[], taskFiles: readonly LoadedYaml[] = []): Promise<TaskCatalogue> {
  const base = builtinCatalogue()
  if (dirs.length === 0 && taskFiles.length === 0) return base
  const known = [...base.tasks.keys(), ...base.groups.keys(), ...base.tags.keys()]
  let catalogue = dirs.length === 0 ? base : catalogueWithYaml(base, await loadIncludePaths(dirs, known))
  for (const loaded of taskFiles) catalogue = catalogueWithYaml(catalogue, loaded)
  return catalogue
}

/** --tasks with its YAML file entries replaced by the tasks and groups they define, and those files' contents. */
export interface TaskFileEntries {
  /** the --tasks entries, each task file replaced by the names it defines (its groups, else its tasks) */
  readonly tasks: string[]
  /** one per task file, in --tasks order */
  readonly loaded: LoadedYaml[]
}

/**
 * lm-eval's `--tasks path/to/task.yaml`: an entry ending in .yaml or .yml that names an existing file is loaded on its
 * own (its `include:`s resolve next to it) and stands for what it defines. Other entries pass through unchanged.
 */
export async function taskFileEntries(entries: readonly string[], knownNames?: Iterable<string>): Promise<TaskFileEntries> {
  const tasks: string[] = []
  const loaded: LoadedYaml[] = []
  for (const entry of entries) {
    const file = resolve(entry)
    const isFile = /\.ya?ml$/i.test(entry) && (await stat(file).then(s => s.isFile(), () => false))
    if (!isFile) {
      tasks.push(entry)
      continue
    }
    const dir = dirname(file).split(sep).join('/')
    const reader = nodeYamlReader()
    // the folder lists only this file: its neighbours are read only when it includes them
    const one: YamlReader = { list: async d => (d === dir ? [basename(file)] : reader.list(d)), read: reader.read }
    const yaml = await loadTaskYaml(one, [dir], { knownNames, strict: true })
    const top = (names: string[]) => names.filter(n => !n.includes('::'))
    const groups = top(yaml.groups.map(g => g.group))
    tasks.push(...(groups.length > 0 ? groups : top(yaml.tasks.map(t => t.task))))
    loaded.push(yaml)
  }
  return { tasks, loaded }
}
