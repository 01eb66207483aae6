/**
 * Inline SVG horizontal bar charts for the static reports: one row per task, a bar from the axis base to the value,
 * an interval whisker, the value as text. Colours come from CSS classes (report-style.ts), so charts follow the
 * page's light/dark/print styles. All text is escaped.
 */
import { escapeHtml, head } from './html-text.ts'

/** One row of a chart. */
export interface ChartBar {
  /** row label (a task name) */
  readonly label: string
  /** bar end, in axis units */
  readonly value: number
  /** interval lower bound (whisker), axis units; omit for no whisker */
  readonly low?: number
  /** interval upper bound (whisker), axis units */
  readonly high?: number
  /** CSS class of the bar, e.g. 'better', 'worse', 'unclear'; default plain */
  readonly tone?: string
  /** text shown right of the plot, e.g. '0.4250 ± 0.1551' */
  readonly valueText: string
  /** tooltip text; defaults to label and valueText */
  readonly detail?: string
}

/** Axis of a chart. */
export interface ChartAxis {
  /** left end of the axis, axis units */
  readonly min: number
  /** right end of the axis, axis units */
  readonly max: number
  /** tick positions, axis units, ascending */
  readonly ticks: readonly number[]
}

const WIDTH = 960
const LABEL_W = 230
const VALUE_W = 230
const ROW_H = 24
const TOP = 6
const AXIS_H = 26

/** Rounded coordinate text (0.1 px). */
function px(n: number): string {
  return String(Math.round(n * 10) / 10)
}

/** The 0…1 axis of proportions (accuracies, exact match). */
export function unitAxis(): ChartAxis {
  return { min: 0, max: 1, ticks: [0, 0.25, 0.5, 0.75, 1] }
}

/** A nice step ≥ x: 1, 2, 2.5 or 5 times a power of ten. */
function niceStep(x: number): number {
  const p = 10 ** Math.floor(Math.log10(x))
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p
  return 10 * p
}

/** A symmetric axis around 0 that holds every value and interval bound. */
export function deltaAxis(bars: readonly ChartBar[]): ChartAxis {
  const extent = Math.max(0, ...bars.flatMap(b => [b.value, b.low ?? 0, b.high ?? 0].filter(Number.isFinite).map(Math.abs)))
  const step = niceStep(extent > 0 ? extent / 2 : 0.025)
  const m = 2 * step
  return { min: -m, max: m, ticks: [-m, -step, 0, step, m] }
}

/** Tick text: up to 3 decimals, no trailing zeros, signed for axes that cross 0. */
function tickText(t: number, signed: boolean): string {
  const s = String(Math.round(t * 1000) / 1000)
  return signed && t > 0 ? `+${s}` : s
}

/** The chart as an <svg> element string; `title` is its accessible name. */
export function barChartSvg(bars: readonly ChartBar[], axis: ChartAxis, title: string): string {
  const height = TOP + bars.length * ROW_H + AXIS_H
  const x0 = LABEL_W + 12
  const x1 = WIDTH - VALUE_W
  const span = axis.max - axis.min
  const clamp = (v: number): number => Math.min(axis.max, Math.max(axis.min, v))
  const x = (v: number): number => x0 + ((clamp(v) - axis.min) / span) * (x1 - x0)
  const base = axis.min <= 0 && axis.max >= 0 ? 0 : axis.min
  const signed = axis.min < 0
  const parts: string[] = []
  parts.push(`<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${escapeHtml(title)}">`)
  parts.push(`<title>${escapeHtml(title)}</title>`)
  const plotBottom = TOP + bars.length * ROW_H
  for (const t of axis.ticks) {
    parts.push(`<line class="${t === 0 && signed ? 'zero' : 'axis'}" x1="${px(x(t))}" x2="${px(x(t))}" y1="${TOP}" y2="${plotBottom}"/>`)
    parts.push(`<text class="tick" x="${px(x(t))}" y="${plotBottom + 16}" text-anchor="middle">${escapeHtml(tickText(t, signed))}</text>`)
  }
  bars.forEach((b, i) => {
    const top = TOP + i * ROW_H
    const mid = top + ROW_H / 2
    const tone = b.tone ? ` ${escapeHtml(b.tone)}` : ''
    parts.push(`<g><title>${escapeHtml(b.detail ?? `${b.label}: ${b.valueText}`)}</title>`)
    parts.push(`<text x="${LABEL_W}" y="${px(mid + 4)}" text-anchor="end">${escapeHtml(head(b.label, 30))}</text>`)
    if (Number.isFinite(b.value)) {
      const xa = x(base)
      const xb = x(b.value)
      parts.push(`<rect class="bar${tone}" x="${px(Math.min(xa, xb))}" y="${top + 5}" width="${px(Math.max(1, Math.abs(xb - xa)))}" height="${ROW_H - 10}" rx="2"/>`)
    }
    if (b.low !== undefined && b.high !== undefined && Number.isFinite(b.low) && Number.isFinite(b.high)) {
      const lo = x(b.low)
      const hi = x(b.high)
      parts.push(`<line class="whisker" x1="${px(lo)}" x2="${px(hi)}" y1="${px(mid)}" y2="${px(mid)}"/>`)
      if (b.low >= axis.min) parts.push(`<line class="whisker" x1="${px(lo)}" x2="${px(lo)}" y1="${px(mid - 5)}" y2="${px(mid + 5)}"/>`)
      if (b.high <= axis.max) parts.push(`<line class="whisker" x1="${px(hi)}" x2="${px(hi)}" y1="${px(mid - 5)}" y2="${px(mid + 5)}"/>`)
    }
    parts.push(`<text x="${x1 + 10}" y="${px(mid + 4)}">${escapeHtml(b.valueText)}</text></g>`)
  })
  parts.push('</svg>')
  return parts.join('')
}
