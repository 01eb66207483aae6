/**
 * Filters a task folder's Python module registers by name when lm-eval imports it
 * (`@register_filter("ACP_grammar_filter")` above `class ACPGrammarFilter: ...`): a task config importing that module
 * through a `!function` can name the filter as a string (`function: "ACP_grammar_filter"`), as it works in lm-eval.
 * The module texts are searched for the decorator; such steps become the Python filter class (a HookMark), which the
 * Python hook runtime instantiates with the step's keyword arguments. Built-in filter names win, as lm-eval's
 * registry refuses to register a name twice.
 */
import type { ConfigMap } from './config-files.ts'
import { HookMark } from './config-files.ts'
import { FILTER_NAMES } from '../../filters/pipeline.ts'

/** A YAML mapping as the loader holds it. */
const isYamlMap = (v: unknown): v is Map<unknown, unknown> => v instanceof Map

const REGISTER = /@register_filter\(\s*(['"])([^'"\n]+)\1\s*\)\s*\n\s*class\s+([A-Za-z_][A-Za-z0-9_]*)/g

/** Filter name → class name, for every `@register_filter("name") class C` in a module's text. */
export function registeredFilters(source: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const m of source.matchAll(REGISTER)) if (!out.has(m[2])) out.set(m[2], m[3])
  return out
}

/** The Python module paths the config's `!function` values live in. */
function modulesOf(v: unknown, out: Set<string>): Set<string> {
  if (v instanceof HookMark) {
    if (v.module !== undefined) out.add(v.module)
  } else if (Array.isArray(v)) for (const x of v) modulesOf(x, out)
  else if (isYamlMap(v)) for (const x of v.values()) modulesOf(x, out)
  return out
}

/**
 * `cfg` with filter steps that name a filter registered by one of its modules (read through `source`) turned into
 * that module's class; `cfg` itself when there is none (it may be shared, so it is never changed).
 */
export async function withRegisteredFilters(cfg: ConfigMap, source: (path: string) => Promise<string | undefined>): Promise<ConfigMap> {
  const filterList = cfg.get('filter_list')
  if (!Array.isArray(filterList)) return cfg
  const names = filterList.flatMap(p => (isYamlMap(p) && Array.isArray(p.get('filter')) ? p.get('filter') as unknown[] : []))
    .map(s => (isYamlMap(s) ? s.get('function') : undefined))
    .filter((f): f is string => typeof f === 'string' && !FILTER_NAMES.includes(f))
  if (names.length === 0) return cfg
  const registry = new Map<string, HookMark>()
  for (const path of modulesOf(cfg, new Set())) {
    const text = await source(path)
    if (text === undefined) continue
    const stem = path.slice(path.lastIndexOf('/') + 1, -3)
    for (const [name, cls] of registeredFilters(text)) {
      if (!registry.has(name)) registry.set(name, new HookMark(`${path.slice(0, -3)}.${cls}`, `${stem}.${cls}`, path, undefined))
    }
  }
  if (!names.some(n => registry.has(n))) return cfg
  const steps = (p: unknown) => (p as Map<unknown, unknown>).get('filter') as unknown[]
  const rewritten = filterList.map(p => {
    if (!isYamlMap(p) || !Array.isArray(p.get('filter'))) return p
    const copy = new Map(p)
    copy.set('filter', steps(p).map(s => {
      const fn = isYamlMap(s) ? s.get('function') : undefined
      if (typeof fn !== 'string' || !registry.has(fn)) return s
      const step = new Map(s as Map<unknown, unknown>)
      step.set('function', registry.get(fn))
      return step
    }))
    return copy
  })
  const out: ConfigMap = new Map(cfg)
  out.set('filter_list', rewritten)
  return out
}
