/**
 * lm-eval's printed results table (utils.make_table): Markdown with columns
 * Tasks | Version | Filter | n-shot | Metric | ↑↓ | Value | ± | Stderr; one table for tasks, one for groups.
 */
import { PyFloat } from '../python/json.ts'

const HEADERS = ['Tasks', 'Version', 'Filter', 'n-shot', 'Metric', '', 'Value', '', 'Stderr']
/** columns whose cells are numbers and align right */
const RIGHT = new Set([1, 3, 6, 8])
const NON_METRIC_KEYS = new Set(['name', 'alias', 'sample_len', 'sample_count'])

function num(v: unknown): number | undefined {
  if (v instanceof PyFloat) return v.value
  return typeof v === 'number' ? v : undefined
}

function versionText(v: unknown): string {
  const n = num(v)
  if (n !== undefined) return Number.isInteger(n) ? String(n) : String(n)
  return v === undefined ? '    N/A' : String(v)
}

/** The rows of one section ('results' or 'groups') of a results object. */
export function tableRows(results: Record<string, unknown>, column: 'results' | 'groups'): string[][] {
  const section = (results[column] ?? {}) as Record<string, Record<string, unknown>>
  const versions = (results.versions ?? {}) as Record<string, unknown>
  const nShot = (results['n-shot'] ?? {}) as Record<string, unknown>
  const hibAll = (results.higher_is_better ?? {}) as Record<string, Record<string, boolean | null>>
  const rows: string[][] = []
  for (const [task, dic] of Object.entries(section)) {
    let name = String(dic.alias ?? task)
    let version = versionText(versions[task])
    const n = nShot[task] === undefined ? ' ' : String(nShot[task])
    const hib = hibAll[task] ?? {}
    const keys = Object.keys(dic).filter(k => !NON_METRIC_KEYS.has(k) && k.includes(',')).sort()
    for (const key of keys) {
      const [metric, filter] = splitKey(key)
      if (metric.endsWith('_stderr')) continue
      const arrow = hib[metric] === true ? '↑' : hib[metric] === false ? '↓' : ''
      const value = num(dic[key])
      const shown = value === undefined ? String(dic[key]) : value.toFixed(4)
      const seKey = `${metric}_stderr,${filter}`
      if (seKey in dic) {
        const se = dic[seKey]
        const seNum = num(se)
        rows.push([name, version, filter, n, metric, arrow, shown, '±', seNum === undefined ? '   N/A' : seNum.toFixed(4)])
      } else {
        rows.push([name, version, filter, n, metric, arrow, shown, '', ''])
      }
      name = ''
      version = ''
    }
  }
  return rows
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(',')
  return [key.slice(0, i), key.slice(i + 1)]
}

function width(s: string): number {
  return [...s].length
}

/** Renders rows as lm-eval's Markdown table. */
export function markdownTable(rows: readonly string[][]): string {
  const widths = HEADERS.map((h, c) => Math.max(3, width(h), ...rows.map(r => width(r[c]))))
  const pad = (s: string, w: number, right: boolean): string => (right ? ' '.repeat(w - width(s)) + s : s + ' '.repeat(w - width(s)))
  const center = (s: string, w: number): string => {
    const total = w - width(s)
    const left = Math.floor(total / 2)
    return ' '.repeat(left) + s + ' '.repeat(total - left)
  }
  const line = (cells: readonly string[]): string => `|${cells.join('|')}|`
  const out = [
    line(HEADERS.map((h, c) => center(h, widths[c]))),
    line(widths.map((w, c) => (RIGHT.has(c) ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w)))),
    ...rows.map(r => line(r.map((cell, c) => pad(cell, widths[c], RIGHT.has(c))))),
  ]
  return out.join('\n')
}

/** Both tables, as the CLI prints them (groups only when present). */
export function resultsTables(results: Record<string, unknown>): string {
  const parts = [markdownTable(tableRows(results, 'results'))]
  if (results.groups && Object.keys(results.groups as object).length > 0) parts.push(markdownTable(tableRows(results, 'groups')))
  return parts.join('\n\n')
}
