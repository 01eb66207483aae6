/**
 * `<ez-compare-flips>`: the docs of one 0/1 metric of a task that changed or stayed wrong between run A and run B
 * — fixed (A wrong → B right), broken (A right → B wrong), both wrong — as expandable lists of doc buttons; the
 * chosen doc opens side by side (`<ez-compare-sample>`).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { FlipSets } from './compare-samples.ts'
import { sampleOf } from './compare-samples.ts'
import type { SampleView } from './sample-view.ts'
import { sharedStyles } from './shared-styles.ts'
import './ez-compare-sample.ts'

type Kind = keyof FlipSets

const KINDS: readonly (readonly [Kind, string, string])[] = [
  ['fixed', 'Fixed', 'wrong in A, right in B'],
  ['broken', 'Broken', 'right in A, wrong in B'],
  ['bothWrong', 'Both wrong', 'wrong in both runs'],
]

const PAGE = 60

export class EzCompareFlips extends LitElement {
  static override styles = [sharedStyles, css`
    details { border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; margin: 0.4rem 0; }
    summary { cursor: pointer; padding: 0.35rem 0.6rem; font-weight: 600; }
    p.none { margin: 0.4rem 0; padding: 0.35rem 0.6rem; font-weight: 600; }
    .docs { display: flex; flex-wrap: wrap; gap: 0.3rem; padding: 0 0.6rem 0.6rem; }
    .docs button[aria-pressed=true] { border-color: var(--ez-accent, #0969da); background: color-mix(in srgb, var(--ez-accent, #0969da) 12%, transparent); }
    .open { border-top: 1px solid var(--ez-border, #d0d7de); padding: 0.6rem; }
    .fixed { color: var(--ez-ok, #1a7f37); }
    .broken { color: var(--ez-danger, #cf222e); }
  `]

  static override properties = {
    sets: { attribute: false },
    task: {},
    filter: {},
    samplesA: { attribute: false },
    samplesB: { attribute: false },
    labelA: {},
    labelB: {},
    openDoc: { state: true },
    shown: { state: true },
  }

  /** the doc ids by outcome */
  declare sets: FlipSets | undefined
  /** task name */
  declare task: string
  /** filter of the metric */
  declare filter: string
  /** run A's samples of the task by filter and doc (compare-samples.ts sampleIndex) */
  declare samplesA: ReadonlyMap<string, SampleView>
  /** run B's samples of the task */
  declare samplesB: ReadonlyMap<string, SampleView>
  /** run A's name */
  declare labelA: string
  /** run B's name */
  declare labelB: string
  /** the doc shown side by side: [list, doc id] */
  private declare openDoc: readonly [Kind, number] | undefined
  /** docs listed per kind */
  private declare shown: Readonly<Record<Kind, number>>

  constructor() {
    super()
    this.sets = undefined
    this.task = ''
    this.filter = 'none'
    this.samplesA = new Map()
    this.samplesB = new Map()
    this.labelA = 'A'
    this.labelB = 'B'
    this.openDoc = undefined
    this.shown = { fixed: PAGE, broken: PAGE, bothWrong: PAGE }
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('sets')) {
      this.openDoc = undefined
      this.shown = { fixed: PAGE, broken: PAGE, bothWrong: PAGE }
    }
  }

  override render() {
    const sets = this.sets
    if (!sets) return nothing
    return html`${KINDS.map(([kind, title, what]) => {
      const ids = sets[kind]
      // nothing to open: a plain line, not an empty collapsible
      if (ids.length === 0) {
        return html`<p class="none" data-testid=${`flips-${kind}`} data-count="0"><span class=${kind}>${title}</span> (<span data-testid="flip-count">0</span>)
          <span class="muted">${what}: none</span></p>`
      }
      return html`<details data-testid=${`flips-${kind}`} data-count=${ids.length}>
        <summary><span class=${kind}>${title}</span> (<span data-testid="flip-count">${ids.length}</span>) <span class="muted">${what}</span></summary>
        <div class="docs" role="list">
          ${ids.slice(0, this.shown[kind]).map((id) => this.docButton(kind, id))}
          ${ids.length > this.shown[kind] ? html`<button type="button" class="small" @click=${() => { this.shown = { ...this.shown, [kind]: this.shown[kind] + PAGE } }}>${ids.length - this.shown[kind]} more</button>` : nothing}
        </div>
        ${this.openDoc?.[0] === kind ? html`<div class="open">
          <ez-compare-sample .a=${sampleOf(this.samplesA, this.filter, this.openDoc[1])} .b=${sampleOf(this.samplesB, this.filter, this.openDoc[1])}
            .labelA=${this.labelA} .labelB=${this.labelB}></ez-compare-sample></div>` : nothing}
      </details>`
    })}`
  }

  private docButton(kind: Kind, id: number) {
    const open = this.openDoc?.[0] === kind && this.openDoc[1] === id
    const s = sampleOf(this.samplesA, this.filter, id) ?? sampleOf(this.samplesB, this.filter, id)
    const preview = s ? s.prompt.split('\n').filter((l) => l.trim() !== '').slice(-2).join(' ⏎ ').slice(0, 160) : ''
    return html`<button type="button" class="small" role="listitem" data-doc=${id} aria-pressed=${open ? 'true' : 'false'} title=${preview}
      @click=${() => { this.openDoc = open ? undefined : [kind, id] }}>doc ${id}</button>`
  }
}

customElements.define('ez-compare-flips', EzCompareFlips)

declare global {
  interface HTMLElementTagNameMap {
    'ez-compare-flips': EzCompareFlips
  }
}
