/**
 * Reads lm-eval YAML config files once each, with `include:` merged (lm-eval's `load_yaml`) and every `!function`
 * resolved against the file's own folder (lm-eval.md §2.2): to evalz's TypeScript port when it has one of that
 * name, else to the Python function in the folder's module (`utils.x` → `<folder>/utils.py`, run by the Python
 * hook runtime). Whether that module file exists is checked here, so a task whose hook cannot exist is reported at
 * load time; whether it defines the function (modules may define names dynamically) is known only when it runs,
 * as in lm-eval's index.
 */
import type { YamlKey, YamlValue } from './yaml-parse.ts'
import { HarnessError, isHarnessError } from '../../errors.ts'
import { HOOKS } from '../hooks.ts'
import { FunctionTag, isYamlMap, parseYaml } from './yaml-parse.ts'
import { posixDirname, posixJoin } from './posix-path.ts'

/** How the loader reads files (injected: the CLI gives node:fs, the web app dropped files). */
export interface YamlReader {
  /** entry names of a folder; subfolder names end with '/' */
  list(dir: string): Promise<string[]>
  /** a file's text; throws when it is missing */
  read(path: string): Promise<string>
}

/** A `!function` after its name was resolved against the file's folder (lm-eval.md §2.2). */
export class HookMark {
  constructor(
    /** hook name: a TS port's registry name ('hellaswag/utils.process_docs') or '<module path>.<function>' */
    readonly name: string,
    /** as written after the tag, e.g. 'utils.process_docs' */
    readonly spec: string,
    /** the Python module file that defines it, when it exists and names the function; undefined for a TS port */
    readonly module: string | undefined,
    /** why no hook of this name can exist (no TS port and no module file); undefined when one can */
    readonly missing: string | undefined,
  ) {}
}

/** A config mapping: YAML keys in source order, `!function` values as HookMark. */
export type ConfigMap = Map<YamlKey, unknown>

/** Short Python-ish rendering of a bad value for messages. */
export function showValue(v: unknown): string {
  if (v instanceof HookMark) return `!function ${v.spec}`
  if (v instanceof FunctionTag) return `!function ${v.spec}`
  if (v === null || v === undefined) return 'null'
  const text = typeof v === 'string' ? JSON.stringify(v) : isYamlMap(v) ? JSON.stringify(Object.fromEntries(v)) : JSON.stringify(v)
  return text === undefined ? String(v) : text.length > 60 ? `${text.slice(0, 57)}...` : text
}

/** A one-line setup error about `field` of `file`. */
export function invalidField(file: string, field: string, message: string): HarnessError {
  return new HarnessError('TASK_SPEC_INVALID', `${file}: ${field}: ${message}`, { file, field })
}

/** The registry name of a TS port for `!function spec` written in a file in `dir` (nearest folder first). */
export function hookName(spec: string, dir: string): string {
  const dot = spec.lastIndexOf('.')
  const mod = spec.slice(0, dot).replaceAll('.', '/')
  const fn = spec.slice(dot + 1)
  if (spec.startsWith('lm_eval.tasks.')) return `${mod.slice('lm_eval/tasks/'.length)}.${fn}`
  const folders = dir.split('/').filter(s => s !== '' && s !== '.')
  const candidates: string[] = []
  for (let i = folders.length - 1; i >= 0; i--) candidates.push(`${folders.slice(i).join('/')}/${mod}.${fn}`)
  if (candidates.length === 0) candidates.push(`${mod}.${fn}`)
  return candidates.find(c => Object.hasOwn(HOOKS, c)) ?? candidates[0]
}

/** Reads, parses and include-merges config files, each once. */
export class ConfigFiles {
  private readonly parsed = new Map<string, Promise<ConfigMap>>()
  private readonly modules = new Map<string, Promise<string | undefined>>()
  constructor(private readonly reader: YamlReader) {}

  /** A module file's text, or undefined when it cannot be read (cached). */
  moduleSource(path: string): Promise<string | undefined> {
    let p = this.modules.get(path)
    if (p === undefined) {
      p = this.reader.read(path).then(t => t, () => undefined)
      this.modules.set(path, p)
    }
    return p
  }

  private async mark(tag: FunctionTag, dir: string): Promise<HookMark> {
    const ported = hookName(tag.spec, dir)
    if (Object.hasOwn(HOOKS, ported)) return new HookMark(ported, tag.spec, undefined, undefined)
    const dot = tag.spec.lastIndexOf('.')
    if (dot <= 0) return new HookMark(tag.spec, tag.spec, undefined, `'${tag.spec}' has no module part (write module.function, e.g. utils.${tag.spec})`)
    const fn = tag.spec.slice(dot + 1)
    const modulePath = posixJoin(dir, `${tag.spec.slice(0, dot).replaceAll('.', '/')}.py`)
    const name = `${modulePath.slice(0, -3)}.${fn}`
    const source = await this.moduleSource(modulePath)
    if (source === undefined) return new HookMark(name, tag.spec, undefined, `no TypeScript port and no module ${modulePath} beside the YAML file`)
    return new HookMark(name, tag.spec, modulePath, undefined)
  }

  private async markHooks(v: YamlValue, dir: string): Promise<unknown> {
    if (v instanceof FunctionTag) return this.mark(v, dir)
    if (Array.isArray(v)) return Promise.all(v.map(x => this.markHooks(x, dir)))
    if (isYamlMap(v)) {
      const out = new Map<YamlKey, unknown>()
      for (const [k, x] of v) out.set(k, await this.markHooks(x, dir))
      return out
    }
    return v
  }

  private async parse(path: string): Promise<ConfigMap> {
    const text = await this.reader.read(path)
    const value = await this.markHooks(parseYaml(text, path), posixDirname(path))
    if (!isYamlMap(value)) throw new HarnessError('TASK_SPEC_INVALID', `${path}: a task or group file must be a YAML mapping, got ${showValue(value)}`, { file: path })
    return value as ConfigMap
  }

  /** The file's mapping with `include:` resolved: included keys first (in list order), then its own keys win. */
  async load(path: string, chain: readonly string[] = []): Promise<ConfigMap> {
    if (chain.includes(path)) throw new HarnessError('TASK_SPEC_INVALID', `${chain[0]}: include: cycle ${[...chain, path].join(' → ')}`, { chain: [...chain, path] })
    let p = this.parsed.get(path)
    if (!p) {
      p = this.parse(path)
      this.parsed.set(path, p)
    }
    const own = await p
    const include = own.get('include')
    if (include === undefined || include === null) return own
    const list = typeof include === 'string' ? [include] : Array.isArray(include) && include.every(i => typeof i === 'string') ? include as string[] : undefined
    if (list === undefined) throw invalidField(path, 'include', `must be a file path or a list of them, got ${showValue(include)}`)
    return this.mergeIncludes(path, own, list, chain)
  }

  /** `cfg` with its includes (relative to `base`'s folder) merged under it; an included task_list is dropped. */
  async mergeIncludes(base: string, cfg: ConfigMap, includes: readonly string[], chain: readonly string[]): Promise<ConfigMap> {
    const merged: ConfigMap = new Map()
    for (const inc of includes) {
      const target = posixJoin(posixDirname(base), inc)
      let sub: ConfigMap
      try {
        sub = await this.load(target, [...chain, base])
      } catch (e) {
        if (isHarnessError(e)) throw e
        throw invalidField(base, 'include', `cannot read '${inc}' (${target}): ${(e as Error).message}`)
      }
      for (const [k, v] of sub) if (k !== 'task_list') merged.set(k, v)
    }
    for (const [k, v] of cfg) if (k !== 'include') merged.set(k, v)
    return merged
  }
}
