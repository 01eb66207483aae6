/**
 * `<ez-calibration>`: plots of one run's multiple-choice tasks from its samples — a calibration (reliability)
 * diagram per task (largest choice probability vs accuracy in 10 bins, with the ECE) and the per-choice probability
 * view of a chosen doc. Takes the same inputs as the sample inspector: samples texts and the results object.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { JsonValue } from '../protocol/wire-json.ts'
import { calibrationOf, type Calibration } from './calibration.ts'
import { calibrationSvg, choiceProbabilitySvg } from './chart-svg.ts'
import { choiceBars } from './compare-samples.ts'
import { parseSamples, type SampleView, type TaskConfigView } from './sample-view.ts'
import { sharedStyles } from './shared-styles.ts'
import './ez-chart-figure.ts'

/** A multiple-choice task's samples and calibration. */
interface TaskPlot {
  /** task name */
  readonly task: string
  /** its samples (first filter only: filters do not change choices) */
  readonly samples: readonly SampleView[]
  /** the reliability table */
  readonly calibration: Calibration
}

export class EzCalibration extends LitElement {
  static override styles = [sharedStyles, css`
    .plots { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(100%, 26rem), 1fr)); gap: 1rem; }
    .field { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; font-size: 0.9rem; margin: 0.5rem 0; }
    h4 { margin: 0.5rem 0 0.25rem; }
  `]

  static override properties = {
    samplesJsonl: { attribute: false },
    results: { attribute: false },
    label: {},
    doc: { state: true },
  }

  /** task → samples_<task>.jsonl text */
  declare samplesJsonl: { readonly [task: string]: string }
  /** the run's results object (configs: output_type, target_delimiter) */
  declare results: { readonly [key: string]: JsonValue } | undefined
  /** the run's name, for titles */
  declare label: string
  /** the doc whose choices are shown: 'task\0docId' */
  private declare doc: string
  private plots: TaskPlot[] = []

  constructor() {
    super()
    this.samplesJsonl = {}
    this.results = undefined
    this.label = ''
    this.doc = ''
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('samplesJsonl') || changed.has('results')) {
      const configs = (this.results?.configs ?? {}) as Record<string, TaskConfigView>
      this.plots = Object.entries(this.samplesJsonl).flatMap(([task, text]): TaskPlot[] => {
        if (configs[task]?.output_type !== 'multiple_choice') return []
        let all: SampleView[]
        try {
          all = parseSamples(task, text, configs[task])
        } catch {
          return []
        }
        const filter = all[0]?.filter
        const samples = all.filter((s) => s.filter === filter)
        const calibration = calibrationOf(samples)
        return calibration.docs > 0 ? [{ task, samples, calibration }] : []
      })
      const first = this.plots[0]?.samples[0]
      this.doc = first ? `${first.task}\u0000${first.docId}` : ''
    }
  }

  override render() {
    if (this.plots.length === 0) return html`<p class="muted">No multiple-choice task with logged samples in this run.</p>`
    const [task, id] = this.doc.split('\u0000')
    const sample = this.plots.find((p) => p.task === task)?.samples.find((s) => String(s.docId) === id)
    const fmt = (v: number | undefined) => (v === undefined ? '—' : v.toFixed(4))
    return html`
      <div class="plots">${this.plots.map((p) => html`<div data-testid="calibration" data-task=${p.task} data-docs=${p.calibration.docs} data-ece=${String(p.calibration.ece)}>
        <h4 class="mono">${p.task}</h4>
        <ez-chart-figure .svg=${calibrationSvg(p.calibration, `Calibration of ${this.label || 'the run'} on ${p.task}`)}
          .caption=${`${p.calibration.docs} docs · accuracy ${fmt(p.calibration.accuracy)} · mean confidence ${fmt(p.calibration.meanConfidence)} · ECE ${fmt(p.calibration.ece)} (10 bins). Bars: accuracy per bin; ticks: the bin's mean confidence; dashed: perfect calibration.`}
          .fileName=${`${this.label || 'run'}-${p.task}-calibration`}></ez-chart-figure></div>`)}</div>
      <div class="field"><label for="calib-doc">Choice probabilities of</label>
        <select id="calib-doc" data-testid="calibration-doc" @change=${(e: Event) => { this.doc = (e.target as HTMLSelectElement).value }}>
          ${this.plots.map((p) => html`<optgroup label=${p.task}>${p.samples.map((s) => {
            const key = `${s.task}\u0000${s.docId}`
            return html`<option value=${key} ?selected=${key === this.doc}>${s.task} doc ${s.docId}${s.correct === false ? ' ✗' : ''}</option>`
          })}</optgroup>`)}
        </select></div>
      ${sample ? html`<ez-chart-figure data-testid="choice-probabilities" .svg=${choiceProbabilitySvg(choiceBars([sample]), [this.label || 'run'], `Choice probabilities of ${sample.task} doc ${sample.docId}`)}
        .caption=${`Softmax over the choices' loglikelihoods; ★ gold, ◀ the run's answer. Prompt ends: ${sample.prompt.slice(-120)}`}
        .fileName=${`${this.label || 'run'}-${sample.task}-doc${sample.docId}-choices`}></ez-chart-figure>` : nothing}
    `
  }
}

customElements.define('ez-calibration', EzCalibration)

declare global {
  interface HTMLElementTagNameMap {
    'ez-calibration': EzCalibration
  }
}
