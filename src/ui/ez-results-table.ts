/**
 * `<ez-results-table>`: lm-eval's results tables (tasks, then groups when there are any), rendered from the same
 * rows the CLI prints, with the chance level beside each multiple-choice task, and downloads of results.json and
 * samples_<task>.jsonl with exactly the CLI's text.
 */
import { css, html, LitElement, nothing, unsafeCSS } from 'lit'
import type { PropertyValues } from 'lit'
import { tableRows } from '../core/results/table.ts'
import type { JsonValue } from '../protocol/wire-json.ts'
import { sharedStyles } from './shared-styles.ts'

/** Column headers of lm-eval's table (the arrow and ± columns have no title there), plus the chance level. */
const HEADERS = ['Tasks', 'Version', 'Filter', 'n-shot', 'Metric', 'Direction', 'Value', '±', 'Stderr', 'Chance']
/** columns that hold numbers */
const NUMERIC = new Set([1, 3, 6, 8, 9])
/**
 * Columns hidden on narrow screens: Version, Filter, n-shot, and the arrow and ± columns (folded into Metric and
 * Stderr), so Task, Metric, Value, ± Stderr and Chance stay in view.
 */
const WIDE_ONLY = new Set([1, 2, 3, 5, 7])
const FILTER = 2
const METRIC = 4
const ARROW = 5
const STDERR = 8
/** viewport width (px) at and below which WIDE_ONLY columns are hidden */
const NARROW_PX = 640

/** One download: file name and object URL. */
interface Download {
  readonly name: string
  readonly url: string
  readonly bytes: number
}

export class EzResultsTable extends LitElement {
  static override styles = [sharedStyles, css`
    table { margin-bottom: 1rem; }
    caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
    th, td { white-space: nowrap; }
    td.chance { color: var(--ez-muted, #57606a); }
    .summary { color: var(--ez-muted, #57606a); font-size: 0.85rem; margin: 0 0 0.75rem; font-family: var(--ez-mono, ui-monospace, monospace); overflow-wrap: anywhere; }
    .downloads { display: flex; flex-wrap: wrap; gap: 0.5rem; }
    .narrow-only { display: none; }
    .scroll-hint { margin: -0.5rem 0 0.75rem; font-size: 0.85rem; }
    @media (max-width: ${unsafeCSS(NARROW_PX)}px) {
      .wide-only { display: none; }
      .narrow-only { display: inline; }
      p.narrow-only { display: block; }
      table { font-size: 0.8rem; }
      th, td { padding: 0.3rem 0.3rem; }
      td.task { white-space: normal; }
      .filter-note { display: block; font-size: 0.8rem; }
    }
  `]

  static override properties = {
    results: { attribute: false },
    resultsJson: { attribute: false },
    samplesJsonl: { attribute: false },
    chance: { attribute: false },
    downloads: { state: true },
    overflowing: { state: true },
  }

  /** lm-eval's results object (plain JSON) */
  declare results: { readonly [key: string]: JsonValue } | undefined
  /** the results file text offered for download */
  declare resultsJson: string | undefined
  /** task → samples file text offered for download */
  declare samplesJsonl: { readonly [task: string]: string }
  /** task → chance level (multiple-choice tasks) */
  declare chance: { readonly [task: string]: number }
  /** object URLs of the current downloads */
  private declare downloads: readonly Download[]
  /** a table is wider than its box (shows the scroll hint) */
  private declare overflowing: boolean
  private readonly resize = new ResizeObserver(() => this.measure())

  constructor() {
    super()
    this.results = undefined
    this.resultsJson = undefined
    this.samplesJsonl = {}
    this.chance = {}
    this.downloads = []
    this.overflowing = false
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.resize.observe(this)
  }

  override updated(): void {
    this.measure()
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('resultsJson') || changed.has('samplesJsonl')) {
      this.revoke()
      const files: [string, string, string][] = []
      if (this.resultsJson !== undefined) files.push(['results.json', this.resultsJson, 'application/json'])
      for (const [task, text] of Object.entries(this.samplesJsonl)) files.push([`samples_${task}.jsonl`, text, 'application/x-ndjson'])
      this.downloads = files.map(([name, text, type]) => {
        const blob = new Blob([text], { type })
        return { name, url: URL.createObjectURL(blob), bytes: blob.size }
      })
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.resize.disconnect()
    this.revoke()
    this.downloads = []
  }

  override render() {
    const results = this.results
    if (!results) return nothing
    const groups = results.groups && typeof results.groups === 'object' && Object.keys(results.groups).length > 0
    return html`
      <p class="summary">${summaryLine(results)}</p>
      <div class="scroll" tabindex="0" role="region" aria-label="Task results">${this.renderTable('Tasks', this.taskRows(results), 'results-table')}</div>
      ${groups ? html`<div class="scroll" tabindex="0" role="region" aria-label="Group results">${this.renderTable('Groups', tableRows(results, 'groups').map((r) => [...r, '']), 'groups-table')}</div>` : nothing}
      <p class="muted narrow-only scroll-hint" data-testid="narrow-hint">Version, filter and n-shot columns are hidden in a narrow window; results.json has them.</p>
      ${this.overflowing ? html`<p class="muted scroll-hint" data-testid="scroll-hint">Scroll the table sideways for more columns →</p>` : nothing}
      <div class="downloads" role="group" aria-label="Downloads">
        ${this.downloads.map((d, i) => html`<a class="button" href=${d.url} download=${d.name} data-testid=${i === 0 && d.name === 'results.json' ? 'download' : `download-${d.name}`}
          title=${`${d.bytes.toLocaleString()} bytes, exactly as the CLI writes it`}>⬇ ${d.name}</a>`)}
      </div>
    `
  }

  /** lm-eval's task rows, one task at a time, with the chance level on each task's first row. */
  private taskRows(results: { readonly [key: string]: JsonValue }): string[][] {
    const section = (results.results ?? {}) as Record<string, JsonValue>
    const rows: string[][] = []
    for (const task of Object.keys(section)) {
      const own = tableRows({ ...results, results: { [task]: section[task] } }, 'results')
      const chance = this.chance[task]
      own.forEach((r, i) => rows.push([...r, i === 0 && chance !== undefined ? chance.toFixed(4) : '']))
    }
    return rows
  }

  private renderTable(caption: string, rows: string[][], testId: string) {
    return html`
      <table data-testid=${testId}>
        <caption class="sr-only">${caption}</caption>
        <thead><tr>${HEADERS.map((header, c) => c === 0 ? caption : header).map((h, c) => html`<th scope="col" class=${cellClass(c)}
          title=${c === 9 ? 'accuracy of guessing uniformly: mean over docs of 1 / number of choices' : nothing}>${c === ARROW || c === 7 ? html`<span class="sr-only">${h}</span>`
            : c === STDERR ? html`<span class="narrow-only" aria-hidden="true">± </span>${h}` : h}</th>`)}</tr></thead>
        <tbody>
          ${rows.map((row) => html`<tr>${row.map((cell, c) => html`<td class=${cellClass(c)} aria-label=${c === ARROW ? arrowLabel(cell) : nothing}>${this.renderCell(row, c)}</td>`)}</tr>`)}
        </tbody>
      </table>
    `
  }

  /** One cell; on narrow screens Metric also shows the arrow and a non-default filter, Stderr its ±, Task breaks after '_'. */
  private renderCell(row: readonly string[], c: number) {
    const cell = row[c]
    if (c === 0) return cell.split('_').map((part, i) => i === 0 ? part : html`_<wbr>${part}`)
    if (c === METRIC) {
      return html`${cell}${row[ARROW] ? html`<span class="narrow-only"> <span aria-hidden="true">${row[ARROW]}</span><span class="sr-only">(${arrowLabel(row[ARROW])})</span></span>` : nothing}${
        row[FILTER] && row[FILTER] !== 'none' ? html`<span class="narrow-only filter-note muted">${row[FILTER]}</span>` : nothing}`
    }
    if (c === STDERR && cell !== '') return html`<span class="narrow-only" aria-hidden="true">± </span>${cell}`
    return cell
  }

  /** Shows the scroll hint when a table is wider than its scroll box. */
  private measure(): void {
    const boxes = [...this.renderRoot.querySelectorAll<HTMLElement>('.scroll')]
    const over = boxes.some((b) => b.scrollWidth > b.clientWidth + 1)
    if (over !== this.overflowing) this.overflowing = over
  }

  private revoke(): void {
    for (const d of this.downloads) URL.revokeObjectURL(d.url)
  }
}

/** Classes of column `c`: numbers right-aligned, chance muted, Version / Filter / n-shot hidden when narrow. */
function cellClass(c: number): string {
  return [NUMERIC.has(c) ? 'num' : '', c === 9 ? 'chance' : '', c === 0 ? 'task' : '', WIDE_ONLY.has(c) ? 'wide-only' : ''].filter(Boolean).join(' ')
}

function arrowLabel(cell: string): string {
  return cell === '↑' ? 'higher is better' : cell === '↓' ? 'lower is better' : ''
}

/** lm-eval's header line: model (args), limit, num_fewshot, batch_size — plus evalz's device and speed. */
function summaryLine(results: { readonly [key: string]: JsonValue }): string {
  const config = (results.config ?? {}) as Record<string, JsonValue>
  const evalz = (results.evalz ?? {}) as Record<string, JsonValue>
  const tps = typeof evalz.tokens_per_second === 'number' ? `, ${Math.round(evalz.tokens_per_second)} tok/s` : ''
  const wall = typeof evalz.wall_time_seconds === 'number' ? `, ${evalz.wall_time_seconds.toFixed(1)} s` : ''
  return `${config.model} (${config.model_args}), limit: ${config.limit ?? 'None'}, batch_size: ${config.batch_size}, device: ${config.device}${tps}${wall}`
}

customElements.define('ez-results-table', EzResultsTable)

declare global {
  interface HTMLElementTagNameMap {
    'ez-results-table': EzResultsTable
  }
}
