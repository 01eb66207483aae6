/**
 * `<ez-storage-view>`: what this browser keeps for evalz — models (dropped, converted or from the Hub) and datasets
 * (dropped or fetched from the Hub) with their sizes, when they were added and last used by a run, and a Delete
 * button each — plus storage used against the quota and persistence. "Last used" comes from the run history.
 * Unfinished Hub downloads are counted too, with a button to delete them.
 * It reads and changes the app's store (store-context.ts).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DatasetInfo, ModelInfo, StorageUsage } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { lastUse } from './last-use.ts'
import { formatBytes } from './file-drop.ts'
import { sharedStyles } from './shared-styles.ts'
import { StoreController } from './store-context.ts'

export class EzStorageView extends LitElement {
  static override styles = [sharedStyles, css`
    meter { width: 100%; height: 0.8rem; }
    .usage { display: flex; flex-wrap: wrap; gap: 0.25rem 0.75rem; align-items: center; margin: 0.5rem 0 0.75rem; }
    .ok { color: var(--ez-ok, #1a7f37); }
    td.name { overflow-wrap: anywhere; }
  `]

  /** the app's store: stored models and datasets, usage, the history (for "last used"), the catalogue */
  private readonly store = new StoreController(this, ['models', 'datasets', 'usage', 'history', 'tasks', 'running'])

  /** stored models */
  private get models(): readonly ModelInfo[] {
    return this.store.state?.models ?? []
  }

  /** stored datasets */
  private get datasets(): readonly DatasetInfo[] {
    return this.store.state?.datasets ?? []
  }

  /** storage figures; undefined while unknown */
  private get usage(): StorageUsage | undefined {
    return this.store.state?.usage
  }

  /** the run history, for "last used" */
  private get runs(): readonly RunSummary[] {
    return this.store.state?.history ?? []
  }

  /** the task catalogue, to map runs' tasks to datasets */
  private get entries(): readonly CatalogueEntry[] {
    return this.store.state?.tasks ?? []
  }

  /** true while a run is in flight (nothing may be deleted) */
  private get disabled(): boolean {
    return this.store.state?.running ?? false
  }

  override render() {
    const used = lastUse(this.runs, this.entries)
    const when = (at: number | undefined) => (at === undefined ? html`<span class="muted">never</span>` : new Date(at).toLocaleString())
    return html`
      ${this.renderUsage()}
      <div class="scroll">
        <table data-testid="storage-table" class="cards">
          <thead><tr><th scope="col">Stored item</th><th scope="col">Kind</th><th scope="col" class="num">Size</th>
            <th scope="col">Added</th><th scope="col">Last used</th><th scope="col"><span class="sr-only">Delete</span></th></tr></thead>
          <tbody>
            ${this.models.length + this.datasets.length === 0 ? html`<tr><td colspan="6" class="muted" data-testid="storage-empty">No models or datasets stored yet${this.usage?.usage ? ' (the space used holds runs, cached answers and the offline copy of the app)' : ''}.</td></tr>` : nothing}
            ${this.models.map((m) => html`<tr data-testid="stored-model" data-id=${m.id}>
              <td class="name" data-label="Model"><strong>${m.name}</strong>${m.hub ? html` <span class="mono muted">@${m.hub.sha.slice(0, 8)}</span>` : nothing}</td>
              <td data-label="Kind">model${m.hub ? ` · Hub · ${m.hub.dtype}` : ''}</td>
              <td class="num" data-label="Size">${formatBytes(m.totalBytes)}</td>
              <td data-label="Added">${new Date(m.addedAt).toLocaleDateString()}</td>
              <td data-label="Last used">${when(used.models.get(m.id))}</td>
              <td><button type="button" class="small danger" ?disabled=${this.disabled} aria-label=${`Delete model ${m.name}`}
                @click=${() => this.confirmRemove('model', m.id, m.name, m.totalBytes)}>Delete</button></td>
            </tr>`)}
            ${this.datasets.map((d) => {
              const bytes = d.files.reduce((n, f) => n + f.size, 0)
              return html`<tr data-testid="stored-dataset" data-id=${d.id}>
                <td class="name" data-label="Dataset"><strong class="mono">${d.name}</strong> <span class="muted">${d.files.map((f) => f.path).join(', ')}</span></td>
                <td data-label="Kind">dataset</td>
                <td class="num" data-label="Size">${formatBytes(bytes)}</td>
                <td data-label="Added">${new Date(d.addedAt).toLocaleDateString()}</td>
                <td data-label="Last used">${when(used.datasets.get(d.name))}</td>
                <td><button type="button" class="small danger" ?disabled=${this.disabled} aria-label=${`Delete dataset ${d.name}`}
                  @click=${() => this.confirmRemove('dataset', d.id, d.name, bytes)}>Delete</button></td>
              </tr>`
            })}
          </tbody>
        </table>
      </div>`
  }

  private renderUsage() {
    const u = this.usage
    if (!u) return nothing
    const quota = u.quota === undefined ? '' : ` of ${formatBytes(u.quota)}`
    return html`<div class="usage" data-testid="storage-summary">
      ${u.usage !== undefined && u.quota !== undefined ? html`<meter min="0" max=${u.quota} .value=${u.usage} aria-label="Storage used"></meter>` : nothing}
      <span>${u.usage === undefined ? 'Usage unknown' : `${formatBytes(u.usage)}${quota} used`} · ${u.cachedResponses.toLocaleString()} cached answers</span>
      ${u.partialBytes > 0 ? html`<span data-testid="partial-downloads">${formatBytes(u.partialBytes)} in unfinished downloads (kept so they resume)
        <button type="button" class="small" ?disabled=${this.disabled} @click=${() => this.store.store?.clearPartialDownloads()}>Delete them</button></span>` : nothing}
      ${u.persisted ? html`<span class="ok">persistent ✓</span>` : html`<button type="button" class="small" @click=${() => this.store.store?.persist()}
        title="Ask the browser not to evict stored models and runs under storage pressure">Keep storage persistent</button>`}
    </div>`
  }

  private confirmRemove(kind: 'model' | 'dataset', id: string, name: string, bytes: number): void {
    if (!confirm(`Delete ${name} (${formatBytes(bytes)}) from this browser?`)) return
    if (kind === 'model') void this.store.store?.removeModel(id)
    else void this.store.store?.removeDataset(id)
  }
}

customElements.define('ez-storage-view', EzStorageView)

declare global {
  interface HTMLElementTagNameMap {
    'ez-storage-view': EzStorageView
  }
}
