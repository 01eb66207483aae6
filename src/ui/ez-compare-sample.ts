/**
 * `<ez-compare-sample>`: one doc as two runs saw it, side by side — the prompt (once when both match, else each),
 * the target, each choice's loglikelihood and probability in both runs (softmax over the choices) with gold and
 * both answers marked, a probability chart, and both runs' predictions and per-doc metrics.
 */
import { css, html, LitElement, nothing } from 'lit'
import { choiceProbabilitySvg } from './chart-svg.ts'
import { choiceBars } from './compare-samples.ts'
import type { SampleView } from './sample-view.ts'
import { fire, sharedStyles } from './shared-styles.ts'
import './ez-chart-figure.ts'

export class EzCompareSample extends LitElement {
  static override styles = [sharedStyles, css`
    .pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr)); gap: 0.75rem; }
    pre { white-space: pre-wrap; overflow-wrap: anywhere; background: var(--ez-surface, #f6f8fa); border: 1px solid var(--ez-border, #d0d7de);
      border-radius: 6px; padding: 0.5rem; margin: 0.25rem 0 0.75rem; font-size: 0.85rem; max-height: 16rem; overflow: auto; }
    .star { color: var(--ez-ok, #1a7f37); }
    .pick { font-weight: 600; }
    .right { color: var(--ez-ok, #1a7f37); }
    .wrong { color: var(--ez-danger, #cf222e); }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 0.75rem; margin: 0.5rem 0 0; }
    dt { color: var(--ez-muted, #57606a); }
    dd { margin: 0; overflow-wrap: anywhere; }
  `]

  static override properties = {
    a: { attribute: false },
    b: { attribute: false },
    labelA: {},
    labelB: {},
  }

  /** run A's sample of the doc; undefined when A did not log it */
  declare a: SampleView | undefined
  /** run B's sample of the doc */
  declare b: SampleView | undefined
  /** run A's name */
  declare labelA: string
  /** run B's name */
  declare labelB: string

  constructor() {
    super()
    this.a = undefined
    this.b = undefined
    this.labelA = 'A'
    this.labelB = 'B'
  }

  override render() {
    const { a, b } = this
    const base = a ?? b
    if (!base) return html`<p class="muted">Neither run logged this doc.</p>`
    const samePrompt = a !== undefined && b !== undefined && a.prompt === b.prompt
    const bars = choiceBars([a, b])
    return html`<div data-testid="compare-sample" data-doc=${base.docId}>
      ${samePrompt ? html`<div class="muted">Prompt (the same in both runs)</div><pre data-testid="compare-sample-prompt">${base.prompt}</pre>`
        : html`<div class="pair">${[[this.labelA, a], [this.labelB, b]].map(([label, s]) => html`<div>
          <div class="muted">Prompt of ${label as string}${s ? '' : ' (not logged)'}</div><pre data-testid="compare-sample-prompt">${(s as SampleView | undefined)?.prompt ?? ''}</pre></div>`)}</div>`}
      <dl><dt>Target</dt><dd class="mono">${base.goldIndex !== undefined ? `${base.goldIndex}: ${base.choices[base.goldIndex]?.text ?? ''}` : base.gold}</dd></dl>
      ${bars.length > 0 ? this.renderChoices(a, b) : nothing}
      ${bars.length > 0 ? html`<ez-chart-figure .svg=${choiceProbabilitySvg(bars, ['A', 'B'], `Choice probabilities of doc ${base.docId}: A ${this.labelA}, B ${this.labelB}`)}
        .caption=${`Probability of each choice (softmax over the choices' loglikelihoods); A = ${this.labelA}, B = ${this.labelB}; ◀ marks each run's answer, ★ gold.`}
        .fileName=${`${base.task}-doc${base.docId}-choices`}></ez-chart-figure>` : nothing}
      <div class="pair">${[[this.labelA, a, 'A'], [this.labelB, b, 'B']].map(([label, s, key]) => this.renderSide(label as string, key as string, s as SampleView | undefined))}</div>
    </div>`
  }

  private renderChoices(a: SampleView | undefined, b: SampleView | undefined) {
    const bars = choiceBars([a, b])
    const ll = (s: SampleView | undefined, i: number) => (s?.choices[i] ? s.choices[i].loglikelihood.toFixed(4) : '—')
    const p = (v: number) => (Number.isFinite(v) ? v.toFixed(4) : '—')
    return html`<div class="scroll"><table data-testid="compare-sample-choices" class="cards">
      <thead><tr><th scope="col">Choice</th><th scope="col" class="num">A loglikelihood</th><th scope="col" class="num">A p</th>
        <th scope="col" class="num">B loglikelihood</th><th scope="col" class="num">B p</th></tr></thead>
      <tbody>${bars.map((c, i) => html`<tr class=${c.gold ? 'gold' : ''}>
        <td data-label="Choice">${c.gold ? html`<span class="star" aria-hidden="true">★ </span>` : nothing}${c.text}${c.gold ? html`<span class="sr-only"> (gold)</span>` : nothing}</td>
        <td class=${`num${c.picked[0] ? ' pick' : ''}`} data-label="A loglikelihood">${ll(a, i)}${c.picked[0] ? ' ◀' : ''}</td>
        <td class="num" data-label="A p">${p(c.probs[0])}</td>
        <td class=${`num${c.picked[1] ? ' pick' : ''}`} data-label="B loglikelihood">${ll(b, i)}${c.picked[1] ? ' ◀' : ''}</td>
        <td class="num" data-label="B p">${p(c.probs[1])}</td></tr>`)}</tbody>
    </table></div>`
  }

  private renderSide(label: string, key: string, s: SampleView | undefined) {
    if (!s) return html`<div><h4>${key}: ${label}</h4><p class="muted">Not logged in this run.</p></div>`
    const verdict = s.correct === undefined ? html`<span class="muted">scored</span>`
      : s.correct ? html`<span class="right">✓ right</span>` : html`<span class="wrong">✗ wrong</span>`
    return html`<div data-testid=${`compare-side-${key}`}><h4>${key}: ${label} · ${verdict}
      <button type="button" class="small" data-testid="open-in-chat" title=${`A new conversation with ${label}'s model, starting from this exact prompt`}
        @click=${() => fire(this, 'open-in-chat-side', { side: key, sample: s })}>Open in chat</button></h4>
      <dl>
        <dt>Prediction</dt><dd class="mono">${s.predictionIndex !== undefined ? `${s.predictionIndex}: ${s.prediction}` : s.prediction}</dd>
        ${Object.entries(s.metrics).map(([k, v]) => html`<dt>${k}</dt><dd class="mono">${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(6) : v}</dd>`)}
      </dl></div>`
  }
}

customElements.define('ez-compare-sample', EzCompareSample)

declare global {
  interface HTMLElementTagNameMap {
    'ez-compare-sample': EzCompareSample
  }
}
