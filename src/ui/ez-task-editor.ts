/**
 * `<ez-task-editor>`: adds lm-eval task and group YAML to the worker's catalogue (the browser's `--include-path`),
 * from dropped or picked files, folders or .zip archives of a folder (include targets such as
 * `_default_template_yaml` and the folder's Python modules, `utils.py`, among them; hooks run in Pyodide) or from a
 * textarea, sent as 'editor/<task>.yaml'. Added tasks are remembered (page state store) and added again after a
 * reload. Event: 'tasks-changed' (the page refreshes the task picker's list).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { TaskYamlFile, TaskYamlInfo } from '../protocol/task-yaml.ts'
import type { UploadFile } from '../protocol/eval-store.ts'
import { filesOfDrop, filesOfInput } from './file-drop.ts'
import { filesOfZip, isZipName } from './zip-folder.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'
import type { PageStateStore, YamlBatch } from '../storage/page-state-store.ts'

/** The worker calls this element makes. */
export type TaskYamlClient = Pick<EvalWorkerClient, 'addTaskYaml' | 'listTaskYaml' | 'removeTaskYaml'>

/** Task YAML files and include targets (lm-eval's `_default_template_yaml` has no suffix). */
const YAML_NAME = /(\.ya?ml|_yaml)$/i
/** A task folder's Python modules (`!function utils.x` → utils.py beside the YAML). */
const PYTHON_NAME = /\.py$/i

/** The file name the editor's text is sent under: 'editor/<task or group name>.yaml'. */
export function editorPath(text: string): string {
  const m = /^(?:task|group):[ \t]*['"]?([A-Za-z0-9_.-]+)/m.exec(text)
  return `editor/${m ? m[1] : 'task'}.yaml`
}

export class EzTaskEditor extends LitElement {
  static override styles = [sharedStyles, css`
    details > summary { cursor: pointer; font-weight: 600; font-size: 1.15rem; }
    .drop { border: 2px dashed var(--ez-border, #d0d7de); border-radius: 8px; padding: 0.75rem; text-align: center; background: var(--ez-surface, #f6f8fa); margin: 0.75rem 0; }
    .drop.over { border-color: var(--ez-accent, #0969da); }
    .pickers { display: flex; gap: 0.5rem; justify-content: center; flex-wrap: wrap; }
    input[type=file]:focus-visible + label { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
    textarea { width: 100%; box-sizing: border-box; min-height: 10rem; font-family: var(--ez-mono, ui-monospace, monospace); font-size: 0.85rem; }
    .actions { display: flex; gap: 0.5rem; align-items: center; margin-top: 0.5rem; flex-wrap: wrap; }
    ul { list-style: none; padding: 0; margin: 0.75rem 0 0; display: grid; gap: 0.3rem; }
    li { display: flex; gap: 0.5rem; align-items: baseline; justify-content: space-between; flex-wrap: wrap; }
    .error { color: var(--ez-danger, #cf222e); }
  `]

  static override properties = {
    client: { attribute: false },
    memory: { attribute: false },
    disabled: { type: Boolean },
    text: { state: true },
    added: { state: true },
    busy: { state: true },
    over: { state: true },
    error: { state: true },
    notice: { state: true },
  }

  /** the page's worker client */
  declare client: TaskYamlClient | undefined
  /** where added YAML is remembered across reloads; undefined = this session only */
  declare memory: PageStateStore | undefined
  declare disabled: boolean
  private declare text: string
  private declare added: readonly TaskYamlInfo[]
  private declare busy: boolean
  private declare over: boolean
  private declare error: { code: string; message: string } | undefined
  private declare notice: string | undefined

  constructor() {
    super()
    this.client = undefined
    this.memory = undefined
    this.disabled = false
    this.text = ''
    this.added = []
    this.busy = false
    this.over = false
    this.error = undefined
    this.notice = undefined
  }

  override render() {
    const idle = !this.disabled && !this.busy && this.client !== undefined
    return html`
      <details data-testid="task-editor" ?open=${this.added.length > 0}>
        <summary>Add task <span class="muted">(lm-eval YAML)</span></summary>
        <p class="hint">Drop lm-eval task or group <code>.yaml</code> files, their folder (with included templates and
          <code>utils.py</code>: Python hooks run in the page with Pyodide) or a <code>.zip</code> of the folder, or write one
          below. Their documents come from the datasets you add in the Data panel, under the task's <code>dataset_path</code>.
          Added tasks appear in the task list and are kept in this browser until you remove them.</p>
        <div class="drop ${this.over ? 'over' : ''}" data-testid="yaml-drop" @dragover=${(e: DragEvent) => { e.preventDefault(); this.over = true }}
          @dragleave=${() => { this.over = false }} @drop=${this.onDrop}>
          <p class="muted" style="margin: 0 0 0.5rem">Drop YAML files, a task folder or its .zip here, or</p>
          <div class="pickers">
            <input id="yaml-files" class="sr-only" type="file" multiple accept=".yaml,.yml,.py,.zip" ?disabled=${!idle} @change=${this.onPick}>
            <label for="yaml-files" class="button small">Choose files…</label>
            <input id="yaml-folder" class="sr-only" type="file" multiple webkitdirectory ?disabled=${!idle} @change=${this.onPick}>
            <label for="yaml-folder" class="button small">Choose a folder…</label>
          </div>
        </div>
        <label for="yaml-text">Task YAML</label>
        <textarea id="yaml-text" data-testid="yaml-text" spellcheck="false" placeholder=${'task: my_task\ndataset_path: my/dataset\noutput_type: multiple_choice\ntest_split: test\ndoc_to_text: "{{question}}"\ndoc_to_choice: "{{choices}}"\ndoc_to_target: label'}
          .value=${this.text} @input=${(e: Event) => { this.text = (e.target as HTMLTextAreaElement).value }}></textarea>
        <div class="actions">
          <button type="button" class="primary small" data-testid="yaml-add" ?disabled=${!idle || this.text.trim() === ''}
            @click=${() => this.send([{ path: editorPath(this.text), text: this.text }])}>Add task</button>
          ${this.notice ? html`<span class="muted" role="status">${this.notice}</span>` : nothing}
        </div>
        ${this.error ? html`<p class="error" role="alert" data-testid="yaml-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
        ${this.added.length > 0 ? html`<ul aria-label="Added tasks">${this.added.map((t) => html`<li>
          <span><span class="mono">${t.name}</span> <span class="muted">${t.kind}${t.replacesBuiltin ? ', replaces the built-in' : ''}</span></span>
          <button type="button" class="small danger" aria-label=${`Remove ${t.kind} ${t.name}`} ?disabled=${!idle} @click=${() => this.removeAdded(t.name)}>Remove</button>
        </li>`)}</ul>` : nothing}
      </details>`
  }

  override firstUpdated(): void {
    void this.restoreAdded()
  }

  /** Adds the remembered YAML again (each batch as it was added, minus the names removed since). */
  private async restoreAdded(): Promise<void> {
    const batches = (await this.memory?.get('taskYaml')) ?? []
    if (batches.length === 0) return
    await this.busyWith(async (client) => {
      for (const b of batches) {
        const added = await client.addTaskYaml(b.files)
        for (const name of [...added.groups, ...added.tasks]) if (!b.names.includes(name)) await client.removeTaskYaml(name)
      }
    })
  }

  private async remember(change: (batches: readonly YamlBatch[]) => readonly YamlBatch[]): Promise<void> {
    if (!this.memory) return
    await this.memory.set('taskYaml', change((await this.memory.get('taskYaml')) ?? []))
  }

  private async onDrop(e: DragEvent): Promise<void> {
    e.preventDefault()
    this.over = false
    if (!e.dataTransfer || this.disabled || this.busy) return
    await this.sendUploads(await filesOfDrop(e.dataTransfer))
  }

  private async onPick(e: Event): Promise<void> {
    const input = e.target as HTMLInputElement
    const files = input.files && input.files.length > 0 ? filesOfInput(input.files) : []
    input.value = ''
    if (files.length > 0) await this.sendUploads(files)
  }

  private async sendUploads(dropped: readonly UploadFile[]): Promise<void> {
    let uploads: UploadFile[]
    try {
      uploads = (await Promise.all(dropped.map(async (f) => isZipName(f.path) ? filesOfZip(f.path, new Uint8Array(await f.blob.arrayBuffer())) : [f]))).flat()
    } catch (e) {
      this.error = errorText(e)
      return
    }
    const yaml = uploads.filter((f) => YAML_NAME.test(f.path))
    if (yaml.length === 0) {
      const names = uploads.map((f) => f.path)
      const shown = names.length > 6 ? `${names.slice(0, 6).join(', ')} and ${names.length - 6} more` : names.join(', ')
      this.error = { code: 'USAGE', message: `no YAML files among ${shown || 'the dropped files'}: drop .yaml task or group files, their folder or a .zip of it` }
      return
    }
    const python = uploads.filter((f) => PYTHON_NAME.test(f.path))
    await this.send(await Promise.all([...yaml, ...python].map(async (f) => ({ path: f.path, text: await f.blob.text() }))))
  }

  private async send(files: readonly TaskYamlFile[]): Promise<void> {
    await this.busyWith(async (client) => {
      const added = await client.addTaskYaml(files)
      const names = [...added.groups, ...added.tasks]
      this.notice = `Added ${names.join(', ')}.`
      await this.remember((batches) => [...batches, { names, files: files.map((f) => ({ path: f.path, text: f.text })) }])
    })
  }

  private async removeAdded(name: string): Promise<void> {
    await this.busyWith(async (client) => {
      await client.removeTaskYaml(name)
      this.notice = `Removed ${name}.`
      await this.remember((batches) => batches.map((b) => ({ ...b, names: b.names.filter((n) => n !== name) })).filter((b) => b.names.length > 0))
    })
  }

  private async busyWith(fn: (client: TaskYamlClient) => Promise<void>): Promise<void> {
    const client = this.client
    if (!client) return
    this.busy = true
    this.error = undefined
    this.notice = undefined
    try {
      await fn(client)
      this.added = await client.listTaskYaml()
      fire(this, 'tasks-changed', null)
    } catch (e) {
      // one line: the loader's message names the file and field
      const err = errorText(e)
      this.error = { code: err.code, message: err.message.split('\n')[0] }
    } finally {
      this.busy = false
    }
  }
}

customElements.define('ez-task-editor', EzTaskEditor)

declare global {
  interface HTMLElementTagNameMap {
    'ez-task-editor': EzTaskEditor
  }
}
