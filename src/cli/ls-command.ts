/**
 * `evalz ls`: tasks, groups, tags and suites with dataset, output type, default shots and metrics, then the YAML
 * files of --include-path that did not load, each with its reason (with --json: `{entries, problems}`).
 * `evalz ls <name>`: one task's config as lm-eval YAML (or JSON with --json) and the prompt of doc 0 when its data
 * is reachable (--data-dir), else its templates; for a group or suite, its config and resolved members.
 */
import type { DocSource } from '../core/source.ts'
import type { OutputType, TaskSpec } from '../core/tasks/task-spec.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { PlannedDoc } from '../core/tasks/task-plan.ts'
import { listCatalogue } from '../core/catalogue.ts'
import { DEFAULT_METRICS } from '../core/tasks/metric-config.ts'
import { groupToYaml, taskToYaml } from '../core/tasks/yaml/task-yaml-writer.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import { effectiveFewshot, planTask } from '../core/tasks/task-plan.ts'
import { checkSplits } from '../core/suite-check.ts'
import { SUITE_NAMES } from '../core/tasks/builtin/suites.ts'
import { isHarnessError } from '../core/errors.ts'

/** Options of `evalz ls <name>`. */
export interface LsTaskOptions {
  /** print JSON instead of YAML and text */
  readonly json: boolean
  /** where doc 0 comes from; undefined = no data (templates only) */
  readonly source: DocSource | undefined
  /** few-shot seed for the example's shots (lm-eval's default 1234) */
  readonly fewshotSeed?: number
}

/** One `evalz ls` row's kind: a suite is a built-in group that reproduces a leaderboard run. */
export type LsKind = 'task' | 'group' | 'tag' | 'suite'

/** Renders the list as text, or JSON with --json. */
export function lsCommand(catalogue: TaskCatalogue, json: boolean): string {
  const entries = listCatalogue(catalogue).map(e => ({
    ...e,
    kind: (e.kind === 'group' && SUITE_NAMES.has(e.name) ? 'suite' : e.kind) as LsKind,
    metrics: e.kind === 'task' && e.metrics.length === 0 ? DEFAULT_METRICS[e.outputType as OutputType] : e.metrics,
  }))
  const order: Record<LsKind, number> = { suite: 0, group: 1, tag: 2, task: 3 }
  entries.sort((a, b) => order[a.kind] - order[b.kind])
  const problems = catalogue.problems ?? []
  if (json) return `${JSON.stringify({ entries, problems: problems.map(p => ({ file: p.file, names: p.names, code: p.code, reason: p.reason })) }, null, 2)}\n`
  const rows = entries.map(e => {
    if (e.kind === 'task') {
      const ds = e.config === undefined ? e.dataset! : `${e.dataset!}:${e.config}`
      return [e.name, 'task', ds, e.outputType!, String(e.numFewshot ?? 0), e.metrics.join(',')]
    }
    const members = e.members.length > 4 ? `${e.members.slice(0, 4).join(',')},… (${e.members.length})` : e.members.join(',')
    return [e.name, e.kind, members, '', '', e.metrics.join(',')]
  })
  const header = ['name', 'kind', 'dataset / members', 'output type', 'shots', 'metrics']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  const table = [line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)]
  if (problems.length > 0) table.push('', `${problems.length} file(s) did not load (asking for what they define fails with the reason):`, ...problems.map(p => `  ${p.reason}`))
  return `${table.join('\n')}\n`
}

/** `evalz ls <name>`: a task's config and example prompt, or a group's / tag's config and members. */
export async function lsTaskCommand(catalogue: TaskCatalogue, name: string, opts: LsTaskOptions): Promise<string> {
  const task = catalogue.tasks.get(name)
  if (task !== undefined) return showTask(task, opts)
  const group = catalogue.groups.get(name)
  const tag = catalogue.tags.get(name)
  if (group === undefined && tag === undefined) resolveSelection(catalogue, [name]) // throws TASK_UNKNOWN with suggestions
  const leaves = leafTasks(resolveSelection(catalogue, [name]))
  const kind: LsKind = group === undefined ? 'tag' : SUITE_NAMES.has(name) ? 'suite' : 'group'
  const resolved = leaves.map(t => ({ task: t.task, num_fewshot: effectiveFewshot(t, undefined), split: t.test_split ?? t.validation_split }))
  if (opts.json) return `${JSON.stringify({ name, kind, config: group ?? { tag: name, task: tag }, tasks: resolved }, null, 2)}\n`
  const config = group === undefined ? `tag: ${name}\ntask:\n${tag!.map(t => `  - ${t}`).join('\n')}\n` : withoutHeader(groupToYaml(group))
  const lines = resolved.map(r => `  ${r.task}  (${r.num_fewshot}-shot, ${r.split ?? '?'})`)
  return `# ${kind} ${name}\n${config}\n# ${resolved.length} task(s), with the shots the ${kind} gives them:\n${lines.join('\n')}\n`
}

async function showTask(spec: TaskSpec, opts: LsTaskOptions): Promise<string> {
  const example = await examplePrompt(spec, opts)
  if (opts.json) return `${JSON.stringify({ name: spec.task, kind: 'task', config: spec, example }, null, 2)}\n`
  const parts = [`# task ${spec.task}`, withoutHeader(taskToYaml(spec).text).trimEnd()]
  if (example.doc !== undefined) {
    parts.push(`# example: doc 0 of split '${example.split}', ${example.numFewshot}-shot (fewshot seed ${opts.fewshotSeed ?? 1234})`)
    for (const r of example.requests!) parts.push(`## request ${r.idx}\n${r.lines.join('\n')}`)
  } else {
    parts.push(`# no example prompt: ${example.reason}\n# templates (rendered per doc):\n${templateLines(spec)}`)
  }
  return `${parts.join('\n')}\n`
}

interface Example {
  readonly doc?: Record<string, unknown>
  readonly split?: string
  readonly numFewshot?: number
  readonly requests?: readonly { idx: number; lines: string[]; arguments: readonly unknown[] }[]
  /** why no example could be rendered */
  readonly reason?: string
}

async function examplePrompt(spec: TaskSpec, opts: LsTaskOptions): Promise<Example> {
  if (opts.source === undefined) return { reason: 'no data (pass --data-dir DIR to render doc 0)' }
  try {
    await checkSplits([spec], opts.source, undefined)
    const plan = await planTask(spec, opts.source, { limit: 1, fewshotSeed: opts.fewshotSeed ?? 1234 })
    const doc: PlannedDoc | undefined = plan.docs[0]
    if (doc === undefined) return { reason: `split '${plan.split}' is empty` }
    const requests = doc.requests.map(r => ({ idx: r.idx, arguments: r.arguments, lines: requestLines(r.arguments, spec.output_type) }))
    return { doc: doc.doc, split: plan.split, numFewshot: plan.numFewshot, requests }
  } catch (e) {
    if (isHarnessError(e)) return { reason: e.message }
    throw e
  }
}

function requestLines(args: readonly unknown[], outputType: OutputType): string[] {
  if (outputType === 'loglikelihood_rolling') return ['text:', String(args[0])]
  if (outputType === 'generate_until') return ['context:', String(args[0]), `generation_kwargs: ${JSON.stringify(args[1])}`]
  return ['context:', String(args[0]), `continuation: ${JSON.stringify(args[1])}`]
}

function templateLines(spec: TaskSpec): string {
  const fields = ['description', 'doc_to_text', 'doc_to_target', 'doc_to_choice', 'target_delimiter', 'fewshot_delimiter', 'gen_prefix'] as const
  const picked: Record<string, unknown> = {}
  for (const f of fields) if (spec[f] !== undefined) picked[f] = spec[f]
  return withoutHeader(taskToYaml(picked as unknown as TaskSpec).text).trimEnd()
}

/** The writer's YAML without its leading '# … written by evalz export-task' comment. */
function withoutHeader(text: string): string {
  return text.replace(/^# .*\n/, '')
}
