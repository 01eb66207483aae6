/**
 * Before a run (or `ls <task>`) plans anything: the Python modules the selected tasks' hooks live in are read from
 * disk and imported into Pyodide (core/tasks/python-modules.ts), with a note of how long it took. Nothing is loaded
 * when no selected task has a Python hook; a module that cannot be imported stops the run here, naming the task and
 * the module, before the model loads.
 */
import { readFile } from 'node:fs/promises'
import type { TaskSpec } from '../core/tasks/task-spec.ts'
import { preparePythonHooks as prepare } from '../core/tasks/python-modules.ts'
import { startPythonHooks } from '../backends/python/pyodide-host.ts'

/** Loads the Python runtime when `tasks` need it; throws naming the task and module when one cannot import. */
export async function preparePythonHooks(tasks: readonly TaskSpec[], note: (text: string) => void): Promise<void> {
  const started = Date.now()
  const count = await prepare(tasks, path => readFile(path, 'utf8'), modules => startPythonHooks(modules))
  if (count > 0) note(`evalz: Python hooks: ${count} module(s) imported in Pyodide (${((Date.now() - started) / 1000).toFixed(1)} s)\n`)
}
