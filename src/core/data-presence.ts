/**
 * Whether a task's data is in a local mirror: which (dataset path, config, split) it reads, which of those a set
 * of local files '<config>/<split>.<ext>' holds, and the one line that says what is off — above all a dataset
 * stored under another config than the task's ("local allenai/ai2_arc has config 'default'; the task wants
 * 'ARC-Easy'"), which would otherwise send the run to the Hub.
 */

/** The mirror's folder for a dataset without a config (lm-eval's dataset_name unset). */
export const DEFAULT_CONFIG_FOLDER = 'default'

/** What a task reads. */
export interface TaskData {
  /** Hub dataset id, e.g. 'allenai/ai2_arc' */
  readonly path: string
  /** config (dataset_name); undefined = the mirror's 'default' folder */
  readonly config: string | undefined
  /** splits it reads, eval split first */
  readonly splits: readonly string[]
}

/** How a task's data stands against local files. */
export type DataPresence =
  /** every split is local */
  | { readonly state: 'present' }
  /** nothing local under this dataset path */
  | { readonly state: 'absent' }
  /** the path is local, but only under other configs */
  | { readonly state: 'other-config'; readonly configs: readonly string[]; readonly message: string }
  /** the config is local but lacks some splits */
  | { readonly state: 'missing-splits'; readonly missing: readonly string[]; readonly message: string }

/** Where `data` stands, given the local file paths ('<config>/<split>.<ext>') stored under its dataset path. */
export function dataPresence(data: TaskData, localFiles: readonly string[]): DataPresence {
  if (localFiles.length === 0) return { state: 'absent' }
  const wanted = data.config ?? DEFAULT_CONFIG_FOLDER
  const byConfig = new Map<string, Set<string>>()
  for (const f of localFiles) {
    const [config, file] = f.split('/')
    if (file === undefined) continue
    const split = file.includes('.') ? file.slice(0, file.lastIndexOf('.')) : file
    byConfig.set(config, (byConfig.get(config) ?? new Set()).add(split))
  }
  const splits = byConfig.get(wanted)
  if (splits === undefined) {
    const configs = [...byConfig.keys()].sort()
    if (configs.length === 0) return { state: 'absent' }
    return { state: 'other-config', configs, message: configMismatchMessage(data.path, configs, wanted) }
  }
  const missing = data.splits.filter((s) => !splits.has(s))
  if (missing.length === 0) return { state: 'present' }
  const has = [...splits].sort().map(quote).join(', ')
  return {
    state: 'missing-splits', missing,
    message: `local ${data.path} (config ${quote(wanted)}) lacks split${missing.length === 1 ? '' : 's'} ${missing.map(quote).join(', ')}; it has ${has}`,
  }
}

/** "local allenai/ai2_arc has config 'default'; the task wants 'ARC-Easy'" (configs: those stored, sorted). */
export function configMismatchMessage(path: string, configs: readonly string[], wanted: string): string {
  const has = configs.length === 1 ? `config ${quote(configs[0])}` : `configs ${configs.map(quote).join(', ')}`
  return `local ${path} has ${has}; the task wants ${quote(wanted)}`
}

function quote(s: string): string {
  return `'${s}'`
}
