/**
 * TaskSpec / GroupSpec → lm-eval YAML that lm-evaluation-harness loads unchanged: every string double-quoted
 * with YAML escapes (so "\n", tabs and non-printables survive PyYAML), floats written with a dot (PyYAML reads
 * `1e-05` as a string), hooks as `!function <module>.<fn>` with a Python module beside the file that imports
 * lm-eval's own function of that name.
 */
import type { GroupSpec, TaskSpec } from '../task-spec.ts'
import { HarnessError } from '../../errors.ts'
import { isHookRef } from '../task-spec.ts'
import { TASK_FIELDS } from './task-config.ts'

/** One `!function` a written task needs. */
export interface HookUse {
  /** registry name, e.g. 'hellaswag/utils.process_docs' */
  readonly name: string
  /** lm-eval tasks folder, e.g. 'hellaswag' (may be nested, 'leaderboard/bbh') */
  readonly folder: string
  /** module file stem, e.g. 'utils' */
  readonly module: string
  /** function name, e.g. 'process_docs' */
  readonly fn: string
}

/** A task as YAML text. */
export interface TaskYaml {
  readonly text: string
  /** hooks used (all from one folder: the YAML must sit in a folder of that name, beside `<module>.py`) */
  readonly hooks: readonly HookUse[]
}

const HOOK_FIELDS = new Set(['process_docs', 'process_results', 'doc_to_text', 'doc_to_target', 'doc_to_choice'])
/** Nested places a `!function` may stand: filter steps (classes), metric and aggregation functions. */
const NESTED_HOOK = /^(filter_list\[\d+\]\.filter\[\d+\]\.function|metric_list\[\d+\]\.(metric|aggregation))$/
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/

/** Splits a hook registry name into folder, module and function. */
export function hookUse(name: string): HookUse {
  const slash = name.lastIndexOf('/')
  const dot = name.lastIndexOf('.')
  if (slash < 0 || dot < slash) throw new HarnessError('TASK_SPEC_INVALID', `hook '${name}' has no '<folder>/<module>.<function>' form, so it cannot be written as a !function`, { name })
  return { name, folder: name.slice(0, slash), module: name.slice(slash + 1, dot), fn: name.slice(dot + 1) }
}

/** Whether PyYAML's reader accepts the character unescaped inside a double-quoted scalar (and it is not a line break). */
function printable(cp: number): boolean {
  if (cp === 0x85 || cp === 0x2028 || cp === 0x2029) return false // YAML line breaks: would be folded
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd && cp !== 0xfeff) || cp >= 0x10000
}

const ESCAPES: Readonly<Record<number, string>> = { 0: '\\0', 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r', 27: '\\e', 34: '\\"', 92: '\\\\' }

/** A YAML double-quoted scalar that PyYAML reads back as exactly `s`. */
export function yamlQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0)!
    if (ESCAPES[cp] !== undefined) out += ESCAPES[cp]
    else if (printable(cp)) out += ch
    else if (cp <= 0xff) out += `\\x${cp.toString(16).padStart(2, '0')}`
    else if (cp <= 0xffff) out += `\\u${cp.toString(16).padStart(4, '0')}`
    else out += `\\U${cp.toString(16).padStart(8, '0')}`
  }
  return `${out}"`
}

/** A number as PyYAML reads it back: ints plain; floats always with a dot and a signed exponent. */
function yamlNumber(v: number, asFloat: boolean): string {
  if (Number.isNaN(v)) return '.nan'
  if (!Number.isFinite(v)) return v > 0 ? '.inf' : '-.inf'
  if (Number.isInteger(v) && !asFloat && Math.abs(v) < 1e16) return String(v)
  const s = String(v)
  const [mant, exp] = s.split('e')
  const m = mant.includes('.') ? mant : `${mant}.0`
  if (exp === undefined) return m
  const sign = exp.startsWith('-') ? '-' : '+'
  return `${m}e${sign}${exp.replace(/^[-+]/, '').padStart(2, '0')}`
}

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : yamlQuote(k)
}

/** Emits YAML lines for `value` under `path` (dotted field path: decides hooks and float fields). */
class Emitter {
  readonly hooks: HookUse[] = []
  /** field paths whose integer values Python holds as floats */
  constructor(private readonly floatPaths: ReadonlySet<string>) {}

  scalar(v: unknown, path: string): string | undefined {
    if (v === null || v === undefined) return 'null'
    if (typeof v === 'string') return yamlQuote(v)
    if (typeof v === 'boolean') return v ? 'true' : 'false'
    if (typeof v === 'number') return yamlNumber(v, this.floatPaths.has(path))
    const field = path.replace(/^fewshot_config\./, '').replace(/^task\[\d+\]\./, '')
    if (isHookRef(v) && (HOOK_FIELDS.has(field) || NESTED_HOOK.test(field))) {
      const use = hookUse(v.function)
      this.hooks.push(use)
      return `!function ${use.module}.${use.fn}`
    }
    if (Array.isArray(v) && v.length === 0) return '[]'
    if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return '{}'
    if (typeof v === 'object') return undefined
    throw new HarnessError('TASK_SPEC_INVALID', `${path}: cannot write a ${typeof v} as YAML`)
  }

  /** Lines of a mapping entry `k: v` at `indent`. */
  entry(k: string, v: unknown, path: string, indent: string): string[] {
    const s = this.scalar(v, path)
    if (s !== undefined) return [`${indent}${key(k)}: ${s}`]
    return [`${indent}${key(k)}:`, ...this.block(v, path, `${indent}  `)]
  }

  /** Lines of a list or mapping value at `indent`. */
  block(v: unknown, path: string, indent: string): string[] {
    if (Array.isArray(v)) {
      return v.flatMap((item, i) => {
        const p = `${path}[${i}]`
        const s = this.scalar(item, p)
        if (s !== undefined) return [`${indent}- ${s}`]
        const lines = this.block(item, p, `${indent}  `)
        return [`${indent}- ${lines[0].slice(indent.length + 2)}`, ...lines.slice(1)]
      })
    }
    return Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .flatMap(([k, x]) => this.entry(k, x, path === '' ? k : `${path}.${k}`, indent))
  }
}

/** The YAML of one task, fields in lm-eval's usual order. */
export function taskToYaml(spec: TaskSpec): TaskYaml {
  const e = new Emitter(new Set(['metadata.version', 'generation_kwargs.temperature']))
  const record = spec as unknown as Record<string, unknown>
  const lines = [`# lm-eval task '${spec.task}', written by evalz export-task`]
  for (const k of TASK_FIELDS) if (record[k] !== undefined) lines.push(...e.entry(k, record[k], k, ''))
  const folders = new Set(e.hooks.map(h => h.folder))
  if (folders.size > 1) {
    throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' uses hooks from several folders (${[...folders].join(', ')}); lm-eval resolves !function next to one YAML file`)
  }
  return { text: `${lines.join('\n')}\n`, hooks: e.hooks }
}

/** The YAML of one group; members with overrides are written as `{task: name, **overrides}`. */
export function groupToYaml(group: GroupSpec): string {
  const e = new Emitter(new Set())
  const lines = [`# lm-eval group '${group.group}', written by evalz export-task`]
  const record = group as unknown as Record<string, unknown>
  for (const k of ['group', 'group_alias', 'task', 'aggregate_metric_list', 'metadata']) {
    if (record[k] !== undefined) lines.push(...e.entry(k, record[k], k, ''))
  }
  if (e.hooks.length > 0) throw new HarnessError('TASK_SPEC_INVALID', `group '${group.group}': member overrides with !function hooks cannot be exported`)
  return `${lines.join('\n')}\n`
}

/** Python modules for `hooks` (file name → source): each imports lm-eval's own functions of those names. */
export function hookModules(hooks: readonly HookUse[]): Map<string, string> {
  const byModule = new Map<string, HookUse[]>()
  for (const h of hooks) byModule.set(h.module, [...(byModule.get(h.module) ?? []).filter(x => x.fn !== h.fn), h])
  const out = new Map<string, string>()
  for (const [module, uses] of byModule) {
    const pkg = `lm_eval.tasks.${uses[0].folder.replaceAll('/', '.')}.${module}`
    out.set(`${module}.py`, [
      '# Written by evalz export-task. The !function hooks of the YAML files in this folder are',
      `# lm-evaluation-harness's own functions; importing them here lets \`!function ${module}.<name>\` resolve.`,
      ...uses.map(u => `from ${pkg} import ${u.fn}  # noqa: F401`),
      '',
    ].join('\n'))
  }
  return out
}
