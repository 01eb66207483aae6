/**
 * JSON Lines: one JSON object per line, as the Hub's json loader reads `.jsonl` files.
 */
import type { Doc } from '../core/source.ts'
import { isRecord, parseError, uniformRows } from './records.ts'

/**
 * Parses JSON Lines text into rows. Blank lines are skipped; a line ending may be LF or CRLF. Each other line must
 * hold one JSON object (an error names `file` and the 1-based line). Rows missing a column get null for it.
 */
export function parseJsonl(text: string, file: string): Doc[] {
  const rows: Record<string, unknown>[] = []
  let start = 0
  let line = 0
  while (start <= text.length) {
    line++
    let end = text.indexOf('\n', start)
    if (end === -1) end = text.length
    const raw = text.slice(start, end)
    start = end + 1
    if (raw.trim() === '') continue
    let value: unknown
    try {
      value = JSON.parse(raw)
    } catch (e) {
      throw parseError(file, `invalid JSON (${(e as Error).message})`, line)
    }
    if (!isRecord(value)) {
      throw parseError(file, `expected one JSON object per line, got ${describeJson(value)}`, line)
    }
    rows.push(value)
  }
  return uniformRows(rows)
}

/** 'an array', 'a string', 'null', ... for messages. */
export function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') return 'an object'
  return `a ${typeof value}`
}
