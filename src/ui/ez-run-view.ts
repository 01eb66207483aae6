/**
 * `<ez-run-view>`: the run view's body — an interrupted run to resume, the model (dropped, Hub), data and task YAML
 * panels (and a served model), the task picker with the settings, the run's progress, and the benchmark guide. It reads and changes the
 * app's store (store-context.ts). Events: 'run-start' {spec} and 'run-resume' {id} (the shell starts the run, so it
 * can move the view and the focus with it).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { ModelInfo, UploadFile } from '../protocol/eval-store.ts'
import type { DatasetConfigRename, DatasetDrop } from './ez-data-panel.ts'
import type { ModelChoice } from './ez-model-panel.ts'
import type { PickerForm, RunSettings } from './ez-task-picker.ts'
import { fire, sharedStyles } from './shared-styles.ts'
import { StoreController } from './store-context.ts'
import './ez-data-panel.ts'
import './ez-guide.ts'
import './ez-hub-model.ts'
import './ez-server-model.ts'
import './ez-model-panel.ts'
import './ez-run-progress.ts'
import './ez-task-editor.ts'
import './ez-task-picker.ts'

export class EzRunView extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    .setup { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 1.25rem; align-items: start; }
    @media (max-width: 860px) { .setup { grid-template-columns: minmax(0, 1fr); } }
    .card { border: 1px solid var(--ez-border, #d0d7de); border-radius: 8px; padding: 1rem; background: var(--ez-bg, #fff); min-width: 0; }
    .card + .card { margin-top: 1.25rem; }
    section { margin-top: 1.5rem; }
    .banner { border: 1px solid var(--ez-warn, #9a6700); border-radius: 8px; padding: 0.75rem 1rem; margin-bottom: 1.25rem;
      display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; }
    .banner p { margin: 0; flex: 1 1 20rem; }
    @media (max-width: 480px) { .card { padding: 0.75rem; } }
  `]

  private readonly store = new StoreController(this, [
    'interrupted', 'running', 'models', 'choice', 'adding', 'modelError', 'datasets', 'tasks', 'datasetError', 'form', 'run', 'shown',
  ])

  /** Moves the focus to the first control of the tasks and settings (the skip link). */
  focusStart(): void {
    this.renderRoot.querySelector('ez-task-picker')?.focusStart()
  }

  /** Moves the focus to the running run's Cancel. */
  focusCancel(): void {
    this.renderRoot.querySelector('ez-run-progress')?.focusCancel()
  }

  /** Moves the focus to an interrupted run's Resume, without scrolling. */
  focusResume(): void {
    this.renderRoot.querySelector<HTMLElement>('[data-testid="resume"]')?.focus({ preventScroll: true })
  }

  override render() {
    const store = this.store.store
    const s = this.store.state
    if (!store || !s) return nothing
    const { choice, running, run, shown } = s
    const modelName = choice.source === 'app' ? 'Demo model' : choice.source === 'server' ? `${choice.id} (server)`
      : s.models.find((m) => m.id === choice.id)?.name ?? choice.id
    return html`
      ${this.renderInterrupted()}
      <div class="setup">
        <div>
          <div class="card">
            <ez-model-panel .models=${s.models} .selected=${choice} .adding=${s.adding} .error=${s.modelError} ?disabled=${running}
              @model-select=${(e: CustomEvent<ModelChoice>) => store.set({ choice: e.detail })}
              @model-files=${(e: CustomEvent<{ files: UploadFile[] }>) => store.addModel(e.detail.files)}
              @model-remove=${(e: CustomEvent<{ id: string }>) => store.removeModel(e.detail.id)}></ez-model-panel>
            <ez-server-model .client=${store.client} .models=${s.models} ?disabled=${running}
              @server-select=${(e: CustomEvent<{ choice: ModelChoice }>) => store.set({ choice: e.detail.choice })}></ez-server-model>
            <ez-hub-model .client=${store.client} ?disabled=${running}
              @hub-model-added=${(e: CustomEvent<{ model: ModelInfo }>) => store.hubModelAdded(e.detail.model)}></ez-hub-model>
          </div>
          <div class="card">
            <ez-data-panel .datasets=${s.datasets} .entries=${s.tasks} ?disabled=${running} .error=${s.datasetError}
              @dataset-files=${(e: CustomEvent<DatasetDrop>) => store.addDataset(e.detail)}
              @dataset-remove=${(e: CustomEvent<{ id: string }>) => store.removeDataset(e.detail.id)}
              @dataset-rename-config=${(e: CustomEvent<DatasetConfigRename>) => store.renameDatasetConfig(e.detail)}></ez-data-panel>
          </div>
          <div class="card"><ez-task-editor .client=${store.client} .memory=${store.pageState} ?disabled=${running}
            @tasks-changed=${() => store.refreshTasks()}></ez-task-editor></div>
        </div>
        <div class="card">
          <ez-task-picker .entries=${s.tasks} ?running=${running} .datasets=${s.datasets} .modelName=${modelName} .form=${s.form}
            @form-change=${(e: CustomEvent<PickerForm>) => store.setForm(e.detail)}
            @run-request=${(e: CustomEvent<RunSettings>) => fire(this, 'run-start', { spec: store.requestFor(e.detail) })}></ez-task-picker>
        </div>
      </div>
      ${run && (running || shown?.runId === run.runId) ? html`<section aria-label="Run progress">
        <ez-run-progress .phase=${running ? run.phase ?? 'loading-model' : shown?.runId === run.runId ? 'done' : undefined}
          .progress=${run.progress} .load=${run.load} .device=${run.device} .totalRequests=${run.totalRequests}
          .planned=${run.planned} .tasks=${run.tasks} ?cancellable=${running}
          @cancel=${() => store.cancel()}></ez-run-progress></section>` : nothing}
      <section aria-label="Benchmark guide"><ez-guide
        @tick-tasks=${(e: CustomEvent<{ tasks: string[] }>) => void this.renderRoot.querySelector('ez-task-picker')?.tick(e.detail.tasks)}></ez-guide></section>`
  }

  private renderInterrupted() {
    const s = this.store.state
    const r = s?.interrupted[0]
    if (!r || s?.running) return nothing
    return html`<div class="banner" role="region" aria-label="Interrupted run" data-testid="resume-banner">
      <p>An evaluation was interrupted (<span class="mono">${r.request.tasks.join(', ')}</span> on ${r.modelName}, started
        ${new Date(r.createdAt).toLocaleString()}). Resuming reuses every answer that had finished.</p>
      <button type="button" class="primary" data-testid="resume" @click=${() => fire(this, 'run-resume', { id: r.id })}>Resume</button>
      <button type="button" data-testid="discard" @click=${() => this.store.store?.discard(r.id)}>Discard</button>
    </div>`
  }
}

customElements.define('ez-run-view', EzRunView)

declare global {
  interface HTMLElementTagNameMap {
    'ez-run-view': EzRunView
  }
}
