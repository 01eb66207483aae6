/**
 * `<ez-model-panel>`: which model to evaluate — the demo model the app serves, or one stored in this browser —
 * plus a drop zone and pickers for a transformers.js model folder, a .gguf file or a safetensors folder (+ adapter),
 * and the stored models (name, size, date, sha256, remove); storage use and persistence are in <ez-storage-view>.
 * Events: 'model-select' {source, id}, 'model-files' {files}, 'model-remove' {id}.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { ModelInfo, UploadProgress } from '../protocol/eval-store.ts'
import type { ModelSource } from '../protocol/run-request.ts'
import type { ServerModelRef } from '../protocol/server-api.ts'
import { addingLabel, filesOfDrop, filesOfInput, formatBytes } from './file-drop.ts'
import { fire, sharedStyles } from './shared-styles.ts'

/** The model a run will use. */
export interface ModelChoice {
  readonly source: ModelSource
  /** 'demo' for the app's demo, a stored model's id, or a served model's name */
  readonly id: string
  /** the server and tokenizer when source is 'server' */
  readonly server?: ServerModelRef
}

/** State of storing a dropped folder. */
export type AddState = { readonly phase: 'reading' } | { readonly phase: 'hashing'; readonly progress: UploadProgress }

export class EzModelPanel extends LitElement {
  static override styles = [sharedStyles, css`
    fieldset { border: 0; padding: 0; margin: 0 0 0.75rem; display: grid; gap: 0.4rem; }
    .model { display: flex; gap: 0.5rem; align-items: flex-start; padding: 0.45rem 0.6rem; border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; }
    .model:has(input:checked) { border-color: var(--ez-accent, #0969da); box-shadow: inset 3px 0 0 var(--ez-accent, #0969da); }
    .model label { flex: 1; min-width: 0; cursor: pointer; }
    .model input { margin-top: 0.3rem; }
    .model .meta { display: block; color: var(--ez-muted, #57606a); font-size: 0.85rem; overflow-wrap: anywhere; }
    .drop {
      border: 2px dashed var(--ez-border, #d0d7de); border-radius: 8px; padding: 0.9rem; text-align: center;
      background: var(--ez-surface, #f6f8fa);
    }
    .drop.over { border-color: var(--ez-accent, #0969da); background: color-mix(in srgb, var(--ez-accent, #0969da) 8%, transparent); }
    .drop p { margin: 0 0 0.5rem; }
    input[type=file]:focus-visible + label { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
    progress { width: 100%; accent-color: var(--ez-accent, #0969da); }
  `]

  static override properties = {
    models: { attribute: false },
    selected: { attribute: false },
    adding: { attribute: false },
    error: { attribute: false },
    disabled: { type: Boolean },
    over: { state: true },
  }

  /** stored models, newest first */
  declare models: readonly ModelInfo[]
  /** the chosen model */
  declare selected: ModelChoice
  /** a folder being stored, if any */
  declare adding: AddState | undefined
  /** the last failure to store a folder */
  declare error: { code: string; message: string } | undefined
  /** true while a run is in flight */
  declare disabled: boolean
  /** a drag is over the drop zone */
  private declare over: boolean

  constructor() {
    super()
    this.models = []
    this.selected = { source: 'app', id: 'demo' }
    this.adding = undefined
    this.error = undefined
    this.disabled = false
    this.over = false
  }

  override render() {
    const busy = this.adding !== undefined
    return html`
      <h2 id="model-h">Model</h2>
      <fieldset aria-labelledby="model-h" ?disabled=${this.disabled} data-testid="model-list">
        ${this.renderChoice({ source: 'app', id: 'demo' }, 'Demo model', html`bundled with the app: a tiny Llama fitted to the demo texts`)}
        ${this.selected.source === 'server' && this.selected.server
          ? this.renderChoice(this.selected, `${this.selected.id}`, html`served at <span class="mono">${this.selected.server.url}</span>`) : nothing}
        ${this.models.map((m) => this.renderChoice({ source: 'stored', id: m.id }, m.name, html`
          ${m.hub ? html`Hub · ${m.hub.dtype} · commit <span class="mono" title=${m.hub.sha}>${m.hub.sha.slice(0, 8)}</span> · ` : nothing}
          ${formatBytes(m.totalBytes)} · added ${new Date(m.addedAt).toLocaleDateString()} ·
          <span class="mono" title=${`weights sha256 ${m.weightsSha256}`}>sha256 ${m.weightsSha256.slice(0, 12)}…</span>`, m))}
      </fieldset>
      <div class="drop ${this.over ? 'over' : ''}" data-testid="model-drop"
        @dragover=${this.onDragOver} @dragleave=${() => { this.over = false }} @drop=${this.onDrop}>
        <p>Drop a <strong>model</strong> here<br><span class="muted">a transformers.js folder (config.json, tokenizer.json,
          onnx/model.onnx), a <strong>.gguf</strong> file, or a <strong>safetensors</strong> folder (config.json, tokenizer.json,
          *.safetensors) — with a PEFT LoRA adapter folder beside it if you have one. Checkpoints are converted here;
          everything is stored in this browser only.</span></p>
        <input id="model-files" class="sr-only" type="file" multiple webkitdirectory data-testid="model-files"
          ?disabled=${busy || this.disabled} @change=${this.onPick}>
        <label for="model-files" class="button" aria-disabled=${busy || this.disabled ? 'true' : 'false'}>Choose a model folder…</label>
        <input id="model-gguf" class="sr-only" type="file" accept=".gguf" data-testid="model-gguf"
          ?disabled=${busy || this.disabled} @change=${this.onPick}>
        <label for="model-gguf" class="button" aria-disabled=${busy || this.disabled ? 'true' : 'false'}>Choose a .gguf file…</label>
        ${this.adding ? html`<div role="status" data-testid="model-adding">${this.adding.phase === 'reading' ? 'Reading files…' : html`
          ${addingLabel(this.adding.progress)}
          <progress max=${this.adding.progress.total || 1} .value=${this.adding.progress.done} aria-label="Bytes stored"></progress>`}</div>` : nothing}
        ${this.error ? html`<p class="error" role="alert" data-testid="model-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
      </div>
    `
  }

  private renderChoice(choice: ModelChoice, name: string, meta: unknown, model?: ModelInfo) {
    const id = `m-${choice.source}-${choice.id}`
    const checked = this.selected.source === choice.source && this.selected.id === choice.id
    return html`
      <div class="model" data-model=${choice.id} data-source=${choice.source}>
        <input type="radio" name="model" id=${id} .checked=${checked} @change=${() => fire(this, 'model-select', choice)}>
        <label for=${id}><strong>${name}</strong><span class="meta">${meta}</span></label>
        ${model ? html`<button type="button" class="small danger" aria-label=${`Remove ${model.name}`} data-testid="model-remove"
          @click=${() => this.onRemove(model)}>Remove</button>` : nothing}
      </div>`
  }

  private onDragOver(e: DragEvent): void {
    e.preventDefault()
    if (e.dataTransfer) e.dataTransfer.dropEffect = 'copy'
    this.over = true
  }

  private async onDrop(e: DragEvent): Promise<void> {
    e.preventDefault()
    this.over = false
    if (!e.dataTransfer || this.adding || this.disabled) return
    fire(this, 'model-files', { files: await filesOfDrop(e.dataTransfer) })
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement
    if (input.files && input.files.length > 0) fire(this, 'model-files', { files: filesOfInput(input.files) })
    input.value = ''
  }

  private onRemove(model: ModelInfo): void {
    if (confirm(`Remove ${model.name} (${formatBytes(model.totalBytes)}) from this browser?`)) fire(this, 'model-remove', { id: model.id })
  }
}

customElements.define('ez-model-panel', EzModelPanel)

declare global {
  interface HTMLElementTagNameMap {
    'ez-model-panel': EzModelPanel
  }
}
