/**
 * The port through which task hooks written in Python (`!function utils.x` with no TypeScript port) are called.
 * A composition root (the CLI, the engine worker) loads a Python runtime, loads the task folders' modules into it
 * and installs a host here before planning (python-modules.ts); calls are synchronous because the runtime runs in
 * the same thread. Values cross as plain data (dicts ↔ objects, lists ↔ arrays, str, int/float ↔ number, bool,
 * None ↔ null).
 */
import type { Doc } from '../source.ts'

/** A loaded Python runtime. `name` is '<module path without .py>.<function>', as the YAML loader resolves it. */
export interface PythonHookHost {
  /** calls the function with positional and keyword arguments and returns its result as plain data */
  call(name: string, args: readonly unknown[], kwargs?: Readonly<Record<string, unknown>>): unknown
  /** lm-eval's process_docs: the function receives a datasets.Dataset-like over `docs`; its rows come back */
  processDocs(name: string, docs: readonly Doc[]): Doc[]
  /** a filter class: `name(**kwargs).apply(resps, docs)`, as a list */
  filter(name: string, kwargs: Readonly<Record<string, unknown>>, resps: readonly unknown[], docs: readonly unknown[]): unknown[]
}

/** A Python module a task needs: where the loader found it, and its text. */
export interface PythonModule {
  /** the .py path the YAML loader resolved (hook names are '<path without .py>.<function>') */
  readonly path: string
  readonly source: string
}

/** A started runtime: the host to install, and the modules that failed to import (path → one line). */
export interface PythonHooksRuntime {
  readonly host: PythonHookHost
  readonly failures: ReadonlyMap<string, string>
}

/** Starts the Python runtime (once per process or worker) and imports `modules` into it. */
export type StartPythonHooks = (modules: readonly PythonModule[]) => Promise<PythonHooksRuntime>

let installed: PythonHookHost | undefined

/** Installs (or removes, with undefined) the Python host used by hooks without a TypeScript port. */
export function usePythonHooks(host: PythonHookHost | undefined): void {
  installed = host
}

/** The installed Python host, if any. */
export function pythonHookHost(): PythonHookHost | undefined {
  return installed
}
