/**
 * `<ez-run-history>`: runs stored in this browser, newest first — when, model, tasks, status, headline metric,
 * tags and note — with a search over model, tasks, tags and notes; Open (event 'run-open' {id}), Resume for
 * interrupted ones ('run-resume' {id}), Delete ('run-delete' {id}), and inline editing of tags and note through
 * `client.setRunLabels` (then 'runs-changed', so the owner reloads the list). Imported runs are marked as such.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { matchesSearch } from './compare-samples.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The labels form of one run. */
interface LabelDraft {
  /** run id */
  readonly id: string
  /** tags as typed, comma-separated */
  readonly tags: string
  /** note as typed */
  readonly note: string
  /** the last save's error */
  readonly error: string | undefined
  /** a save is in flight */
  readonly saving: boolean
}

export class EzRunHistory extends LitElement {
  static override styles = [sharedStyles, css`
    td { vertical-align: top; }
    .status-done { color: var(--ez-ok, #1a7f37); }
    .status-failed { color: var(--ez-danger, #cf222e); }
    .reason { display: inline-block; max-width: 22rem; font-size: 0.85rem; overflow-wrap: anywhere; }
    .status-running, .status-cancelled { color: var(--ez-warn, #9a6700); }
    .actions { display: flex; gap: 0.4rem; flex-wrap: wrap; }
    tr.open { background: color-mix(in srgb, var(--ez-accent, #0969da) 8%, transparent); }
    .tasks { overflow-wrap: break-word; max-width: 22rem; min-width: 12ch; }
    .search { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; margin-bottom: 0.6rem; }
    .search input { flex: 0 1 24rem; }
    .tag { display: inline-block; border: 1px solid var(--ez-border, #d0d7de); border-radius: 999px; padding: 0 0.5rem;
      margin: 0 0.25rem 0.2rem 0; font-size: 0.8rem; background: var(--ez-surface, #f6f8fa); }
    .note { white-space: pre-wrap; overflow-wrap: anywhere; max-width: 18rem; font-size: 0.85rem; color: var(--ez-muted, #57606a); }
    .imported { font-size: 0.8rem; color: var(--ez-warn, #9a6700); }
    tr.edit td { background: var(--ez-surface, #f6f8fa); }
    .edit-form { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.4rem 0.75rem; align-items: start; max-width: 44rem; }
    .edit-form textarea { font: inherit; min-height: 3.5rem; padding: 0.35rem 0.5rem; border-radius: 6px; border: 1px solid var(--ez-border, #d0d7de);
      background: var(--ez-bg, #fff); color: var(--ez-fg, inherit); }
  `]

  static override properties = {
    runs: { attribute: false },
    openId: {},
    busy: { type: Boolean },
    models: { attribute: false },
    client: { attribute: false },
    query: { state: true },
    draft: { state: true },
    saved: { state: true },
  }

  /** stored runs, newest first */
  declare runs: readonly RunSummary[]
  /** the run whose results are shown */
  declare openId: string | undefined
  /** a run is in flight: Resume is disabled */
  declare busy: boolean
  /** stored models, to tell a stored model from the bundled one of the same name (weights sha256) */
  declare models: readonly ModelInfo[]
  /** the worker client, for saving tags and notes; without it labels are shown but not editable */
  declare client: EvalWorkerClient | undefined
  private declare query: string
  private declare draft: LabelDraft | undefined
  /** summaries saved since `runs` last changed (shown until the owner reloads the list) */
  private declare saved: ReadonlyMap<string, RunSummary>

  constructor() {
    super()
    this.runs = []
    this.openId = undefined
    this.busy = false
    this.models = []
    this.client = undefined
    this.query = ''
    this.draft = undefined
    this.saved = new Map()
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('runs')) this.saved = new Map()
  }

  override render() {
    if (this.runs.length === 0) return html`<p class="muted">No runs yet. Runs are kept in this browser (IndexedDB).</p>`
    const runs = this.runs.map((r) => this.saved.get(r.id) ?? r)
    const shown = runs.filter((r) => matchesSearch(r, this.query))
    return html`
      <div class="search">
        <label class="sr-only" for="history-search">Search the run history</label>
        <input id="history-search" type="search" data-testid="history-search" placeholder="Search model, task, device, tag, note"
          .value=${this.query} @input=${(e: Event) => { this.query = (e.target as HTMLInputElement).value }}>
        <span class="muted" role="status" data-testid="history-count">${shown.length === runs.length ? `${runs.length} ${runs.length === 1 ? 'run' : 'runs'}` : `${shown.length} of ${runs.length} runs`}</span>
      </div>
      <div class="scroll" tabindex="0" role="region" aria-label="Run history">
        <table data-testid="history" class="cards">
          <thead><tr><th scope="col">Started</th><th scope="col">Model</th><th scope="col">Tasks</th><th scope="col">Status</th><th scope="col">Headline</th><th scope="col">Tags and note</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
          <tbody>${shown.map((r) => this.renderRun(r))}</tbody>
        </table>
      </div>`
  }

  /** 'bundled', 'imported from lm-eval', or 'stored · sha256 <first 8>' (the id when the model was removed since). */
  private modelSource(r: RunSummary) {
    if (r.imported) {
      const from = `${r.imported.producer}${r.imported.producerVersion ? ` ${r.imported.producerVersion}` : ''}`
      return html`<span class="imported" data-testid="history-imported" title=${`imported from ${r.imported.fileNames.join(', ') || 'files'}`}>imported · ${from}</span>`
    }
    if ((r.request.modelSource ?? 'app') === 'app') return html`<span class="muted" title="served with the app under /models/">bundled</span>`
    if (r.request.modelSource === 'server') return html`<span class="muted">server · <span class="mono">${r.request.server?.url ?? ''}</span></span>`
    const m = this.models.find((x) => x.id === r.request.model)
    return m
      ? html`<span class="muted" title=${`stored in this browser; weights sha256 ${m.weightsSha256}`}>stored · <span class="mono">${m.weightsSha256.slice(0, 8)}</span></span>`
      : html`<span class="muted" title="stored in this browser, since removed">stored · <span class="mono">${r.request.model}</span> (removed)</span>`
  }

  private renderRun(r: RunSummary) {
    const headline = Object.entries(r.headline)
    const status = r.status === 'running' ? 'interrupted' : r.status
    const started = new Date(r.createdAt).toLocaleString()
    const editing = this.draft?.id === r.id
    return html`<tr data-run=${r.id} class=${r.id === this.openId ? 'open' : ''}>
      <td data-label="Started">${started}${r.imported?.ranAt !== undefined ? html`<br><span class="muted">ran ${new Date(r.imported.ranAt).toLocaleString()}</span>` : nothing}</td>
      <td data-testid="history-model" data-label="Model">${r.modelName}<br>${this.modelSource(r)}${r.device ? html`<span class="muted"> · ${r.device.device}</span>` : nothing}</td>
      <td class="tasks mono" data-label="Tasks">${r.request.tasks.join(', ')}${r.request.limit !== undefined ? html`<br><span class="muted">limit ${r.request.limit}</span>` : nothing}</td>
      <td class=${`status-${r.status}`} data-label="Status">${status}${r.status === 'failed' && r.error ? html`<br><span class="reason" data-testid="history-reason"><code>${r.error.code}</code> ${r.error.message}</span>` : nothing}${r.cachedRequests ? html`<br><span class="muted">${r.cachedRequests} cached</span>` : nothing}</td>
      <td class="mono" data-label="Headline">${headline.slice(0, 3).map(([task, [metric, value]]) => html`<div>${task} ${metric} ${typeof value === 'number' ? value.toFixed(4) : value}</div>`)}${headline.length > 3 ? html`<div class="muted">+${headline.length - 3} more</div>` : nothing}</td>
      <td data-label=${(r.tags ?? []).length > 0 || r.note ? 'Tags and note' : nothing}><div data-testid="history-tags">${(r.tags ?? []).map((t) => html`<span class="tag">${t}</span>`)}</div>
        ${r.note ? html`<div class="note" data-testid="history-note">${r.note}</div>` : nothing}</td>
      <td><div class="actions">
        ${r.status === 'done' ? html`<button type="button" class="small" data-testid="history-open" aria-label=${`Open results of the run started ${started}`}
          @click=${() => fire(this, 'run-open', { id: r.id })}>Open</button>` : nothing}
        ${r.status === 'running' ? html`<button type="button" class="small" ?disabled=${this.busy} @click=${() => fire(this, 'run-resume', { id: r.id })}>Resume</button>` : nothing}
        ${this.client && r.status !== 'running' ? html`<button type="button" class="small" data-testid="history-edit" aria-expanded=${editing ? 'true' : 'false'}
          aria-label=${`Edit tags and note of the run started ${started}`} @click=${() => this.toggleEdit(r)}>Tags and note</button>` : nothing}
        <button type="button" class="small danger" data-testid="history-delete" aria-label=${`Delete the run started ${started}`}
          @click=${() => fire(this, 'run-delete', { id: r.id })}>Delete</button>
      </div></td>
    </tr>${editing ? this.renderEdit(this.draft!) : nothing}`
  }

  private renderEdit(d: LabelDraft) {
    const set = (change: Partial<LabelDraft>) => { this.draft = { ...d, ...change } }
    return html`<tr class="edit" data-edit=${d.id}><td colspan="7">
      <form class="edit-form" @submit=${(e: Event) => { e.preventDefault(); void this.save() }}>
        <label for="tags-${d.id}">Tags</label>
        <input id="tags-${d.id}" data-testid="history-tags-input" placeholder="comma-separated, e.g. base, lr-3e-4" .value=${d.tags}
          @input=${(e: Event) => set({ tags: (e.target as HTMLInputElement).value })}>
        <label for="note-${d.id}">Note</label>
        <textarea id="note-${d.id}" data-testid="history-note-input" .value=${d.note}
          @input=${(e: Event) => set({ note: (e.target as HTMLTextAreaElement).value })}></textarea>
        <span></span>
        <div class="actions">
          <button type="submit" class="small primary" data-testid="history-save" ?disabled=${d.saving}>${d.saving ? 'Saving…' : 'Save'}</button>
          <button type="button" class="small" @click=${() => { this.draft = undefined }}>Cancel</button>
        </div>
        ${d.error ? html`<span></span><p class="error" role="alert">${d.error}</p>` : nothing}
      </form></td></tr>`
  }

  private toggleEdit(r: RunSummary): void {
    this.draft = this.draft?.id === r.id ? undefined : { id: r.id, tags: (r.tags ?? []).join(', '), note: r.note ?? '', error: undefined, saving: false }
  }

  private async save(): Promise<void> {
    const d = this.draft
    if (!d || !this.client || d.saving) return
    this.draft = { ...d, saving: true, error: undefined }
    try {
      const summary = await this.client.setRunLabels(d.id, { tags: d.tags.split(','), note: d.note })
      this.saved = new Map([...this.saved, [d.id, summary]])
      this.draft = undefined
      fire(this, 'runs-changed', { id: d.id })
    } catch (e) {
      this.draft = { ...d, saving: false, error: errorText(e).message }
    }
  }
}

customElements.define('ez-run-history', EzRunHistory)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-history': EzRunHistory
  }
}
