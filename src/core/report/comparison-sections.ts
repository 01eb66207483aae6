/**
 * The body of the comparison report: the two runs, warnings, a chart of the deltas with their paired bootstrap
 * intervals, the results table, pooled groups, differing settings, doc alignment and the fixed/broken tables.
 */
import type { RunData, SampleData } from '../compare/run-data.ts'
import { samplesByFilter } from '../compare/sample-data.ts'
import type { MetricComparison, RunComparison, TaskComparison } from '../compare/run-compare.ts'
import { formatDelta, formatInterval, formatP, formatValue } from '../compare/number-format.ts'
import { VERDICT_TEXT } from '../compare/comparison-markdown.ts'
import { barChartSvg, deltaAxis, type ChartBar } from './svg-chart.ts'
import { classedRow, escapeHtml, head, tableRow, tail } from './html-text.ts'
import { runFacts } from './run-facts.ts'

type SampleIndex = Map<string, Map<string, Map<number, SampleData>>>

/** task → filter → doc id → sample. */
function indexSamples(run: RunData): SampleIndex {
  return new Map(run.tasks.map(t => [t.name, samplesByFilter(t.samples)]))
}

const HEADER = tableRow(['Task', 'Metric', 'Filter', 'n', 'A', 'B', 'Δ (B−A)', '95% CI of Δ', 'fixed/broken', 'p (McNemar)', 'Verdict'], new Set([3, 4, 5, 6, 7, 8, 9]), 'th')

function metricRow(name: string, m: MetricComparison): string {
  const p = m.paired
  const a = p ? p.valueA : m.headlineA?.value
  const b = p ? p.valueB : m.headlineB?.value
  const delta = p ? p.delta : a !== undefined && b !== undefined ? b - a : undefined
  const verdict = `<span class="${m.verdict}">${escapeHtml(VERDICT_TEXT[m.verdict])}</span>${m.note ? `<br><span class="muted">${escapeHtml(m.note)}</span>` : ''}`
  return classedRow([
    ['', escapeHtml(name)], ['', escapeHtml(m.metric)], ['', escapeHtml(m.filter)], ['num', p ? String(p.n) : '—'],
    ['num', formatValue(a)], ['num', formatValue(b)], [`num ${m.verdict}`, formatDelta(delta)], ['num', ciCell(p)], ['num', p?.binary ? `${p.binary.fixed} / ${p.binary.broken}` : '—'],
    ['num', formatP(p?.binary?.mcnemarP)], ['verdict', verdict],
  ])
}

/** The bootstrap interval, and under it the paired normal interval of a 0/1 metric. */
function ciCell(p: MetricComparison['paired']): string {
  if (!p) return '—'
  const normal = p.binary?.normal ? `<br><span class="muted" title="paired normal interval">${formatInterval(p.binary.normal)} normal</span>` : ''
  return `<span title="paired bootstrap percentile interval">${formatInterval(p.interval)} bootstrap</span>${normal}`
}

/** One chart row per task: its first paired metric whose values are proportions. */
function deltaBars(tasks: readonly TaskComparison[]): ChartBar[] {
  return tasks.flatMap(t => {
    const m = t.metrics.find(x => x.paired && [x.paired.valueA, x.paired.valueB].every(v => v >= 0 && v <= 1))
    if (!m?.paired) return []
    const p = m.paired
    const label = `${t.alias} · ${m.metric}`
    return [{
      label, value: p.delta, low: p.interval.low, high: p.interval.high, tone: m.verdict,
      valueText: `${formatDelta(p.delta)} ${formatInterval(p.interval)}`,
      detail: `${label} (${m.filter}): A ${formatValue(p.valueA)}, B ${formatValue(p.valueB)}, Δ ${formatDelta(p.delta)}, 95% CI ${formatInterval(p.interval)}, n ${p.n}`,
    }]
  })
}

function flipTable(ids: readonly number[], samplesA: Map<number, SampleData> | undefined, samplesB: Map<number, SampleData> | undefined, max: number): string {
  const rows = ids.slice(0, max).map(id => {
    const a = samplesA?.get(id)
    const b = samplesB?.get(id)
    return classedRow([
      ['num', String(id)], ['text', escapeHtml(tail((a ?? b)?.prompt ?? '', 220))], ['text', escapeHtml(head(a?.targetText ?? b?.targetText ?? '', 160))],
      ['text', escapeHtml(head(a?.prediction ?? '', 160))], ['text', escapeHtml(head(b?.prediction ?? '', 160))],
    ])
  })
  const more = ids.length > max ? `<p class="muted">… and ${ids.length - max} more (all doc ids are in the JSON export).</p>` : ''
  return `<div class="scroll"><table><thead>${tableRow(['doc_id', 'Prompt (end)', 'Target', 'A answered', 'B answered'], new Set([0]), 'th')}</thead><tbody>${rows.join('')}</tbody></table></div>${more}`
}

function flipSections(cmp: RunComparison, maxRows: number): string[] {
  const ia = indexSamples(cmp.a)
  const ib = indexSamples(cmp.b)
  const out: string[] = []
  for (const t of cmp.tasks) {
    for (const m of t.metrics) {
      const bin = m.paired?.binary
      if (!bin || bin.fixed + bin.broken === 0) continue
      const sa = ia.get(t.task)?.get(m.filter)
      const sb = ib.get(t.task)?.get(m.filter)
      out.push(`<h3>${escapeHtml(t.alias)} · ${escapeHtml(m.metric)} (${escapeHtml(m.filter)}): ${bin.fixed} fixed, ${bin.broken} broken</h3>`)
      out.push(`<h4>Fixed: A wrong → B right (${bin.fixed})</h4>`)
      out.push(bin.fixed > 0 ? flipTable(bin.fixedIds, sa, sb, maxRows) : '<p class="muted">none</p>')
      out.push(`<h4>Broken: A right → B wrong (${bin.broken})</h4>`)
      out.push(bin.broken > 0 ? flipTable(bin.brokenIds, sa, sb, maxRows) : '<p class="muted">none</p>')
    }
  }
  return out
}

/** The report body (inside <main>) of a comparison. */
export function comparisonBody(cmp: RunComparison, maxFlipRows: number): string {
  const body: string[] = []
  body.push(`<header><h1>evalz comparison</h1><p class="sub">B: ${escapeHtml(cmp.b.label)} against baseline A: ${escapeHtml(cmp.a.label)}</p></header>`)
  body.push('<section class="runs">')
  body.push(`<div class="card"><h3>A (baseline): ${escapeHtml(cmp.a.label)}</h3>${runFacts(cmp.a)}</div>`)
  body.push(`<div class="card"><h3>B: ${escapeHtml(cmp.b.label)}</h3>${runFacts(cmp.b)}</div>`)
  body.push('</section>')
  body.push(`<p class="muted">Docs are paired by doc_id and checked by doc_hash; Δ = B − A over the paired docs. 95% CI bootstrap: ${cmp.iterations} paired resamples (CPython random, seed ${cmp.seed}), percentile interval. For 0/1 metrics also the paired normal interval (Δ ± 1.96 · se of the per-doc differences) and McNemar's exact test on the fixed/broken counts. Verdicts at the 5% level.</p>`)
  if (cmp.warnings.length > 0) {
    body.push(`<aside class="warn" role="note"><strong>Check before trusting the deltas</strong><ul>${cmp.warnings.map(w => `<li>${escapeHtml(w)}</li>`).join('')}</ul></aside>`)
  }
  const bars = deltaBars(cmp.tasks)
  if (bars.length > 0) {
    body.push('<section><h2>Deltas</h2><figure>')
    body.push(barChartSvg(bars, deltaAxis(bars), `Change from ${cmp.a.label} to ${cmp.b.label} per task`))
    body.push('<figcaption>Bar: Δ (B − A) of each task\'s first proportion metric; whiskers: 95% paired bootstrap interval. Green: B significantly better, red: significantly worse, grey: no clear change.</figcaption></figure></section>')
  }
  body.push('<section><h2>Results</h2><div class="scroll"><table>')
  body.push(`<thead>${HEADER}</thead><tbody>`)
  for (const t of cmp.tasks) t.metrics.forEach((m, i) => body.push(metricRow(i === 0 ? t.alias : '', m)))
  body.push('</tbody></table></div></section>')
  if (cmp.groups.length > 0) {
    body.push('<section><h2>Groups</h2><p class="muted">Pooled over the member tasks\' paired docs, each doc weighted equally; the A/B columns are the pooled values, not necessarily the group score of the results file.</p><div class="scroll"><table>')
    body.push(`<thead>${HEADER}</thead><tbody>`)
    for (const g of cmp.groups) g.metrics.forEach((m, i) => body.push(metricRow(i === 0 ? g.alias : '', m)))
    body.push('</tbody></table></div></section>')
  }
  const diffs = [...cmp.runDiffs, ...cmp.tasks.flatMap(t => t.configDiffs)]
  if (diffs.length > 0) {
    body.push('<section><h2>Settings that differ</h2><div class="scroll"><table>')
    body.push(`<thead>${tableRow(['Task', 'Setting', 'A', 'B'], new Set(), 'th')}</thead><tbody>`)
    for (const d of diffs) body.push(tableRow([escapeHtml(d.task ?? '(run)'), escapeHtml(d.field), `<code>${escapeHtml(head(d.a, 300))}</code>`, `<code>${escapeHtml(head(d.b, 300))}</code>`]))
    body.push('</tbody></table></div></section>')
  }
  if (cmp.onlyInA.length + cmp.onlyInB.length > 0) {
    body.push(`<section><h2>Not compared</h2><p>Only in A: ${escapeHtml(cmp.onlyInA.join(', ') || 'none')}. Only in B: ${escapeHtml(cmp.onlyInB.join(', ') || 'none')}.</p></section>`)
  }
  const aligned = cmp.tasks.filter(t => t.docs)
  if (aligned.length > 0) {
    const num = new Set([1, 2, 3, 4, 5, 6])
    body.push('<section><h2>Docs</h2><div class="scroll"><table>')
    body.push(`<thead>${tableRow(['Task', 'Paired', 'Only in A', 'Only in B', 'Different data', 'Prompt differs', 'Target differs'], num, 'th')}</thead><tbody>`)
    for (const t of aligned) {
      const d = t.docs!
      body.push(tableRow([escapeHtml(t.alias), ...[d.matched, d.onlyA, d.onlyB, d.differentData, d.promptDiffers, d.targetDiffers].map(l => String(l.length))], num))
    }
    body.push('</tbody></table></div></section>')
  }
  const flips = flipSections(cmp, maxFlipRows)
  if (flips.length > 0) body.push('<section><h2>Fixed and broken</h2>', ...flips, '</section>')
  return body.join('\n')
}
