/**
 * Before a run (or `ls <task>`) plans anything: the Python modules the selected tasks' hooks live in are read from
 * disk and imported into Pyodide, and the host is installed for the core. Nothing is loaded when no selected task
 * has a Python hook. A module that cannot be imported (e.g. it needs numpy) stops the run here, naming the task
 * and the module, before the model loads.
 */
import { readFile } from 'node:fs/promises'
import type { TaskSpec } from '../core/tasks/task-spec.ts'
import { HarnessError } from '../core/errors.ts'
import { HOOKS } from '../core/tasks/hooks.ts'
import { usePythonHooks } from '../core/tasks/python-hooks.ts'
import { startPythonHooks } from '../backends/python/pyodide-host.ts'

/** Python hook names ('<module path>.<function>') a task references, anywhere in its config. */
export function pythonHookNames(spec: TaskSpec): string[] {
  const out = new Set<string>()
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk)
    else if (v !== null && typeof v === 'object') {
      const fn = (v as { function?: unknown }).function
      if (typeof fn === 'string' && fn.includes('.') && fn.includes('/') && !Object.hasOwn(HOOKS, fn)) out.add(fn)
      Object.values(v).forEach(walk)
    }
  }
  walk(spec)
  return [...out]
}

/** The .py file a hook name lives in. */
function modulePath(name: string): string {
  return `${name.slice(0, name.lastIndexOf('.'))}.py`
}

/** Loads the Python runtime when `tasks` need it; throws naming the task and module when one cannot import. */
export async function preparePythonHooks(tasks: readonly TaskSpec[], note: (text: string) => void): Promise<void> {
  const byModule = new Map<string, string[]>()
  for (const t of tasks) {
    for (const name of pythonHookNames(t)) {
      const path = modulePath(name)
      byModule.set(path, [...(byModule.get(path) ?? []), t.task])
    }
  }
  if (byModule.size === 0) return
  const modules = await Promise.all([...byModule.keys()].map(async path => ({ path, source: await readFile(path, 'utf8') })))
  const started = Date.now()
  const { host, failures } = await startPythonHooks(modules)
  const bad = [...failures].map(([path, why]) => `task '${byModule.get(path)![0]}' (${path}): ${why}`)
  if (bad.length > 0) throw new HarnessError('HOOK_UNAVAILABLE', bad.join('; '), { modules: [...failures.keys()] })
  usePythonHooks(host)
  note(`evalz: Python hooks: ${modules.length} module(s) imported in Pyodide (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
}
