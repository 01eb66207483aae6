/**
 * `<ez-app>`: the shell. Talks to the evaluation worker (the only IndexedDB writer) and shows one view at a time
 * (routes.ts: run — model, tasks, settings, progress; results with the sample inspector; history; compare; chat;
 * storage), switched by the location hash; a share link opens the results view. An interrupted run (a reload
 * or crash mid-run leaves its record 'running') is offered for resume on load; resuming re-sends the same request
 * and the worker's response cache answers every request that had finished.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DatasetInfo, ModelInfo, StorageUsage, UploadFile } from '../protocol/eval-store.ts'
import type { RunSuccess, RunSummary } from '../protocol/eval-worker-api.ts'
import type { SharePayload } from '../core/share/share-payload.ts'
import { readShareLink } from '../app/share-link.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import { RUN_DEFAULTS } from '../app/run-request.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'
import { requestPersistence } from '../storage/quota.ts'
import type { AddState, ModelChoice } from './ez-model-panel.ts'
import type { DatasetConfigRename, DatasetDrop } from './ez-data-panel.ts'
import type { PickerForm, RunSettings } from './ez-task-picker.ts'
import { etaSeconds, formatSeconds } from './ez-run-progress.ts'
import { pageStateStore } from '../storage/page-state-store.ts'
import { errorText, sharedStyles } from './shared-styles.ts'
import { evalWorkerClient } from './worker-client.ts'
import type { RunView, Shown } from './shown-run.ts'
import { shownOf, shownOfRecord } from './shown-run.ts'
import './ez-chat-view.ts'
import type { SampleForChat } from './chat-draft.ts'
import { sampleForChat } from './chat-draft.ts'
import type { SampleView } from './sample-view.ts'
import type { RunRecord } from '../protocol/eval-store.ts'
import type { ViewName } from './routes.ts'
import { ROUTES, hashOfView, viewOfHash } from './routes.ts'
import './ez-compare-view.ts'
import './ez-data-panel.ts'
import './ez-guide.ts'
import './ez-hub-model.ts'
import './ez-server-model.ts'
import { registerServiceWorker } from './service-worker-registration.ts'
import './ez-model-panel.ts'
import './ez-results-table.ts'
import './ez-run-history.ts'
import './ez-run-progress.ts'
import './ez-sample-inspector.ts'
import './ez-share-link.ts'
import './ez-shared-run.ts'
import './ez-storage-view.ts'
import './ez-task-picker.ts'
import './ez-task-editor.ts'

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
    .setup { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 1.25rem; align-items: start; }
    @media (max-width: 860px) { .setup { grid-template-columns: minmax(0, 1fr); } }
    .card { border: 1px solid var(--ez-border, #d0d7de); border-radius: 8px; padding: 1rem; background: var(--ez-bg, #fff); min-width: 0; }
    section { margin-top: 1.5rem; }
    .banner { border: 1px solid var(--ez-warn, #9a6700); border-radius: 8px; padding: 0.75rem 1rem; margin-bottom: 1.25rem;
      display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
    .banner p { margin: 0; flex: 1 1 20rem; }
    .note { margin: 0 0 0.75rem; }
    .status-line { position: sticky; bottom: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 0.4rem 0.75rem; align-items: center;
      margin-top: 1rem; padding: 0.5rem 0.75rem; border: 1px solid var(--ez-accent, #0969da); border-radius: 8px;
      background: var(--ez-bg, #fff); box-shadow: 0 -2px 8px rgb(0 0 0 / 12%); font-variant-numeric: tabular-nums; }
    .status-line span { flex: 1 1 14rem; }
    .undo { margin: 0 0 0.6rem; display: flex; gap: 0.5rem; align-items: baseline; flex-wrap: wrap; }
    [hidden] { display: none !important; }
    section.stale { border-left: 3px solid var(--ez-warn, #9a6700); padding-left: 0.75rem; }
    .stale-note { margin: 0 0 0.75rem; color: var(--ez-warn, #9a6700); font-size: 0.9rem; }
    details.inspector > summary { cursor: pointer; font-weight: 600; padding: 0.4rem 0; }
    @media (max-width: 480px) { :host { padding: 0.75rem; } .card { padding: 0.75rem; } }
  `]

  static override properties = {
    tasks: { state: true }, models: { state: true }, datasets: { state: true }, choice: { state: true },
    adding: { state: true }, modelError: { state: true }, datasetError: { state: true }, usage: { state: true }, history: { state: true },
    interrupted: { state: true }, run: { state: true }, running: { state: true }, shown: { state: true },
    error: { state: true }, notice: { state: true }, shared: { state: true }, form: { state: true }, view: { state: true },
    chatSample: { state: true }, pendingDelete: { state: true },
  }

  private declare tasks: readonly CatalogueEntry[]
  private declare models: readonly ModelInfo[]
  private declare datasets: readonly DatasetInfo[]
  private declare choice: ModelChoice
  private declare adding: AddState | undefined
  private declare modelError: { code: string; message: string } | undefined
  /** the last failure to store dropped data files (shown in the Data panel) */
  private declare datasetError: { code: string; message: string } | undefined
  private declare usage: StorageUsage | undefined
  private declare history: readonly RunSummary[]
  /** runs a reload or crash left 'running', offered for resume */
  private declare interrupted: readonly RunSummary[]
  private declare run: RunView | undefined
  private declare running: boolean
  private declare shown: Shown | undefined
  private declare error: { code: string; message: string } | undefined
  /** a one-line, non-error message (cancelled, deleted) */
  private declare notice: string | undefined
  /** the share link this page was opened with, decoded */
  private declare shared: SharePayload | undefined

  /** a remembered form for the picker, once restored */
  private declare form: PickerForm | undefined
  /** the view shown (from the location hash) */
  private declare view: ViewName
  /** the eval sample last sent to the Chat view ("Open in chat") */
  private declare chatSample: SampleForChat | undefined
  /** a run deleted a moment ago: hidden, and deleted for good when the undo time runs out */
  private declare pendingDelete: { readonly id: string; readonly label: string } | undefined
  private deleteTimer: ReturnType<typeof setTimeout> | undefined

  private readonly client = evalWorkerClient(this)
  /** the form, added YAML and shown run, kept across reloads */
  private readonly pageState = pageStateStore()
  /** the picker's latest form */
  private pickerForm: PickerForm | undefined
  /** true once the remembered state is applied (changes before that are not saved over it) */
  private restored = false

  constructor() {
    super()
    this.tasks = []
    this.models = []
    this.datasets = []
    this.choice = { source: 'app', id: 'demo' }
    this.adding = undefined
    this.modelError = undefined
    this.datasetError = undefined
    this.usage = undefined
    this.history = []
    this.interrupted = []
    this.run = undefined
    this.running = false
    this.shown = undefined
    this.error = undefined
    this.notice = undefined
    this.shared = undefined
    this.form = undefined
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
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`#view-${this.view}-h`)?.focus())
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    window.removeEventListener('hashchange', this.onHashChange)
  }

  /** The skip link: the run view's tasks and settings take the focus. */
  private async skipToTasks(e: Event): Promise<void> {
    e.preventDefault()
    this.go('run')
    await this.updateComplete
    this.renderRoot.querySelector('ez-task-picker')?.focusStart()
  }

  /** Shows `view` (a new history entry, so Back returns to the view before). */
  private go(view: ViewName): void {
    if (viewOfHash(location.hash) === view && location.hash !== '') return
    this.navigating = true
    // shown at once, so focus can move into it before the hashchange event arrives
    this.view = view
    location.hash = hashOfView(view)
  }

  override connectedCallback(): void {
    super.connectedCallback()
    window.addEventListener('hashchange', this.onHashChange)
    void registerServiceWorker()
    readShareLink(location.hash).then((p) => { this.shared = p }, (e: unknown) => this.fail(e))
    this.client.listTasks().then((t) => { this.tasks = t }, (e: unknown) => this.fail(e))
    const models = this.refreshModels()
    void this.refreshDatasets()
    void this.refreshUsage()
    const history = this.refreshHistory().then(() => {
      this.interrupted = this.history.filter((r) => r.status === 'running')
      if (this.interrupted.length > 0) void this.showResumeOffer()
    })
    void this.restore(models, history)
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (!this.restored) return
    if (changed.has('choice')) this.saveForm()
    if (changed.has('shown')) void this.pageState.set('shownRun', this.shown?.runId)
  }

  /** Applies the remembered form (its model once the stored models confirm it) and shows the last shown run if still stored. */
  private async restore(models: Promise<void>, history: Promise<void>): Promise<void> {
    const [form, shownRun] = await Promise.all([this.pageState.get('form'), this.pageState.get('shownRun')])
    if (form) {
      const { modelSource, modelId, ...picker } = form
      this.form = picker
      this.pickerForm = picker
      if (modelSource === 'stored') {
        this.choice = { source: 'stored', id: modelId }
        void models.then(() => { if (!this.models.some((m) => m.id === modelId)) this.choice = { source: 'app', id: 'demo' } })
      }
      // a served model comes back when the stored server settings still name it (the key stays in the worker)
      if (modelSource === 'server') void this.restoreServer(modelId)
    }
    this.restored = true
    await history
    if (shownRun !== undefined && this.shown === undefined && this.history.some((r) => r.id === shownRun && r.status === 'done')) {
      await this.openRun(shownRun, false)
    }
  }

  private async restoreServer(model: string): Promise<void> {
    const s = await this.client.getServerSettings().catch(() => undefined)
    if (s && s.url !== '' && s.model === model) {
      this.choice = { source: 'server', id: model, server: { url: s.url, tokenizer: s.tokenizer, tokenizerSource: s.tokenizerSource } }
    }
  }

  private saveForm(): void {
    if (!this.restored || !this.pickerForm) return
    void this.pageState.set('form', { ...this.pickerForm, modelSource: this.choice.source, modelId: this.choice.id })
  }

  override render() {
    return html`
      <a class="skip" href="#tasks-h" data-testid="skip-link" @click=${(e: Event) => this.skipToTasks(e)}>Skip to tasks and settings</a>
      <header>
        <h1>eval<span>z</span></h1>
        <p>lm-evaluation-harness prompts and numbers, computed in your browser. Nothing leaves this page.</p>
        <nav aria-label="Views"><ul>${ROUTES.map((r) => html`<li><a href=${hashOfView(r.name)} data-testid="nav-${r.name}"
          aria-current=${this.view === r.name ? 'page' : nothing}>${r.label}</a></li>`)}</ul></nav>
      </header>
      ${this.error ? html`<p class="error" role="alert" data-testid="error" tabindex="-1"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
      ${this.notice ? html`<p class="note muted" role="status" data-testid="notice" tabindex="-1">${this.notice}</p>` : nothing}
      <main @open-in-chat=${(e: CustomEvent<{ sample: SampleView; record?: RunRecord }>) => this.openInChat(e.detail)}>
        ${ROUTES.map((r) => html`<section class="view" data-testid="view-${r.name}" aria-labelledby="view-${r.name}-h"
          ?hidden=${this.view !== r.name}>${this.renderView(r.name, r.title)}</section>`)}
        ${this.renderStatusLine()}
      </main>
    `
  }

  /** The contents of one view (every view stays in the page, hidden when not shown, so its state survives). */
  private renderView(view: ViewName, title: string) {
    const heading = html`<h2 id="view-${view}-h" tabindex="-1">${title}</h2>`
    switch (view) {
      case 'run': return html`${heading}${this.renderRun()}`
      case 'results': return this.renderResults(title)
      case 'history': return html`${heading}
        ${this.pendingDelete ? html`<p class="undo" role="status" data-testid="undo-delete">Deleted the run of ${this.pendingDelete.label}.
          <button type="button" class="small" data-testid="undo" @click=${() => this.undoDelete()}>Undo</button></p>` : nothing}
        <ez-run-history .runs=${this.visibleHistory()} .models=${this.models} .openId=${this.shown?.runId} ?busy=${this.running}
          .client=${this.client} @runs-changed=${() => this.refreshHistory()}
          @run-open=${(e: CustomEvent<{ id: string }>) => this.openRun(e.detail.id)}
          @run-resume=${(e: CustomEvent<{ id: string }>) => this.resume(e.detail.id)}
          @run-delete=${(e: CustomEvent<{ id: string }>) => this.deleteRun(e.detail.id)}></ez-run-history>`
      case 'compare': return html`${heading}
        <ez-compare-view .client=${this.client} .runs=${this.visibleHistory()} .entries=${this.tasks} @runs-changed=${() => this.refreshHistory()}></ez-compare-view>`
      case 'chat': return html`${heading}
        <ez-chat-view .client=${this.client} .models=${this.models} .pending=${this.chatSample}></ez-chat-view>`
      case 'storage': return html`${heading}
        <ez-storage-view .models=${this.models} .datasets=${this.datasets} .usage=${this.usage} .runs=${this.history}
          .entries=${this.tasks} ?disabled=${this.running}
          @model-remove=${(e: CustomEvent<{ id: string }>) => this.removeModel(e.detail.id)}
          @dataset-remove=${(e: CustomEvent<{ id: string }>) => this.removeDataset(e.detail.id)}
          @persist-request=${() => this.persist()}
          @partials-clear=${() => this.guard(() => this.client.clearPartialDownloads()).then(() => this.refreshUsage())}></ez-storage-view>`
    }
  }

  /** The run view: an interrupted run to resume, model, data, task YAML, tasks and settings, progress, the guide. */
  private renderRun() {
    return html`
        ${this.renderInterrupted()}
        <div class="setup">
          <div>
            <div class="card">
              <ez-model-panel .models=${this.models} .selected=${this.choice} .adding=${this.adding} .error=${this.modelError}
                ?disabled=${this.running}
                @model-select=${(e: CustomEvent<ModelChoice>) => { this.choice = e.detail }}
                @model-files=${(e: CustomEvent<{ files: UploadFile[] }>) => this.addModel(e.detail.files)}
                @model-remove=${(e: CustomEvent<{ id: string }>) => this.removeModel(e.detail.id)}></ez-model-panel>
              <ez-server-model .client=${this.client} .models=${this.models} ?disabled=${this.running}
                @server-select=${(e: CustomEvent<{ choice: ModelChoice }>) => { this.choice = e.detail.choice }}></ez-server-model>
              <ez-hub-model .client=${this.client} ?disabled=${this.running}
                @hub-model-added=${(e: CustomEvent<{ model: ModelInfo }>) => this.hubModelAdded(e.detail.model)}></ez-hub-model>
            </div>
            <div class="card" style="margin-top: 1.25rem">
              <ez-data-panel .datasets=${this.datasets} .entries=${this.tasks} ?disabled=${this.running} .error=${this.datasetError}
                @dataset-files=${(e: CustomEvent<DatasetDrop>) => this.addDataset(e.detail)}
                @dataset-remove=${(e: CustomEvent<{ id: string }>) => this.removeDataset(e.detail.id)}
                @dataset-rename-config=${(e: CustomEvent<DatasetConfigRename>) => this.renameDatasetConfig(e.detail)}></ez-data-panel>
            </div>
            <div class="card" style="margin-top: 1.25rem"><ez-task-editor .client=${this.client} .memory=${this.pageState} ?disabled=${this.running}
              @tasks-changed=${() => this.client.listTasks().then((t) => { this.tasks = t }, (e: unknown) => this.fail(e))}></ez-task-editor></div>
          </div>
          <div class="card">
            <ez-task-picker .entries=${this.tasks} ?running=${this.running} .datasets=${this.datasets}
              .modelName=${this.choice.source === 'app' ? 'Demo model' : this.choice.source === 'server' ? `${this.choice.id} (server)` : this.models.find((m) => m.id === this.choice.id)?.name ?? this.choice.id}
              .form=${this.form}
              @form-change=${(e: CustomEvent<PickerForm>) => { this.pickerForm = e.detail; this.saveForm() }}
              @run-request=${(e: CustomEvent<RunSettings>) => this.startRun(this.requestFor(e.detail))}></ez-task-picker>
          </div>
        </div>
        ${this.run && (this.running || this.shown?.runId === this.run.runId) ? html`<section aria-label="Run progress">
           <ez-run-progress .phase=${this.running ? this.run.phase ?? 'loading-model' : this.shown?.runId === this.run.runId ? 'done' : undefined}
            .progress=${this.run.progress} .load=${this.run.load} .device=${this.run.device} .totalRequests=${this.run.totalRequests}
            .planned=${this.run.planned} .tasks=${this.run.tasks} ?cancellable=${this.running}
            @cancel=${() => this.cancel()}></ez-run-progress></section>` : nothing}
        <section aria-label="Benchmark guide"><ez-guide
          @tick-tasks=${(e: CustomEvent<{ tasks: string[] }>) => void this.renderRoot.querySelector('ez-task-picker')?.tick(e.detail.tasks)}></ez-guide></section>`
  }

  /** A resume offer is seen first: the browser's restored scroll position would carry it out of view. */
  private async showResumeOffer(): Promise<void> {
    if ('scrollRestoration' in history) history.scrollRestoration = 'manual'
    await this.updateComplete
    window.scrollTo(0, 0)
    this.renderRoot.querySelector<HTMLElement>('[data-testid="resume"]')?.focus({ preventScroll: true })
  }

  /** While a run goes: one line stuck to the bottom of the window, in every view, with Cancel. */
  private renderStatusLine() {
    const run = this.run
    if (!this.running || !run) return nothing
    const p = run.progress
    const total = p?.overallTotal ?? run.totalRequests ?? 0
    const eta = p ? etaSeconds(p) : undefined
    const what = run.phase === 'evaluating' ? 'Evaluating' : run.phase === 'finishing' ? 'Scoring' : run.phase === 'loading-python' ? 'Loading Python' : 'Loading the model'
    return html`<div class="status-line" data-testid="status-line">
      <span><strong>${what}…</strong>${total > 0 ? html` ${(p?.overallDone ?? 0).toLocaleString()}/${total.toLocaleString()} requests` : nothing}${
        eta !== undefined ? html` · ETA ${formatSeconds(eta)}` : nothing}</span>
      <button type="button" class="small" @click=${() => this.showProgress()}>Show progress</button>
      <button type="button" class="small danger" @click=${() => this.cancel()}>Cancel run</button>
    </div>`
  }

  /** The run view, with the focus on the running run's Cancel. */
  private async showProgress(): Promise<void> {
    this.go('run')
    await this.updateComplete
    this.renderRoot.querySelector('ez-run-progress')?.focusCancel()
  }

  private renderInterrupted() {
    const r = this.interrupted[0]
    if (!r || this.running) return nothing
    return html`<div class="banner" role="region" aria-label="Interrupted run" data-testid="resume-banner">
      <p>An evaluation was interrupted (<span class="mono">${r.request.tasks.join(', ')}</span> on ${r.modelName}, started
        ${new Date(r.createdAt).toLocaleString()}). Resuming reuses every answer that had finished.</p>
      <button type="button" class="primary" data-testid="resume" @click=${() => this.resume(r.id)}>Resume</button>
      <button type="button" data-testid="discard" @click=${() => this.discard(r.id)}>Discard</button>
    </div>`
  }

  /** The results view: a share link's run, then the shown run's results and samples (or how to get some). */
  private renderResults(title: string) {
    const shared = this.shared ? html`<ez-shared-run .client=${this.client} .payload=${this.shared} .models=${this.models} ?disabled=${this.running}
      @hub-model-added=${(e: CustomEvent<{ model: ModelInfo }>) => this.hubModelAdded(e.detail.model)}
      @run-finished=${(e: CustomEvent<{ result: RunSuccess }>) => { this.shown = shownOf(e.detail.result); void this.refreshHistory() }}></ez-shared-run>` : nothing
    const s = this.shown
    if (!s) {
      return html`<h2 id="view-results-h" tabindex="-1">${title}</h2>${shared}
        <p class="muted" data-testid="no-results">No results shown yet: run an evaluation (<a href=${hashOfView('run')}>Run</a>)
          or open a finished one from the <a href=${hashOfView('history')}>history</a>.</p>`
    }
    const sampleCount = Object.values(s.samplesJsonl).reduce((n, t) => n + (t.match(/\n/g)?.length ?? 0), 0)
    // results of an earlier run while a newer one is going (or after it failed or was cancelled)
    const stale = s.from === 'run' && this.run !== undefined && this.run.runId !== s.runId
    const started = this.history.find((r) => r.id === s.runId)?.createdAt
    const when = started === undefined ? '' : ` (started ${new Date(started).toLocaleString()})`
    return html`${shared}
      <section aria-labelledby="view-results-h" data-testid="results" data-device=${s.device} data-run=${s.runId} data-stale=${stale ? 'true' : 'false'}
        class=${stale ? 'stale' : ''}>
        <h2 id="view-results-h" tabindex="-1">${stale ? html`Results of the previous run`
          : html`Results${s.from === 'history' ? html` <span class="muted">(from the history)</span>` : nothing}`}</h2>
        ${stale ? html`<p class="stale-note" role="note" data-testid="stale-note">${this.running
          ? `These are the results of the previous run${when}. The new run's results replace them when it finishes.`
          : `These are the results of the previous run${when}; the last run did not finish.`}</p>` : nothing}
        ${s.cachedRequests > 0 ? html`<p class="note muted" data-testid="cached">Resumed: ${s.cachedRequests.toLocaleString()} requests answered from the cache of earlier runs.</p>` : nothing}
        <ez-share-link .client=${this.client} .runId=${s.runId} .models=${this.models}></ez-share-link>
        <ez-results-table .results=${s.results} .resultsJson=${s.resultsJson} .samplesJsonl=${s.samplesJsonl} .chance=${s.chance}
          data-device=${s.device}></ez-results-table>
        <details class="inspector" data-testid="inspector">
          <summary>Inspect samples (${sampleCount.toLocaleString()})</summary>
          <ez-sample-inspector .samplesJsonl=${s.samplesJsonl} .results=${s.results}></ez-sample-inspector>
        </details>
      </section>`
  }

  /** "Open in chat" from the inspector (the run on screen) or the compare view (the run of that side). */
  private openInChat(d: { sample: SampleView; record?: RunRecord }): void {
    const run = d.record ?? this.history.find((r) => r.id === this.shown?.runId)
    if (!run) return
    this.chatSample = sampleForChat({ id: run.id, request: run.request, modelName: run.modelName }, d.sample, this.models)
    this.go('chat')
  }

  private async hubModelAdded(model: ModelInfo): Promise<void> {
    await this.refreshModels()
    this.choice = { source: 'stored', id: model.id }
    void this.refreshUsage()
  }

  private requestFor(settings: RunSettings): RunRequest {
    return {
      runId: crypto.randomUUID(),
      model: this.choice.id,
      modelSource: this.choice.source,
      ...(this.choice.server ? { server: this.choice.server } : {}),
      device: settings.device,
      tasks: settings.tasks,
      limit: settings.limit,
      numFewshot: settings.numFewshot,
      batchSize: settings.batchSize,
      seed: settings.seed,
      bootstrapIters: RUN_DEFAULTS.bootstrapIters,
      logSamples: true,
    }
  }

  private async startRun(spec: RunRequest): Promise<void> {
    if (this.running) return
    this.error = undefined
    this.notice = undefined
    this.interrupted = this.interrupted.filter((r) => r.id !== spec.runId)
    this.run = { runId: spec.runId, phase: undefined, progress: undefined, load: undefined, device: undefined, totalRequests: undefined, planned: [], tasks: {} }
    this.running = true
    void this.refreshHistory()
    this.go('run')
    // keyboard focus follows the run: to Cancel now, to the results (or the error) when it ends
    void this.updateComplete.then(() => this.renderRoot.querySelector('ez-run-progress')?.focusCancel())
    try {
      const result = await this.client.run(spec, (ev) => this.onWorkerEvent(spec.runId, ev))
      this.run = { ...this.run, device: result.device }
      this.shown = shownOf(result)
      if (this.view === 'run') this.go('results')
    } catch (err) {
      const e = errorText(err)
      if (e.code === 'CANCELLED') this.notice = 'Run cancelled. Its finished answers are cached: running it again reuses them.'
      else this.error = e
    } finally {
      this.running = false
      void this.focusOutcome()
      void this.refreshHistory()
      void this.refreshUsage()
      // a run may have stored datasets it fetched from the Hub
      void this.refreshDatasets()
    }
  }

  /** After a run: focus its results, error or notice, unless the user moved focus elsewhere meanwhile. */
  private async focusOutcome(): Promise<void> {
    await this.updateComplete
    const at = this.renderRoot instanceof ShadowRoot ? this.renderRoot.activeElement : null
    if (at !== null && at.tagName !== 'EZ-RUN-PROGRESS') return
    const target = this.renderRoot.querySelector<HTMLElement>('[data-testid="error"], #view-results-h, [data-testid="notice"]')
    target?.focus()
  }

  private onWorkerEvent(runId: string, e: WorkerEvent): void {
    const run = this.run
    if (!run || run.runId !== runId) return
    switch (e.type) {
      case 'phase': this.run = { ...run, phase: e.phase }; break
      case 'load': this.run = { ...run, load: e }; break
      case 'device': this.run = { ...run, device: e.report }; break
      case 'eval':
        if (e.event.type === 'planned') this.run = { ...run, totalRequests: e.event.totalRequests, planned: e.event.tasks }
        else if (e.event.type === 'progress') this.run = { ...run, progress: e.event }
        else if (e.event.type === 'task-progress') this.run = { ...run, tasks: { ...run.tasks, [e.event.task]: e.event } }
        break
    }
  }

  private cancel(): void {
    if (this.run) void this.client.cancel(this.run.runId)
  }

  private async resume(id: string): Promise<void> {
    const record = await this.guard(() => this.client.getRun(id))
    if (!record) return
    this.choice = { source: record.request.modelSource ?? 'app', id: record.request.model, ...(record.request.server ? { server: record.request.server } : {}) }
    await this.startRun(record.request)
  }

  private async discard(id: string): Promise<void> {
    this.interrupted = this.interrupted.filter((r) => r.id !== id)
    await this.guard(() => this.client.abandonRun(id))
    void this.refreshHistory()
  }

  private async openRun(id: string, navigate = true): Promise<void> {
    const record = await this.guard(() => this.client.getRun(id))
    if (record?.resultsJson === undefined) return
    this.shown = { ...shownOfRecord(record), from: 'history' }
    if (!navigate) return
    this.go('results')
    await this.updateComplete
    this.renderRoot.querySelector<HTMLElement>('#view-results-h')?.focus()
  }

  /** Hides the run at once and deletes it after UNDO_MS unless Undo is pressed (an earlier pending delete goes through now). */
  private async deleteRun(id: string): Promise<void> {
    await this.commitDelete()
    const r = this.history.find((x) => x.id === id)
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
    await this.guard(() => this.client.deleteRun(pending.id))
    if (this.shown?.runId === pending.id) this.shown = undefined
    this.interrupted = this.interrupted.filter((r) => r.id !== pending.id)
    void this.refreshHistory()
    void this.refreshUsage()
  }

  /** The history without a run whose deletion can still be undone. */
  private visibleHistory(): readonly RunSummary[] {
    const hidden = this.pendingDelete?.id
    return hidden === undefined ? this.history : this.history.filter((r) => r.id !== hidden)
  }


  private async addModel(files: readonly UploadFile[]): Promise<void> {
    this.modelError = undefined
    this.adding = { phase: 'reading' }
    try {
      const model = await this.client.addModel(files, (progress) => { this.adding = { phase: 'hashing', progress } })
      this.choice = { source: 'stored', id: model.id }
      await this.refreshModels()
    } catch (e) {
      this.modelError = errorText(e)
    } finally {
      this.adding = undefined
      void this.refreshUsage()
    }
  }

  private async removeModel(id: string): Promise<void> {
    await this.guard(() => this.client.removeModel(id))
    if (this.choice.source === 'stored' && this.choice.id === id) this.choice = { source: 'app', id: 'demo' }
    void this.refreshModels()
    void this.refreshUsage()
  }

  private async addDataset(d: DatasetDrop): Promise<void> {
    const placement = { ...(d.split === undefined ? {} : { split: d.split }), ...(d.config === undefined ? {} : { config: d.config }) }
    this.datasetError = undefined
    try {
      await this.client.addDataset(d.name, d.files, placement)
    } catch (e) {
      this.datasetError = errorText(e)
    }
    void this.refreshDatasets()
    void this.refreshUsage()
  }

  private async renameDatasetConfig(r: DatasetConfigRename): Promise<void> {
    this.datasetError = undefined
    try {
      await this.client.renameDatasetConfig(r.id, r.from, r.to)
    } catch (e) {
      this.datasetError = errorText(e)
    }
    void this.refreshDatasets()
  }

  private async removeDataset(id: string): Promise<void> {
    await this.guard(() => this.client.removeDataset(id))
    void this.refreshDatasets()
    void this.refreshUsage()
  }

  private async persist(): Promise<void> {
    const granted = await requestPersistence(navigator.storage)
    if (!granted) this.notice = 'The browser did not make storage persistent (browsers grant it to sites you use often or bookmark).'
    void this.refreshUsage()
  }

  private async refreshModels(): Promise<void> {
    this.models = (await this.guard(() => this.client.listModels())) ?? this.models
  }

  private async refreshDatasets(): Promise<void> {
    this.datasets = (await this.guard(() => this.client.listDatasets())) ?? this.datasets
  }

  private async refreshHistory(): Promise<void> {
    this.history = (await this.guard(() => this.client.listRuns())) ?? this.history
  }

  private async refreshUsage(): Promise<void> {
    this.usage = (await this.guard(() => this.client.storageUsage())) ?? this.usage
  }

  /** Runs a worker call; a failure is shown and gives undefined. */
  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (e) {
      this.fail(e)
      return undefined
    }
  }

  private fail(e: unknown): void {
    this.error = errorText(e)
  }
}

customElements.define('ez-app', EzApp)

declare global {
  interface HTMLElementTagNameMap {
    'ez-app': EzApp
  }
}
