/**
 * CSV data files, read the way the Hub's csv loader reads them (pandas.read_csv with its defaults, then Arrow).
 *
 * - RFC 4180 fields: ',' separates, '"' quotes, '""' inside quotes is one '"', quoted fields may hold ',' and line
 *   breaks; records end at LF, CRLF or a lone CR. Text after a closing quote is kept (`"ab"c` → `abc`); a '"'
 *   not at the start of a field is literal. Lines of only spaces/tabs are skipped. The first record is the header;
 *   when the first data row has one cell more than the header, every row's first cell (pandas' index) is dropped.
 * - Header names: an empty name becomes `Unnamed: <index>`; a repeated name gets `.1`, `.2`, ... (pandas).
 * - Missing values: a cell equal to one of pandas' default NA strings (`''`, `NA`, `N/A`, `NaN`, `nan`, `null`,
 *   `NULL`, `None`, `#N/A`, ... see NA_STRINGS), quoted or not, is null; a row with fewer cells than the header is
 *   padded with null; a row with more cells is a DATASET_PARSE_ERROR.
 * - Column types, over a column's non-null cells: all integers → numbers; all integers or decimals → numbers;
 *   all `True`/`true`/`TRUE`/`False`/`false`/`FALSE` → booleans; anything else → strings, unchanged. An integer
 *   outside ±2^53 is a DATASET_PARSE_ERROR (JavaScript numbers cannot hold it exactly).
 * Known difference: a float column's whole values read as Python floats there (`1.0`) and JS numbers here (`1`).
 */
import type { Doc } from '../core/source.ts'
import { parseError } from './records.ts'

/** One CSV record: its cells and the 1-based line it starts on. */
interface CsvRecord {
  /** raw cell texts, quotes removed */
  readonly cells: string[]
  /** 1-based line number of the record's first character */
  readonly line: number
}

/** pandas' default NA strings (pandas ≥ 2.0, which added 'None'). */
export const NA_STRINGS: ReadonlySet<string> = new Set([
  '', '#N/A', '#N/A N/A', '#NA', '-1.#IND', '-1.#QNAN', '-NaN', '-nan', '1.#IND', '1.#QNAN', '<NA>', 'N/A', 'NA',
  'NULL', 'NaN', 'None', 'n/a', 'nan', 'null',
])

const TRUE_STRINGS = new Set(['True', 'true', 'TRUE'])
const FALSE_STRINGS = new Set(['False', 'false', 'FALSE'])
const INT_RE = /^\s*[+-]?\d+\s*$/
const FLOAT_RE = /^\s*[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity)\s*$/i

/** Parses CSV text with a header row into rows (see the module comment for the rules). */
export function parseCsv(text: string, file: string): Doc[] {
  const records = splitRecords(text, file)
  if (records.length === 0) return []
  const header = headerNames(records[0].cells)
  let body = records.slice(1)
  if (body.length > 0 && body[0].cells.length === header.length + 1) {
    // pandas reads the extra first column as the index, which the Hub loader then drops
    body = body.map((rec) => ({ cells: rec.cells.slice(1), line: rec.line }))
  }
  const columns: (string | null)[][] = header.map(() => [])
  for (const rec of body) {
    if (rec.cells.length > header.length) {
      throw parseError(file, `expected ${header.length} fields (the header's), saw ${rec.cells.length}`, rec.line)
    }
    for (let c = 0; c < header.length; c++) {
      const cell = c < rec.cells.length ? rec.cells[c] : ''
      columns[c].push(NA_STRINGS.has(cell) ? null : cell)
    }
  }
  const typed = columns.map((cells, c) => typeColumn(cells, header[c], body, file))
  const rows: Doc[] = []
  for (let r = 0; r < body.length; r++) {
    const row: Doc = {}
    for (let c = 0; c < header.length; c++) row[header[c]] = typed[c][r]
    rows.push(row)
  }
  return rows
}

/** Splits text into records (RFC 4180 plus the lenient rules above); blank lines are dropped. */
function splitRecords(text: string, file: string): CsvRecord[] {
  const records: CsvRecord[] = []
  let cells: string[] = []
  let cell = ''
  let line = 1
  let recordLine = 1
  let quoteLine = 0
  let inQuotes = false
  let atCellStart = true
  let hasContent = false
  const n = text.length
  let i = 0
  while (i < n) {
    const ch = text[i]
    if (inQuotes) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"'
          i += 2
          continue
        }
        inQuotes = false
      } else {
        if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++
        cell += ch
      }
      i++
      continue
    }
    if (ch === ',') {
      cells.push(cell)
      cell = ''
      atCellStart = true
      hasContent = true
      i++
      continue
    }
    if (ch === '\n' || ch === '\r') {
      if (hasContent || !isBlank(cell)) {
        cells.push(cell)
        records.push({ cells, line: recordLine })
      }
      cells = []
      cell = ''
      atCellStart = true
      hasContent = false
      i += ch === '\r' && text[i + 1] === '\n' ? 2 : 1
      line++
      recordLine = line
      continue
    }
    if (ch === '"' && atCellStart) {
      inQuotes = true
      quoteLine = line
      hasContent = true
    } else {
      cell += ch
    }
    atCellStart = false
    i++
  }
  if (inQuotes) throw parseError(file, 'a quoted field is not closed before the end of the file', quoteLine)
  if (hasContent || !isBlank(cell)) {
    cells.push(cell)
    records.push({ cells, line: recordLine })
  }
  return records
}

/** True for text of only spaces and tabs: such a line is skipped like an empty one. */
function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text)
}

/** Header cells → unique column names, as pandas' C parser names them (`a,a,a.1` → `a, a.2, a.1`). */
function headerNames(cells: string[]): string[] {
  const names = cells.map((raw, index) => (raw === '' ? `Unnamed: ${index}` : raw))
  const counts = new Map<string, number>()
  for (let i = 0; i < names.length; i++) {
    const original = names[i]
    let name = original
    let count = counts.get(name) ?? 0
    while (count > 0) {
      counts.set(original, count + 1)
      name = `${original}.${count}`
      count = names.includes(name) ? count + 1 : counts.get(name) ?? 0
    }
    names[i] = name
    counts.set(name, (counts.get(name) ?? 0) + 1)
  }
  return names
}

/** Converts one column's non-null cells to the type pandas would infer for the whole column. */
function typeColumn(cells: (string | null)[], name: string, body: CsvRecord[], file: string): unknown[] {
  const present = cells.filter((c): c is string => c !== null)
  if (present.length > 0 && present.every((c) => INT_RE.test(c))) {
    return cells.map((c, r) => {
      if (c === null) return null
      const v = Number(c)
      if (!Number.isSafeInteger(v)) {
        throw parseError(file, `integer ${c.trim()} in column '${name}' is outside ±2^53`, body[r].line)
      }
      return v
    })
  }
  if (present.length > 0 && present.every((c) => FLOAT_RE.test(c))) {
    return cells.map((c) => (c === null ? null : floatValue(c)))
  }
  if (present.length > 0 && present.every((c) => TRUE_STRINGS.has(c) || FALSE_STRINGS.has(c))) {
    return cells.map((c) => (c === null ? null : TRUE_STRINGS.has(c)))
  }
  return cells
}

/** A decimal or inf/infinity string → number. */
function floatValue(cell: string): number {
  const t = cell.trim()
  const body = t.replace(/^[+-]/, '').toLowerCase()
  if (body === 'inf' || body === 'infinity') return t.startsWith('-') ? -Infinity : Infinity
  return Number(t)
}
