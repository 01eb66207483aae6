/**
 * JSON data files, in the shapes a Hub json dataset comes in.
 */
import type { Doc } from '../core/source.ts'
import { describeJson, parseJsonl } from './parse-jsonl.ts'
import { isRecord, parseError, uniformRows } from './records.ts'

/**
 * Parses a `.json` data file into rows. Accepted shapes:
 * - an array of records `[{...}, ...]` (an array of non-objects gives rows `{ text: value }`, as the Hub loader
 *   names a lone unnamed column);
 * - `{ "data": [{...}, ...] }` (the `field: data` convention of the Hub's json loader);
 * - a column dict `{ "col": [v0, v1], "col2": [w0, w1] }` with equal-length arrays → rows `{col: v0, col2: w0}`;
 * - any other single object → one row (as Arrow reads a one-line JSON file);
 * - several top-level objects (JSON Lines in a `.json` file) → one row each.
 * Rows missing a column get null for it.
 */
export function parseJson(text: string, file: string): Doc[] {
  if (text.trim() === '') return []
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    if (looksLikeJsonLines(text)) return parseJsonl(text, file)
    throw parseError(file, `invalid JSON (${(e as Error).message})`)
  }
  if (Array.isArray(value)) return arrayRows(value, file)
  if (!isRecord(value)) throw parseError(file, `expected an array of records or an object, got ${describeJson(value)}`)
  const keys = Object.keys(value)
  if (keys.length === 1 && keys[0] === 'data' && Array.isArray(value.data) && value.data.every(isRecord)) {
    return uniformRows(value.data)
  }
  const columns = columnDictLength(value)
  if (columns !== undefined) {
    const rows: Doc[] = []
    for (let i = 0; i < columns; i++) {
      const row: Doc = {}
      for (const k of keys) row[k] = (value[k] as unknown[])[i]
      rows.push(row)
    }
    return rows
  }
  return [value]
}

/** Rows from a top-level JSON array. */
function arrayRows(items: unknown[], file: string): Doc[] {
  if (items.every(isRecord)) return uniformRows(items)
  const bad = items.findIndex((v) => isRecord(v))
  if (bad === -1) return items.map((v) => ({ text: v }))
  throw parseError(file, `the top-level array mixes objects with ${describeJson(items.find((v) => !isRecord(v)))}`)
}

/** The shared length when every value of `obj` is an array of that length; undefined otherwise. */
function columnDictLength(obj: Record<string, unknown>): number | undefined {
  let length: number | undefined
  for (const v of Object.values(obj)) {
    if (!Array.isArray(v)) return undefined
    if (length === undefined) length = v.length
    else if (v.length !== length) return undefined
  }
  return length
}

/** True when the text's first non-blank line is a complete JSON object (so the file is JSON Lines). */
function looksLikeJsonLines(text: string): boolean {
  const first = text.split('\n').find((l) => l.trim() !== '')
  if (first === undefined) return false
  try {
    return isRecord(JSON.parse(first))
  } catch {
    return false
  }
}
