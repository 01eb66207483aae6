/**
 * A group config (lm-eval.md §2.5) → GroupSpec. Members are task, group or tag names, `{task: name, **overrides}`
 * items, inline tasks (`{task: new_name, ...config}`) and inline subgroups (`{group: name, task: [...]}`). As in
 * lm-eval's TaskFactory, what is defined inline is named `<parent>::<name>`, so two groups may each define an
 * inline `stem`. The group's own task fields are folded into every member's overrides (they win).
 */
import type { AggregateMetricConfig, GroupMember, GroupSpec, TaskSpec } from '../task-spec.ts'
import type { ConfigMap } from './config-files.ts'
import { invalidField, showValue } from './config-files.ts'
import { plainValue, taskFields, taskSpecFromConfig } from './task-config.ts'
import { isYamlMap } from './yaml-parse.ts'

/** What one group file defines: the group, then its inline tasks and subgroups. */
export interface BuiltGroup {
  readonly groups: GroupSpec[]
  readonly tasks: TaskSpec[]
}

/** Names visible while building. */
export interface GroupContext {
  /** every indexed or built-in task, group and tag name */
  readonly known: ReadonlySet<string>
  /** inline names claimed so far (across all groups) */
  readonly inline: Set<string>
}

const GROUP_KEYS = new Set(['group', 'group_alias', 'task', 'aggregate_metric_list', 'metadata', 'tag'])

function aggregateList(v: unknown, file: string): AggregateMetricConfig[] {
  const items = isYamlMap(v) ? [v] : Array.isArray(v) ? v : undefined
  if (items === undefined) throw invalidField(file, 'aggregate_metric_list', `must be a list of {metric, aggregation, weight_by_size, filter_list}, got ${showValue(v)}`)
  return items.map((item, i) => {
    const field = `aggregate_metric_list[${i}]`
    if (!isYamlMap(item)) throw invalidField(file, field, `must be a mapping, got ${showValue(item)}`)
    const keys = ['metric', 'aggregation', 'weight_by_size', 'filter_list']
    for (const k of item.keys()) if (!keys.includes(String(k))) throw invalidField(file, `${field}.${String(k)}`, `unknown key (valid: ${keys.join(', ')})`)
    const metric = item.get('metric')
    if (typeof metric !== 'string') throw invalidField(file, `${field}.metric`, `must be a metric name, got ${showValue(metric ?? null)}`)
    const aggregation = item.get('aggregation') ?? 'mean'
    if (aggregation !== 'mean') throw invalidField(file, `${field}.aggregation`, `only 'mean' is supported across a group's tasks, got ${showValue(aggregation)}`)
    const weight = item.get('weight_by_size') ?? false
    if (typeof weight !== 'boolean') throw invalidField(file, `${field}.weight_by_size`, `must be true or false, got ${showValue(weight)}`)
    const filters = item.get('filter_list') ?? 'none'
    const filterList = typeof filters === 'string' ? [filters] : Array.isArray(filters) && filters.every(f => typeof f === 'string') ? filters as string[] : undefined
    if (filterList === undefined) throw invalidField(file, `${field}.filter_list`, `must be a filter name or a list of them, got ${showValue(filters)}`)
    return { metric, aggregation: 'mean', weight_by_size: weight, filter_list: filterList }
  })
}

/** Builds a group file's group (all or nothing: a bad member leaves no inline definitions behind). */
export function buildGroup(cfg: ConfigMap, file: string, ctx: GroupContext): BuiltGroup {
  const out: BuiltGroup = { groups: [], tasks: [] }
  const claimed: string[] = []
  try {
    out.groups.unshift(groupSpec(cfg.get('group') as string, cfg, file, ctx, out, claimed))
  } catch (e) {
    for (const name of claimed) ctx.inline.delete(name)
    throw e
  }
  return out
}

function groupSpec(name: string, cfg: ConfigMap, file: string, ctx: GroupContext, out: BuiltGroup, claimed: string[]): GroupSpec {
  const alias = cfg.get('group_alias')
  if (alias !== undefined && alias !== null && typeof alias !== 'string') throw invalidField(file, 'group_alias', `must be a string, got ${showValue(alias)}`)
  const rawMembers = cfg.get('task')
  const memberList = typeof rawMembers === 'string' ? [rawMembers] : rawMembers
  if (!Array.isArray(memberList) || memberList.length === 0) throw invalidField(file, 'task', `group '${name}' needs a list of members (task, group or tag names, or {task: name, ...} items)`)
  const overrideCfg: ConfigMap = new Map([...cfg].filter(([k]) => !GROUP_KEYS.has(String(k))))
  const groupLevel = taskFields(overrideCfg, file)
  const members: (string | GroupMember)[] = []
  const seen = new Set<string>()
  const claim = (local: string): string => {
    const full = `${name}::${local}`
    if (ctx.inline.has(full) || ctx.known.has(full)) throw invalidField(file, 'task', `'${full}' is defined inline twice`)
    ctx.inline.add(full)
    claimed.push(full)
    return full
  }
  for (const [i, item] of memberList.entries()) {
    const field = `task[${i}]`
    let member: string
    let own: Record<string, unknown> = {}
    if (typeof item === 'string') member = item
    else if (isYamlMap(item) && typeof item.get('group') === 'string' && !ctx.known.has(item.get('group') as string)) {
      member = claim(item.get('group') as string)
      out.groups.push(groupSpec(member, item as ConfigMap, file, ctx, out, claimed))
    } else if (isYamlMap(item) && (typeof item.get('task') === 'string' || typeof item.get('group') === 'string')) {
      const key = typeof item.get('task') === 'string' ? 'task' : 'group'
      member = item.get(key) as string
      if (ctx.known.has(member)) own = taskFields(new Map([...item].filter(([k]) => k !== key)) as ConfigMap, file)
      else {
        member = claim(member)
        const inlineCfg: ConfigMap = new Map([...overrideCfg, ...item])
        inlineCfg.set('task', member)
        out.tasks.push(taskSpecFromConfig(inlineCfg, file))
      }
    } else {
      throw invalidField(file, field, `a group member is a task, group or tag name, {task: name, ...} or {group: name, task: [...]}, got ${showValue(item)}`)
    }
    if (seen.has(member)) throw invalidField(file, field, `'${member}' is listed twice in group '${name}' (evalz runs each task once per group)`)
    seen.add(member)
    const overrides = { ...own, ...groupLevel }
    members.push(Object.keys(overrides).length === 0 ? member : { task: member, ...overrides })
  }
  const spec: Record<string, unknown> = { group: name }
  if (typeof alias === 'string') spec.group_alias = alias
  spec.task = members
  const agg = cfg.get('aggregate_metric_list')
  if (agg !== undefined && agg !== null) spec.aggregate_metric_list = aggregateList(agg, file)
  const metadata = cfg.get('metadata')
  if (metadata !== undefined && metadata !== null) {
    if (!isYamlMap(metadata)) throw invalidField(file, 'metadata', `must be a mapping, got ${showValue(metadata)}`)
    spec.metadata = plainValue(metadata, { file }, 'metadata')
  }
  return spec as unknown as GroupSpec
}
