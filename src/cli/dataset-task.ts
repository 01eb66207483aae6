/**
 * `evalz run --tasks owner/name[:config][@split]`: a --tasks entry that contains '/' and is not a known task,
 * group or tag names a dataset. Its splits are listed and its first rows read through the run's mirror, the
 * dataset is auto-mapped (src/core/tasks/auto-map.ts), the mapping is printed on stderr, and the task joins the
 * catalogue for this run under the name as typed. `--save-task FILE` writes it as lm-eval task YAML.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Doc, DocSource } from '../core/source.ts'
import type { TaskCatalogue } from '../core/tasks/registry.ts'
import type { TaskSpec } from '../core/tasks/task-spec.ts'
import type { FileAccess } from '../data/file-access.ts'
import type { AutoMapping, DatasetRef } from '../core/tasks/auto-map.ts'
import { autoMapDataset, chooseSplits, looksLikeDatasetRef, parseDatasetRef } from '../core/tasks/auto-map.ts'
import { HarnessError } from '../core/errors.ts'
import { formatOf } from '../data/data-file.ts'
import { DEFAULT_CONFIG } from '../data/mirror-source.ts'
import { taskToYaml } from '../core/tasks/yaml/task-yaml-writer.ts'

/** Rows of the eval split the mapping looks at. */
export const SAMPLE_ROWS = 20

/** Split names probed when the medium cannot list folders (HTTP, the Hub). */
const PROBED_SPLITS = ['test', 'validation', 'dev', 'train', 'val']

/** What dataset entries are resolved with. */
export interface DatasetTaskOptions {
  /** the --data-dir mirror (for listing splits); undefined = no mirror */
  readonly files: FileAccess | undefined
  /** the run's document source (the same one the run reads, so a split is parsed once) */
  readonly source: DocSource
  /** --save-task FILE: write the auto-mapped task there as lm-eval YAML */
  readonly saveTask: string | undefined
  /** stderr */
  readonly write: (text: string) => void
}

/** True when a --tasks entry is to be read as a dataset: it has '/' and is no task, group or tag. */
export function isDatasetEntry(catalogue: TaskCatalogue, name: string): boolean {
  return looksLikeDatasetRef(name) && !catalogue.tasks.has(name) && !catalogue.groups.has(name) && !catalogue.tags.has(name)
}

/**
 * Auto-maps every dataset entry of `names`, prints each mapping, writes --save-task, and returns the catalogue
 * with the new tasks (the input catalogue itself when there are none).
 */
export async function withDatasetTasks(catalogue: TaskCatalogue, names: readonly string[], opts: DatasetTaskOptions): Promise<TaskCatalogue> {
  const entries = [...new Set(names.filter(n => isDatasetEntry(catalogue, n)))]
  if (opts.saveTask !== undefined && entries.length !== 1) {
    const got = entries.length === 0 ? 'none is' : `${entries.length} are (${entries.join(', ')})`
    throw new HarnessError('USAGE', `--save-task writes the task auto-mapped from one dataset in --tasks (owner/name[:config][@split]); ${got}`, { entries })
  }
  if (entries.length === 0) return catalogue
  const tasks = new Map(catalogue.tasks)
  for (const entry of entries) {
    const mapping = await mapDatasetEntry(entry, opts)
    opts.write(mapping.description)
    tasks.set(entry, mapping.spec)
    if (opts.saveTask !== undefined) {
      const file = resolve(opts.saveTask)
      const name = fileSafeTaskName(entry)
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, savedTaskYaml(mapping.spec, name))
      opts.write(`evalz: saved the task as ${opts.saveTask} (task '${name}'; run it with --include-path ${dirname(opts.saveTask)} --tasks ${name})\n`)
    }
  }
  return { ...catalogue, tasks }
}

/** Reads a dataset entry's splits and first rows and auto-maps it. */
export async function mapDatasetEntry(entry: string, opts: Pick<DatasetTaskOptions, 'files' | 'source'>): Promise<AutoMapping> {
  const ref = parseDatasetRef(entry)
  const splits = await listSplits(ref, opts.files, opts.source)
  const { test } = chooseSplits(ref, splits)
  const rows: Doc[] = (await opts.source.loadSplit({ path: ref.path, name: ref.name, split: test })).slice(0, SAMPLE_ROWS)
  return autoMapDataset(ref, splits, rows)
}

/**
 * A dataset config's splits: the data files in `<path>/<config or default>/` when `files` can list, else the
 * common split names the source has. Throws DATASET_NOT_FOUND naming the configs present when the config is not.
 */
export async function listSplits(ref: DatasetRef, files: FileAccess | undefined, source: DocSource): Promise<string[]> {
  if (files?.list === undefined) {
    const found: string[] = []
    for (const split of ref.split === undefined ? PROBED_SPLITS : [ref.split, ...PROBED_SPLITS.filter(s => s !== ref.split)]) {
      if (await source.hasSplit({ path: ref.path, name: ref.name, split })) found.push(split)
    }
    if (found.length === 0) throw notFound(ref, source.description, undefined)
    return found
  }
  const config = ref.name ?? DEFAULT_CONFIG
  const entries = await files.list(`${ref.path}/${config}`)
  if (entries === undefined) throw notFound(ref, files.description, await files.list(ref.path))
  const splits: string[] = []
  for (const e of entries) {
    if (formatOf(e) === undefined) continue
    const split = e.slice(0, e.lastIndexOf('.'))
    if (!splits.includes(split)) splits.push(split)
  }
  return splits
}

function notFound(ref: DatasetRef, where: string, datasetEntries: string[] | undefined): HarnessError {
  const detail = { path: ref.path, name: ref.name, where }
  if (datasetEntries === undefined) {
    return new HarnessError('DATASET_NOT_FOUND',
      `dataset ${ref.path} not found in ${where} (expected ${ref.path}/${ref.name ?? DEFAULT_CONFIG}/<split>.jsonl, .json, .csv or .parquet)`, detail)
  }
  const configs = datasetEntries.filter(e => !e.startsWith('.') && formatOf(e) === undefined && !/\.(md|txt|ya?ml)$/i.test(e))
  const what = ref.name === undefined ? 'no default config' : `no config '${ref.name}'`
  const hint = configs.length === 0 ? 'none' : configs.map(c => `${ref.path}:${c}`).join(', ')
  return new HarnessError('DATASET_NOT_FOUND', `dataset ${ref.path} has ${what} in ${where}; name one of: ${hint}`, { ...detail, available: configs })
}

/** A task name lm-eval can also write files for: the entry with every character outside [A-Za-z0-9_.-] as '_'. */
export function fileSafeTaskName(entry: string): string {
  return entry.replace(/[^A-Za-z0-9_.-]+/g, '_')
}

/** The --save-task file: a comment naming the source, then the task as lm-eval YAML under `name`. */
export function savedTaskYaml(spec: TaskSpec, name: string): string {
  const header = `# Auto-mapped by evalz from dataset ${spec.task}; edit freely.\n` +
    `# Run: evalz run --include-path <this folder> --tasks ${name}   (lm-eval: lm_eval --include_path <this folder> --tasks ${name})\n`
  // the writer's own first line is its export-task comment; this file gets the header above instead
  return header + taskToYaml({ ...spec, task: name }).text.replace(/^#[^\n]*\n/, '')
}
