/**
 * `<ez-task-picker>`: choose tasks, groups and tags from the catalogue (with search) and the run settings —
 * shots, limit, seed, batch size, device — then Run. Emits 'run-request' with a RunSettings detail, and
 * 'form-change' (PickerForm) whenever the form changes, so the page can remember it across reloads.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DataPresence } from '../core/data-presence.ts'
import { dataPresence } from '../core/data-presence.ts'
import type { DeviceRequest } from '../protocol/device.ts'
import type { DatasetInfo } from '../protocol/eval-store.ts'
import { DEVICE_CHOICES } from './device-choices.ts'
import type { FormState } from '../storage/page-state-store.ts'
import { RUN_DEFAULTS } from '../app/run-request.ts'
import { indexCatalogue, leafTasks } from './catalogue-tree.ts'
import { fire, sharedStyles } from './shared-styles.ts'

/** What the picker asks to run. */
export interface RunSettings {
  /** task, group and tag names */
  readonly tasks: readonly string[]
  /** shots per prompt; undefined = each task's default */
  readonly numFewshot: number | undefined
  /** docs per task; undefined = all */
  readonly limit: number | undefined
  /** few-shot seed */
  readonly seed: number
  /** rows per forward pass */
  readonly batchSize: number
  readonly device: DeviceRequest
}

/** The picker's part of the remembered form (text fields as typed). */
export type PickerForm = Omit<FormState, 'modelSource' | 'modelId'>

/** Tag whose tasks ship with their data (public/datasets). */
const OFFLINE_TAG = 'demo'

/** The state fields a 'form-change' reports. */
const FORM_KEYS: readonly string[] = ['chosen', 'numFewshot', 'limit', 'seed', 'batchSize', 'device']

const DEVICES = DEVICE_CHOICES

export class EzTaskPicker extends LitElement {
  static override styles = [sharedStyles, css`
    .search { width: 100%; margin-bottom: 0.5rem; }
    fieldset.lock { border: 0; padding: 0; margin: 0; min-width: 0; }
    fieldset.lock:disabled .list { opacity: 0.7; }
    .list { max-height: 20rem; overflow: auto; border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; padding: 0.25rem 0.5rem; }
    .list h3 { font-size: 0.8rem; text-transform: uppercase; letter-spacing: 0.05em; color: var(--ez-muted, #57606a); margin: 0.6rem 0 0.2rem; }
    .item { display: flex; gap: 0.5rem; align-items: baseline; padding: 0.15rem 0; }
    .item label { cursor: pointer; min-width: 0; overflow-wrap: anywhere; }
    .item .name { font-family: var(--ez-mono, ui-monospace, monospace); font-weight: 600; }
    .item .meta { color: var(--ez-muted, #57606a); font-size: 0.85rem; }
    .chosen { margin: 0.5rem 0; font-size: 0.9rem; overflow-wrap: anywhere; }
    .settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 0.6rem 1rem; margin: 0.75rem 0; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; }
    .field input, .field select { width: 100%; }
    .field.wide { grid-column: span 2; }
    @media (max-width: 340px) { .field.wide { grid-column: auto; } }
    .actions { display: flex; gap: 0.75rem; align-items: center; flex-wrap: wrap; }
    .warn { color: var(--ez-warn, #9a6700); font-size: 0.9rem; }
    ul.warn { margin: 0.25rem 0; padding-left: 1.2rem; }
    .data-off { display: block; color: var(--ez-warn, #9a6700); font-size: 0.85rem; }
  `]

  static override properties = {
    entries: { attribute: false },
    running: { type: Boolean },
    datasets: { attribute: false },
    modelName: {},
    form: { attribute: false },
    query: { state: true },
    chosen: { state: true },
    numFewshot: { state: true },
    limit: { state: true },
    seed: { state: true },
    batchSize: { state: true },
    device: { state: true },
    activeItem: { state: true },
  }

  /** the catalogue; empty while loading */
  declare entries: readonly CatalogueEntry[]
  /** a run is in flight (Run disabled) */
  declare running: boolean
  /** datasets stored in this browser (their tasks can run offline) */
  declare datasets: readonly DatasetInfo[]
  /** the chosen model's name, shown beside Run */
  declare modelName: string
  /** a remembered form to show (set once, after a reload); the picker fires 'form-change' as it changes */
  declare form: PickerForm | undefined
  private declare query: string
  private declare chosen: ReadonlySet<string>
  private declare numFewshot: string
  private declare limit: string
  private declare seed: string
  private declare batchSize: string
  private declare device: DeviceRequest
  /** id of the catalogue checkbox that takes the list's one tab stop (roving tabindex) */
  private declare activeItem: string
  /** name → entry of the current `entries`, rebuilt when they change */
  private byName = new Map<string, CatalogueEntry>()
  private indexed: readonly CatalogueEntry[] | undefined

  constructor() {
    super()
    this.entries = []
    this.running = false
    this.datasets = []
    this.modelName = 'Demo model'
    this.query = ''
    this.chosen = new Set([OFFLINE_TAG])
    this.numFewshot = ''
    this.limit = ''
    this.seed = String(RUN_DEFAULTS.seed)
    this.batchSize = '4'
    this.device = RUN_DEFAULTS.device
    this.activeItem = ''
    this.form = undefined
  }

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('form') && this.form) {
      const f = this.form
      this.chosen = new Set(f.tasks)
      this.numFewshot = f.numFewshot
      this.limit = f.limit
      this.seed = f.seed
      this.batchSize = f.batchSize
      this.device = (DEVICES.some((d) => d.value === f.device) ? f.device : RUN_DEFAULTS.device) as DeviceRequest
    }
    if (this.indexed !== this.entries) {
      this.byName = indexCatalogue(this.entries)
      this.indexed = this.entries
    }
  }

  override render() {
    const q = this.query.trim().toLowerCase()
    const match = (e: CatalogueEntry): boolean => q === '' || e.name.toLowerCase().includes(q) || (e.dataset ?? '').toLowerCase().includes(q)
    const offline = new Set(this.entries.find((e) => e.kind === 'tag' && e.name === OFFLINE_TAG)?.members ?? [])
    const sections: [string, CatalogueEntry[]][] = [
      ['Demo (data bundled, runs offline)', this.entries.filter((e) => (e.name === OFFLINE_TAG && e.kind === 'tag') || offline.has(e.name))],
      ['Groups', this.entries.filter((e) => e.kind === 'group')],
      ['Tags', this.entries.filter((e) => e.kind === 'tag' && e.name !== OFFLINE_TAG)],
      ['Tasks (need their dataset)', this.entries.filter((e) => e.kind === 'task' && !offline.has(e.name))],
    ]
    const problems = this.problems()
    const needsData = this.needsData(offline)
    // the list's one tab stop: the entry last moved to, or the first visible one
    const visible = sections.flatMap(([, items]) => items.filter(match).map(itemId))
    const active = visible.includes(this.activeItem) ? this.activeItem : visible[0]
    return html`
      <h2 id="tasks-h">Tasks and settings</h2>
      <form @submit=${this.onSubmit} aria-labelledby="tasks-h">
        <label class="sr-only" for="task-search">Search tasks</label>
        <input id="task-search" class="search" type="search" placeholder="Search tasks, groups, datasets…" data-testid="task-search"
          .value=${this.query} @input=${(e: Event) => { this.query = (e.target as HTMLInputElement).value }}>
        <fieldset class="lock" ?disabled=${this.running} aria-describedby=${this.running ? 'locked-note' : nothing}>
        <p class="sr-only" id="task-list-keys">One tab stop: arrow keys move between entries, Space ticks one.</p>
        <div class="list" role="group" aria-label="Tasks, groups and tags" aria-describedby="task-list-keys" data-testid="task-list"
          @keydown=${this.onListKey} @focusin=${this.onListFocus}>
          ${this.entries.length === 0 ? html`<p class="muted">Loading tasks…</p>` : sections.map(([title, items]) => {
            const shown = items.filter(match)
            return shown.length === 0 ? nothing : html`<h3>${title}</h3>${shown.map((e) => this.renderItem(e, active))}`
          })}
        </div>
        <p class="chosen" data-testid="chosen">Selected: ${this.chosen.size === 0 ? html`<em>nothing</em>` : html`<span class="mono">${[...this.chosen].join(', ')}</span>`}</p>
        ${needsData.names.length > 0 ? html`<p class="warn">${needsData.names.join(', ')} ${needsData.names.length === 1 ? 'needs its dataset' : 'need their datasets'}
          from the Hugging Face Hub: the run fetches and stores ${needsData.names.length === 1 ? 'it' : 'them'} (online), or drop the files under “Data”.
          Offline, the run stops with a message naming what is missing.</p>` : nothing}
        ${needsData.problems.length > 0 ? html`<ul class="warn" data-testid="data-mismatch">${needsData.problems.map((m) => html`<li>${m}</li>`)}</ul>` : nothing}
        <div class="settings">
          ${this.field('fewshot', 'Shots', html`<input id="fewshot" type="number" min="0" step="1" inputmode="numeric" placeholder="task default"
            .value=${this.numFewshot} @input=${(e: Event) => { this.numFewshot = (e.target as HTMLInputElement).value }}>`)}
          ${this.field('limit', 'Docs per task', html`<input id="limit" data-testid="limit" type="number" min="1" step="1" inputmode="numeric" placeholder="all"
            .value=${this.limit} @input=${(e: Event) => { this.limit = (e.target as HTMLInputElement).value }}>`)}
          ${this.field('seed', 'Few-shot seed', html`<input id="seed" type="number" step="1" inputmode="numeric"
            .value=${this.seed} @input=${(e: Event) => { this.seed = (e.target as HTMLInputElement).value }}>`)}
          ${this.field('batch', 'Batch size', html`<input id="batch" type="number" min="1" step="1" inputmode="numeric"
            .value=${this.batchSize} @input=${(e: Event) => { this.batchSize = (e.target as HTMLInputElement).value }}>`)}
          ${this.field('device', 'Device', html`<select id="device" data-testid="device-select" @change=${(e: Event) => { this.device = (e.target as HTMLSelectElement).value as DeviceRequest }}>
            ${DEVICES.map((d) => html`<option value=${d.value} ?selected=${d.value === this.device}>${d.label}</option>`)}</select>`)}
        </div>
        </fieldset>
        ${this.running ? html`<p class="muted" id="locked-note" data-testid="locked-note">The settings are locked while the evaluation runs.</p>` : nothing}
        ${problems.length > 0 ? html`<p class="warn" id="run-problems">${problems.join(' · ')}</p>` : nothing}
        <div class="actions">
          <button class="primary" type="submit" data-testid="run" aria-describedby=${problems.length > 0 ? 'run-problems' : nothing}
            ?disabled=${this.running || this.entries.length === 0 || problems.length > 0}>${this.running ? 'Running…' : 'Run evaluation'}</button>
          <span class="muted">with <strong>${this.modelName}</strong></span>
        </div>
      </form>
    `
  }

  private renderItem(e: CatalogueEntry, active: string | undefined) {
    const id = itemId(e)
    const leaves = e.kind === 'task' ? 1 : leafTasks(e, this.byName).length
    const meta = e.kind === 'task'
      ? `${e.outputType ?? '?'} · ${e.numFewshot ?? 0}-shot · ${e.metrics.join(', ')}`
      : `${e.kind} · ${leaves} ${leaves === 1 ? 'task' : 'tasks'}`
    return html`
      <div class="item">
        <input type="checkbox" id=${id} data-task=${e.name} tabindex=${id === active ? 0 : -1} .checked=${this.chosen.has(e.name)} @change=${(ev: Event) => this.toggle(e.name, (ev.target as HTMLInputElement).checked)}>
        <label for=${id}><span class="name">${e.name}</span> <span class="meta">${meta}</span>${this.renderPresence(e)}</label>
      </div>`
  }

  /** For a task whose dataset path is stored here: whether its (path, config, split) are, and what is off. */
  private renderPresence(e: CatalogueEntry) {
    const p = this.presence(e)
    if (p === undefined || p.state === 'absent') return nothing
    return p.state === 'present'
      ? html` <span class="meta data-ok" data-testid="data-status" data-state="present">· data stored</span>`
      : html`<span class="data-off" data-testid="data-status" data-state=${p.state}>${p.message}</span>${p.state === 'other-config'
        ? html`<span class="meta" data-testid="data-fix"> · rename the stored config under Data</span>` : nothing}`
  }

  /** Where a task's data stands against the stored datasets; undefined for groups, tags and bundled tasks. */
  private presence(e: CatalogueEntry): DataPresence | undefined {
    if (e.kind !== 'task' || e.dataset === undefined) return undefined
    const stored = this.datasets.find((d) => d.name === e.dataset)
    return dataPresence({ path: e.dataset, config: e.config, splits: e.splits }, stored?.files.map((f) => f.path) ?? [])
  }

  /** Ticks exactly `names` (the guide's suggested sets), shows them in the list and moves focus there. */
  async tick(names: readonly string[]): Promise<void> {
    this.chosen = new Set(names)
    this.query = ''
    await this.updateComplete
    const first = this.renderRoot.querySelector<HTMLInputElement>(`.list input[data-task="${CSS.escape(names[0] ?? '')}"]`)
    this.scrollIntoView({ block: 'start', behavior: 'smooth' })
    first?.focus({ preventScroll: true })
  }

  /** Moves keyboard focus to the task search (the page's skip link lands here). */
  focusStart(): void {
    this.renderRoot.querySelector<HTMLInputElement>('#task-search')?.focus()
  }

  /** The visible catalogue checkboxes, in order. */
  private items(): HTMLInputElement[] {
    return [...this.renderRoot.querySelectorAll<HTMLInputElement>('.list input[type=checkbox]')]
  }

  private onListFocus(e: FocusEvent): void {
    const t = e.target as HTMLElement
    if (t instanceof HTMLInputElement && t.type === 'checkbox') this.activeItem = t.id
  }

  /** Arrow keys, Home and End move within the catalogue (one tab stop); Space ticks, as a checkbox does. */
  private onListKey(e: KeyboardEvent): void {
    const items = this.items()
    const at = items.findIndex((i) => i.id === this.activeItem)
    const to = e.key === 'ArrowDown' ? Math.min(items.length - 1, at + 1) : e.key === 'ArrowUp' ? Math.max(0, at - 1)
      : e.key === 'Home' ? 0 : e.key === 'End' ? items.length - 1 : undefined
    if (to === undefined || items.length === 0) return
    e.preventDefault()
    this.activeItem = items[to].id
    items[to].focus()
    items[to].scrollIntoView({ block: 'nearest' })
  }

  override updated(changed: Map<PropertyKey, unknown>): void {
    if (FORM_KEYS.some((k) => changed.has(k))) {
      const form: PickerForm = {
        tasks: [...this.chosen], numFewshot: this.numFewshot, limit: this.limit, seed: this.seed, batchSize: this.batchSize, device: this.device,
      }
      fire(this, 'form-change', form)
    }
  }

  private field(id: string, label: string, control: unknown) {
    return html`<div class=${id === 'device' ? 'field wide' : 'field'}><label for=${id}>${label}</label>${control}</div>`
  }

  private toggle(name: string, on: boolean): void {
    const next = new Set(this.chosen)
    if (on) next.add(name)
    else next.delete(name)
    this.chosen = next
  }

  /** Chosen entries outside the demo with a task whose data is not all stored, and what is off with stored ones. */
  private needsData(offline: ReadonlySet<string>): { names: string[]; problems: string[] } {
    const byName = this.byName
    const names: string[] = []
    const problems = new Set<string>()
    for (const name of this.chosen) {
      const e = byName.get(name)
      if (!e || offline.has(name) || name === OFFLINE_TAG) continue
      let lacking = false
      for (const t of leafTasks(e, byName)) {
        if (offline.has(t.name)) continue
        const p = this.presence(t)
        if (p?.state === 'present') continue
        lacking = true
        if (p?.state === 'other-config' || p?.state === 'missing-splits') problems.add(`${t.name}: ${p.message}`)
      }
      if (lacking) names.push(name)
    }
    return { names, problems: [...problems] }
  }

  /** What keeps the form from running, one phrase each. */
  private problems(): string[] {
    const out: string[] = []
    if (this.chosen.size === 0) out.push('choose at least one task')
    if (!isInt(this.limit, 1, true)) out.push('docs per task must be a whole number ≥ 1 (or empty for all)')
    if (!isInt(this.numFewshot, 0, true)) out.push('shots must be a whole number ≥ 0 (or empty)')
    if (!isInt(this.seed, -Infinity, false)) out.push('seed must be a whole number')
    if (!isInt(this.batchSize, 1, false)) out.push('batch size must be a whole number ≥ 1')
    return out
  }

  private onSubmit(e: SubmitEvent): void {
    e.preventDefault()
    if (this.running || this.problems().length > 0) return
    const settings: RunSettings = {
      tasks: [...this.chosen],
      numFewshot: optionalInt(this.numFewshot),
      limit: optionalInt(this.limit),
      seed: Number(this.seed),
      batchSize: Number(this.batchSize),
      device: this.device,
    }
    fire(this, 'run-request', settings)
  }
}

/** The id of a catalogue entry's checkbox. */
function itemId(e: CatalogueEntry): string {
  return `t-${e.kind}-${e.name}`
}

function isInt(text: string, min: number, optional: boolean): boolean {
  if (text.trim() === '') return optional
  const n = Number(text)
  return Number.isInteger(n) && n >= min
}

function optionalInt(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text)
}

customElements.define('ez-task-picker', EzTaskPicker)

declare global {
  interface HTMLElementTagNameMap {
    'ez-task-picker': EzTaskPicker
  }
}
