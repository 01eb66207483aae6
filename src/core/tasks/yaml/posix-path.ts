/** POSIX path arithmetic for the YAML loader (core stays free of node:path). */

/** The folder part of a path ('a/b/c.yaml' → 'a/b'; 'c.yaml' → '.'). */
export function posixDirname(path: string): string {
  const i = path.lastIndexOf('/')
  if (i < 0) return '.'
  return i === 0 ? '/' : path.slice(0, i)
}

/** The last segment of a path. */
export function posixBasename(path: string): string {
  const trimmed = path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path
  return trimmed.slice(trimmed.lastIndexOf('/') + 1)
}

/** Joins and normalises ('.', '..', doubled slashes); an absolute `rel` replaces `base`. */
export function posixJoin(base: string, rel: string): string {
  const joined = rel.startsWith('/') ? rel : `${base}/${rel}`
  const absolute = joined.startsWith('/')
  const out: string[] = []
  for (const seg of joined.split('/')) {
    if (seg === '' || seg === '.') continue
    if (seg === '..' && out.length > 0 && out[out.length - 1] !== '..') out.pop()
    else if (seg !== '..' || !absolute) out.push(seg)
  }
  const body = out.join('/')
  return absolute ? `/${body}` : body === '' ? '.' : body
}
