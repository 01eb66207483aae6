/**
 * `<ez-sample-inspector>`: every logged sample of a run — the exact prompt, each choice with its loglikelihood and
 * length-normalized score, gold, prediction, right or wrong — filtered by task and by right / wrong, shown a page
 * at a time as expandable rows (native <details>, so keyboard and screen readers work without extra code).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { JsonValue } from '../protocol/wire-json.ts'
import type { SampleView, TaskConfigView } from './sample-view.ts'
import { parseSamples } from './sample-view.ts'
import { fire, sharedStyles } from './shared-styles.ts'

type Verdict = 'all' | 'wrong' | 'right'

const PAGE = 25

/** What the greedy column means (lm-eval's is_greedy). */
const GREEDY_TITLE = 'yes when every token of this choice was the model\'s most likely next token (lm-eval\'s is_greedy); ' +
  'multiple-choice scoring does not use it: the prediction is the choice with the highest loglikelihood'

export class EzSampleInspector extends LitElement {
  static override styles = [sharedStyles, css`
    .filters { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; margin-bottom: 0.75rem; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; }
    details { border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; margin-bottom: 0.4rem; }
    summary { cursor: pointer; padding: 0.4rem 0.6rem; display: flex; gap: 0.6rem; align-items: baseline; flex-wrap: wrap; }
    summary .task { font-family: var(--ez-mono, ui-monospace, monospace); font-weight: 600; }
    .verdict { font-weight: 600; min-width: 4.5rem; }
    .right { color: var(--ez-ok, #1a7f37); }
    .wrong { color: var(--ez-danger, #cf222e); }
    .body { padding: 0 0.75rem 0.75rem; }
    pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--ez-surface, #f6f8fa); border: 1px solid var(--ez-border, #d0d7de);
      border-radius: 6px; padding: 0.5rem; margin: 0.25rem 0 0.75rem; font-size: 0.85rem; max-height: 18rem; overflow: auto; }
    tr.gold td:first-child::before { content: '★ '; color: var(--ez-ok, #1a7f37); }
    tr.pred { font-weight: 600; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; margin: 0.5rem 0 0; }
    dt { color: var(--ez-muted, #57606a); }
    dd { margin: 0; overflow-wrap: anywhere; }
    .more { margin-top: 0.5rem; }
    .explained { text-decoration: underline dotted; cursor: help; }
    .legend { margin: 0.4rem 0 0; font-size: 0.85rem; }
  `]

  static override properties = {
    samplesJsonl: { attribute: false },
    results: { attribute: false },
    task: { state: true },
    verdict: { state: true },
    shown: { state: true },
  }

  /** task → samples_<task>.jsonl text */
  declare samplesJsonl: { readonly [task: string]: string }
  /** the run's results object (task configs: output_type, target_delimiter) */
  declare results: { readonly [key: string]: JsonValue } | undefined
  private declare task: string
  private declare verdict: Verdict
  private declare shown: number
  private samples: SampleView[] = []

  constructor() {
    super()
    this.samplesJsonl = {}
    this.results = undefined
    this.task = ''
    this.verdict = 'all'
    this.shown = PAGE
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('samplesJsonl') || changed.has('results')) {
      const configs = (this.results?.configs ?? {}) as Record<string, TaskConfigView>
      this.samples = Object.entries(this.samplesJsonl).flatMap(([task, text]) => parseSamples(task, text, configs[task]))
      if (!(this.task in this.samplesJsonl)) this.task = ''
      this.shown = PAGE
    }
  }

  override render() {
    const tasks = Object.keys(this.samplesJsonl)
    if (tasks.length === 0) return html`<p class="muted">This run logged no samples.</p>`
    const list = this.samples.filter((s) => (this.task === '' || s.task === this.task) &&
      (this.verdict === 'all' || (this.verdict === 'right' ? s.correct === true : s.correct === false)))
    return html`
      <div class="filters">
        <div class="field"><label for="insp-task">Task</label>
          <select id="insp-task" data-testid="inspector-task" @change=${(e: Event) => { this.task = (e.target as HTMLSelectElement).value; this.shown = PAGE }}>
            <option value="" ?selected=${this.task === ''}>all tasks</option>
            ${tasks.map((t) => html`<option value=${t} ?selected=${t === this.task}>${t}</option>`)}
          </select></div>
        <div class="field"><label for="insp-verdict">Show</label>
          <select id="insp-verdict" data-testid="inspector-verdict" @change=${(e: Event) => { this.verdict = (e.target as HTMLSelectElement).value as Verdict; this.shown = PAGE }}>
            <option value="all" ?selected=${this.verdict === 'all'}>right and wrong</option>
            <option value="wrong" ?selected=${this.verdict === 'wrong'}>wrong only</option>
            <option value="right" ?selected=${this.verdict === 'right'}>right only</option>
          </select></div>
        <span class="muted" role="status">${list.length.toLocaleString()} ${list.length === 1 ? 'sample' : 'samples'}</span>
      </div>
      <div data-testid="inspector-list">
        ${list.slice(0, this.shown).map((s) => this.renderSample(s))}
      </div>
      ${list.length > this.shown ? html`<button type="button" class="more" @click=${() => { this.shown += PAGE }}>Show ${Math.min(PAGE, list.length - this.shown)} more</button>` : nothing}
    `
  }

  private renderSample(s: SampleView) {
    const verdict = s.correct === undefined ? html`<span class="verdict muted">scored</span>`
      : s.correct ? html`<span class="verdict right">✓ right</span>` : html`<span class="verdict wrong">✗ wrong</span>`
    return html`
      <details data-testid="sample" data-task=${s.task} data-correct=${s.correct === undefined ? 'n/a' : String(s.correct)}>
        <summary>${verdict}<span class="task">${s.task}</span><span class="muted">doc ${s.docId}${s.filter !== 'none' ? ` · ${s.filter}` : ''}</span>
          <span class="muted">${preview(s)}</span></summary>
        <div class="body">
          <div class="muted">Prompt (exact context sent to the model)
            <button type="button" class="small" data-testid="open-in-chat" title="A new conversation with this run's model, starting from this exact prompt"
              @click=${() => fire(this, 'open-in-chat', { sample: s })}>Open in chat</button></div>
          <pre data-testid="sample-prompt">${s.prompt}</pre>
          ${s.choices.length > 0 ? html`
            <div class="scroll"><table data-testid="sample-choices">
              <thead><tr><th scope="col">Choice</th><th scope="col" class="num">Loglikelihood</th><th scope="col" class="num">÷ length</th><th scope="col"><span class="explained" title=${GREEDY_TITLE}>Greedy continuation</span></th></tr></thead>
              <tbody>${s.choices.map((c, i) => html`<tr class=${[i === s.goldIndex ? 'gold' : '', i === s.predictionIndex ? 'pred' : ''].join(' ')}>
                <td>${c.text}${i === s.goldIndex ? html`<span class="sr-only"> (gold)</span>` : nothing}${i === s.predictionIndex ? html`<span class="sr-only"> (prediction)</span>` : nothing}</td>
                <td class="num">${c.loglikelihood.toFixed(4)}</td><td class="num">${c.normalized.toFixed(4)}</td><td title=${GREEDY_TITLE}>${c.greedy ? 'yes' : 'no'}</td></tr>`)}</tbody>
            </table></div>
            <p class="muted legend" data-testid="choices-legend">★ gold. Prediction: the highest loglikelihood (acc; acc_norm uses ÷ length).
              Greedy continuation: every token of the choice was the model's top next-token pick — shown for reference, not used for scoring.</p>` : nothing}
          ${s.rawOutput !== undefined ? html`<div class="muted">Model output (raw generation, before the filter)</div>
            <pre data-testid="sample-output">${s.rawOutput === '' ? html`<span class="muted">(empty: the model stopped at once)</span>` : s.rawOutput}</pre>` : nothing}
          <dl>
            ${answerRows(s)}
            ${Object.entries(s.metrics).map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${typeof v === 'number' ? formatMetric(v) : v}</dd>`)}
          </dl>
        </div>
      </details>`
  }
}

/** Target and answer rows, named for what they are in each kind of task. */
function answerRows(s: SampleView) {
  switch (s.outputType) {
    case 'multiple_choice':
      return html`<dt>Gold</dt><dd class="mono">${s.goldIndex !== undefined ? `${s.goldIndex}: ${s.choices[s.goldIndex].text}` : s.gold}</dd>
        <dt>Prediction</dt><dd class="mono">${s.predictionIndex !== undefined ? `${s.predictionIndex}: ${s.prediction}` : s.prediction}</dd>`
    case 'generate_until':
      return html`<dt>Target</dt><dd class="mono">${s.gold}</dd>
        <dt>Answer${s.filter !== 'none' ? html` (after filter <span class="mono">${s.filter}</span>)` : nothing}</dt><dd class="mono" data-testid="sample-answer">${s.prediction}</dd>`
    case 'loglikelihood':
      return html`<dt>Continuation scored</dt><dd class="mono">${s.gold}</dd>
        <dt>Its log-likelihood</dt><dd class="mono">${s.prediction}</dd>`
    case 'loglikelihood_rolling':
      return html`<dt>Text scored</dt><dd class="mono">${s.gold.length > 300 ? `${s.gold.slice(0, 300)}…` : s.gold}</dd>
        <dt>Its log-likelihood (whole text, nats)</dt><dd class="mono">${s.prediction}</dd>`
    default:
      return html`<dt>Target</dt><dd class="mono">${s.gold}</dd><dt>Answer</dt><dd class="mono">${s.prediction}</dd>`
  }
}

function preview(s: SampleView): string {
  const last = s.prompt.split('\n').filter((l) => l.trim() !== '').slice(-2).join(' ⏎ ')
  return last.length > 90 ? `${last.slice(0, 90)}…` : last
}

function formatMetric(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(6)
}

customElements.define('ez-sample-inspector', EzSampleInspector)

declare global {
  interface HTMLElementTagNameMap {
    'ez-sample-inspector': EzSampleInspector
  }
}
