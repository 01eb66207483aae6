/**
 * Helpers shared by the data-file parsers: UTF-8 decoding, parse errors, and giving every row the same columns.
 */
import { HarnessError } from '../core/errors.ts'
import type { Doc } from '../core/source.ts'

/** A DATASET_PARSE_ERROR naming the file (and line, when given). */
export function parseError(file: string, problem: string, line?: number): HarnessError {
  const where = line === undefined ? file : `${file} line ${line}`
  return new HarnessError('DATASET_PARSE_ERROR', `cannot parse ${where}: ${problem}`, { file, line })
}

/** Decodes UTF-8 (a leading BOM is dropped); invalid UTF-8 is a DATASET_PARSE_ERROR. */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw parseError(file, 'the file is not valid UTF-8')
  }
}

/** True for a JSON object (not an array, not null). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * Gives every row the union of all rows' columns, in order of first appearance, with null where a row lacks
 * one — as an Arrow table (and so a Hub dataset) does for JSON rows with missing keys.
 */
export function uniformRows(rows: Record<string, unknown>[]): Doc[] {
  const columns: string[] = []
  const seen = new Set<string>()
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (!seen.has(k)) {
        seen.add(k)
        columns.push(k)
      }
    }
  }
  if (rows.every((r) => sameKeys(r, columns))) return rows
  return rows.map((row) => {
    const out: Doc = {}
    for (const c of columns) out[c] = Object.hasOwn(row, c) ? row[c] : null
    return out
  })
}

function sameKeys(row: Record<string, unknown>, columns: string[]): boolean {
  const keys = Object.keys(row)
  if (keys.length !== columns.length) return false
  for (let i = 0; i < keys.length; i++) if (keys[i] !== columns[i]) return false
  return true
}
