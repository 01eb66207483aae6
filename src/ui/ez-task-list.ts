/**
 * `<ez-task-list>`: the built-in catalogue. Tasks that run offline (the `demo` tag) come first; the rest sit in
 * a collapsible table until the app can load their datasets.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'

/** Tag whose tasks ship with the app (public/datasets). */
const OFFLINE_TAG = 'demo'

export class EzTaskList extends LitElement {
  static override styles = css`
    :host { display: block; }
    h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
    ul.offline { list-style: none; padding: 0; margin: 0; display: grid; gap: 0.5rem; grid-template-columns: repeat(auto-fill, minmax(14rem, 1fr)); }
    ul.offline li { border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; padding: 0.5rem 0.75rem; background: var(--ez-surface, #f6f8fa); }
    .name { font-family: var(--ez-mono, ui-monospace, monospace); font-weight: 600; }
    .meta { color: var(--ez-muted, #57606a); font-size: 0.85rem; }
    details { margin-top: 1rem; }
    summary { cursor: pointer; padding: 0.25rem 0; }
    summary:focus-visible { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
    .scroll { max-height: 24rem; overflow: auto; border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; }
    table { border-collapse: collapse; width: 100%; font-size: 0.85rem; }
    th, td { text-align: left; padding: 0.25rem 0.5rem; border-bottom: 1px solid var(--ez-border, #d0d7de); }
    th { position: sticky; top: 0; background: var(--ez-surface, #f6f8fa); }
    td:first-child { font-family: var(--ez-mono, ui-monospace, monospace); }
    .empty { color: var(--ez-muted, #57606a); }
  `

  static override properties = {
    entries: { attribute: false },
  }

  /** the catalogue as listCatalogue returns it; empty while loading */
  declare entries: readonly CatalogueEntry[]

  constructor() {
    super()
    this.entries = []
  }

  override render() {
    if (this.entries.length === 0) return html`<p class="empty">Loading tasks…</p>`
    const offlineNames = new Set(this.entries.find((e) => e.kind === 'tag' && e.name === OFFLINE_TAG)?.members ?? [])
    const tasks = this.entries.filter((e) => e.kind === 'task')
    const offline = tasks.filter((e) => offlineNames.has(e.name))
    return html`
      <h3 id="offline-h">Demo tasks (run offline, data in <code>public/datasets</code>)</h3>
      <ul class="offline" aria-labelledby="offline-h" data-testid="demo-tasks">
        ${offline.map((t) => html`
          <li data-task=${t.name}>
            <div class="name">${t.name}</div>
            <div class="meta">${t.outputType ?? '?'} · ${t.numFewshot ?? 0}-shot · ${t.metrics.join(', ') || 'no metrics'}</div>
          </li>`)}
      </ul>
      <details data-testid="all-tasks">
        <summary>All built-in tasks, groups and tags (${this.entries.length})</summary>
        <p class="meta">Tasks outside the demo need their datasets; loading them in the browser comes later.</p>
        <div class="scroll" tabindex="0" role="region" aria-label="All built-in tasks">
          <table>
            <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Dataset</th><th scope="col">Output</th><th scope="col">Metrics / members</th></tr></thead>
            <tbody>
              ${this.entries.map((e) => html`
                <tr>
                  <td>${e.name}</td>
                  <td>${e.kind}</td>
                  <td>${e.dataset === undefined ? nothing : html`${e.dataset}${e.config ? html` <span class="meta">(${e.config})</span>` : nothing}`}</td>
                  <td>${e.outputType ?? ''}</td>
                  <td>${e.kind === 'task' ? e.metrics.join(', ') : e.members.join(', ')}</td>
                </tr>`)}
            </tbody>
          </table>
        </div>
      </details>
    `
  }
}

customElements.define('ez-task-list', EzTaskList)

declare global {
  interface HTMLElementTagNameMap {
    'ez-task-list': EzTaskList
  }
}
