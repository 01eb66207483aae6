/**
 * `<ez-run-progress>`: where a run is — model loading, requests answered out of planned, input tokens per second —
 * and which device it runs on. Announced politely to screen readers.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { EvalEvent } from '../core/events.ts'
import type { DeviceReport } from '../protocol/device.ts'
import type { RunPhase } from '../protocol/worker-event.ts'
import { tokensPerSecond } from '../protocol/worker-event.ts'

/** An engine progress event. */
export type ProgressEvent = Extract<EvalEvent, { type: 'progress' }>

/** Model file read progress, in bytes. */
export interface LoadState {
  readonly file: string
  readonly loaded: number
  readonly total: number
}

export class EzRunProgress extends LitElement {
  static override styles = css`
    :host { display: block; }
    .row { display: flex; flex-wrap: wrap; gap: 0.25rem 1rem; align-items: baseline; }
    progress { width: 100%; height: 0.75rem; accent-color: var(--ez-accent, #0969da); }
    .device { font-size: 0.9rem; }
    .muted { color: var(--ez-muted, #57606a); font-size: 0.9rem; }
    .fallback { color: var(--ez-warn, #9a6700); }
    strong { font-variant-numeric: tabular-nums; }
  `

  static override properties = {
    phase: {},
    progress: { attribute: false },
    device: { attribute: false },
    load: { attribute: false },
    totalRequests: { attribute: false },
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

  constructor() {
    super()
    this.phase = undefined
    this.progress = undefined
    this.device = undefined
    this.load = undefined
    this.totalRequests = undefined
  }

  override render() {
    if (this.phase === undefined) return nothing
    const p = this.progress
    const done = p?.overallDone ?? 0
    const total = p?.overallTotal ?? this.totalRequests ?? 0
    return html`
      <div role="status" aria-live="polite" data-testid="progress">
        <div class="row">
          <span>${phaseText(this.phase)}</span>
          ${this.phase === 'loading-model' && this.load ? html`<span class="muted">${this.load.file} ${kib(this.load.loaded)}${this.load.total ? html` / ${kib(this.load.total)}` : nothing}</span>` : nothing}
          ${total > 0 ? html`<span>requests <strong data-testid="requests">${done}/${total}</strong></span>` : nothing}
          ${p ? html`<span><strong data-testid="tok-s">${Math.round(tokensPerSecond(p)).toLocaleString()}</strong> tok/s</span>
                     <span class="muted">${p.kind}</span>` : nothing}
        </div>
        <progress max=${total || 1} .value=${total > 0 ? done : 0} aria-label="Requests answered"></progress>
        ${this.device ? html`<div class="device" data-testid="device" data-device=${this.device.device}>${deviceText(this.device)}</div>` : nothing}
      </div>
    `
  }
}

function phaseText(phase: RunPhase | 'done'): string {
  switch (phase) {
    case 'done': return 'Finished.'
    case 'loading-model': return 'Loading the model…'
    case 'evaluating': return 'Evaluating…'
    case 'finishing': return 'Scoring…'
  }
}

function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(0)} KiB`
}

function deviceText(d: DeviceReport) {
  const adapter = d.adapter
    ? [d.adapter.vendor, d.adapter.architecture].filter(Boolean).join(' ') + (d.adapter.isFallbackAdapter ? ', software adapter' : '')
    : ''
  const name = d.device === 'webgpu' ? 'WebGPU' : 'WebAssembly (CPU)'
  return html`Device: <strong>${name}</strong>${d.device === 'webgpu' && adapter ? html` <span class="muted">(${adapter})</span>` : nothing}${
    d.fellBack ? html` <span class="fallback">— fell back to wasm: ${d.reason}</span>` : nothing}`
}

customElements.define('ez-run-progress', EzRunProgress)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-progress': EzRunProgress
  }
}
