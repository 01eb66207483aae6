/**
 * The comparison as Markdown: who was compared, the warnings, one results table (delta, paired bootstrap interval,
 * flips and McNemar p), pooled group rows, the differing settings and the fixed/broken doc ids.
 */
import type { RunData } from './run-data.ts'
import type { MetricComparison, RunComparison } from './run-compare.ts'
import { formatDelta, formatInterval, formatP, formatValue } from './number-format.ts'

/** A table cell: pipes escaped, line breaks flattened. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(cell).join(' | ')} |`
}

/** One line describing a run. */
export function runLine(r: RunData): string {
  const bits = [`${r.producer}${r.producerVersion ? ` ${r.producerVersion}` : ''}`, r.model.backend, r.model.dtype, r.model.device].filter(Boolean)
  return `${r.label} (${bits.join(', ')})`
}

/** Verdict words for tables. */
export const VERDICT_TEXT: Readonly<Record<MetricComparison['verdict'], string>> = {
  better: 'B better',
  worse: 'B worse',
  changed: 'changed',
  unclear: 'no clear change',
  untested: 'not tested',
}

const HEADER = ['Task', 'Metric', 'Filter', 'n', 'A', 'B', 'Δ (B−A)', '95% CI', 'fixed', 'broken', 'p (McNemar)', 'Verdict']

function metricRow(name: string, m: MetricComparison): string[] {
  const p = m.paired
  const a = p ? p.valueA : m.headlineA?.value
  const b = p ? p.valueB : m.headlineB?.value
  const delta = p ? p.delta : a !== undefined && b !== undefined ? b - a : undefined
  return [
    name, m.metric, m.filter, p ? String(p.n) : '—', formatValue(a), formatValue(b), formatDelta(delta), formatInterval(p?.interval),
    p?.binary ? String(p.binary.fixed) : '—', p?.binary ? String(p.binary.broken) : '—', formatP(p?.binary?.mcnemarP),
    VERDICT_TEXT[m.verdict] + (m.note && !p ? ` (${m.note})` : ''),
  ]
}

/** The comparison as Markdown text. */
export function comparisonMarkdown(cmp: RunComparison): string {
  const out: string[] = []
  out.push(`# evalz comparison: ${cell(cmp.b.label)} vs ${cell(cmp.a.label)}`, '')
  out.push(`- A (baseline): ${cell(runLine(cmp.a))}`)
  out.push(`- B: ${cell(runLine(cmp.b))}`)
  out.push(`- Paired over docs matched by doc_id and doc_hash. 95% CI: paired bootstrap, ${cmp.iterations} resamples, seed ${cmp.seed}. p: McNemar exact test (0/1 metrics). Verdicts at the 5% level.`)
  out.push('')
  if (cmp.warnings.length > 0) {
    out.push('## Warnings', '')
    for (const w of cmp.warnings) out.push(`- ${cell(w)}`)
    out.push('')
  }
  out.push('## Results', '', row(HEADER), `|${HEADER.map(() => '---').join('|')}|`)
  for (const t of cmp.tasks) t.metrics.forEach((m, i) => out.push(row(metricRow(i === 0 ? t.alias : '', m))))
  out.push('')
  if (cmp.groups.length > 0) {
    out.push('## Groups (pooled over member docs)', '', row(HEADER), `|${HEADER.map(() => '---').join('|')}|`)
    for (const g of cmp.groups) g.metrics.forEach((m, i) => out.push(row(metricRow(i === 0 ? g.alias : '', m))))
    out.push('')
  }
  const diffs = [...cmp.runDiffs, ...cmp.tasks.flatMap(t => t.configDiffs)]
  if (diffs.length > 0) {
    out.push('## Settings that differ', '', row(['Task', 'Setting', 'A', 'B']), '|---|---|---|---|')
    for (const d of diffs) out.push(row([d.task ?? '(run)', d.field, d.a, d.b]))
    out.push('')
  }
  const flips = cmp.tasks.flatMap(t => t.metrics.filter(m => m.paired?.binary && m.paired.binary.fixed + m.paired.binary.broken > 0).map(m => ({ t, m })))
  if (flips.length > 0) {
    out.push('## Flips', '')
    for (const { t, m } of flips) {
      const bin = m.paired!.binary!
      out.push(`### ${cell(t.alias)} · ${m.metric} (${m.filter})`, '')
      out.push(`- fixed (A wrong → B right), ${bin.fixed}: ${bin.fixedIds.length > 0 ? `doc_id ${bin.fixedIds.join(', ')}` : '—'}`)
      out.push(`- broken (A right → B wrong), ${bin.broken}: ${bin.brokenIds.length > 0 ? `doc_id ${bin.brokenIds.join(', ')}` : '—'}`)
      out.push('')
    }
  }
  return out.join('\n')
}
