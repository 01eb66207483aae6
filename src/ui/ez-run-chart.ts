/**
 * `<ez-run-chart>`: one task's headline metric across the runs in the history (newest 20 done runs that have it),
 * each with its 95 % interval (±1.96·stderr, or Wilson at 0 % / 100 %), as a printable SVG with a PNG button.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { chartTasks, runsChartSvg } from './chart-svg.ts'
import { sharedStyles } from './shared-styles.ts'
import './ez-chart-figure.ts'

/** Most runs in one chart. */
const MAX_RUNS = 20

export class EzRunChart extends LitElement {
  static override styles = [sharedStyles, css`
    .field { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; font-size: 0.9rem; margin-bottom: 0.5rem; }
  `]

  static override properties = {
    runs: { attribute: false },
    task: { state: true },
  }

  /** stored runs, newest first */
  declare runs: readonly RunSummary[]
  /** the task charted */
  private declare task: string

  constructor() {
    super()
    this.runs = []
    this.task = ''
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('runs')) {
      const tasks = chartTasks(this.runs)
      if (!tasks.includes(this.task)) this.task = tasks[0] ?? ''
    }
  }

  override render() {
    const tasks = chartTasks(this.runs)
    if (tasks.length === 0) return html`<p class="muted">No finished run with a proportion metric yet.</p>`
    const { svg, bars } = runsChartSvg(this.runs, this.task, MAX_RUNS)
    return html`
      <div class="field"><label for="chart-task">Task</label>
        <select id="chart-task" data-testid="run-chart-task" @change=${(e: Event) => { this.task = (e.target as HTMLSelectElement).value }}>
          ${tasks.map((t) => html`<option value=${t} ?selected=${t === this.task}>${t}</option>`)}
        </select>
        <span class="muted" data-testid="run-chart-count">${bars} ${bars === 1 ? 'run' : 'runs'}</span></div>
      ${bars > 0 ? html`<ez-chart-figure data-testid="run-chart" .svg=${svg} .fileName=${`${this.task}-across-runs`}
        .caption=${`The first metric of ${this.task} in each finished run (newest ${MAX_RUNS} at most, oldest at the top); whiskers: ±1.96·stderr (normal approximation), or the Wilson interval where the stderr is 0 at 0 % or 100 %.`}></ez-chart-figure>` : nothing}
    `
  }
}

customElements.define('ez-run-chart', EzRunChart)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-chart': EzRunChart
  }
}
