/**
 * `<ez-app>`: the shell. Lists the catalogue from the worker, runs the demo evaluation with the chosen device and
 * limit, shows progress and lm-eval's results table.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DeviceReport, DeviceRequest } from '../protocol/device.ts'
import type { RunSuccess } from '../protocol/eval-worker-api.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import { RUN_DEFAULTS } from '../protocol/run-request.ts'
import type { RunPhase, WorkerEvent } from '../protocol/worker-event.ts'
import { EvalWorkerClient } from './worker-client.ts'
import type { LoadState, ProgressEvent } from './ez-run-progress.ts'
import './ez-run-progress.ts'
import './ez-results-table.ts'
import './ez-task-list.ts'

/** The run the page is showing. */
interface RunView {
  readonly runId: string
  readonly phase: RunPhase | undefined
  readonly progress: ProgressEvent | undefined
  readonly load: LoadState | undefined
  readonly device: DeviceReport | undefined
  readonly totalRequests: number | undefined
}

const DEVICES: readonly { value: DeviceRequest; label: string }[] = [
  { value: 'auto', label: 'Auto (WebGPU if available)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WebAssembly (CPU)' },
]

export class EzApp extends LitElement {
  static override styles = css`
    :host { display: block; max-width: 72rem; margin: 0 auto; padding: 1.5rem; }
    header { border-bottom: 1px solid var(--ez-border, #d0d7de); margin-bottom: 1.5rem; padding-bottom: 0.75rem; }
    h1 { margin: 0; font-size: 1.75rem; letter-spacing: -0.02em; }
    h1 span { color: var(--ez-accent, #0969da); }
    header p { margin: 0.25rem 0 0; color: var(--ez-muted, #57606a); }
    h2 { font-size: 1.2rem; margin: 0 0 0.75rem; }
    section { margin-bottom: 2rem; }
    form { display: flex; flex-wrap: wrap; gap: 0.75rem 1.25rem; align-items: end; margin-bottom: 1rem; }
    .field { display: flex; flex-direction: column; gap: 0.25rem; font-size: 0.9rem; }
    select, input {
      font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; min-width: 8rem;
      border: 1px solid var(--ez-border, #d0d7de); background: var(--ez-bg, #fff); color: var(--ez-fg, inherit);
    }
    button {
      font: inherit; padding: 0.45rem 1rem; border-radius: 6px; cursor: pointer;
      border: 1px solid var(--ez-border, #d0d7de); background: var(--ez-surface, #f6f8fa); color: var(--ez-fg, inherit);
    }
    button.primary { background: var(--ez-accent, #0969da); border-color: var(--ez-accent, #0969da); color: var(--ez-accent-fg, #fff); font-weight: 600; }
    button:disabled { opacity: 0.55; cursor: not-allowed; }
    :is(button, select, input):focus-visible { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
    .hint { color: var(--ez-muted, #57606a); font-size: 0.9rem; margin: 0 0 1rem; }
    .error { border: 1px solid var(--ez-danger, #cf222e); color: var(--ez-danger, #cf222e); border-radius: 6px; padding: 0.5rem 0.75rem; }
    .error code { font-weight: 600; }
  `

  static override properties = {
    tasks: { state: true },
    device: { state: true },
    limit: { state: true },
    run: { state: true },
    running: { state: true },
    result: { state: true },
    error: { state: true },
  }

  /** the catalogue, once the worker answered */
  private declare tasks: readonly CatalogueEntry[]
  /** device choice */
  private declare device: DeviceRequest
  /** docs per task; '' = all */
  private declare limit: string
  /** the run in progress, or the last one */
  private declare run: RunView | undefined
  /** whether a run is in flight */
  private declare running: boolean
  /** results of the last successful run */
  private declare result: RunSuccess | undefined
  /** the last error, as code and message */
  private declare error: { code: string; message: string } | undefined

  private readonly client = new EvalWorkerClient(this)

  constructor() {
    super()
    this.tasks = []
    this.device = RUN_DEFAULTS.device
    this.limit = ''
    this.run = undefined
    this.running = false
    this.result = undefined
    this.error = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    this.client.listTasks().then((t) => { this.tasks = t }, (e: unknown) => this.fail(e))
  }

  override render() {
    const running = this.running
    return html`
      <header>
        <h1>eval<span>z</span></h1>
        <p>lm-evaluation-harness prompts and numbers, computed in your browser.</p>
      </header>
      <main>
        <section aria-labelledby="run-h">
          <h2 id="run-h">Run the demo</h2>
          <p class="hint">Evaluates the bundled demo model (<code>models/demo</code>) on the demo tasks, entirely on this page.</p>
          <form @submit=${this._onSubmit}>
            <div class="field">
              <label for="device">Device</label>
              <select id="device" data-testid="device-select" .value=${this.device} ?disabled=${running} @change=${this._onDevice}>
                ${DEVICES.map((d) => html`<option value=${d.value} ?selected=${d.value === this.device}>${d.label}</option>`)}
              </select>
            </div>
            <div class="field">
              <label for="limit">Docs per task</label>
              <input id="limit" data-testid="limit" type="number" min="1" step="1" inputmode="numeric" placeholder="all"
                .value=${this.limit} ?disabled=${running} @input=${this._onLimit}>
            </div>
            <button class="primary" type="submit" data-testid="run" ?disabled=${running || this.tasks.length === 0}>Run demo</button>
            <button type="button" data-testid="cancel" ?disabled=${!running} @click=${this._onCancel}>Cancel</button>
          </form>
          ${this.error ? html`<p class="error" role="alert" data-testid="error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
          ${this.run ? html`<ez-run-progress .phase=${running ? this.run.phase : this.result?.runId === this.run.runId ? 'done' : undefined} .progress=${this.run.progress} .load=${this.run.load}
            .device=${this.run.device} .totalRequests=${this.run.totalRequests}></ez-run-progress>` : nothing}
        </section>
        ${this.result ? html`
          <section aria-labelledby="results-h">
            <h2 id="results-h">Results</h2>
            <ez-results-table .results=${this.result.results} .resultsJson=${this.result.resultsJson}
              data-device=${this.result.device.device}></ez-results-table>
          </section>` : nothing}
        <section aria-labelledby="tasks-h">
          <h2 id="tasks-h">Tasks</h2>
          <ez-task-list .entries=${this.tasks}></ez-task-list>
        </section>
      </main>
    `
  }

  private _onDevice(e: Event): void {
    this.device = (e.target as HTMLSelectElement).value as DeviceRequest
  }

  private _onLimit(e: Event): void {
    this.limit = (e.target as HTMLInputElement).value
  }

  private async _onSubmit(e: SubmitEvent): Promise<void> {
    e.preventDefault()
    const limit = this.limit.trim() === '' ? undefined : Number(this.limit)
    const spec: RunRequest = { ...RUN_DEFAULTS, runId: crypto.randomUUID(), device: this.device, limit, numFewshot: undefined }
    this.error = undefined
    this.run = { runId: spec.runId, phase: undefined, progress: undefined, load: undefined, device: undefined, totalRequests: undefined }
    this.running = true
    try {
      const result = await this.client.run(spec, (ev) => this.onWorkerEvent(spec.runId, ev))
      this.run = { ...this.run, device: result.device }
      this.result = result
    } catch (err) {
      this.fail(err)
    } finally {
      this.running = false
    }
  }

  private _onCancel(): void {
    if (this.run) void this.client.cancel(this.run.runId)
  }

  private onWorkerEvent(runId: string, e: WorkerEvent): void {
    const run = this.run
    if (!run || run.runId !== runId) return
    switch (e.type) {
      case 'phase': this.run = { ...run, phase: e.phase }; break
      case 'load': this.run = { ...run, load: e }; break
      case 'device': this.run = { ...run, device: e.report }; break
      case 'eval':
        if (e.event.type === 'planned') this.run = { ...run, totalRequests: e.event.totalRequests }
        else if (e.event.type === 'progress') this.run = { ...run, progress: e.event }
        break
    }
  }

  private fail(e: unknown): void {
    const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'ERROR'
    this.error = { code, message: e instanceof Error ? e.message : String(e) }
  }
}

customElements.define('ez-app', EzApp)

declare global {
  interface HTMLElementTagNameMap {
    'ez-app': EzApp
  }
}
