/**
 * Self-contained SVG charts for the app: each <svg> carries its own <style> (colours from the page's --ez-*
 * properties, with light fallbacks), so the same text shows on screen, prints, and rasterises to PNG outside the
 * page. The bar charts come from core/report/svg-chart.ts (as in the HTML reports); the calibration plot and the
 * per-choice probability bars are drawn here. Every piece of data is escaped.
 */
import { barChartSvg, deltaAxis, unitAxis, type ChartBar } from '../core/report/svg-chart.ts'
import { escapeHtml, head } from '../core/report/html-text.ts'
import { valueInterval } from '../core/report/html-report.ts'
import type { RunComparison } from '../core/compare/run-compare.ts'
import { formatDelta, formatInterval, formatValue } from '../core/compare/number-format.ts'
import type { HeadlineStat, RunSummary } from '../protocol/eval-worker-api.ts'
import type { Calibration } from './calibration.ts'

/** Chart styles, scoped to svg.chart; on a PNG the fallbacks apply (light colours on white). */
export const CHART_CSS = [
  'svg.chart { font: 13px system-ui, sans-serif; width: 100%; height: auto; }',
  'svg.chart text { fill: var(--ez-fg, #1f2328); }',
  'svg.chart .axis { stroke: var(--ez-border, #d0d7de); }',
  'svg.chart .zero, svg.chart .frame { stroke: var(--ez-muted, #57606a); fill: none; }',
  'svg.chart .tick, svg.chart .small { fill: var(--ez-muted, #57606a); font-size: 11px; }',
  'svg.chart .bar { fill: var(--ez-accent, #0969da); }',
  'svg.chart .bar.b { fill: var(--ez-warn, #9a6700); }',
  'svg.chart .bar.better { fill: var(--ez-ok, #1a7f37); }',
  'svg.chart .bar.worse { fill: var(--ez-danger, #cf222e); }',
  'svg.chart .bar.unclear, svg.chart .bar.changed, svg.chart .bar.untested { fill: var(--ez-muted, #8c959f); }',
  'svg.chart .whisker, svg.chart .conf { stroke: var(--ez-fg, #1f2328); stroke-width: 1.5; }',
  'svg.chart .ideal { stroke: var(--ez-muted, #57606a); stroke-dasharray: 4 3; }',
].join('\n')

/** The chart with its stylesheet inside its root element. */
export function withChartStyle(svg: string): string {
  return svg.replace(/^(<svg\b[^>]*>)/, `$1<style>${CHART_CSS}</style>`)
}

/** Rounded coordinate text (0.1 px). */
function px(n: number): string {
  return String(Math.round(n * 10) / 10)
}

/** A headline value with its interval as a bar: ±1.96·stderr, or the Wilson interval at 0 % / 100 %. */
export function headlineBar(label: string, h: HeadlineStat, detail: string): ChartBar | undefined {
  if (h.value === undefined || h.value < 0 || h.value > 1) return undefined
  const i = valueInterval({ metric: h.metric, filter: h.filter, value: h.value, stderr: h.stderr }, h.docs)
  const text = !i ? formatValue(h.value) : i.method === 'normal' ? `${formatValue(h.value)} ± ${formatValue(i.high - h.value)}` : `${formatValue(h.value)} [${formatValue(i.low)}, ${formatValue(i.high)}] Wilson`
  return { label, value: h.value, low: i?.low, high: i?.high, valueText: text, detail: `${detail}: ${h.metric} (${h.filter}) ${text}${h.docs === undefined ? '' : `, ${h.docs} docs`}` }
}

/** Label of a run in a chart: model name, start date and first tag. */
export function runLabel(r: RunSummary): string {
  const d = new Date(r.imported?.ranAt ?? r.createdAt)
  const date = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')} ${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
  return `${r.modelName} · ${date}${r.tags?.length ? ` · ${r.tags[0]}` : ''}`
}

/** Tasks with a headline proportion in at least one done run, in first-seen order (newest run first). */
export function chartTasks(runs: readonly RunSummary[]): string[] {
  const out = new Set<string>()
  for (const r of runs) {
    if (r.status !== 'done') continue
    for (const [task, h] of Object.entries(r.headlineStats ?? {})) if (h.value !== undefined && h.value >= 0 && h.value <= 1) out.add(task)
  }
  return [...out]
}

/** The runs chart of one task: a bar per done run that has it (oldest at the top), at most `max` newest runs. */
export function runsChartSvg(runs: readonly RunSummary[], task: string, max = 20): { svg: string; bars: number } {
  const bars = runs.filter((r) => r.status === 'done' && r.headlineStats?.[task] !== undefined).slice(0, max).reverse()
    .flatMap((r) => {
      const bar = headlineBar(runLabel(r), r.headlineStats![task], runLabel(r))
      return bar ? [bar] : []
    })
  const metric = runs.find((r) => r.headlineStats?.[task])?.headlineStats?.[task].metric ?? ''
  return { svg: withChartStyle(barChartSvg(bars, unitAxis(), `${task} ${metric} across runs, with 95% intervals`)), bars: bars.length }
}

/** The delta chart of a comparison: per task, its first proportion metric's B − A with the paired bootstrap interval. */
export function deltaChartSvg(cmp: RunComparison): string | undefined {
  const bars: ChartBar[] = cmp.tasks.flatMap((t) => {
    const m = t.metrics.find((x) => x.paired && [x.paired.valueA, x.paired.valueB].every((v) => v >= 0 && v <= 1))
    if (!m?.paired) return []
    const p = m.paired
    return [{
      label: `${t.alias} · ${m.metric}`, value: p.delta, low: p.interval.low, high: p.interval.high, tone: m.verdict,
      valueText: `${formatDelta(p.delta)} ${formatInterval(p.interval)}`,
    }]
  })
  return bars.length === 0 ? undefined : withChartStyle(barChartSvg(bars, deltaAxis(bars), `Change B − A per task with 95% paired bootstrap intervals`))
}

const CAL = { w: 480, h: 360, left: 52, right: 16, top: 16, bottom: 48 }

/** A reliability diagram: accuracy per confidence bin as bars, each bin's mean confidence as a tick, the diagonal. */
export function calibrationSvg(cal: Calibration, title: string): string {
  const { w, h, left, right, top, bottom } = CAL
  const pw = w - left - right
  const ph = h - top - bottom
  const x = (v: number): number => left + v * pw
  const y = (v: number): number => top + (1 - v) * ph
  const parts: string[] = []
  parts.push(`<svg class="chart calibration" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(title)}">`)
  parts.push(`<title>${escapeHtml(title)}</title>`)
  for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) {
    parts.push(`<line class="axis" x1="${px(x(0))}" x2="${px(x(1))}" y1="${px(y(t))}" y2="${px(y(t))}"/>`)
    parts.push(`<text class="tick" x="${px(x(0) - 6)}" y="${px(y(t) + 4)}" text-anchor="end">${t}</text>`)
    parts.push(`<text class="tick" x="${px(x(t))}" y="${px(y(0) + 16)}" text-anchor="middle">${t}</text>`)
  }
  for (const b of cal.bins) {
    if (b.count === 0) continue
    const x0 = x(b.low) + 1
    const bw = Math.max(1, x(b.high) - x(b.low) - 2)
    const label = `confidence ${b.low.toFixed(1)}–${b.high.toFixed(1)}: ${b.count} docs, accuracy ${formatValue(b.accuracy)}, mean confidence ${formatValue(b.confidence)}`
    parts.push(`<g><title>${escapeHtml(label)}</title>`)
    parts.push(`<rect class="bar" x="${px(x0)}" y="${px(y(b.accuracy!))}" width="${px(bw)}" height="${px(Math.max(0, y(0) - y(b.accuracy!)))}"/>`)
    parts.push(`<line class="conf" x1="${px(x0)}" x2="${px(x0 + bw)}" y1="${px(y(b.confidence!))}" y2="${px(y(b.confidence!))}"/>`)
    parts.push(`<text class="small" x="${px(x0 + bw / 2)}" y="${px(Math.min(y(b.accuracy!), y(b.confidence!)) - 4)}" text-anchor="middle">${b.count}</text></g>`)
  }
  parts.push(`<line class="ideal" x1="${px(x(0))}" y1="${px(y(0))}" x2="${px(x(1))}" y2="${px(y(1))}"/>`)
  parts.push(`<rect class="frame" x="${left}" y="${top}" width="${pw}" height="${ph}"/>`)
  parts.push(`<text class="tick" x="${px(left + pw / 2)}" y="${h - 8}" text-anchor="middle">confidence (largest choice probability)</text>`)
  parts.push(`<text class="tick" transform="translate(14 ${px(top + ph / 2)}) rotate(-90)" text-anchor="middle">accuracy</text>`)
  parts.push('</svg>')
  return withChartStyle(parts.join(''))
}

/** One answer option in the probability view. */
export interface ChoiceBars {
  /** the choice text */
  readonly text: string
  /** probability per run (softmax over the choices' loglikelihoods), in [0, 1]; NaN when unknown */
  readonly probs: readonly number[]
  /** this is the gold choice */
  readonly gold: boolean
  /** per run: this is the run's prediction */
  readonly picked: readonly boolean[]
}

const ROW = 18
const CHOICE_GAP = 8

/** Horizontal bars of each choice's probability, one bar per run (`runs` names them), gold marked with ★. */
export function choiceProbabilitySvg(choices: readonly ChoiceBars[], runs: readonly string[], title: string): string {
  const w = 640
  const labelW = 220
  const valueW = 110
  const x0 = labelW + 8
  const x1 = w - valueW
  const per = runs.length * ROW + CHOICE_GAP
  const h = 8 + choices.length * per + 20
  const parts: string[] = []
  parts.push(`<svg class="chart choices" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${w} ${h}" role="img" aria-label="${escapeHtml(title)}">`)
  parts.push(`<title>${escapeHtml(title)}</title>`)
  const bottom = 8 + choices.length * per
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const x = x0 + t * (x1 - x0)
    parts.push(`<line class="axis" x1="${px(x)}" x2="${px(x)}" y1="4" y2="${bottom}"/><text class="tick" x="${px(x)}" y="${bottom + 14}" text-anchor="middle">${t}</text>`)
  }
  choices.forEach((c, i) => {
    const top = 8 + i * per
    parts.push(`<text x="${labelW}" y="${px(top + (runs.length * ROW) / 2 + 4)}" text-anchor="end">${c.gold ? '★ ' : ''}${escapeHtml(head(c.text, 32))}</text>`)
    runs.forEach((run, j) => {
      const p = c.probs[j]
      const yTop = top + j * ROW
      const shown = Number.isFinite(p) ? p.toFixed(3) : '—'
      parts.push(`<g><title>${escapeHtml(`${run}: ${c.text} p = ${shown}${c.picked[j] ? ' (its answer)' : ''}${c.gold ? ' (gold)' : ''}`)}</title>`)
      if (Number.isFinite(p)) parts.push(`<rect class="bar${j === 1 ? ' b' : ''}" x="${x0}" y="${px(yTop + 3)}" width="${px(Math.max(1, p * (x1 - x0)))}" height="${ROW - 6}" rx="2"/>`)
      parts.push(`<text class="small" x="${x1 + 8}" y="${px(yTop + ROW / 2 + 4)}">${runs.length > 1 ? `${escapeHtml(head(run, 6))} ` : ''}${shown}${c.picked[j] ? ' ◀' : ''}</text></g>`)
    })
  })
  parts.push('</svg>')
  return withChartStyle(parts.join(''))
}
