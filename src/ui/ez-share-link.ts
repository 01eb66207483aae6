/**
 * `<ez-share-link>`: makes a link that lets anyone re-run the shown evaluation. The sharer chooses whether the
 * link carries the results summary and the per-sample record (needed for a spot-check); the link holds only the
 * run's settings and the model's identity otherwise (never tokens, prompts or dataset rows). Its length is shown,
 * with a Copy button and the link itself in a read-only field.
 */
import { css, html, LitElement, nothing } from 'lit'
import { shareModelFor } from '../core/share/share-builder.ts'
import type { ModelInfo, } from '../protocol/eval-store.ts'
import { createShareLink } from '../app/share-link.ts'
import { parsePyJson } from '../app/wire-json.ts'
import { errorText, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The worker calls this element makes. */
export type ShareClient = Pick<EvalWorkerClient, 'getRun'>

export class EzShareLink extends LitElement {
  static override styles = [sharedStyles, css`
    .row { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; align-items: center; }
    input.link { width: 100%; font-family: var(--ez-mono, ui-monospace, monospace); font-size: 0.8rem; margin-top: 0.4rem; }
  `]

  static override properties = {
    client: { attribute: false },
    runId: {},
    models: { attribute: false },
    withResults: { state: true },
    withSamples: { state: true },
    link: { state: true },
    copied: { state: true },
    error: { state: true },
  }

  /** the worker client */
  declare client: ShareClient | undefined
  /** the run to share */
  declare runId: string | undefined
  /** stored models, to name the run's model */
  declare models: readonly ModelInfo[]
  private declare withResults: boolean
  private declare withSamples: boolean
  private declare link: { url: string; length: number } | undefined
  private declare copied: boolean
  private declare error: { code: string; message: string } | undefined

  constructor() {
    super()
    this.client = undefined
    this.runId = undefined
    this.models = []
    this.withResults = true
    this.withSamples = true
    this.link = undefined
    this.copied = false
    this.error = undefined
  }

  override willUpdate(changed: Map<string, unknown>): void {
    if (changed.has('runId')) {
      this.link = undefined
      this.error = undefined
    }
  }

  override render() {
    return html`
      <div class="row">
        <strong>Share</strong>
        <label><input type="checkbox" .checked=${this.withResults} @change=${(e: Event) => { this.withResults = (e.target as HTMLInputElement).checked; this.link = undefined }}> results</label>
        <label><input type="checkbox" .checked=${this.withSamples} @change=${(e: Event) => { this.withSamples = (e.target as HTMLInputElement).checked; this.link = undefined }}> per-sample record (for spot-checks)</label>
        <button type="button" data-testid="share-create" @click=${() => this.create()}>Create link</button>
        ${this.link ? html`<button type="button" data-testid="share-copy" @click=${() => this.copy()}>${this.copied ? 'Copied ✓' : 'Copy'}</button>
          <span class="muted" data-testid="share-length">${this.link.length.toLocaleString()} characters</span>` : nothing}
      </div>
      ${this.link ? html`<input class="link" readonly data-testid="share-url" aria-label="Share link" .value=${this.link.url}
        @focus=${(e: Event) => (e.target as HTMLInputElement).select()}>
        <p class="muted">The link carries the run's settings and the model's identity${this.withResults ? ', the results' : ''}${this.withSamples ? ' and a compact per-sample record (prompt hashes, predictions)' : ''} — no prompts, data or tokens. Opening it starts nothing by itself.</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
    `
  }

  private async create(): Promise<void> {
    if (!this.client || this.runId === undefined) return
    this.error = undefined
    this.copied = false
    try {
      const record = await this.client.getRun(this.runId)
      if (!record?.resultsJson) throw new Error('this run has no results to share')
      if (record.imported) throw new Error('an imported run cannot be shared as a link: evalz did not run it, so a link could not re-run it (share its files instead)')
      const request = record.request
      const stored = request.modelSource === 'stored' ? this.models.find((m) => m.id === request.model) : undefined
      if (request.modelSource === 'stored' && !stored) throw new Error(`the run's model (${record.modelName}) is no longer stored, so the link could not name its weights`)
      const identity = stored
        ? { source: 'stored' as const, id: stored.id, name: stored.name, weightsSha256: stored.weightsSha256, ...(stored.hub ? { hub: stored.hub } : {}) }
        : { source: 'app' as const, id: request.model }
      const appUrl = `${location.origin}${location.pathname}`
      const results = parsePyJson(record.resultsJson) as { evalz?: { version?: unknown } }
      const version = typeof results.evalz?.version === 'string' ? results.evalz.version : 'unknown'
      const link = await createShareLink(appUrl, {
        request, resultsJson: record.resultsJson, samplesJsonl: record.samplesJsonl, model: shareModelFor(identity, record.resultsJson), evalzVersion: version,
      }, { includeResults: this.withResults, includeSamples: this.withSamples })
      this.link = { url: link.url, length: link.length }
    } catch (e) {
      this.error = errorText(e)
    }
  }

  private async copy(): Promise<void> {
    if (!this.link) return
    try {
      await navigator.clipboard.writeText(this.link.url)
      this.copied = true
    } catch {
      // no clipboard permission: the link is selected in the field for a manual copy
      this.renderRoot.querySelector<HTMLInputElement>('input.link')?.select()
    }
  }
}

customElements.define('ez-share-link', EzShareLink)

declare global {
  interface HTMLElementTagNameMap {
    'ez-share-link': EzShareLink
  }
}
