/**
 * The I/O port a local dataset mirror is read through, so the same mirror code runs in Node (files) and in the
 * browser (HTTP, dropped files). Paths are relative to the mirror root and use '/' separators.
 */

/** Read access to a tree of files rooted at one place (a directory, a base URL). */
export interface FileAccess {
  /** human-readable description for messages, e.g. 'data dir ../shared/hf-data' */
  readonly description: string
  /** the whole file at `relPath` ('a/b/c.jsonl'); undefined when it does not exist */
  read(relPath: string): Promise<Uint8Array | undefined>
  /** entry names (files and folders) in the folder `relDir` ('' = root); undefined when it does not exist; absent when the medium cannot list (HTTP) */
  list?(relDir: string): Promise<string[] | undefined>
  /** where `relPath` lives, for messages (an absolute file path or a URL); absent = description + relPath */
  pathOf?(relPath: string): string
}

/** Where a relative path lives on `files`, for messages. */
export function displayPath(files: FileAccess, relPath: string): string {
  return files.pathOf ? files.pathOf(relPath) : `${files.description}: ${relPath}`
}

/** Splits a relative path into segments; undefined when it is absolute, empty-segmented or climbs out ('..'). */
export function relSegments(relPath: string): string[] | undefined {
  if (relPath === '') return []
  const segments = relPath.split('/')
  for (const s of segments) {
    if (s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) return undefined
  }
  return segments
}
