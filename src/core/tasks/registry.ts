/**
 * Resolves task, tag and group names into a selection tree (lm-eval.md §2.5): a group keeps its members in order,
 * a tag expands to its tasks sorted by name, a task stands alone. Unknown names get the closest known names.
 */
import type { GroupMember, GroupSpec, TaskSpec } from './task-spec.ts'
import type { LoadProblem } from './yaml/task-yaml-loader.ts'
import type { ErrorCode } from '../errors.ts'
import { HarnessError } from '../errors.ts'
import { closestNames } from './closest-names.ts'

/** One node of a resolved selection. */
export type SelectionNode =
  | { readonly kind: 'task'; readonly spec: TaskSpec }
  | { readonly kind: 'group'; readonly spec: GroupSpec; readonly children: readonly SelectionNode[] }

/** Catalogue of tasks, groups and tags. */
export interface TaskCatalogue {
  readonly tasks: ReadonlyMap<string, TaskSpec>
  readonly groups: ReadonlyMap<string, GroupSpec>
  /** tag → task names (sorted) */
  readonly tags: ReadonlyMap<string, readonly string[]>
  /** names that exist in lm-evaluation-harness only */
  readonly lmEvalOnly: ReadonlySet<string>
  /** names whose YAML file did not load (--include-path): asking for one fails with its reason */
  readonly broken?: ReadonlyMap<string, { readonly code: string; readonly reason: string }>
  /** every YAML file that did not load, with its reason (`evalz ls` lists them) */
  readonly problems?: readonly LoadProblem[]
}

/** Tags whose lm-eval membership evalz has in full; other tags are not offered (they would silently differ). */
const COMPLETE_TAGS = new Set(['ai2_arc', 'demo'])

/** Builds a catalogue; duplicate names are a setup error. */
export function makeCatalogue(tasks: readonly TaskSpec[], groups: readonly GroupSpec[], lmEvalOnly: readonly string[]): TaskCatalogue {
  const taskMap = new Map<string, TaskSpec>()
  for (const t of tasks) {
    if (taskMap.has(t.task)) throw new HarnessError('TASK_SPEC_INVALID', `task '${t.task}' is defined twice`)
    taskMap.set(t.task, t)
  }
  const tags = new Map<string, string[]>()
  for (const t of tasks) {
    for (const tag of t.tag ?? []) {
      if (!COMPLETE_TAGS.has(tag) && !/^mmlu_.*_tasks$/.test(tag)) continue
      const list = tags.get(tag) ?? []
      list.push(t.task)
      tags.set(tag, list)
    }
  }
  for (const list of tags.values()) list.sort(comparePython)
  const groupMap = new Map(groups.map(g => [g.group, g]))
  return { tasks: taskMap, groups: groupMap, tags, lmEvalOnly: new Set(lmEvalOnly) }
}

/** Python's default string ordering (by code point). */
export function comparePython(a: string, b: string): number {
  const ca = [...a]
  const cb = [...b]
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i].codePointAt(0)! - cb[i].codePointAt(0)!
    if (d !== 0) return d
  }
  return ca.length - cb.length
}

/** Resolves user names (tasks, groups, tags) to selection nodes, in the order given. */
export function resolveSelection(catalogue: TaskCatalogue, names: readonly string[]): SelectionNode[] {
  const nodes: SelectionNode[] = []
  const unknown: HarnessError[] = []
  for (const name of names) {
    try {
      nodes.push(...resolveName(catalogue, name, [], undefined))
    } catch (e) {
      // every name the user typed that is not known is named in the one error, not only the first
      if (!(e instanceof HarnessError) || !UNKNOWN_CODES.has(e.code) || e.detail?.['name'] !== name) throw e
      unknown.push(e)
    }
  }
  if (unknown.length === 1) throw unknown[0]
  if (unknown.length > 1) {
    const names = unknown.map(e => e.detail?.['name'] as string)
    const each = unknown.map((e, i) => {
      const close = (e.detail?.['suggestions'] ?? []) as string[]
      const why = e.code === 'TASK_ONLY_IN_LM_EVAL' ? ' (in lm-evaluation-harness only)'
        : close.length > 0 ? ` (did you mean ${close.map(c => `'${c}'`).join(', ')}?)` : ''
      return `'${names[i]}'${why}`
    })
    throw new HarnessError('TASK_UNKNOWN', `${unknown.length} unknown tasks: ${each.join(', ')}; see \`evalz ls\` for the list`, { names })
  }
  return nodes
}

/** Codes of an error that says a name is not a task evalz can run. */
const UNKNOWN_CODES: ReadonlySet<string> = new Set(['TASK_UNKNOWN', 'TASK_ONLY_IN_LM_EVAL'])

/** Overrides of a `{task: name, **overrides}` member (every key but `task`), or undefined. */
function memberOverrides(member: string | GroupMember): Record<string, unknown> | undefined {
  if (typeof member === 'string') return undefined
  const { task: _name, ...rest } = member
  return Object.keys(rest).length > 0 ? rest : undefined
}

/**
 * A task with a group member's overrides merged on shallowly (lm-eval `{**cfg, **overrides}`); the name stays, so
 * results keep lm-eval's keys.
 */
export function applyOverrides(spec: TaskSpec, overrides: Readonly<Record<string, unknown>> | undefined): TaskSpec {
  if (overrides === undefined) return spec
  if ('task' in overrides || 'group' in overrides) {
    throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': a group member's overrides cannot rename it`, { overrides })
  }
  return { ...spec, ...overrides } as TaskSpec
}

function resolveName(cat: TaskCatalogue, name: string, stack: readonly string[], overrides: Record<string, unknown> | undefined): SelectionNode[] {
  if (stack.includes(name)) throw new HarnessError('TASK_SPEC_INVALID', `group cycle: ${[...stack, name].join(' → ')}`)
  const task = cat.tasks.get(name)
  if (task) return [{ kind: 'task', spec: applyOverrides(task, overrides) }]
  const group = cat.groups.get(name)
  if (group) {
    // An outer group's overrides win over a member's own (they are applied to the whole subtree last).
    const children = group.task.flatMap(member => {
      const own = memberOverrides(member)
      const merged = own === undefined ? overrides : overrides === undefined ? own : { ...own, ...overrides }
      return resolveName(cat, typeof member === 'string' ? member : member.task, [...stack, name], merged)
    })
    return [{ kind: 'group', spec: group, children }]
  }
  const tag = cat.tags.get(name)
  if (tag) return tag.map(t => ({ kind: 'task', spec: applyOverrides(cat.tasks.get(t)!, overrides) }))
  throw unknownTaskError(cat, name)
}

function unknownTaskError(cat: TaskCatalogue, name: string): HarnessError {
  const broken = cat.broken?.get(name)
  if (broken !== undefined) return new HarnessError(broken.code as ErrorCode, broken.reason, { name })
  if (isLmEvalOnly(cat, name)) {
    return new HarnessError(
      'TASK_ONLY_IN_LM_EVAL',
      `task '${name}' is in lm-evaluation-harness but not in evalz yet; run it there (lm-eval run --tasks ${name}) or see \`evalz ls\` for what evalz has`,
      { name },
    )
  }
  const known = [...cat.tasks.keys(), ...cat.groups.keys(), ...cat.tags.keys()]
  const close = closestNames(name, known, 3)
  const hint = close.length > 0 ? `did you mean ${close.map(c => `'${c}'`).join(', ')}?` : 'see `evalz ls` for the list'
  return new HarnessError('TASK_UNKNOWN', `unknown task '${name}': ${hint}`, { name, suggestions: close })
}

function isLmEvalOnly(cat: TaskCatalogue, name: string): boolean {
  if (cat.lmEvalOnly.has(name)) return true
  for (const family of cat.lmEvalOnly) if (name.startsWith(`${family}_`)) return true
  return false
}

/** Every leaf task of a node list, depth first, in selection order (duplicates kept once). */
export function leafTasks(nodes: readonly SelectionNode[]): TaskSpec[] {
  const seen = new Map<string, TaskSpec>()
  const walk = (n: SelectionNode): void => {
    if (n.kind === 'task') {
      if (!seen.has(n.spec.task)) seen.set(n.spec.task, n.spec)
    } else n.children.forEach(walk)
  }
  nodes.forEach(walk)
  return [...seen.values()]
}
