/**
 * `<ez-compare-import>`: imports a run that lm-evaluation-harness (or the evalz CLI) wrote — its results_<date>.json
 * and samples_<task>_<date>.jsonl files — into the history, so it compares with runs made here. The files are
 * checked in the page first (run-import.ts, one-line errors), then stored by the worker's importRun. Fires
 * 'runs-changed' {id} once stored.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { importPlan, type ImportPlan } from './run-import.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

export class EzCompareImport extends LitElement {
  static override styles = [sharedStyles, css`
    .row { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; min-width: 0; max-width: 100%; }
    input[type=file] { max-width: 100%; }
    ul { margin: 0.4rem 0; padding-left: 1.2rem; font-size: 0.9rem; }
    .ok { color: var(--ez-ok, #1a7f37); }
  `]

  static override properties = {
    client: { attribute: false },
    plan: { state: true },
    label: { state: true },
    error: { state: true },
    busy: { state: true },
    done: { state: true },
  }

  /** the worker client (importRun) */
  declare client: EvalWorkerClient | undefined
  private declare plan: ImportPlan | undefined
  private declare label: string
  private declare error: { code: string; message: string } | undefined
  private declare busy: boolean
  /** the run imported last */
  private declare done: RunSummary | undefined

  constructor() {
    super()
    this.client = undefined
    this.plan = undefined
    this.label = ''
    this.error = undefined
    this.busy = false
    this.done = undefined
  }

  override render() {
    const p = this.plan
    return html`
      <p class="hint">Pick the <span class="mono">results_&lt;date&gt;.json</span> and <span class="mono">samples_&lt;task&gt;_&lt;date&gt;.jsonl</span>
        files that <span class="mono">lm_eval --output_path … --log_samples</span> wrote (or an evalz CLI run's files). The run is kept in this
        browser's history and compares like a run made here; without samples files only the headline numbers compare.</p>
      <div class="row">
        <div class="field"><label for="import-files">Results and samples files</label>
          <input id="import-files" type="file" multiple accept=".json,.jsonl,application/json" data-testid="import-files" ?disabled=${this.busy}
            @change=${(e: Event) => this.pick(e.target as HTMLInputElement)}></div>
        ${p ? html`<div class="field"><label for="import-label">Name in the history</label>
          <input id="import-label" data-testid="import-label" .value=${this.label} @input=${(e: Event) => { this.label = (e.target as HTMLInputElement).value }}></div>
          <button type="button" class="primary" data-testid="import-run" ?disabled=${this.busy} @click=${() => this.store()}>${this.busy ? 'Importing…' : 'Import'}</button>` : nothing}
      </div>
      ${p ? html`<ul data-testid="import-preview">
        <li>${p.run.producer}${p.run.producerVersion ? ` ${p.run.producerVersion}` : ''} run of <span class="mono">${p.run.model.name || '(no model name)'}</span>${p.run.model.dtype ? ` · ${p.run.model.dtype}` : ''}${p.run.model.device ? ` · ${p.run.model.device}` : ''}</li>
        ${p.run.tasks.map((t) => html`<li><span class="mono">${t.name}</span>: ${t.hasSamples ? `${new Set(t.samples.map((s) => s.docId)).size} docs with samples` : 'no samples file (no paired statistics)'}</li>`)}
      </ul>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="import-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
      ${this.done && !p ? html`<p class="ok" role="status" data-testid="import-done">Imported “${this.done.modelName}” (${Object.keys(this.done.headline).join(', ')}).</p>` : nothing}
    `
  }

  private async pick(input: HTMLInputElement): Promise<void> {
    this.error = undefined
    this.plan = undefined
    this.done = undefined
    const files = [...(input.files ?? [])]
    if (files.length === 0) return
    try {
      const texts = await Promise.all(files.map(async (f) => ({ name: f.name, text: await f.text() })))
      this.plan = importPlan(texts)
      this.label = this.plan.run.model.name
    } catch (e) {
      this.error = errorText(e)
    }
  }

  private async store(): Promise<void> {
    const p = this.plan
    if (!p || !this.client) return
    this.busy = true
    this.error = undefined
    try {
      this.done = await this.client.importRun({ ...p.input, label: this.label.trim() })
      this.plan = undefined
      const input = this.renderRoot.querySelector<HTMLInputElement>('#import-files')
      if (input) input.value = ''
      fire(this, 'runs-changed', { id: this.done.id })
    } catch (e) {
      this.error = errorText(e)
    } finally {
      this.busy = false
    }
  }
}

customElements.define('ez-compare-import', EzCompareImport)

declare global {
  interface HTMLElementTagNameMap {
    'ez-compare-import': EzCompareImport
  }
}
