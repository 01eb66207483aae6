/**
 * `<ez-results-view>`: the results view's body — a share link's run, then the shown run's results table, share link
 * and sample inspector (or how to get some results). It reads and changes the app's store (store-context.ts).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { RunSuccess } from '../protocol/eval-worker-api.ts'
import { hashOfView } from './routes.ts'
import { sharedStyles } from './shared-styles.ts'
import { shownOf } from './shown-run.ts'
import { StoreController } from './store-context.ts'
import './ez-results-table.ts'
import './ez-sample-inspector.ts'
import './ez-share-link.ts'
import './ez-shared-run.ts'

export class EzResultsView extends LitElement {
  static override properties = { heading: {} }

  static override styles = [sharedStyles, css`
    :host { display: block; }
    a { color: var(--ez-accent, #0969da); }
    h2 { margin-top: 0; }
    h2:focus { outline: none; }
    .note { margin: 0 0 0.75rem; }
    section.stale { border-left: 3px solid var(--ez-warn, #9a6700); padding-left: 0.75rem; }
    .stale-note { margin: 0 0 0.75rem; color: var(--ez-warn, #9a6700); font-size: 0.9rem; }
    details.inspector > summary { cursor: pointer; font-weight: 600; padding: 0.4rem 0; }
  `]

  /** the view's title, shown while there are no results */
  declare heading: string

  private readonly store = new StoreController(this, ['shared', 'models', 'running', 'shown', 'run', 'history'])

  constructor() {
    super()
    this.heading = 'Results'
  }

  /** Moves the focus to the view's heading. */
  focusHeading(): void {
    this.renderRoot.querySelector<HTMLElement>('#view-results-h')?.focus()
  }

  override render() {
    const store = this.store.store
    const st = this.store.state
    if (!store || !st) return nothing
    const shared = st.shared ? html`<ez-shared-run .client=${store.client} .payload=${st.shared} .models=${st.models} ?disabled=${st.running}
      @hub-model-added=${(e: CustomEvent<{ model: ModelInfo }>) => store.hubModelAdded(e.detail.model)}
      @run-finished=${(e: CustomEvent<{ result: RunSuccess }>) => { store.set({ shown: shownOf(e.detail.result) }); void store.refreshHistory() }}></ez-shared-run>` : nothing
    const s = st.shown
    if (!s) {
      return html`<h2 id="view-results-h" tabindex="-1">${this.heading}</h2>${shared}
        <p class="muted" data-testid="no-results">No results shown yet: run an evaluation (<a href=${hashOfView('run')}>Run</a>)
          or open a finished one from the <a href=${hashOfView('history')}>history</a>.</p>`
    }
    const sampleCount = Object.values(s.samplesJsonl).reduce((n, t) => n + (t.match(/\n/g)?.length ?? 0), 0)
    // results of an earlier run while a newer one is going (or after it failed or was cancelled)
    const stale = s.from === 'run' && st.run !== undefined && st.run.runId !== s.runId
    const started = st.history.find((r) => r.id === s.runId)?.createdAt
    const when = started === undefined ? '' : ` (started ${new Date(started).toLocaleString()})`
    return html`${shared}
      <section aria-labelledby="view-results-h" data-testid="results" data-device=${s.device} data-run=${s.runId} data-stale=${stale ? 'true' : 'false'}
        class=${stale ? 'stale' : ''}>
        <h2 id="view-results-h" tabindex="-1">${stale ? html`Results of the previous run`
          : html`Results${s.from === 'history' ? html` <span class="muted">(from the history)</span>` : nothing}`}</h2>
        ${stale ? html`<p class="stale-note" role="note" data-testid="stale-note">${st.running
          ? `These are the results of the previous run${when}. The new run's results replace them when it finishes.`
          : `These are the results of the previous run${when}; the last run did not finish.`}</p>` : nothing}
        ${s.cachedRequests > 0 ? html`<p class="note muted" data-testid="cached">Resumed: ${s.cachedRequests.toLocaleString()} requests answered from the cache of earlier runs.</p>` : nothing}
        <ez-share-link .client=${store.client} .runId=${s.runId} .models=${st.models}></ez-share-link>
        <ez-results-table .results=${s.results} .resultsJson=${s.resultsJson} .samplesJsonl=${s.samplesJsonl} .chance=${s.chance}
          data-device=${s.device}></ez-results-table>
        <details class="inspector" data-testid="inspector">
          <summary>Inspect samples (${sampleCount.toLocaleString()})</summary>
          <ez-sample-inspector .samplesJsonl=${s.samplesJsonl} .results=${s.results}></ez-sample-inspector>
        </details>
      </section>`
  }
}

customElements.define('ez-results-view', EzResultsView)

declare global {
  interface HTMLElementTagNameMap {
    'ez-results-view': EzResultsView
  }
}
