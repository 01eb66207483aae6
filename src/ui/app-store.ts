/**
 * The app's shared state and the actions that change it: the catalogue, stored models and datasets, the run
 * history, storage use, the model choice, the run in flight (refreshed by the worker's events), the results on
 * screen, errors and notices. `<ez-app>` creates one and provides it through @lit/context (store-context.ts);
 * views read it and call its actions through a StoreController, which re-renders them on every change.
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { SharePayload } from '../core/share/share-payload.ts'
import { RUN_DEFAULTS } from '../app/run-request.ts'
import type { DatasetInfo, ModelInfo, StorageUsage, UploadFile } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'
import type { PageStateStore } from '../storage/page-state-store.ts'
import { requestPersistence } from '../storage/quota.ts'
import type { DatasetConfigRename, DatasetDrop } from './ez-data-panel.ts'
import type { AddState, ModelChoice } from './ez-model-panel.ts'
import type { PickerForm, RunSettings } from './ez-task-picker.ts'
import { errorText } from './shared-styles.ts'
import type { RunView, Shown } from './shown-run.ts'
import { shownOf, shownOfRecord } from './shown-run.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** An error as shown: its code and one line. */
export interface ShownError {
  readonly code: string
  readonly message: string
}

/** The state every view may read. */
export interface AppState {
  /** the task catalogue (built-ins and added YAML) */
  readonly tasks: readonly CatalogueEntry[]
  /** stored models, newest first */
  readonly models: readonly ModelInfo[]
  /** stored datasets, newest first */
  readonly datasets: readonly DatasetInfo[]
  /** the model the next run uses */
  readonly choice: ModelChoice
  /** a dropped model folder being stored */
  readonly adding: AddState | undefined
  /** the last failure to store a dropped model */
  readonly modelError: ShownError | undefined
  /** the last failure to store dropped data files */
  readonly datasetError: ShownError | undefined
  /** storage used, quota, cached responses */
  readonly usage: StorageUsage | undefined
  /** stored runs, newest first */
  readonly history: readonly RunSummary[]
  /** runs a reload or crash left 'running', offered for resume */
  readonly interrupted: readonly RunSummary[]
  /** the run in flight, or the last one */
  readonly run: RunView | undefined
  /** true while a run goes */
  readonly running: boolean
  /** the results on screen */
  readonly shown: Shown | undefined
  /** the last error, shown above the views */
  readonly error: ShownError | undefined
  /** a one-line, non-error message (cancelled, deleted) */
  readonly notice: string | undefined
  /** the share link this page was opened with, decoded */
  readonly shared: SharePayload | undefined
  /** a remembered form for the picker, once restored */
  readonly form: PickerForm | undefined
}

/** The model a page starts with: the app's demo model. */
const DEMO: ModelChoice = { source: 'app', id: 'demo' }
/** No model chosen (after a dropped folder failed to store): no entry is ticked and Run asks for a model. */
const NO_MODEL: ModelChoice = { source: 'stored', id: '' }

/** The app's state: read its fields, change them through its methods; it dispatches 'change' after each change. */
export class AppStore extends EventTarget {
  private current: AppState = {
    tasks: [], models: [], datasets: [], choice: DEMO, adding: undefined, modelError: undefined, datasetError: undefined,
    usage: undefined, history: [], interrupted: [], run: undefined, running: false, shown: undefined, error: undefined,
    notice: undefined, shared: undefined, form: undefined,
  }
  /** the picker's latest form */
  private pickerForm: PickerForm | undefined
  /** true once the remembered state is applied (changes before that are not saved over it) */
  private restored = false

  /** `client` is the worker; `pageState` keeps the form and the shown run across reloads. */
  constructor(readonly client: EvalWorkerClient, readonly pageState: PageStateStore) {
    super()
  }

  /** The state now (a new object after every change). */
  get state(): AppState {
    return this.current
  }

  /** Changes fields and tells the listeners; a changed model choice or shown run is remembered. */
  set(patch: Partial<AppState>): void {
    const before = this.current
    this.current = { ...before, ...patch }
    if (this.restored && patch.choice !== undefined && patch.choice !== before.choice) this.saveForm()
    if (this.restored && 'shown' in patch && patch.shown !== before.shown) void this.pageState.set('shownRun', patch.shown?.runId)
    this.dispatchEvent(new Event('change'))
  }

  /** Loads everything on start; `onInterrupted` is called when a run was left 'running'. */
  load(onInterrupted: () => void): { readonly history: Promise<void> } {
    void this.refreshTasks()
    const models = this.refreshModels()
    void this.refreshDatasets()
    void this.refreshUsage()
    const history = this.refreshHistory().then(() => {
      const interrupted = this.current.history.filter((r) => r.status === 'running')
      this.set({ interrupted })
      if (interrupted.length > 0) onInterrupted()
    })
    void this.restore(models, history)
    return { history }
  }

  /** Applies the remembered form (its model once the stored models confirm it) and shows the last shown run if still stored. */
  private async restore(models: Promise<void>, history: Promise<void>): Promise<void> {
    const [form, shownRun] = await Promise.all([this.pageState.get('form'), this.pageState.get('shownRun')])
    if (form) {
      const { modelSource, modelId, ...picker } = form
      this.pickerForm = picker
      this.set({ form: picker })
      if (modelSource === 'stored') {
        this.set({ choice: { source: 'stored', id: modelId } })
        void models.then(() => { if (!this.current.models.some((m) => m.id === modelId)) this.set({ choice: DEMO }) })
      }
      // a served model comes back when the stored server settings still name it (the key stays in the worker)
      if (modelSource === 'server') void this.restoreServer(modelId)
    }
    this.restored = true
    await history
    const { shown, history: runs } = this.current
    if (shownRun !== undefined && shown === undefined && runs.some((r) => r.id === shownRun && r.status === 'done')) {
      await this.openRun(shownRun)
    }
  }

  private async restoreServer(model: string): Promise<void> {
    const s = await this.client.getServerSettings().catch(() => undefined)
    if (s && s.url !== '' && s.model === model) {
      this.set({ choice: { source: 'server', id: model, server: { url: s.url, tokenizer: s.tokenizer, tokenizerSource: s.tokenizerSource } } })
    }
  }

  /** The picker's form changed: remember it with the model choice. */
  setForm(form: PickerForm): void {
    this.pickerForm = form
    this.saveForm()
  }

  private saveForm(): void {
    if (!this.restored || !this.pickerForm) return
    const { choice } = this.current
    void this.pageState.set('form', { ...this.pickerForm, modelSource: choice.source, modelId: choice.id })
  }

  /** The request for the picker's settings and the chosen model. */
  requestFor(settings: RunSettings): RunRequest {
    const { choice } = this.current
    return {
      runId: crypto.randomUUID(), model: choice.id, modelSource: choice.source, ...(choice.server ? { server: choice.server } : {}),
      device: settings.device, tasks: settings.tasks,
      limit: settings.limit, numFewshot: settings.numFewshot, batchSize: settings.batchSize, seed: settings.seed,
      bootstrapIters: RUN_DEFAULTS.bootstrapIters, logSamples: true,
    }
  }

  /** Runs `spec`; true when it finished with results (false: refused, failed or cancelled). */
  async startRun(spec: RunRequest): Promise<boolean> {
    if (this.current.running) return false
    if (spec.model === '') {
      this.set({ error: { code: 'USAGE', message: 'no model is selected (the last dropped folder could not be stored); pick a model in the list or drop a model folder' } })
      return false
    }
    const run: RunView = {
      runId: spec.runId, phase: undefined, progress: undefined, load: undefined, device: undefined, totalRequests: undefined,
      planned: [], tasks: {},
    }
    this.set({ error: undefined, notice: undefined, interrupted: this.current.interrupted.filter((r) => r.id !== spec.runId), run, running: true })
    void this.refreshHistory()
    try {
      const result = await this.client.run(spec, (ev) => this.onWorkerEvent(spec.runId, ev))
      this.set({ run: { ...(this.current.run ?? run), device: result.device }, shown: shownOf(result) })
      return true
    } catch (err) {
      const e = errorText(err)
      if (e.code === 'CANCELLED') this.set({ notice: 'Run cancelled. Its finished answers are cached: running it again reuses them.' })
      else this.set({ error: e })
      return false
    } finally {
      this.set({ running: false })
      void this.refreshHistory()
      void this.refreshUsage()
      // a run may have stored datasets it fetched from the Hub
      void this.refreshDatasets()
    }
  }

  /** A worker event of run `runId` updates the run in flight. */
  private onWorkerEvent(runId: string, e: WorkerEvent): void {
    const run = this.current.run
    if (!run || run.runId !== runId) return
    switch (e.type) {
      case 'phase': this.set({ run: { ...run, phase: e.phase } }); break
      case 'load': this.set({ run: { ...run, load: e } }); break
      case 'device': this.set({ run: { ...run, device: e.report } }); break
      case 'eval':
        if (e.event.type === 'planned') this.set({ run: { ...run, totalRequests: e.event.totalRequests, planned: e.event.tasks } })
        else if (e.event.type === 'progress') this.set({ run: { ...run, progress: e.event } })
        else if (e.event.type === 'task-progress') this.set({ run: { ...run, tasks: { ...run.tasks, [e.event.task]: e.event } } })
        break
    }
  }

  /** Asks the run in flight to stop. */
  cancel(): void {
    const run = this.current.run
    if (run) void this.client.cancel(run.runId)
  }

  /** Marks an interrupted run as abandoned. */
  async discard(id: string): Promise<void> {
    this.set({ interrupted: this.current.interrupted.filter((r) => r.id !== id) })
    await this.guard(() => this.client.abandonRun(id))
    void this.refreshHistory()
  }

  /** Shows a stored run's results; false when it has none. */
  async openRun(id: string): Promise<boolean> {
    const record = await this.guard(() => this.client.getRun(id))
    if (record?.resultsJson === undefined) return false
    this.set({ shown: { ...shownOfRecord(record), from: 'history' } })
    return true
  }

  /** Deletes a stored run for good. */
  async deleteRun(id: string): Promise<void> {
    await this.guard(() => this.client.deleteRun(id))
    const { shown, interrupted } = this.current
    this.set({ ...(shown?.runId === id ? { shown: undefined } : {}), interrupted: interrupted.filter((r) => r.id !== id) })
    void this.refreshHistory()
    void this.refreshUsage()
  }

  /** Stores a dropped model folder (or checkpoint) and chooses it. */
  async addModel(files: readonly UploadFile[]): Promise<void> {
    this.set({ modelError: undefined, adding: { phase: 'reading' } })
    try {
      const model = await this.client.addModel(files, (progress) => this.set({ adding: { phase: 'hashing', progress } }))
      this.set({ choice: { source: 'stored', id: model.id } })
      await this.refreshModels()
    } catch (e) {
      // nothing stays selected that the user did not pick: Run must not evaluate the previously chosen model
      this.set({ modelError: errorText(e), choice: NO_MODEL })
    } finally {
      this.set({ adding: undefined })
      void this.refreshUsage()
    }
  }

  /** A model downloaded from the Hub: listed and chosen. */
  async hubModelAdded(model: ModelInfo): Promise<void> {
    await this.refreshModels()
    this.set({ choice: { source: 'stored', id: model.id } })
    void this.refreshUsage()
  }

  async removeModel(id: string): Promise<void> {
    await this.guard(() => this.client.removeModel(id))
    const { choice } = this.current
    if (choice.source === 'stored' && choice.id === id) this.set({ choice: DEMO })
    void this.refreshModels()
    void this.refreshUsage()
  }

  async addDataset(d: DatasetDrop): Promise<void> {
    const placement = { ...(d.split === undefined ? {} : { split: d.split }), ...(d.config === undefined ? {} : { config: d.config }) }
    this.set({ datasetError: undefined })
    try {
      await this.client.addDataset(d.name, d.files, placement)
    } catch (e) {
      this.set({ datasetError: errorText(e) })
    }
    void this.refreshDatasets()
    void this.refreshUsage()
  }

  /** Renames a stored dataset's config folder (e.g. 'default' → 'ARC-Easy'). */
  async renameDatasetConfig(r: DatasetConfigRename): Promise<void> {
    this.set({ datasetError: undefined })
    try {
      await this.client.renameDatasetConfig(r.id, r.from, r.to)
    } catch (e) {
      this.set({ datasetError: errorText(e) })
    }
    void this.refreshDatasets()
  }

  async removeDataset(id: string): Promise<void> {
    await this.guard(() => this.client.removeDataset(id))
    void this.refreshDatasets()
    void this.refreshUsage()
  }

  async clearPartialDownloads(): Promise<void> {
    await this.guard(() => this.client.clearPartialDownloads())
    void this.refreshUsage()
  }

  /** Asks the browser to keep this origin's data; a notice says when it does not. */
  async persist(): Promise<void> {
    const granted = await requestPersistence(navigator.storage)
    if (!granted) this.set({ notice: 'The browser did not make storage persistent (browsers grant it to sites you use often or bookmark).' })
    void this.refreshUsage()
  }

  async refreshTasks(): Promise<void> {
    this.set({ tasks: (await this.guard(() => this.client.listTasks())) ?? this.current.tasks })
  }

  async refreshModels(): Promise<void> {
    this.set({ models: (await this.guard(() => this.client.listModels())) ?? this.current.models })
  }

  async refreshDatasets(): Promise<void> {
    this.set({ datasets: (await this.guard(() => this.client.listDatasets())) ?? this.current.datasets })
  }

  async refreshHistory(): Promise<void> {
    this.set({ history: (await this.guard(() => this.client.listRuns())) ?? this.current.history })
  }

  async refreshUsage(): Promise<void> {
    this.set({ usage: (await this.guard(() => this.client.storageUsage())) ?? this.current.usage })
  }

  /** Runs a worker call; a failure is shown and gives undefined. */
  async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (e) {
      this.fail(e)
      return undefined
    }
  }

  /** Shows `e` as the page's error. */
  fail(e: unknown): void {
    this.set({ error: errorText(e) })
  }
}
