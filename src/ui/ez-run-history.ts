/**
 * `<ez-run-history>`: runs stored in this browser, newest first — when, model, tasks, status, headline metric —
 * with Open (event 'run-open' {id}), Resume for interrupted ones ('run-resume' {id}) and Delete ('run-delete' {id}).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { fire, sharedStyles } from './shared-styles.ts'

export class EzRunHistory extends LitElement {
  static override styles = [sharedStyles, css`
    td { vertical-align: top; }
    .status-done { color: var(--ez-ok, #1a7f37); }
    .status-failed { color: var(--ez-danger, #cf222e); }
    .status-running, .status-cancelled { color: var(--ez-warn, #9a6700); }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
    tr.open { background: color-mix(in srgb, var(--ez-accent, #0969da) 8%, transparent); }
    .tasks { overflow-wrap: anywhere; max-width: 22rem; }
  `]

  static override properties = {
    runs: { attribute: false },
    openId: {},
    busy: { type: Boolean },
    models: { attribute: false },
  }

  /** stored runs, newest first */
  declare runs: readonly RunSummary[]
  /** the run whose results are shown */
  declare openId: string | undefined
  /** a run is in flight: Resume is disabled */
  declare busy: boolean
  /** stored models, to tell a stored model from the bundled one of the same name (weights sha256) */
  declare models: readonly ModelInfo[]

  constructor() {
    super()
    this.runs = []
    this.openId = undefined
    this.busy = false
    this.models = []
  }

  override render() {
    if (this.runs.length === 0) return html`<p class="muted">No runs yet. Runs are kept in this browser (IndexedDB).</p>`
    return html`
      <div class="scroll" tabindex="0" role="region" aria-label="Run history">
        <table data-testid="history">
          <thead><tr><th scope="col">Started</th><th scope="col">Model</th><th scope="col">Tasks</th><th scope="col">Status</th><th scope="col">Headline</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${this.runs.map((r) => this.renderRun(r))}</tbody>
        </table>
      </div>`
  }

  /** 'bundled', or 'stored · sha256 <first 8>' (the id when the model was removed since). */
  private modelSource(r: RunSummary) {
    if ((r.request.modelSource ?? 'app') === 'app') return html`<span class="muted" title="served with the app under /models/">bundled</span>`
    const m = this.models.find((x) => x.id === r.request.model)
    return m
      ? html`<span class="muted" title=${`stored in this browser; weights sha256 ${m.weightsSha256}`}>stored · <span class="mono">${m.weightsSha256.slice(0, 8)}</span></span>`
      : html`<span class="muted" title="stored in this browser, since removed">stored · <span class="mono">${r.request.model}</span> (removed)</span>`
  }

  private renderRun(r: RunSummary) {
    const headline = Object.entries(r.headline)
    const status = r.status === 'running' ? 'interrupted' : r.status
    return html`<tr data-run=${r.id} class=${r.id === this.openId ? 'open' : ''}>
      <td>${new Date(r.createdAt).toLocaleString()}</td>
      <td data-testid="history-model">${r.modelName}<br>${this.modelSource(r)}${r.device ? html`<span class="muted"> · ${r.device.device}</span>` : nothing}</td>
      <td class="tasks mono">${r.request.tasks.join(', ')}${r.request.limit !== undefined ? html`<br><span class="muted">limit ${r.request.limit}</span>` : nothing}</td>
      <td class=${`status-${r.status}`} title=${r.error?.message ?? ''}>${status}${r.cachedRequests ? html`<br><span class="muted">${r.cachedRequests} cached</span>` : nothing}</td>
      <td class="mono">${headline.slice(0, 3).map(([task, [metric, value]]) => html`<div>${task} ${metric} ${typeof value === 'number' ? value.toFixed(4) : value}</div>`)}${headline.length > 3 ? html`<div class="muted">+${headline.length - 3} more</div>` : nothing}</td>
      <td><div class="actions">
        ${r.status === 'done' ? html`<button type="button" class="small" data-testid="history-open" aria-label=${`Open results of the run started ${new Date(r.createdAt).toLocaleString()}`}
          @click=${() => fire(this, 'run-open', { id: r.id })}>Open</button>` : nothing}
        ${r.status === 'running' ? html`<button type="button" class="small" ?disabled=${this.busy} @click=${() => fire(this, 'run-resume', { id: r.id })}>Resume</button>` : nothing}
        <button type="button" class="small danger" data-testid="history-delete" aria-label=${`Delete the run started ${new Date(r.createdAt).toLocaleString()}`}
          @click=${() => fire(this, 'run-delete', { id: r.id })}>Delete</button>
      </div></td>
    </tr>`
  }
}

customElements.define('ez-run-history', EzRunHistory)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-history': EzRunHistory
  }
}
