/**
 * `<ez-app>`: the shell. Talks to the evaluation worker (the only IndexedDB writer) and shows one view at a time
 * (routes.ts: run — model, tasks, settings, progress; results with the sample inspector; history; compare; chat;
 * storage), switched by the location hash; a share link opens the results view. An interrupted run (a reload
 * or crash mid-run leaves its record 'running') is offered for resume on load; resuming re-sends the same request
 * and the worker's response cache answers every request that had finished. The state lives in the app's store
 * (app-store.ts), provided to every view through @lit/context (store-context.ts); the shell keeps what is about
 * the page itself: the view shown, the focus, a deletion that can still be undone.
 */
import { ContextProvider } from '@lit/context'
import { css, html, LitElement, nothing } from 'lit'
import type { RunRecord } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import { readShareLink } from '../app/share-link.ts'
import { pageStateStore } from '../storage/page-state-store.ts'
import { AppStore } from './app-store.ts'
import type { SampleForChat } from './chat-draft.ts'
import { sampleForChat } from './chat-draft.ts'
import { etaSeconds, formatSeconds } from './ez-run-progress.ts'
import type { ViewName } from './routes.ts'
import { ROUTES, hashOfView, viewOfHash } from './routes.ts'
import type { SampleView } from './sample-view.ts'
import { registerServiceWorker } from './service-worker-registration.ts'
import { sharedStyles } from './shared-styles.ts'
import { storeContext } from './store-context.ts'
import { evalWorkerClient } from './worker-client.ts'
import './ez-chat-view.ts'
import './ez-compare-view.ts'
import './ez-results-view.ts'
import './ez-run-history.ts'
import './ez-run-view.ts'
import './ez-storage-view.ts'

/** How long a deleted run can be brought back, milliseconds. */
const UNDO_MS = 10_000

export class EzApp extends LitElement {
  static override styles = [sharedStyles, css`
    :host { max-width: 80rem; margin: 0 auto; padding: 1.25rem; box-sizing: border-box; position: relative; }
    .skip { position: absolute; left: -100vw; top: 0.5rem; z-index: 10; padding: 0.4rem 0.8rem; border-radius: 6px;
      background: var(--ez-accent, #0969da); color: var(--ez-accent-fg, #fff); font-weight: 600; }
    .skip:focus { left: 1rem; }
    header { border-bottom: 1px solid var(--ez-border, #d0d7de); margin-bottom: 1.25rem; padding-bottom: 0.75rem; }
    h1 { margin: 0; font-size: 1.75rem; letter-spacing: -0.02em; }
    h1 span { color: var(--ez-accent, #0969da); }
    header p { margin: 0.25rem 0 0; color: var(--ez-muted, #57606a); }
    nav ul { list-style: none; display: flex; flex-wrap: wrap; gap: 0.25rem; margin: 0.75rem 0 0; padding: 0; }
    nav a { display: inline-block; padding: 0.35rem 0.75rem; border-radius: 6px; color: inherit; text-decoration: none;
      border: 1px solid transparent; }
    nav a:hover { background: var(--ez-surface, #f6f8fa); }
    nav a[aria-current='page'] { border-color: var(--ez-border, #d0d7de); background: var(--ez-surface, #f6f8fa); font-weight: 600; }
    nav a:focus-visible { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 1px; }
    .view > h2:first-child { margin-top: 0; }
    .view a { color: var(--ez-accent, #0969da); }
    .view > h2:focus { outline: none; }
    section { margin-top: 1.5rem; }
    .note { margin: 0 0 0.75rem; }
    .status-line { position: sticky; bottom: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 0.4rem 0.75rem; align-items: center;
      margin-top: 1rem; padding: 0.5rem 0.75rem; border: 1px solid var(--ez-accent, #0969da); border-radius: 8px;
      background: var(--ez-bg, #fff); box-shadow: 0 -2px 8px rgb(0 0 0 / 12%); font-variant-numeric: tabular-nums; }
    .status-line span { flex: 1 1 14rem; }
    .undo { margin: 0 0 0.6rem; display: flex; gap: 0.5rem; align-items: baseline; flex-wrap: wrap; }
    [hidden] { display: none !important; }
    @media (max-width: 480px) { :host { padding: 0.75rem; } }
  `]

  static override properties = { view: { state: true }, chatSample: { state: true }, pendingDelete: { state: true } }

  /** the view shown (from the location hash) */
  private declare view: ViewName
  /** the eval sample last sent to the Chat view ("Open in chat") */
  private declare chatSample: SampleForChat | undefined
  /** a run deleted a moment ago: hidden, and deleted for good when the undo time runs out */
  private declare pendingDelete: { readonly id: string; readonly label: string } | undefined
  private deleteTimer: ReturnType<typeof setTimeout> | undefined

  /** the app's state, shared with every view */
  private readonly store = new AppStore(evalWorkerClient(this), pageStateStore())
  private readonly onStoreChange = (): void => this.requestUpdate()

  constructor() {
    super()
    // every view under this element finds the store through the context
    new ContextProvider(this, { context: storeContext, initialValue: this.store })
    this.view = viewOfHash(location.hash)
    this.chatSample = undefined
    this.pendingDelete = undefined
  }

  /** true while a view change the app made itself is under way (it places the focus on its own) */
  private navigating = false

  private readonly onHashChange = (): void => {
    this.view = viewOfHash(location.hash)
    if (this.navigating) {
      this.navigating = false
      return
    }
    // a view the user picked: its heading takes the focus, so keyboard and screen-reader users land in it
    void this.updateComplete.then(() => this.focusView())
  }

  override connectedCallback(): void {
    super.connectedCallback()
    window.addEventListener('hashchange', this.onHashChange)
    this.store.addEventListener('change', this.onStoreChange)
    void registerServiceWorker()
    readShareLink(location.hash).then((p) => this.store.set({ shared: p }), (e: unknown) => this.store.fail(e))
    this.store.load(() => void this.showResumeOffer())
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('hashchange', this.onHashChange)
    this.store.removeEventListener('change', this.onStoreChange)
  }

  /** The shown view's heading takes the focus. */
  private focusView(): void {
    if (this.view === 'results') this.resultsView()?.focusHeading()
    else this.renderRoot.querySelector<HTMLElement>(`#view-${this.view}-h`)?.focus()
  }

  private runView() {
    return this.renderRoot.querySelector('ez-run-view')
  }

  private resultsView() {
    return this.renderRoot.querySelector('ez-results-view')
  }

  /** The skip link: the run view's tasks and settings take the focus. */
  private async skipToTasks(e: Event): Promise<void> {
    e.preventDefault()
    this.go('run')
    await this.updateComplete
    this.runView()?.focusStart()
  }

  /** Shows `view` (a new history entry, so Back returns to the view before). */
  private go(view: ViewName): void {
    if (viewOfHash(location.hash) === view && location.hash !== '') return
    this.navigating = true
    // shown at once, so focus can move into it before the hashchange event arrives
    this.view = view
    location.hash = hashOfView(view)
  }

  override render() {
    const { error, notice } = this.store.state
    return html`
      <a class="skip" href="#tasks-h" data-testid="skip-link" @click=${(e: Event) => this.skipToTasks(e)}>Skip to tasks and settings</a>
      <header>
        <h1>eval<span>z</span></h1>
        <p>lm-evaluation-harness prompts and numbers, computed in your browser. Nothing leaves this page.</p>
        <nav aria-label="Views"><ul>${ROUTES.map((r) => html`<li><a href=${hashOfView(r.name)} data-testid="nav-${r.name}"
          aria-current=${this.view === r.name ? 'page' : nothing}>${r.label}</a></li>`)}</ul></nav>
      </header>
      ${error ? html`<p class="error" role="alert" data-testid="error" tabindex="-1"><code>${error.code}</code> ${error.message}</p>` : nothing}
      ${notice ? html`<p class="note muted" role="status" data-testid="notice" tabindex="-1">${notice}</p>` : nothing}
      <main @open-in-chat=${(e: CustomEvent<{ sample: SampleView; record?: RunRecord }>) => this.openInChat(e.detail)}
        @run-start=${(e: CustomEvent<{ spec: RunRequest }>) => this.startRun(e.detail.spec)}
        @run-resume=${(e: CustomEvent<{ id: string }>) => this.resume(e.detail.id)}>
        ${ROUTES.map((r) => html`<section class="view" data-testid="view-${r.name}"
          aria-labelledby=${r.name === 'results' ? nothing : `view-${r.name}-h`} aria-label=${r.name === 'results' ? r.title : nothing}
          ?hidden=${this.view !== r.name}>${this.renderView(r.name, r.title)}</section>`)}
        ${this.renderStatusLine()}
      </main>
    `
  }

  /** The contents of one view (every view stays in the page, hidden when not shown, so its state survives). */
  private renderView(view: ViewName, title: string) {
    const heading = html`<h2 id="view-${view}-h" tabindex="-1">${title}</h2>`
    const { store } = this
    const s = store.state
    switch (view) {
      case 'run': return html`${heading}<ez-run-view></ez-run-view>`
      case 'results': return html`<ez-results-view .heading=${title}></ez-results-view>`
      case 'history': return html`${heading}
        ${this.pendingDelete ? html`<p class="undo" role="status" data-testid="undo-delete">Deleted the run of ${this.pendingDelete.label}.
          <button type="button" class="small" data-testid="undo" @click=${() => this.undoDelete()}>Undo</button></p>` : nothing}
        <ez-run-history .runs=${this.visibleHistory()} .models=${s.models} .openId=${s.shown?.runId} ?busy=${s.running}
          .client=${store.client} @runs-changed=${() => store.refreshHistory()}
          @run-open=${(e: CustomEvent<{ id: string }>) => this.openRun(e.detail.id)}
          @run-resume=${(e: CustomEvent<{ id: string }>) => this.resume(e.detail.id)}
          @run-delete=${(e: CustomEvent<{ id: string }>) => this.deleteRun(e.detail.id)}></ez-run-history>`
      case 'compare': return html`${heading}
        <ez-compare-view .client=${store.client} .runs=${this.visibleHistory()} .entries=${s.tasks} @runs-changed=${() => store.refreshHistory()}></ez-compare-view>`
      case 'chat': return html`${heading}
        <ez-chat-view .client=${store.client} .models=${s.models} .pending=${this.chatSample}></ez-chat-view>`
      case 'storage': return html`${heading}<ez-storage-view></ez-storage-view>`
    }
  }

  /** A resume offer is seen first: the browser's restored scroll position would carry it out of view. */
  private async showResumeOffer(): Promise<void> {
    if ('scrollRestoration' in history) history.scrollRestoration = 'manual'
    await this.updateComplete
    await this.runView()?.updateComplete
    window.scrollTo(0, 0)
    this.runView()?.focusResume()
  }

  /** While a run goes: one line stuck to the bottom of the window, in every view, with Cancel. */
  private renderStatusLine() {
    const { run, running } = this.store.state
    if (!running || !run) return nothing
    const p = run.progress
    const total = p?.overallTotal ?? run.totalRequests ?? 0
    const eta = p ? etaSeconds(p) : undefined
    const what = run.phase === 'evaluating' ? 'Evaluating' : run.phase === 'finishing' ? 'Scoring' : run.phase === 'loading-python' ? 'Loading Python' : 'Loading the model'
    return html`<div class="status-line" data-testid="status-line">
      <span><strong>${what}…</strong>${total > 0 ? html` ${(p?.overallDone ?? 0).toLocaleString()}/${total.toLocaleString()} requests` : nothing}${
        eta !== undefined ? html` · ETA ${formatSeconds(eta)}` : nothing}</span>
      <button type="button" class="small" @click=${() => this.showProgress()}>Show progress</button>
      <button type="button" class="small danger" @click=${() => this.store.cancel()}>Cancel run</button>
    </div>`
  }

  /** The run view, with the focus on the running run's Cancel. */
  private async showProgress(): Promise<void> {
    this.go('run')
    await this.updateComplete
    this.runView()?.focusCancel()
  }

  /** "Open in chat" from the inspector (the run on screen) or the compare view (the run of that side). */
  private openInChat(d: { sample: SampleView; record?: RunRecord }): void {
    const s = this.store.state
    const run = d.record ?? s.history.find((r) => r.id === s.shown?.runId)
    if (!run) return
    this.chatSample = sampleForChat({ id: run.id, request: run.request, modelName: run.modelName }, d.sample, s.models)
    this.go('chat')
  }

  /** Starts a run from the run view; the focus follows it: to Cancel now, to the results (or the error) when it ends. */
  private async startRun(spec: RunRequest): Promise<void> {
    if (this.store.state.running) return
    const done = this.store.startRun(spec)
    this.go('run')
    void this.updateComplete.then(async () => {
      await this.runView()?.updateComplete
      this.runView()?.focusCancel()
    })
    if ((await done) && this.view === 'run') this.go('results')
    void this.focusOutcome()
  }

  private async resume(id: string): Promise<void> {
    const record = await this.store.guard(() => this.store.client.getRun(id))
    if (!record) return
    const { modelSource, model, server } = record.request
    this.store.set({ choice: { source: modelSource ?? 'app', id: model, ...(server ? { server } : {}) } })
    await this.startRun(record.request)
  }

  /** After a run: focus its results, error or notice, unless the user moved focus elsewhere meanwhile. */
  private async focusOutcome(): Promise<void> {
    await this.updateComplete
    const at = this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null
    if (at !== null && at.tagName !== 'EZ-RUN-VIEW') return
    const target = this.renderRoot.querySelector<HTMLElement>('[data-testid="error"], [data-testid="notice"]')
    if (target) target.focus()
    else {
      await this.resultsView()?.updateComplete
      this.resultsView()?.focusHeading()
    }
  }

  private async openRun(id: string): Promise<void> {
    if (!(await this.store.openRun(id))) return
    this.go('results')
    await this.updateComplete
    await this.resultsView()?.updateComplete
    this.resultsView()?.focusHeading()
  }

  /** Hides the run at once and deletes it after UNDO_MS unless Undo is pressed (an earlier pending delete goes through now). */
  private async deleteRun(id: string): Promise<void> {
    await this.commitDelete()
    const r = this.store.state.history.find((x) => x.id === id)
    const label = r ? `${r.modelName} on ${r.request.tasks.join(', ')}, started ${new Date(r.createdAt).toLocaleString()}` : 'the run'
    this.pendingDelete = { id, label }
    this.deleteTimer = setTimeout(() => void this.commitDelete(), UNDO_MS)
  }

  private undoDelete(): void {
    clearTimeout(this.deleteTimer)
    this.pendingDelete = undefined
  }

  private async commitDelete(): Promise<void> {
    const pending = this.pendingDelete
    if (!pending) return
    clearTimeout(this.deleteTimer)
    this.pendingDelete = undefined
    await this.store.deleteRun(pending.id)
  }

  /** The history without a run whose deletion can still be undone. */
  private visibleHistory(): readonly RunSummary[] {
    const hidden = this.pendingDelete?.id
    const { history } = this.store.state
    return hidden === undefined ? history : history.filter((r) => r.id !== hidden)
  }
}

customElements.define('ez-app', EzApp)

declare global {
  interface HTMLElementTagNameMap {
    'ez-app': EzApp
  }
}
