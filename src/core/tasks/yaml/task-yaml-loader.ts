/**
 * Loads lm-eval task and group YAML files from folders (lm-eval.md §2.1–2.2, §2.5): every `*.yaml` below each
 * root, in sorted POSIX-path order (first definition of a name wins), with `include` merged, `!function`
 * resolved to the hook registry and group members/overrides kept as lm-eval's `{task: name, **overrides}`.
 * Files without the .yaml suffix (lm-eval's `_default_template_yaml`) are only read when included.
 */
import type { AggregateMetricConfig, GroupMember, GroupSpec, TaskSpec } from '../task-spec.ts'
import type { ConfigMap } from './task-config.ts'
import type { YamlKey, YamlValue } from './yaml-parse.ts'
import { HarnessError, isHarnessError } from '../../errors.ts'
import { HOOKS } from '../hooks.ts'
import { comparePython } from '../registry.ts'
import { HookMark, plainValue, showValue, taskFields, taskSpecFromConfig } from './task-config.ts'
import { FunctionTag, isYamlMap, parseYaml } from './yaml-parse.ts'
import { posixDirname, posixJoin } from './posix-path.ts'

/** How the loader reads files (injected: the CLI gives node:fs, the web app dropped files). */
export interface YamlReader {
  /** entry names of a folder; subfolder names end with '/' */
  list(dir: string): Promise<string[]>
  /** a file's text; throws when it is missing */
  read(path: string): Promise<string>
}

/** What a set of YAML folders defines. */
export interface LoadedYaml {
  /** tasks, in file order */
  readonly tasks: TaskSpec[]
  /** groups (inline `{group: ...}` members are hoisted under their own name) */
  readonly groups: GroupSpec[]
}

/** Loader options. */
export interface LoadOptions {
  /** names defined elsewhere (built-ins): a group item `{task: name, ...}` naming one is an override, not an inline task */
  readonly knownNames?: Iterable<string>
}

const IGNORED_DIRS = new Set(['__pycache__/', '.ipynb_checkpoints/'])
const GROUP_KEYS = new Set(['group', 'group_alias', 'task', 'aggregate_metric_list', 'metadata', 'tag'])

function invalid(file: string, field: string, message: string): HarnessError {
  return new HarnessError('TASK_SPEC_INVALID', `${file}: ${field}: ${message}`, { file, field })
}

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

/** The registry name of `!function spec` written in a file in `dir` (tries the nearest folder first). */
export function hookName(spec: string, dir: string): string {
  const dot = spec.lastIndexOf('.')
  const mod = spec.slice(0, dot).replaceAll('.', '/')
  const fn = spec.slice(dot + 1)
  if (spec.startsWith('lm_eval.tasks.')) return `${mod.slice('lm_eval/tasks/'.length)}.${fn}`
  const folders = dir.split('/').filter(s => s !== '' && s !== '.')
  const candidates: string[] = []
  for (let i = folders.length - 1; i >= 0; i--) candidates.push(`${folders.slice(i).join('/')}/${mod}.${fn}`)
  if (candidates.length === 0) candidates.push(`${mod}.${fn}`)
  return candidates.find(c => Object.hasOwn(HOOKS, c)) ?? candidates[0]
}

function markHooks(v: YamlValue, dir: string): unknown {
  if (v instanceof FunctionTag) return new HookMark(hookName(v.spec, dir), v.spec)
  if (Array.isArray(v)) return v.map(x => markHooks(x, dir))
  if (isYamlMap(v)) return new Map([...v].map(([k, x]) => [k, markHooks(x, dir)]))
  return v
}

/** Reads, parses and include-merges config files, each once. */
class ConfigFiles {
  private readonly parsed = new Map<string, Promise<ConfigMap>>()
  constructor(private readonly reader: YamlReader) {}

  private async parse(path: string): Promise<ConfigMap> {
    const text = await this.reader.read(path)
    const value = markHooks(parseYaml(text, path), posixDirname(path))
    if (!isYamlMap(value)) throw new HarnessError('TASK_SPEC_INVALID', `${path}: a task or group file must be a YAML mapping, got ${showValue(value)}`, { file: path })
    return value as ConfigMap
  }

  /** The file's mapping with `include:` resolved: included keys first (in list order), then its own keys win. */
  async load(path: string, chain: readonly string[] = []): Promise<ConfigMap> {
    if (chain.includes(path)) throw new HarnessError('TASK_SPEC_INVALID', `${chain[0]}: include: cycle ${[...chain, path].join(' → ')}`, { chain: [...chain, path] })
    let p = this.parsed.get(path)
    if (!p) {
      p = this.parse(path)
      this.parsed.set(path, p)
    }
    const own = await p
    const include = own.get('include')
    if (include === undefined || include === null) return own
    const list = typeof include === 'string' ? [include] : Array.isArray(include) && include.every(i => typeof i === 'string') ? include as string[] : undefined
    if (list === undefined) throw invalid(path, 'include', `must be a file path or a list of them, got ${showValue(include)}`)
    return this.mergeIncludes(path, own, list, chain)
  }

  /** `cfg` with its includes (relative to `base`'s folder) merged under it. */
  async mergeIncludes(base: string, cfg: ConfigMap, includes: readonly string[], chain: readonly string[]): Promise<ConfigMap> {
    const merged: ConfigMap = new Map()
    for (const inc of includes) {
      const target = posixJoin(posixDirname(base), inc)
      let sub: ConfigMap
      try {
        sub = await this.load(target, [...chain, base])
      } catch (e) {
        if (isHarnessError(e)) throw e
        throw invalid(base, 'include', `cannot read '${inc}' (${target}): ${(e as Error).message}`)
      }
      for (const [k, v] of sub) merged.set(k, v)
    }
    for (const [k, v] of cfg) if (k !== 'include') merged.set(k, v)
    return merged
  }
}

/** One indexed name. */
interface Entry {
  readonly kind: 'task' | 'group'
  readonly cfg: ConfigMap
  readonly file: string
}

/** Loads every task and group under `roots` (lm-eval's --include-path). */
export async function loadTaskYaml(reader: YamlReader, roots: readonly string[], opts: LoadOptions = {}): Promise<LoadedYaml> {
  const files = new ConfigFiles(reader)
  const index = new Map<string, Entry>()
  const add = (name: string, entry: Entry): void => {
    if (!index.has(name)) index.set(name, entry)
  }
  for (const root of roots) {
    for (const file of await yamlFiles(reader, root)) {
      const cfg = await files.load(file)
      const task = cfg.get('task')
      const taskList = cfg.get('task_list')
      if (taskList !== undefined) {
        if (!Array.isArray(taskList)) throw invalid(file, 'task_list', `must be a list of task names or {task: name, ...} items, got ${showValue(taskList)}`)
        taskList.forEach((item, i) => {
          const own = isYamlMap(item) ? item as ConfigMap : new Map<YamlKey, unknown>([['task', item]])
          const merged: ConfigMap = new Map([...cfg].filter(([k]) => k !== 'task_list'))
          for (const [k, v] of own) merged.set(k, v)
          const name = merged.get('task')
          if (typeof name !== 'string') throw invalid(file, `task_list[${i}]`, `needs a task name, got ${showValue(item)}`)
          add(name, { kind: 'task', cfg: merged, file })
        })
      } else if (typeof task === 'string') add(task, { kind: 'task', cfg, file })
      else if (cfg.has('group') || Array.isArray(task)) {
        const group = cfg.get('group')
        if (typeof group !== 'string') throw invalid(file, 'group', `a group file needs a group name (string), got ${showValue(group ?? null)}`)
        add(group, { kind: 'group', cfg, file })
      } else if (task !== undefined) throw invalid(file, 'task', `must be a task name or a list of group members, got ${showValue(task)}`)
      // neither task nor group: a base config that other files include
    }
  }
  const known = new Set([...index.keys(), ...(opts.knownNames ?? [])])
  const tasks: TaskSpec[] = []
  const groups: GroupSpec[] = []
  const hoisted = new Set<string>()
  for (const [name, entry] of index) {
    if (entry.kind === 'task') tasks.push(withName(taskSpecFromConfig(entry.cfg, entry.file), name))
    else groups.push(await groupSpec(entry.cfg, entry.file, { known, files, tasks, groups, hoisted, index }))
  }
  return { tasks, groups }
}

function withName(spec: TaskSpec, name: string): TaskSpec {
  return spec.task === name ? spec : { ...spec, task: name }
}

/** State shared while building groups. */
interface GroupCtx {
  readonly known: ReadonlySet<string>
  readonly files: ConfigFiles
  readonly tasks: TaskSpec[]
  readonly groups: GroupSpec[]
  /** names of hoisted inline tasks and groups */
  readonly hoisted: Set<string>
  readonly index: ReadonlyMap<string, Entry>
}

function aggregateList(v: unknown, file: string): AggregateMetricConfig[] {
  const items = isYamlMap(v) ? [v] : Array.isArray(v) ? v : undefined
  if (items === undefined) throw invalid(file, 'aggregate_metric_list', `must be a list of {metric, aggregation, weight_by_size, filter_list}, got ${showValue(v)}`)
  return items.map((item, i) => {
    const field = `aggregate_metric_list[${i}]`
    if (!isYamlMap(item)) throw invalid(file, field, `must be a mapping, got ${showValue(item)}`)
    const keys = ['metric', 'aggregation', 'weight_by_size', 'filter_list']
    for (const k of item.keys()) if (!keys.includes(String(k))) throw invalid(file, `${field}.${String(k)}`, `unknown key (valid: ${keys.join(', ')})`)
    const metric = item.get('metric')
    if (typeof metric !== 'string') throw invalid(file, `${field}.metric`, `must be a metric name, got ${showValue(metric ?? null)}`)
    const aggregation = item.get('aggregation') ?? 'mean'
    if (aggregation !== 'mean') throw invalid(file, `${field}.aggregation`, `only 'mean' is supported across a group's tasks, got ${showValue(aggregation)}`)
    const weight = item.get('weight_by_size') ?? false
    if (typeof weight !== 'boolean') throw invalid(file, `${field}.weight_by_size`, `must be true or false, got ${showValue(weight)}`)
    const filters = item.get('filter_list') ?? 'none'
    const filterList = typeof filters === 'string' ? [filters] : Array.isArray(filters) && filters.every(f => typeof f === 'string') ? filters as string[] : undefined
    if (filterList === undefined) throw invalid(file, `${field}.filter_list`, `must be a filter name or a list of them, got ${showValue(filters)}`)
    return { metric, aggregation: 'mean', weight_by_size: weight, filter_list: filterList }
  })
}

/** A group config → GroupSpec; its top-level task fields are folded into every member's overrides (they win). */
async function groupSpec(cfg: ConfigMap, file: string, ctx: GroupCtx): Promise<GroupSpec> {
  const name = cfg.get('group') as string
  const alias = cfg.get('group_alias')
  if (alias !== undefined && alias !== null && typeof alias !== 'string') throw invalid(file, 'group_alias', `must be a string, got ${showValue(alias)}`)
  const rawMembers = cfg.get('task')
  const memberList = typeof rawMembers === 'string' ? [rawMembers] : rawMembers
  if (!Array.isArray(memberList) || memberList.length === 0) throw invalid(file, 'task', `group '${name}' needs a list of members (task, group or tag names, or {task: name, ...} items)`)
  const overrideCfg: ConfigMap = new Map([...cfg].filter(([k]) => !GROUP_KEYS.has(String(k))))
  const groupLevel = taskFields(overrideCfg, file)
  const members: (string | GroupMember)[] = []
  const seen = new Set<string>()
  for (const [i, item] of memberList.entries()) {
    const field = `task[${i}]`
    let member: string
    let own: Record<string, unknown> = {}
    if (typeof item === 'string') member = item
    else if (isYamlMap(item) && typeof item.get('group') === 'string' && !ctx.known.has(item.get('group') as string)) {
      member = await inlineGroup(item as ConfigMap, file, ctx)
    } else if (isYamlMap(item) && (typeof item.get('task') === 'string' || typeof item.get('group') === 'string')) {
      const key = typeof item.get('task') === 'string' ? 'task' : 'group'
      member = item.get(key) as string
      if (ctx.known.has(member)) own = taskFields(new Map([...item].filter(([k]) => k !== key)) as ConfigMap, file)
      else member = inlineTask(item as ConfigMap, overrideCfg, file, ctx)
    } else {
      throw invalid(file, field, `a group member is a task, group or tag name, {task: name, ...} or {group: name, task: [...]}, got ${showValue(item)}`)
    }
    if (seen.has(member)) throw invalid(file, field, `'${member}' is listed twice in group '${name}' (evalz runs each task once per group)`)
    seen.add(member)
    const overrides = { ...own, ...groupLevel }
    members.push(Object.keys(overrides).length === 0 ? member : { task: member, ...overrides })
  }
  const spec: Record<string, unknown> = { group: name }
  if (typeof alias === 'string') spec.group_alias = alias
  spec.task = members
  if (cfg.get('aggregate_metric_list') !== undefined && cfg.get('aggregate_metric_list') !== null) spec.aggregate_metric_list = aggregateList(cfg.get('aggregate_metric_list'), file)
  const metadata = cfg.get('metadata')
  if (metadata !== undefined && metadata !== null) {
    if (!isYamlMap(metadata)) throw invalid(file, 'metadata', `must be a mapping, got ${showValue(metadata)}`)
    spec.metadata = plainValue(metadata, { file }, 'metadata')
  }
  return spec as unknown as GroupSpec
}

/** `{task: new_name, ...full config}` inside a group: a task defined in place (group-level keys under its own). */
function inlineTask(item: ConfigMap, groupLevel: ConfigMap, file: string, ctx: GroupCtx): string {
  const cfg: ConfigMap = new Map([...groupLevel, ...item])
  const spec = taskSpecFromConfig(cfg, file)
  claim(spec.task, file, ctx)
  ctx.tasks.push(spec)
  return spec.task
}

/** `{group: name, task: [...]}` inside a group: a subgroup defined in place, hoisted under its name. */
async function inlineGroup(item: ConfigMap, file: string, ctx: GroupCtx): Promise<string> {
  const spec = await groupSpec(item, file, ctx)
  claim(spec.group, file, ctx)
  ctx.groups.push(spec)
  return spec.group
}

function claim(name: string, file: string, ctx: GroupCtx): void {
  if (ctx.hoisted.has(name) || ctx.index.has(name)) throw invalid(file, 'task', `'${name}' is defined inline twice (or also in its own file)`)
  ctx.hoisted.add(name)
}
