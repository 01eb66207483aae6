/**
 * Which Python modules selected tasks need, and loading them before a run: read each module, start the Python
 * runtime with them and install its host (python-hooks.ts). Shared by the CLI and the engine worker.
 */
import type { TaskSpec } from './task-spec.ts'
import type { PythonModule, StartPythonHooks } from './python-hooks.ts'
import { HarnessError } from '../errors.ts'
import { HOOKS } from './hooks.ts'
import { usePythonHooks } from './python-hooks.ts'

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

/** The Python modules `tasks` need, each with the names of the tasks that need it (in task order). */
export function pythonModulesOf(tasks: readonly TaskSpec[]): Map<string, string[]> {
  const byModule = new Map<string, string[]>()
  for (const t of tasks) {
    for (const name of pythonHookNames(t)) {
      const path = modulePath(name)
      byModule.set(path, [...(byModule.get(path) ?? []), t.task])
    }
  }
  return byModule
}

/**
 * Before a run plans anything: when `tasks` have Python hooks, their modules are read (`read`), imported (`start`)
 * and the host installed; nothing is loaded otherwise. A module that cannot be read or imported (e.g. it needs
 * numpy) throws HOOK_UNAVAILABLE naming the task and the module, before the model loads. Answers how many modules
 * were imported (0: no runtime was started).
 */
export async function preparePythonHooks(
  tasks: readonly TaskSpec[], read: (path: string) => Promise<string>, start: StartPythonHooks | undefined,
): Promise<number> {
  const byModule = pythonModulesOf(tasks)
  if (byModule.size === 0) return 0
  if (start === undefined) {
    const [path, names] = [...byModule][0]
    throw new HarnessError('HOOK_UNAVAILABLE', `task '${names[0]}' (${path}) needs Python hooks, which cannot run here`, { modules: [...byModule.keys()] })
  }
  const modules: PythonModule[] = []
  for (const path of byModule.keys()) {
    const source = await read(path).catch((e: unknown) => {
      throw new HarnessError('HOOK_UNAVAILABLE', `task '${byModule.get(path)![0]}': cannot read ${path}: ${(e as Error).message ?? e}`, { modules: [path] })
    })
    modules.push({ path, source })
  }
  const { host, failures } = await start(modules)
  const bad = [...failures].map(([path, why]) => `task '${byModule.get(path)![0]}' (${path}): ${why}`)
  if (bad.length > 0) throw new HarnessError('HOOK_UNAVAILABLE', bad.join('; '), { modules: [...failures.keys()] })
  usePythonHooks(host)
  return modules.length
}
