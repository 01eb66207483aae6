/**
 * Task and group YAML added in the web app (the 'add task' drop zone and editor), the browser's `--include-path`:
 * files are loaded with an in-memory YamlReader, merged over the built-in catalogue for later runs and listed by
 * listTasks. A task folder's Python modules (`utils.py`) come in the same batches; a run reads them from here
 * (moduleSource) to import them into Pyodide. The worker keeps them for its session; the page remembers the
 * batches (IndexedDB) and adds them again after a reload.
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import { listCatalogue } from '../core/catalogue.ts'
import { HarnessError } from '../core/errors.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { GroupSpec, TaskSpec } from '../core/tasks/task-spec.ts'
import { loadTaskYaml } from '../core/tasks/yaml/task-yaml-loader.ts'
import type { YamlReader } from '../core/tasks/yaml/task-yaml-loader.ts'
import { catalogueWithYaml } from '../core/tasks/yaml/yaml-catalogue.ts'
import { posixJoin } from '../core/tasks/yaml/posix-path.ts'
import type { Outcome } from '../protocol/eval-worker-api.ts'
import type { AddedTaskYaml, TaskYamlFile, TaskYamlInfo } from '../protocol/task-yaml.ts'
import { toWireError } from './wire-error.ts'

/** The YAML methods of EvalWorkerApi plus the catalogue runs should use. */
export interface TaskYamlService {
  /** loads `files` (include targets among them) and adds their tasks and groups to the catalogue */
  addTaskYaml(files: readonly TaskYamlFile[]): Promise<Outcome<AddedTaskYaml>>
  /** the tasks and groups added so far, sorted by name */
  listTaskYaml(): Promise<Outcome<TaskYamlInfo[]>>
  /** drops an added task or group; TASK_UNKNOWN when `name` was not added from YAML */
  removeTaskYaml(name: string): Promise<Outcome<null>>
  /** the text of an added file (a task folder's Python module, e.g. 'mytask/utils.py'); rejects when none was added */
  moduleSource(path: string): Promise<string>
  /** the built-in catalogue with the added YAML on top */
  catalogue(): TaskCatalogue
  /** listCatalogue of catalogue() */
  entries(): readonly CatalogueEntry[]
}

/** Creates the YAML task state over the built-in `base` catalogue (whose listing is `baseEntries`). */
export function createTaskYamlService(base: TaskCatalogue, baseEntries: readonly CatalogueEntry[]): TaskYamlService {
  /** every file added so far, by normalised path (later adds of the same path replace the text) */
  const files = new Map<string, string>()
  const tasks = new Map<string, TaskSpec>()
  const groups = new Map<string, GroupSpec>()
  let current: { catalogue: TaskCatalogue; entries: readonly CatalogueEntry[] } = { catalogue: base, entries: baseEntries }
  const knownNames = [...base.tasks.keys(), ...base.groups.keys(), ...base.tags.keys()]

  function rebuild(): void {
    if (tasks.size === 0 && groups.size === 0) {
      current = { catalogue: base, entries: baseEntries }
      return
    }
    const catalogue = catalogueWithYaml(base, { tasks: [...tasks.values()], groups: [...groups.values()] })
    current = { catalogue, entries: listCatalogue(catalogue) }
  }

  async function add(batch: readonly TaskYamlFile[]): Promise<AddedTaskYaml> {
    if (batch.length === 0) throw new HarnessError('USAGE', 'no YAML files were given: drop .yaml task or group files', {})
    const own = new Map(batch.map((f) => [normalise(f.path), f.text]))
    // the walk sees only this batch; includes may also reach files added earlier
    const loaded = await loadTaskYaml(memoryReader(own, files), ['.'], { knownNames, strict: true })
    if (loaded.tasks.length === 0 && loaded.groups.length === 0) {
      throw new HarnessError('TASK_SPEC_INVALID', `no task or group is defined in ${[...own.keys()].join(', ')}: a .yaml file needs a 'task:' or 'group:' key`, { files: [...own.keys()] })
    }
    for (const [path, text] of own) files.set(path, text)
    for (const t of loaded.tasks) tasks.set(t.task, t)
    for (const g of loaded.groups) groups.set(g.group, g)
    rebuild()
    return { tasks: loaded.tasks.map((t) => t.task), groups: loaded.groups.map((g) => g.group) }
  }

  return {
    addTaskYaml: (batch) => outcome(() => add(batch)),
    listTaskYaml: () => outcome(async () => {
      const out: TaskYamlInfo[] = [
        ...[...groups.keys()].map((name) => ({ name, kind: 'group' as const, replacesBuiltin: base.groups.has(name) })),
        ...[...tasks.keys()].map((name) => ({ name, kind: 'task' as const, replacesBuiltin: base.tasks.has(name) })),
      ]
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    }),
    removeTaskYaml: (name) => outcome(async () => {
      if (!tasks.delete(name) && !groups.delete(name)) {
        const added = [...groups.keys(), ...tasks.keys()].join(', ') || 'none'
        throw new HarnessError('TASK_UNKNOWN', `'${name}' was not added from YAML; added: ${added}`, { name })
      }
      rebuild()
      return null
    }),
    moduleSource: async (path) => {
      const text = files.get(normalise(path))
      if (text === undefined) throw new Error(`${normalise(path)} was not among the added files (add the task's folder with its .py files)`)
      return text
    },
    catalogue: () => current.catalogue,
    entries: () => current.entries,
  }
}

/** 'mytasks/x.yaml' from './mytasks/x.yaml', '/mytasks//x.yaml' or 'mytasks\\x.yaml'. */
function normalise(path: string): string {
  return posixJoin('.', path.replaceAll('\\', '/').replace(/^\/+/, ''))
}

/** A reader whose folders hold `walked`'s files; `read` also finds `extra` files (earlier adds). */
function memoryReader(walked: ReadonlyMap<string, string>, extra: ReadonlyMap<string, string>): YamlReader {
  return {
    async list(dir) {
      const prefix = dir === '.' ? '' : `${dir}/`
      const names = new Set<string>()
      for (const path of walked.keys()) {
        if (!path.startsWith(prefix)) continue
        const rest = path.slice(prefix.length)
        const slash = rest.indexOf('/')
        names.add(slash < 0 ? rest : rest.slice(0, slash + 1))
      }
      return [...names]
    },
    async read(path) {
      const key = normalise(path)
      const text = walked.get(key) ?? extra.get(key)
      if (text === undefined) throw new Error(`no such file: ${key} (it was not among the dropped files)`)
      return text
    },
  }
}

function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  return fn().then((value) => ({ ok: true as const, value }), (e: unknown) => ({ ok: false as const, error: toWireError(e) }))
}
