/**
 * `<ez-shared-run>`: a share link opened on this device. It shows the link's results at once, marked as not yet
 * verified here, names the model the run needs and whether this browser has it (a Hub model can be downloaded by
 * its commit; a local model must be dropped and its weights' sha256 must match), and offers to re-run everything
 * or spot-check N random samples, then reports how many reproduced identically. Nothing starts by itself.
 * Events: 'hub-model-added' {model} after a download; 'run-finished' {result} after a full re-run.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { SharePayload } from '../core/share/share-payload.ts'
import { chooseSpotCheck, compareSpotCheck } from '../core/share/spot-check.ts'
import type { SpotCheckPick, SpotCheckReport } from '../core/share/spot-check.ts'
import { parseSampleLines } from '../core/share/sample-row.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'
import { rerunRequest } from '../app/share-link.ts'
import { formatBytes } from './file-drop.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The worker calls this element makes. */
export type SharedRunClient = Pick<EvalWorkerClient, 'run' | 'downloadHubModel'>

/** Where the link's model is on this device. */
type ModelHere = { readonly source: 'app' | 'stored'; readonly id: string } | undefined

export class EzSharedRun extends LitElement {
  static override styles = [sharedStyles, css`
    :host { border: 1px solid var(--ez-warn, #9a6700); border-radius: 8px; padding: 1rem; margin-bottom: 1.25rem; }
    .unverified { color: var(--ez-warn, #9a6700); font-weight: 600; }
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0.5rem 0; }
    .row input[type=number] { width: 5rem; }
    .ok { color: var(--ez-ok, #1a7f37); font-weight: 600; }
    .bad { color: var(--ez-danger, #cf222e); font-weight: 600; }
    ul { margin: 0.25rem 0; padding-left: 1.25rem; font-size: 0.9rem; }
  `]

  static override properties = {
    client: { attribute: false },
    payload: { attribute: false },
    models: { attribute: false },
    disabled: { type: Boolean },
    count: { state: true },
    busy: { state: true },
    progress: { state: true },
    report: { state: true },
    error: { state: true },
  }

  /** the worker client */
  declare client: SharedRunClient | undefined
  /** the decoded link */
  declare payload: SharePayload | undefined
  /** stored models, to find the link's model */
  declare models: readonly ModelInfo[]
  /** true while another run is in flight */
  declare disabled: boolean
  private declare count: number
  private declare busy: string | undefined
  private declare progress: string | undefined
  private declare report: SpotCheckReport | undefined
  private declare error: { code: string; message: string } | undefined

  constructor() {
    super()
    this.client = undefined
    this.payload = undefined
    this.models = []
    this.disabled = false
    this.count = 10
    this.busy = undefined
    this.progress = undefined
    this.report = undefined
    this.error = undefined
  }

  override render() {
    const p = this.payload
    if (!p) return nothing
    const here = this.modelHere(p)
    const off = this.disabled || this.busy !== undefined
    return html`
      <h2>Shared evaluation <span class="unverified" data-testid="unverified">${this.report ? '' : '· not yet verified on this device'}</span></h2>
      <p>Model: ${this.describeModel(p)} · tasks <span class="mono">${p.run.tasks.join(', ')}</span> · limit ${p.run.limit ?? 'all'} ·
        shots ${p.run.numFewshot ?? 'task default'} · seed ${p.run.seed} · evalz ${p.evalz}</p>
      ${this.renderResults(p)}
      ${here === undefined ? this.renderMissingModel(p, off) : nothing}
      <div class="row">
        <button type="button" class="primary" data-testid="shared-rerun" ?disabled=${off || here === undefined} @click=${() => this.rerun(undefined)}>Re-run everything</button>
        ${p.samples ? html`<label>Spot-check <input type="number" min="1" step="1" data-testid="spot-count" .value=${String(this.count)}
            @input=${(e: Event) => { this.count = Math.max(1, Number((e.target as HTMLInputElement).value) || 1) }}> samples</label>
          <button type="button" data-testid="spot-check" ?disabled=${off || here === undefined} @click=${() => this.spotCheck()}>Spot-check</button>`
        : html`<span class="muted">This link records no samples, so only a full re-run can check it.</span>`}
      </div>
      ${this.busy ? html`<p role="status" data-testid="shared-busy">${this.busy}${this.progress ? ` · ${this.progress}` : ''}</p>` : nothing}
      ${this.report ? html`<p role="status" data-testid="spot-report" class=${this.report.mismatches.length === 0 ? 'ok' : 'bad'}>${this.report.summary}</p>
        ${this.report.mismatches.length > 0 ? html`<ul data-testid="spot-mismatches">${this.report.mismatches.slice(0, 20).map((m) => html`
          <li><span class="mono">${m.task}</span> doc ${m.docId}: ${m.field} expected ${String(m.expected)}, got ${String(m.got)}</li>`)}</ul>` : nothing}` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="shared-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
    `
  }

  private renderResults(p: SharePayload) {
    if (!p.results) return html`<p class="muted">The link carries no results; re-run to get them.</p>`
    const rows = Object.entries(p.results).flatMap(([task, r]) => Object.entries(r.metrics)
      .filter(([key]) => !key.includes('_stderr,'))
      .map(([key, value]) => {
        const [metric, filter] = key.split(',')
        const stderr = r.metrics[`${metric}_stderr,${filter}`]
        return html`<tr><td class="mono">${task}</td><td>${filter}</td><td>${metric}</td>
          <td class="num">${typeof value === 'number' ? value.toFixed(4) : value}</td>
          <td class="num">${typeof stderr === 'number' ? `± ${stderr.toFixed(4)}` : ''}</td></tr>`
      }))
    return html`<div class="scroll"><table data-testid="shared-results"><thead><tr><th>Task</th><th>Filter</th><th>Metric</th>
      <th class="num">Value</th><th class="num">Stderr</th></tr></thead><tbody>${rows}</tbody></table></div>`
  }

  private describeModel(p: SharePayload) {
    const m = p.model
    if (m.kind === 'app') return html`the app's <strong>${m.id}</strong> model`
    if (m.kind === 'hub') return html`<strong>${m.repo}</strong> at commit <span class="mono">${m.sha.slice(0, 12)}</span> (${m.dtype})`
    return html`local model <strong>${m.name}</strong> (weights sha256 <span class="mono">${m.weightsSha256.slice(0, 12)}…</span>)`
  }

  private renderMissingModel(p: SharePayload, off: boolean) {
    const m = p.model
    if (m.kind === 'hub') {
      return html`<div class="row"><span>This browser does not have ${m.repo}@${m.sha.slice(0, 8)} yet.</span>
        <button type="button" data-testid="shared-download" ?disabled=${off} @click=${() => this.download()}>Download it (${m.dtype})</button></div>`
    }
    if (m.kind === 'local') {
      return html`<p data-testid="shared-need-file">The run used a model from the sharer's disk. Drop the same model under “Model” in the
        <a href="#/run">Run</a> view:
        its weights' sha256 must be <span class="mono">${m.weightsSha256}</span>.</p>`
    }
    return html`<p class="error">This app has no model '${m.id}'.</p>`
  }

  /** The link's model on this device: the app's own, or a stored one with the same commit or weights hash. */
  private modelHere(p: SharePayload): ModelHere {
    const m = p.model
    if (m.kind === 'app') return m.id === 'demo' ? { source: 'app', id: m.id } : undefined
    const found = m.kind === 'hub'
      ? this.models.find((s) => s.hub?.repo === m.repo && s.hub.sha === m.sha && s.files.some((f) => f.path.startsWith('onnx/')))
      : this.models.find((s) => s.weightsSha256 === m.weightsSha256)
    return found ? { source: 'stored', id: found.id } : undefined
  }

  private async download(): Promise<void> {
    const m = this.payload?.model
    if (!this.client || m?.kind !== 'hub') return
    this.error = undefined
    this.busy = `Downloading ${m.repo}`
    try {
      const model = await this.client.downloadHubModel(`${m.repo}@${m.sha}`, m.dtype, (p) => {
        this.progress = `${formatBytes(p.loaded)} of ${formatBytes(p.total)}`
      })
      fire(this, 'hub-model-added', { model })
    } catch (e) {
      this.error = errorText(e)
    } finally {
      this.busy = undefined
      this.progress = undefined
    }
  }

  private spotCheck(): void {
    if (!this.payload) return
    try {
      // a fresh random choice each time, so repeated checks cover different samples
      const seed = crypto.getRandomValues(new Uint32Array(1))[0]
      void this.rerun(chooseSpotCheck(this.payload, this.count, seed))
    } catch (e) {
      this.error = errorText(e)
    }
  }

  /** Runs the link's spec (only `picks`' docs when given) and compares the new samples with the link's record. */
  private async rerun(picks: readonly SpotCheckPick[] | undefined): Promise<void> {
    const p = this.payload
    const here = p && this.modelHere(p)
    if (!this.client || !p || !here) return
    this.error = undefined
    this.report = undefined
    this.busy = picks ? `Spot-checking ${picks.length} samples` : 'Re-running the evaluation'
    try {
      const spec = rerunRequest(p, { runId: crypto.randomUUID(), model: here.id, modelSource: here.source }, picks)
      const result = await this.client.run(spec, (ev) => {
        // every stage says something, so a spot-check never sits silent while the model loads
        if (ev.type === 'phase') this.progress = ev.phase === 'loading-python' ? 'loading Python for the task hooks…' : ev.phase === 'loading-model' ? 'loading the model…' : ev.phase === 'evaluating' ? 'reading the documents…' : 'scoring…'
        else if (ev.type === 'load') this.progress = `loading ${ev.file}${ev.total > 0 ? ` (${Math.round((100 * ev.loaded) / ev.total)}%)` : ''}`
        else if (ev.type === 'eval' && ev.event.type === 'planned') this.progress = `0/${ev.event.totalRequests} requests`
        else if (ev.type === 'eval' && ev.event.type === 'progress') this.progress = `${ev.event.overallDone}/${ev.event.overallTotal} requests`
      })
      if (!picks) fire(this, 'run-finished', { result })
      if (p.samples) {
        const samples = Object.fromEntries(Object.entries(result.samplesJsonl).map(([task, text]) => [task, parseSampleLines(text, task)]))
        this.report = compareSpotCheck(p, samples, picks)
      }
    } catch (e) {
      this.error = errorText(e)
    } finally {
      this.busy = undefined
      this.progress = undefined
    }
  }
}

customElements.define('ez-shared-run', EzSharedRun)

declare global {
  interface HTMLElementTagNameMap {
    'ez-shared-run': EzSharedRun
  }
}
