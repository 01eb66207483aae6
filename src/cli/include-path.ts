/**
 * `--include-path DIR`: lm-eval task/group YAML folders read from disk (recursively) and merged into the
 * built-in catalogue (a YAML task or group replaces a built-in of the same name).
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { resolve, sep } from 'node:path'
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

/** The built-in catalogue, plus the tasks and groups of `--include-path` folders when any are given. */
export async function catalogueWithIncludePaths(dirs: readonly string[]): Promise<TaskCatalogue> {
  const base = builtinCatalogue()
  if (dirs.length === 0) return base
  const known = [...base.tasks.keys(), ...base.groups.keys(), ...base.tags.keys()]
  return catalogueWithYaml(base, await loadIncludePaths(dirs, known))
}
