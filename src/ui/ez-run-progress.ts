/**
 * `<ez-run-progress>`: where a run is — model loading, requests answered out of planned, input tokens per second,
 * time left — per task docs scored (a doc is scored once all its requests are answered; requests of all tasks run
 * together, length-sorted) and the running metric with its 95% interval, the device, and Cancel (event 'cancel'). The summary line is announced politely to screen readers.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { EvalEvent, PlannedTaskSummary } from '../core/events.ts'
import type { DeviceReport } from '../protocol/device.ts'
import { adapterName } from '../app/device.ts'
import type { RunPhase } from '../protocol/worker-event.ts'
import { tokensPerSecond } from '../app/worker-event.ts'
import { fire, sharedStyles } from './shared-styles.ts'

/** An engine progress event. */
export type ProgressEvent = Extract<EvalEvent, { type: 'progress' }>

/** An engine per-task progress event. */
export type TaskProgressEvent = Extract<EvalEvent, { type: 'task-progress' }>

/** Model file read progress, in bytes. */
export interface LoadState {
  readonly file: string
  readonly loaded: number
  readonly total: number
}

export class EzRunProgress extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; border: 1px solid var(--ez-border, #d0d7de); border-radius: 8px; padding: 0.75rem 1rem; }
    .head { display: flex; justify-content: space-between; align-items: center; gap: 0.75rem; flex-wrap: wrap; }
    table { margin-top: 0.5rem; }
    td, th { white-space: nowrap; }
    .row { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; }
    progress { width: 100%; height: 0.75rem; accent-color: var(--ez-accent, #0969da); }
    .device { font-size: 0.9rem; }
    .muted { color: var(--ez-muted, #57606a); font-size: 0.9rem; }
    .hint-line { margin: 0.4rem 0 0; font-size: 0.85rem; }
    .fallback { color: var(--ez-warn, #9a6700); }
    strong { font-variant-numeric: tabular-nums; }
  `]

  static override properties = {
    phase: {},
    progress: { attribute: false },
    device: { attribute: false },
    load: { attribute: false },
    totalRequests: { attribute: false },
    planned: { attribute: false },
    tasks: { attribute: false },
    cancellable: { type: Boolean },
  }

  /** stage of the current run, 'done' after it finished; undefined hides the element */
  declare phase: RunPhase | 'done' | undefined
  /** latest engine progress */
  declare progress: ProgressEvent | undefined
  /** device the model was loaded on */
  declare device: DeviceReport | undefined
  /** latest model file progress */
  declare load: LoadState | undefined
  /** requests planned (from the engine's 'planned' event) */
  declare totalRequests: number | undefined
  /** tasks planned, with docs and requests */
  declare planned: readonly PlannedTaskSummary[]
  /** latest per-task progress, by task */
  declare tasks: { readonly [task: string]: TaskProgressEvent }
  /** shows Cancel */
  declare cancellable: boolean

  constructor() {
    super()
    this.phase = undefined
    this.progress = undefined
    this.device = undefined
    this.load = undefined
    this.totalRequests = undefined
    this.planned = []
    this.tasks = {}
    this.cancellable = false
  }

  /** Focuses Cancel (keyboard users land here after Run), scrolled into view. */
  async focusCancel(): Promise<void> {
    await this.updateComplete
    const cancel = this.renderRoot.querySelector<HTMLElement>('[data-testid="cancel"]')
    cancel?.focus()
    cancel?.scrollIntoView({ block: 'nearest' })
  }

  override render() {
    if (this.phase === undefined) return nothing
    const p = this.progress
    const done = p?.overallDone ?? 0
    const total = p?.overallTotal ?? this.totalRequests ?? 0
    const eta = p ? etaSeconds(p) : undefined
    return html`
      <div data-testid="progress" data-phase=${this.phase}>
        <div class="head">
          <div class="row" role="status" aria-live="polite">
            <strong>${phaseText(this.phase)}</strong>
            ${this.phase === 'loading-model' && this.load ? html`<span class="muted">${this.load.file} ${kib(this.load.loaded)}${this.load.total ? html` / ${kib(this.load.total)}` : nothing}</span>` : nothing}
            ${total > 0 ? html`<span>requests <strong data-testid="requests">${done}/${total}</strong></span>` : nothing}
            ${p ? html`<span><strong data-testid="tok-s">${Math.round(tokensPerSecond(p)).toLocaleString()}</strong> tok/s</span>
                       ${eta !== undefined && this.phase === 'evaluating' ? html`<span>ETA <strong data-testid="eta">${formatSeconds(eta)}</strong></span>` : nothing}
                       ${this.phase === 'evaluating' ? html`<span class="muted">now: ${p.kind} requests</span>` : nothing}` : nothing}
          </div>
          ${this.cancellable ? html`<button type="button" class="danger" data-testid="cancel" @click=${() => fire(this, 'cancel', null)}>Cancel run</button>` : nothing}
        </div>
        <progress max=${total || 1} .value=${total > 0 ? done : 0} aria-label="Requests answered"></progress>
        ${this.device ? html`<div class="device" data-testid="device" data-device=${this.device.device}>${deviceText(this.device)}</div>` : nothing}
        ${this.planned.length > 0 ? html`
          <div class="scroll" tabindex="0" role="region" aria-label="Progress per task">
            <table data-testid="task-progress">
              <thead><tr><th scope="col">Task</th><th scope="col" class="num">Docs scored</th><th scope="col" class="num">Requests</th><th scope="col">Running metric (95% interval)</th></tr></thead>
              <tbody>${this.planned.map((t) => this.renderTask(t))}</tbody>
            </table>
          </div>
          ${this.phase !== 'done' ? html`<p class="muted hint-line" data-testid="task-progress-hint">The requests of all tasks go to the model together, longest
            first, so a doc counts as scored only once all its requests are answered: docs scored may stay at 0 while the
            request count above climbs.</p>` : nothing}` : nothing}
      </div>
    `
  }

  private renderTask(t: PlannedTaskSummary) {
    const tp = this.tasks[t.task]
    const m = tp?.metric
    return html`<tr data-task=${t.task}>
      <td class="mono">${t.task}</td>
      <td class="num">${tp?.docsDone ?? 0}/${t.docs}</td>
      <td class="num">${t.requests.toLocaleString()}</td>
      <td>${m ? html`${m.name} <strong class="mono">${m.value.toFixed(3)}</strong> <span class="muted mono" data-testid="running-interval" data-low=${m.ci95[0]} data-high=${m.ci95[1]}>[${m.ci95[0].toFixed(3)}, ${m.ci95[1].toFixed(3)}]</span> <span class="muted">n=${m.n}</span>`
        : html`<span class="muted">${this.phase === 'done' ? '—' : 'after the first doc is scored'}</span>`}</td>
    </tr>`
  }
}

/** Seconds left at the current request rate; undefined before any request finished or once all did. */
export function etaSeconds(p: ProgressEvent): number | undefined {
  if (p.overallDone <= 0 || p.elapsedMs <= 0 || p.overallDone >= p.overallTotal) return undefined
  return ((p.overallTotal - p.overallDone) * p.elapsedMs) / p.overallDone / 1000
}

/** '45 s', '3 min 20 s', '1 h 5 min'. */
export function formatSeconds(s: number): string {
  const t = Math.round(s)
  if (t < 60) return `${t} s`
  if (t < 3600) return `${Math.floor(t / 60)} min ${t % 60} s`
  return `${Math.floor(t / 3600)} h ${Math.floor((t % 3600) / 60)} min`
}

function phaseText(phase: RunPhase | 'done'): string {
  switch (phase) {
    case 'done': return 'Finished.'
    case 'loading-python': return 'Loading Python (Pyodide) for the task hooks…'
    case 'loading-model': return 'Loading the model…'
    case 'evaluating': return 'Evaluating…'
    case 'finishing': return 'Scoring…'
  }
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

function deviceText(d: DeviceReport) {
  if (d.device === 'server') return html`a server <span class="muted" data-testid="device-reason">— ${d.reason}</span>`
  const name = d.device === 'webgpu' ? 'WebGPU' : 'WebAssembly (CPU)'
  const adapter = d.device === 'webgpu' && d.adapter ? html` <span class="muted">(${adapterName(d.adapter)})</span>`
    : d.threads !== undefined ? html` <span class="muted" data-testid="device-threads">(${d.threads} ${d.threads === 1 ? 'thread' : 'threads'})</span>`
    : nothing
  const why = d.fellBack ? html`<span class="fallback" data-testid="device-reason">— fell back to wasm: ${d.reason}</span>`
    : d.requested === 'auto' && d.reason ? html`<span class="muted" data-testid="device-reason">— Auto chose it: ${d.reason}</span>`
    : html`<span class="muted" data-testid="device-reason">— as chosen</span>`
  return html`Device: <strong>${name}</strong>${adapter} ${why}`
}

customElements.define('ez-run-progress', EzRunProgress)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-progress': EzRunProgress
  }
}
