/**
 * Loads lm-eval task and group YAML folders the way lm-eval's TaskManager indexes them (lm-eval.md §2.1–2.2,
 * §2.5): every `*.yaml` below each root in sorted POSIX-path order (first definition of a name wins), `include`
 * merged, `!function` resolved (config-files.ts). A file that cannot be read, parsed or validated does not stop
 * the others: it becomes a LoadProblem (file, names it defines when known, reason) and the names it defines fail
 * only when asked for. Files without the .yaml suffix (lm-eval's `_default_template_yaml`) are only read when
 * included.
 */
import type { GroupSpec, TaskSpec } from '../task-spec.ts'
import type { ConfigMap, YamlReader } from './config-files.ts'
import type { YamlKey } from './yaml-parse.ts'
import { HarnessError, isHarnessError } from '../../errors.ts'
import { comparePython } from '../registry.ts'
import { ConfigFiles, invalidField, showValue } from './config-files.ts'
import { taskSpecFromConfig } from './task-config.ts'
import { withRegisteredFilters } from './registered-filters.ts'
import { buildGroup } from './group-config.ts'
import { isYamlMap } from './yaml-parse.ts'
import { posixJoin } from './posix-path.ts'

export type { YamlReader } from './config-files.ts'
export { hookName } from './config-files.ts'

/** A file (or a name in it) that could not be loaded. */
export interface LoadProblem {
  /** the YAML file */
  readonly file: string
  /** task/group names the file defines, when it could be read that far */
  readonly names: readonly string[]
  /** the error code (TASK_SPEC_INVALID, HOOK_UNKNOWN, …) */
  readonly code: string
  /** one line: what is wrong */
  readonly reason: string
}

/** What a set of YAML folders defines. */
export interface LoadedYaml {
  /** tasks, in file order (inline tasks of groups named `<group>::<name>`, as lm-eval) */
  readonly tasks: TaskSpec[]
  /** groups (inline `{group: ...}` members named `<parent>::<name>`) */
  readonly groups: GroupSpec[]
  /** files that did not load; empty when everything loaded */
  readonly problems?: readonly LoadProblem[]
  /** files that loaded but define no task or group (no `task:` key): base configs that other files include */
  readonly baseConfigs?: readonly string[]
}

/** Loader options. */
export interface LoadOptions {
  /** names defined elsewhere (built-ins): a group item `{task: name, ...}` naming one is an override, not an inline task */
  readonly knownNames?: Iterable<string>
  /** throw the first problem instead of collecting problems (a single dropped file, tests) */
  readonly strict?: boolean
}

const IGNORED_DIRS = new Set(['__pycache__/', '.ipynb_checkpoints/'])

/** Every .yaml file below `dir`, sorted by path. */
async function yamlFiles(reader: YamlReader, dir: string): Promise<string[]> {
  const out: string[] = []
  const walk = async (d: string): Promise<void> => {
    for (const name of await reader.list(d)) {
      if (name.endsWith('/')) {
        if (!IGNORED_DIRS.has(name)) await walk(posixJoin(d, name.slice(0, -1)))
      } else if (name.endsWith('.yaml')) out.push(posixJoin(d, name))
    }
  }
  await walk(dir)
  return out.sort(comparePython)
}

/** One indexed name. */
export interface Entry {
  readonly kind: 'task' | 'group'
  readonly cfg: ConfigMap
  readonly file: string
}

function asError(e: unknown, file: string): HarnessError {
  if (isHarnessError(e)) return e
  return new HarnessError('TASK_SPEC_INVALID', `${file}: ${(e as Error).message}`, { file })
}

/** The names a config defines, in order (tasks of a task_list, a task, or a group). */
function indexConfig(cfg: ConfigMap, file: string): [string, Entry][] {
  const task = cfg.get('task')
  const taskList = cfg.get('task_list')
  if (taskList !== undefined) {
    if (!Array.isArray(taskList)) throw invalidField(file, 'task_list', `must be a list of task names or {task: name, ...} items, got ${showValue(taskList)}`)
    return taskList.map((item, i): [string, Entry] => {
      const own = isYamlMap(item) ? item as ConfigMap : new Map<YamlKey, unknown>([['task', item]])
      const merged: ConfigMap = new Map([...cfg].filter(([k]) => k !== 'task_list'))
      for (const [k, v] of own) merged.set(k, v)
      const name = merged.get('task')
      if (typeof name !== 'string') throw invalidField(file, `task_list[${i}]`, `needs a task name, got ${showValue(item)}`)
      return [name, { kind: 'task', cfg: merged, file }]
    })
  }
  if (typeof task === 'string') return [[task, { kind: 'task', cfg, file }]]
  if (cfg.has('group') || Array.isArray(task)) {
    const group = cfg.get('group')
    if (typeof group !== 'string') throw invalidField(file, 'group', `a group file needs a group name (string), got ${showValue(group ?? null)}`)
    return [[group, { kind: 'group', cfg, file }]]
  }
  if (task !== undefined) throw invalidField(file, 'task', `must be a task name or a list of group members, got ${showValue(task)}`)
  return [] // neither task nor group: a base config that other files include
}

/**
 * The names a file declares on top-level `task:` / `group:` lines, read as plain text: for a file whose YAML did
 * not load (an alias bomb, a syntax error), so asking for its task names the file and its reason.
 */
async function declaredNames(reader: YamlReader, file: string): Promise<string[]> {
  const text = await reader.read(file).catch(() => '')
  return [...text.matchAll(/^(?:task|group):[ \t]*['"]?([\w.+-]+)['"]?[ \t]*$/gm)].map(m => m[1] as string)
}

/** Loads every task and group under `roots` (lm-eval's --include-path). */
export async function loadTaskYaml(reader: YamlReader, roots: readonly string[], opts: LoadOptions = {}): Promise<LoadedYaml> {
  const files = new ConfigFiles(reader)
  const index = new Map<string, Entry>()
  const problems: LoadProblem[] = []
  const errors: HarnessError[] = []
  const scanned: string[] = []
  const baseConfigs: string[] = []
  const fail = (file: string, names: readonly string[], e: unknown): void => {
    const err = asError(e, file)
    if (opts.strict) throw err
    errors.push(err)
    problems.push({ file, names, code: err.code, reason: err.message })
  }
  for (const root of roots) {
    for (const file of await yamlFiles(reader, root)) {
      try {
        scanned.push(file)
        const entries = indexConfig(await files.load(file), file)
        if (entries.length === 0) baseConfigs.push(file)
        for (const [name, entry] of entries) if (!index.has(name)) index.set(name, entry)
      } catch (e) {
        fail(file, await declaredNames(reader, file), e)
      }
    }
  }
  // lm-eval skips a file without task:/group: silently when scanning a folder; files given on their own (strict)
  // that define nothing at all are an error naming them
  if (opts.strict && index.size === 0 && scanned.length > 0) {
    throw new HarnessError('TASK_SPEC_INVALID',
      `${scanned.join(', ')} ${scanned.length === 1 ? 'defines' : 'define'} no task, group or tag (no \`task:\` key); add \`task: <name>\``,
      { files: scanned })
  }
  const known = new Set([...index.keys(), ...(opts.knownNames ?? [])])
  const tasks: TaskSpec[] = []
  const groups: GroupSpec[] = []
  const inline = new Set<string>()
  for (const [name, entry] of index) {
    try {
      if (entry.kind === 'task') {
        const spec = taskSpecFromConfig(await withRegisteredFilters(entry.cfg, path => files.moduleSource(path)), entry.file)
        tasks.push(spec.task === name ? spec : { ...spec, task: name })
      } else {
        const built = buildGroup(entry.cfg, entry.file, { known, inline })
        tasks.push(...built.tasks)
        groups.push(...built.groups)
      }
    } catch (e) {
      fail(entry.file, [name], e)
    }
  }
  return { tasks, groups, problems, baseConfigs }
}
