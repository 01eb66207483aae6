/**
 * Runs task folders' Python hooks (`!function utils.x`) in Pyodide: the modules are written into Pyodide's file
 * system at the paths the YAML loader resolved and imported once, as lm-eval imports them (by file location);
 * a `datasets` module (datasets-shim.ts) stands in for Hugging Face's. Values cross as JSON: Python floats in
 * metric values come back as PyFloat (so samples print `1.0`), ints as numbers. Pyodide loads only its own files
 * (indexURL: the npm package folder in Node, the app's copy in the page), so it works offline; Python packages
 * that are not in the npm package (numpy, sklearn, …) cannot be imported, and a module importing one fails in
 * one line naming it. Python's `random` is seeded with 0 when the runtime starts, as lm-eval's simple_evaluate does.
 */
import { loadPyodide } from 'pyodide'
import type { PyodideInterface } from 'pyodide'
import type { Doc } from '../../core/source.ts'
import type { PythonHookHost, PythonHooksRuntime, PythonModule } from '../../core/tasks/python-hooks.ts'
import { HarnessError } from '../../core/errors.ts'
import { PyFloat } from '../../core/python/json.ts'
import { parsePythonJson } from '../../core/python/json-parse.ts'
import { DATASETS_SHIM_PY } from './datasets-shim.ts'
import { LM_EVAL_SHIM_FILES } from './lm-eval-shim.ts'

/** Where Pyodide's own files are. */
export interface PyodideOptions {
  /** folder URL or path of pyodide.asm.wasm, python_stdlib.zip, pyodide-lock.json (default: the npm package's) */
  readonly indexURL?: string
}

const FLOAT = '\u0000f'

const HOST_PY = String.raw`
import importlib.util, json, random, sys

sys.path.insert(0, "/evalz/lib")
random.seed(0)  # lm-eval's simple_evaluate seeds Python's random with random_seed=0 before building tasks

_modules = {}

def _load(path):
    if path in _modules:
        return _modules[path]
    name = path[:-3]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    _modules[path] = module
    return module

def _fn(name):
    mod, _, fn = name.rpartition(".")
    module = _load(mod + ".py")
    if not hasattr(module, fn):
        raise AttributeError(f"{mod}.py has no function '{fn}'")
    return getattr(module, fn)

def _conv(v, typed):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return {"\u0000f": v} if typed else v
    if isinstance(v, dict):
        return {str(k): _conv(x, typed) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_conv(x, typed) for x in v]
    if hasattr(v, "to_list"):
        return _conv(v.to_list(), typed)
    if hasattr(v, "tolist"):
        return _conv(v.tolist(), typed)
    if hasattr(v, "__iter__"):
        return [_conv(x, typed) for x in v]
    raise TypeError(f"a hook returned a {type(v).__name__}, which evalz cannot take back from Python")

def _dump(v, typed):
    return json.dumps(_conv(v, typed), ensure_ascii=False)

def evalz_import(path, changed):
    if changed:
        _modules.pop(path, None)
    try:
        _load(path)
        return ""
    except ModuleNotFoundError as e:
        if e.name is None:  # raised by the module itself, with its own message
            return f"ModuleNotFoundError: {e} (evalz's Pyodide bundles only the standard library)"
        return f"Python module '{e.name}' is not available in evalz's Pyodide (only the standard library is bundled)"
    except Exception as e:
        return f"{type(e).__name__}: {e}"

def evalz_call(name, args, kwargs, typed):
    return _dump(_fn(name)(*json.loads(args), **json.loads(kwargs)), typed)

def evalz_process_docs(name, docs):
    from datasets import Dataset
    out = _fn(name)(Dataset.from_list(json.loads(docs)))
    return _dump(out, False)

def evalz_filter(name, kwargs, resps, docs):
    obj = _fn(name)(**json.loads(kwargs))
    return _dump([list(x) for x in obj.apply(json.loads(resps), json.loads(docs))], False)
`

type PyCall = (...args: unknown[]) => string

let pyodidePromise: Promise<PyodideInterface> | undefined
/** the source each module path was last imported with (a changed file is imported again) */
const imported = new Map<string, string>()

/** Pyodide, loaded once per process or worker. */
function pyodide(opts: PyodideOptions): Promise<PyodideInterface> {
  pyodidePromise ??= loadPyodide({ indexURL: opts.indexURL, stdout: () => {}, stderr: () => {} }).then(py => {
    py.FS.mkdirTree('/evalz/lib/datasets')
    py.FS.writeFile('/evalz/lib/datasets/__init__.py', DATASETS_SHIM_PY)
    for (const [path, source] of Object.entries(LM_EVAL_SHIM_FILES)) {
      py.FS.mkdirTree(`/evalz/lib/${path.slice(0, path.lastIndexOf('/'))}`)
      py.FS.writeFile(`/evalz/lib/${path}`, source)
    }
    py.runPython(HOST_PY)
    return py
  })
  return pyodidePromise
}

/** JS value of JSON a hook returned: typed floats → PyFloat. */
function fromPython(text: string): unknown {
  const value = parsePythonJson(text)
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive)
    if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v)
      if (keys.length === 1 && keys[0] === FLOAT) return new PyFloat((v as Record<string, number>)[FLOAT])
      return Object.fromEntries(keys.map(k => [k, revive((v as Record<string, unknown>)[k])]))
    }
    return v
  }
  return revive(value)
}

/** JSON for Python: PyFloat unwrapped. */
function toPython(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x instanceof PyFloat ? x.value : x))
}

/** The last line of a Python traceback, e.g. "KeyError: 'label'". */
function pythonMessage(e: unknown): string {
  const lines = String((e as Error).message ?? e).trim().split('\n')
  return lines[lines.length - 1]
}

function hookError(name: string, e: unknown): HarnessError {
  return new HarnessError('HOOK_FAILED', `Python hook ${name}: ${pythonMessage(e)}`, { name })
}

/** Starts Pyodide (once) and imports `modules`; what failed to import is reported, not thrown. */
export async function startPythonHooks(modules: readonly PythonModule[], opts: PyodideOptions = {}): Promise<PythonHooksRuntime> {
  const py = await pyodide(opts)
  const failures = new Map<string, string>()
  const importModule = py.globals.get('evalz_import') as PyCall
  for (const m of modules) {
    const dir = m.path.slice(0, m.path.lastIndexOf('/'))
    if (dir !== '') py.FS.mkdirTree(dir)
    py.FS.writeFile(m.path, m.source)
    const changed = imported.has(m.path) && imported.get(m.path) !== m.source
    imported.set(m.path, m.source)
    const problem = importModule(m.path, changed)
    if (problem !== '') failures.set(m.path, problem)
  }
  const call = py.globals.get('evalz_call') as PyCall
  const processDocs = py.globals.get('evalz_process_docs') as PyCall
  const filter = py.globals.get('evalz_filter') as PyCall
  const guard = <T>(name: string, run: () => T): T => {
    const failed = failures.get(`${name.slice(0, name.lastIndexOf('.'))}.py`)
    if (failed !== undefined) throw new HarnessError('HOOK_UNAVAILABLE', `Python hook ${name}: ${failed}`, { name })
    try {
      return run()
    } catch (e) {
      throw hookError(name, e)
    }
  }
  const host: PythonHookHost = {
    call: (name, args, kwargs = {}) => guard(name, () => fromPython(call(name, toPython(args), toPython(kwargs), true))),
    processDocs: (name, docs) => guard(name, () => fromPython(processDocs(name, toPython(docs))) as Doc[]),
    filter: (name, kwargs, resps, docs) => guard(name, () => fromPython(filter(name, toPython(kwargs), toPython(resps), toPython(docs))) as unknown[]),
  }
  return { host, failures }
}
