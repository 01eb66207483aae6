/**
 * `<ez-hub-model>`: a model from the Hugging Face Hub — type `owner/name[@revision]`, look it up, pick a weights
 * variant (sizes shown; variants this browser cannot run are marked), download it into this browser's storage
 * (bytes, speed and time left; an interrupted download resumes) — plus the Hub settings: endpoint and access
 * token (kept in this browser's IndexedDB by the worker; the page only learns whether one is stored).
 * Events: 'hub-model-added' {model: ModelInfo} once a download is stored.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { HubDownloadProgress, HubModelSummary, HubSettings } from '../protocol/hub-api.ts'
import { formatBytes } from './file-drop.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The worker calls this element makes. */
export type HubClient = Pick<EvalWorkerClient, 'getHubSettings' | 'setHubSettings' | 'resolveHubModel' | 'downloadHubModel'>

/** Seconds as '1 h 02 min', '3 min 05 s' or '12 s'. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds))
  if (s >= 3600) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`
  if (s >= 60) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`
  return `${s} s`
}

export class EzHubModel extends LitElement {
  static override styles = [sharedStyles, css`
    form { display: flex; gap: 0.5rem; flex-wrap: wrap; }
    form input { flex: 1 1 14rem; }
    fieldset { border: 0; padding: 0; margin: 0.75rem 0 0; display: grid; gap: 0.3rem; }
    .option { display: flex; gap: 0.5rem; align-items: baseline; }
    .option.unusable { color: var(--ez-muted, #57606a); }
    progress { width: 100%; accent-color: var(--ez-accent, #0969da); }
    details { margin-top: 0.75rem; }
    details > summary { cursor: pointer; color: var(--ez-muted, #57606a); font-size: 0.9rem; }
    .settings { display: grid; gap: 0.5rem; margin-top: 0.5rem; }
    .settings label { display: grid; gap: 0.2rem; font-size: 0.9rem; }
    .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
    .ok { color: var(--ez-ok, #1a7f37); }
  `]

  static override properties = {
    client: { attribute: false },
    disabled: { type: Boolean },
    settings: { state: true },
    summary: { state: true },
    dtype: { state: true },
    busy: { state: true },
    progress: { state: true },
    error: { state: true },
    notice: { state: true },
  }

  /** the worker client */
  declare client: HubClient | undefined
  /** true while a run is in flight */
  declare disabled: boolean
  private declare settings: HubSettings | undefined
  private declare summary: HubModelSummary | undefined
  private declare dtype: string | undefined
  private declare busy: 'looking-up' | 'downloading' | 'saving' | undefined
  private declare progress: HubDownloadProgress | undefined
  private declare error: { code: string; message: string } | undefined
  private declare notice: string | undefined
  private repoId = ''

  constructor() {
    super()
    this.client = undefined
    this.disabled = false
    this.settings = undefined
    this.summary = undefined
    this.dtype = undefined
    this.busy = undefined
    this.progress = undefined
    this.error = undefined
    this.notice = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.client?.getHubSettings().then((s) => { this.settings = s }, (e: unknown) => { this.error = errorText(e) })
  }

  override render() {
    const off = this.disabled || this.busy !== undefined
    return html`
      <h3 id="hub-h">From the Hugging Face Hub</h3>
      <form @submit=${this.onLookUp} aria-labelledby="hub-h">
        <input name="id" data-testid="hub-model-id" placeholder="owner/name[@revision]" aria-describedby="hub-example"
          aria-label="Hub model id" autocomplete="off" spellcheck="false" ?disabled=${off}>
        <button type="submit" ?disabled=${off} data-testid="hub-look-up">Look up</button>
      </form>
      <p class="muted hint" id="hub-example">e.g. <code>HuggingFaceTB/SmolLM2-135M-Instruct</code></p>
      ${this.busy === 'looking-up' ? html`<p class="muted" role="status">Looking up the repo…</p>` : nothing}
      ${this.summary ? this.renderVariants(this.summary, off) : nothing}
      ${this.progress ? this.renderProgress(this.progress) : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="hub-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
      ${this.notice ? html`<p class="muted" role="status" data-testid="hub-notice">${this.notice}</p>` : nothing}
      ${this.renderSettings()}
    `
  }

  private renderVariants(s: HubModelSummary, off: boolean) {
    return html`
      <fieldset data-testid="hub-options" ?disabled=${off}>
        <legend class="muted">${s.repo} at <span class="mono" title=${s.sha}>${s.sha.slice(0, 12)}</span> — weights variant:</legend>
        ${s.options.map((o) => html`
          <label class="option ${o.usable ? '' : 'unusable'}">
            <input type="radio" name="dtype" value=${o.dtype} .checked=${this.dtype === o.dtype} ?disabled=${!o.usable}
              @change=${() => { this.dtype = o.dtype }}>
            <span><strong>${o.dtype}</strong> · ${formatBytes(o.bytes)}${o.recommended ? ' · recommended' : ''}${o.reason ? html` · <span class="muted">${o.reason}</span>` : nothing}</span>
          </label>`)}
        <div class="row">
          <button type="button" class="primary" data-testid="hub-download" ?disabled=${off || this.dtype === undefined}
            @click=${() => this.download()}>${s.storedId ? 'Use the stored copy' : 'Download'}</button>
          <span class="muted">Stored in this browser; later runs work offline.</span>
        </div>
      </fieldset>`
  }

  private renderProgress(p: HubDownloadProgress) {
    const eta = p.etaSeconds === undefined ? '' : ` · ${formatDuration(p.etaSeconds)} left`
    return html`<div role="status" data-testid="hub-progress">
      ${this.busy === 'saving' ? 'Storing…' : html`Downloading <span class="mono">${p.file}</span>:
        ${formatBytes(p.loaded)} of ${formatBytes(p.total)} · ${formatBytes(p.bytesPerSecond)}/s${eta}`}
      <progress max=${p.total || 1} .value=${p.loaded} aria-label="Bytes downloaded"></progress>
    </div>`
  }

  private renderSettings() {
    const s = this.settings
    return html`<details data-testid="hub-settings">
      <summary>Hub settings${s?.hasToken ? ' · token stored' : ''}</summary>
      <div class="settings">
        <label>Endpoint
          <input data-testid="hub-endpoint" .value=${s?.endpoint ?? ''} placeholder="https://huggingface.co"
            @change=${(e: Event) => this.save({ endpoint: (e.target as HTMLInputElement).value.trim() })}></label>
        <label>Access token (for gated and private repos)
          <input type="password" data-testid="hub-token" autocomplete="off" placeholder=${s?.hasToken ? 'stored — type to replace' : 'hf_…'}
            @change=${(e: Event) => { const input = e.target as HTMLInputElement; void this.save({ token: input.value.trim() }); input.value = '' }}></label>
        <div class="row">
          ${s?.hasToken ? html`<span class="ok">token stored in this browser</span>
            <button type="button" class="small" data-testid="hub-token-forget" @click=${() => this.save({ token: null })}>Forget token</button>`
          : html`<span class="muted">The token is kept in this browser only and is never written into results or links.</span>`}
        </div>
      </div>
    </details>`
  }

  private async save(update: { endpoint?: string; token?: string | null }): Promise<void> {
    if (!this.client) return
    this.error = undefined
    try {
      this.settings = await this.client.setHubSettings(update)
    } catch (e) {
      this.error = errorText(e)
    }
  }

  private async onLookUp(e: Event): Promise<void> {
    e.preventDefault()
    const input = (e.target as HTMLFormElement).elements.namedItem('id') as HTMLInputElement
    this.repoId = input.value.trim()
    if (!this.client || this.repoId === '') return
    this.error = undefined
    this.notice = undefined
    this.summary = undefined
    this.busy = 'looking-up'
    try {
      const summary = await this.client.resolveHubModel(this.repoId)
      this.summary = summary
      this.dtype = summary.options.find((o) => o.recommended)?.dtype
    } catch (err) {
      this.error = errorText(err)
    } finally {
      this.busy = undefined
    }
  }

  private async download(): Promise<void> {
    const dtype = this.dtype
    if (!this.client || !this.summary || dtype === undefined) return
    this.error = undefined
    this.busy = 'downloading'
    try {
      const model = await this.client.downloadHubModel(`${this.summary.repo}@${this.summary.sha}`, dtype, (p) => {
        this.progress = p
        if (p.total > 0 && p.loaded >= p.total) this.busy = 'saving'
      })
      this.notice = `${model.name} is stored and selected.`
      this.summary = undefined
      fire(this, 'hub-model-added', { model })
    } catch (err) {
      this.error = errorText(err)
    } finally {
      this.busy = undefined
      this.progress = undefined
    }
  }
}

customElements.define('ez-hub-model', EzHubModel)

declare global {
  interface HTMLElementTagNameMap {
    'ez-hub-model': EzHubModel
  }
}
