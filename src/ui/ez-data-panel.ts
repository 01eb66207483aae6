/**
 * `<ez-data-panel>`: datasets from the user's disk for tasks outside the demo — a folder in the mirror layout
 * (`<config>/<split>.jsonl|json|csv|parquet`) or one data file with a split name — stored under the dataset path
 * the task reads (e.g. allenai/ai2_arc); a stored dataset's config can be renamed (files dropped as 'default' that a task
 * reads as 'ARC-Easy'). Events: 'dataset-files' {name, split, files}, 'dataset-remove' {id},
 * 'dataset-rename-config' {id, from, to}.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DatasetInfo } from '../protocol/eval-store.ts'
import { filesOfDrop, filesOfInput, formatBytes } from './file-drop.ts'
import type { UploadFile } from '../protocol/eval-store.ts'
import { fire, sharedStyles } from './shared-styles.ts'

/** Detail of 'dataset-rename-config'. */
export interface DatasetConfigRename {
  /** stored dataset id */
  readonly id: string
  /** the config its files are under now */
  readonly from: string
  /** the config to move them to */
  readonly to: string
}

/** Detail of 'dataset-files'. */
export interface DatasetDrop {
  /** dataset path, e.g. 'allenai/ai2_arc' */
  readonly name: string
  /** config for files dropped without a config folder; undefined = 'default' */
  readonly config: string | undefined
  /** split name of a single dropped file; undefined = its file name */
  readonly split: string | undefined
  readonly files: UploadFile[]
}

export class EzDataPanel extends LitElement {
  static override styles = [sharedStyles, css`
    details > summary { cursor: pointer; font-weight: 600; font-size: 1.15rem; }
    .row { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr) minmax(0, 1fr); gap: 0.5rem 0.75rem; margin: 0.75rem 0; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; }
    .drop { border: 2px dashed var(--ez-border, #d0d7de); border-radius: 8px; padding: 0.75rem; text-align: center; background: var(--ez-surface, #f6f8fa); }
    .drop.over { border-color: var(--ez-accent, #0969da); }
    .pickers { display: flex; gap: 0.5rem; justify-content: center; flex-wrap: wrap; }
    input[type=file]:focus-visible + label { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
    ul { list-style: none; padding: 0; margin: 0.75rem 0 0; display: grid; gap: 0.3rem; }
    @media (max-width: 480px) { .row { grid-template-columns: minmax(0, 1fr); } }
    li { display: flex; gap: 0.5rem; align-items: baseline; justify-content: space-between; flex-wrap: wrap; }
    form.rename { display: flex; gap: 0.4rem; align-items: baseline; flex-wrap: wrap; flex-basis: 100%; font-size: 0.9rem; }
    form.rename input { width: 10rem; max-width: 100%; }
  `]

  static override properties = {
    datasets: { attribute: false },
    entries: { attribute: false },
    disabled: { type: Boolean },
    error: { attribute: false },
    name: { state: true },
    split: { state: true },
    config: { state: true },
    over: { state: true },
  }

  /** stored datasets */
  declare datasets: readonly DatasetInfo[]
  /** the catalogue (dataset paths for suggestions) */
  declare entries: readonly CatalogueEntry[]
  declare disabled: boolean
  /** the last failure to store dropped files, shown here (where it happened) */
  declare error: { code: string; message: string } | undefined
  private declare name: string
  private declare split: string
  /** config folder for files dropped without one; '' = 'default' */
  private declare config: string
  private declare over: boolean

  constructor() {
    super()
    this.datasets = []
    this.entries = []
    this.disabled = false
    this.error = undefined
    this.name = ''
    this.split = ''
    this.config = ''
    this.over = false
  }

  override render() {
    const paths = [...new Set(this.entries.map((e) => e.dataset).filter((d): d is string => d !== undefined))].sort()
    const ready = this.name.trim() !== '' && !this.disabled
    // the configs tasks reading this path want (e.g. ARC-Easy, ARC-Challenge)
    const configs = [...new Set(this.entries.filter((e) => e.dataset === this.name.trim() && e.config !== undefined).map((e) => e.config!))].sort()
    return html`
      <details ?open=${this.datasets.length > 0}>
        <summary>Data <span class="muted">(for tasks outside the demo)</span></summary>
        <p class="hint">Name the dataset path and config the task reads, then drop a folder laid out as <code>&lt;config&gt;/&lt;split&gt;.jsonl</code>
          (csv, json, parquet too), or one file plus its split name. Files without a config folder go under Config.</p>
        <div class="row">
          <div class="field"><label for="ds-name">Dataset path</label>
            <input id="ds-name" list="ds-paths" placeholder="e.g. allenai/ai2_arc" .value=${this.name}
              @input=${(e: Event) => { this.name = (e.target as HTMLInputElement).value }}>
            <datalist id="ds-paths">${paths.map((p) => html`<option value=${p}></option>`)}</datalist></div>
          <div class="field"><label for="ds-config">Config</label>
            <input id="ds-config" data-testid="ds-config" list="ds-configs" placeholder="default" .value=${this.config}
              @input=${(e: Event) => { this.config = (e.target as HTMLInputElement).value }}>
            <datalist id="ds-configs">${configs.map((c) => html`<option value=${c}></option>`)}</datalist></div>
          <div class="field"><label for="ds-split">Split (one file)</label>
            <input id="ds-split" placeholder="e.g. test" .value=${this.split} @input=${(e: Event) => { this.split = (e.target as HTMLInputElement).value }}></div>
        </div>
        <div class="drop ${this.over ? 'over' : ''}" @dragover=${(e: DragEvent) => { e.preventDefault(); this.over = true }}
          @dragleave=${() => { this.over = false }} @drop=${this.onDrop}>
          <p class="muted" style="margin: 0 0 0.5rem">${ready ? 'Drop data files or a folder here, or' : 'Enter a dataset path first.'}</p>
          <div class="pickers">
            <input id="ds-file" class="sr-only" type="file" accept=".jsonl,.json,.csv,.parquet" ?disabled=${!ready} @change=${this.onPick}>
            <label for="ds-file" class="button small">Choose a file…</label>
            <input id="ds-folder" class="sr-only" type="file" multiple webkitdirectory ?disabled=${!ready} @change=${this.onPick}>
            <label for="ds-folder" class="button small">Choose a folder…</label>
          </div>
        </div>
        ${this.error ? html`<p class="error" role="alert" data-testid="dataset-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
        ${this.datasets.length > 0 ? html`<ul aria-label="Stored datasets">${this.datasets.map((d, i) => html`<li data-testid="stored-dataset-item" data-name=${d.name}>
          <span><span class="mono">${d.name}</span> <span class="muted" data-testid="dataset-files">${d.files.map((f) => f.path).join(', ')} · ${formatBytes(d.files.reduce((n, f) => n + f.size, 0))}</span></span>
          <button type="button" class="small danger" aria-label=${`Remove dataset ${d.name}`} @click=${() => fire(this, 'dataset-remove', { id: d.id })}>Remove</button>
          ${this.renderRename(d, i)}
        </li>`)}</ul>` : nothing}
      </details>`
  }

  /** Rename one config of a stored dataset; suggests the configs tasks reading it want and it lacks. */
  private renderRename(d: DatasetInfo, i: number) {
    const have = [...new Set(d.files.map((f) => f.path.split('/')[0]))].sort()
    const wanted = [...new Set(this.entries.filter((e) => e.dataset === d.name && e.config !== undefined).map((e) => e.config!))]
      .filter((c) => !have.includes(c)).sort()
    return html`<form class="rename" data-testid="dataset-rename" @submit=${(e: SubmitEvent) => this.onRename(e, d.id)}>
      ${have.length === 1 ? html`<input type="hidden" name="from" value=${have[0]}><span>Rename config <span class="mono">${have[0]}</span></span>`
        : html`<label for=${`rename-from-${i}`}>Rename config</label>
          <select id=${`rename-from-${i}`} name="from" data-testid="dataset-rename-from">${have.map((c) => html`<option value=${c}>${c}</option>`)}</select>`}
      <label for=${`rename-to-${i}`}>to</label>
      <input id=${`rename-to-${i}`} name="to" data-testid="dataset-rename-to" required list=${`rename-wanted-${i}`}
        placeholder=${wanted[0] ? `e.g. ${wanted[0]}` : 'config name'} .value=${wanted.length === 1 ? wanted[0] : ''}>
      <datalist id=${`rename-wanted-${i}`}>${wanted.map((c) => html`<option value=${c}></option>`)}</datalist>
      <button type="submit" class="small" data-testid="dataset-rename-apply" ?disabled=${this.disabled}>Rename</button>
    </form>`
  }

  private onRename(e: SubmitEvent, id: string): void {
    e.preventDefault()
    const form = new FormData(e.target as HTMLFormElement)
    const from = String(form.get('from') ?? '')
    const to = String(form.get('to') ?? '').trim()
    if (from === '' || to === '' || to === from) return
    fire(this, 'dataset-rename-config', { id, from, to } satisfies DatasetConfigRename)
  }

  private async onDrop(e: DragEvent): Promise<void> {
    e.preventDefault()
    this.over = false
    if (!e.dataTransfer || this.name.trim() === '' || this.disabled) return
    this.send(await filesOfDrop(e.dataTransfer))
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement
    if (input.files && input.files.length > 0) this.send(filesOfInput(input.files))
    input.value = ''
  }

  private send(files: UploadFile[]): void {
    const split = files.length === 1 && this.split.trim() !== '' ? this.split.trim() : undefined
    const config = this.config.trim() === '' ? undefined : this.config.trim()
    fire(this, 'dataset-files', { name: this.name.trim(), config, split, files })
  }
}

customElements.define('ez-data-panel', EzDataPanel)

declare global {
  interface HTMLElementTagNameMap {
    'ez-data-panel': EzDataPanel
  }
}
