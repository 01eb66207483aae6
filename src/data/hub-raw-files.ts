/**
 * The last fallback for a Hub dataset that has neither a Parquet conversion nor a dataset-viewer: its own data
 * files, found in the repo tree (`/api/datasets/{id}/tree/main?recursive=true`) by the Hub's layout conventions
 * and read whole (jsonl, json, csv or parquet).
 *
 * Conventions, for config C (or the default config) and split S, with any data extension:
 * `C/S.ext`, `C/S-*.ext` (shards), `data/C/S…`; for the default config also `S.ext`, `S-*.ext`, `data/S.ext`,
 * `data/S-*.ext` and `default/S…`. Shards are read in path order.
 */
import { formatOf } from './data-file.ts'

/** One file of a repo tree. */
export interface TreeFile {
  /** path in the repo, '/'-separated */
  readonly path: string
  /** bytes */
  readonly size: number
}

/** Folders a config's split files may sit in ('' = the repo root). */
function prefixes(config: string | undefined): string[] {
  return config === undefined || config === 'default' ? ['', 'data/', 'default/', 'data/default/'] : [`${config}/`, `data/${config}/`]
}

/** The split's data files among `files`, in path order; [] when the conventions find none. */
export function rawSplitFiles(files: readonly TreeFile[], config: string | undefined, split: string): TreeFile[] {
  const found = files.filter((f) => {
    const format = formatOf(f.path)
    if (format === undefined) return false
    const name = f.path.slice(0, f.path.lastIndexOf('.'))
    return prefixes(config).some((p) => name === `${p}${split}` || (name.startsWith(`${p}${split}-`) && !name.slice(p.length).includes('/')))
  })
  return [...found].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

/** The split names the conventions find for a config, in first-seen path order. */
export function rawSplits(files: readonly TreeFile[], config: string | undefined): string[] {
  const out: string[] = []
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    if (formatOf(f.path) === undefined) continue
    for (const p of prefixes(config)) {
      if (!f.path.startsWith(p)) continue
      const rest = f.path.slice(p.length)
      if (rest.includes('/')) continue
      const base = rest.slice(0, rest.lastIndexOf('.'))
      const split = /^(.+?)-(\d{5}-of-\d{5}|\d+)$/.exec(base)?.[1] ?? base
      if (split !== '' && !split.startsWith('.') && split.toLowerCase() !== 'readme' && !out.includes(split)) out.push(split)
    }
  }
  return out
}
