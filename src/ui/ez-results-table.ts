/**
 * `<ez-results-table>`: lm-eval's results tables (tasks, then groups when there are any), rendered from the same
 * rows the CLI prints, and a download link for the results file.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import { tableRows } from '../core/results/table.ts'
import type { JsonValue } from '../protocol/wire-json.ts'

/** Column headers of lm-eval's table (the arrow and ± columns have no title there). */
const HEADERS = ['Tasks', 'Version', 'Filter', 'n-shot', 'Metric', 'Direction', 'Value', '±', 'Stderr']
/** columns that hold numbers */
const NUMERIC = new Set([1, 3, 6, 8])

export class EzResultsTable extends LitElement {
  static override styles = css`
    :host { display: block; }
    .scroll { overflow-x: auto; }
    table { border-collapse: collapse; width: 100%; font-size: 0.9rem; margin-bottom: 1rem; }
    caption { text-align: left; font-weight: 600; padding: 0.25rem 0; }
    th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--ez-border, #d0d7de); text-align: left; white-space: nowrap; }
    th { background: var(--ez-surface, #f6f8fa); }
    td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: var(--ez-mono, ui-monospace, monospace); }
    .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
    .summary { color: var(--ez-muted, #57606a); font-size: 0.85rem; margin: 0 0 0.75rem; font-family: var(--ez-mono, ui-monospace, monospace); overflow-wrap: anywhere; }
    a.download {
      display: inline-block; padding: 0.4rem 0.8rem; border-radius: 6px; text-decoration: none;
      border: 1px solid var(--ez-border, #d0d7de); color: var(--ez-fg, inherit); background: var(--ez-surface, #f6f8fa);
    }
    a.download:focus-visible { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
  `

  static override properties = {
    results: { attribute: false },
    resultsJson: { attribute: false },
    fileName: {},
    url: { state: true },
  }

  /** lm-eval's results object (plain JSON) */
  declare results: { readonly [key: string]: JsonValue } | undefined
  /** the results file text offered for download */
  declare resultsJson: string | undefined
  /** download file name */
  declare fileName: string
  /** object URL of the current download */
  private declare url: string | undefined

  constructor() {
    super()
    this.results = undefined
    this.resultsJson = undefined
    this.fileName = 'results.json'
    this.url = undefined
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('resultsJson')) {
      this.revoke()
      this.url = this.resultsJson === undefined ? undefined : URL.createObjectURL(new Blob([this.resultsJson], { type: 'application/json' }))
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.revoke()
    this.url = undefined
  }

  override render() {
    const results = this.results
    if (!results) return nothing
    const groups = results.groups && typeof results.groups === 'object' && Object.keys(results.groups).length > 0
    return html`
      <p class="summary">${summaryLine(results)}</p>
      <div class="scroll" tabindex="0" role="region" aria-label="Task results">${this.renderTable('Tasks', tableRows(results, 'results'), 'results-table')}</div>
      ${groups ? html`<div class="scroll" tabindex="0" role="region" aria-label="Group results">${this.renderTable('Groups', tableRows(results, 'groups'), 'groups-table')}</div>` : nothing}
      ${this.url ? html`<a class="download" href=${this.url} download=${this.fileName} data-testid="download">Download ${this.fileName}</a>` : nothing}
    `
  }

  private renderTable(caption: string, rows: string[][], testId: string) {
    return html`
      <table data-testid=${testId}>
        <caption>${caption}</caption>
        <thead><tr>${HEADERS.map((h, c) => html`<th scope="col">${c === 5 || c === 7 ? html`<span class="sr-only">${h}</span>` : h}</th>`)}</tr></thead>
        <tbody>
          ${rows.map((row) => html`<tr>${row.map((cell, c) => html`<td class=${NUMERIC.has(c) ? 'num' : ''} aria-label=${c === 5 ? arrowLabel(cell) : nothing}>${cell}</td>`)}</tr>`)}
        </tbody>
      </table>
    `
  }

  private revoke(): void {
    if (this.url) URL.revokeObjectURL(this.url)
  }
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
