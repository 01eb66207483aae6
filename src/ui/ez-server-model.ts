/**
 * `<ez-server-model>`: "Model → Server" — evaluate a model served by vLLM, llama-server, `evalz serve` or any
 * OpenAI-compatible server: its base URL (ending in /v1), the served model name, the tokenizer evalz uses (the
 * demo model's or a stored model's: evalz tokenises, so prompts split as in a local run) and an API key, kept by
 * the worker in this browser's IndexedDB (the page only learns whether one is stored). "Use server" saves the
 * settings, asks the server what it serves and selects it.
 * Events: 'server-select' {choice: ModelChoice} once the server answered with the model.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { ServerSettings } from '../protocol/server-api.ts'
import type { ModelChoice } from './ez-model-panel.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The calls this element makes. */
export type ServerClient = Pick<EvalWorkerClient, 'getServerSettings' | 'setServerSettings' | 'checkServer'>

export class EzServerModel extends LitElement {
  static override styles = [sharedStyles, css`
    details > summary { cursor: pointer; font-weight: 600; }
    .grid { display: grid; gap: 0.5rem; margin-top: 0.5rem; }
    .grid label { display: grid; gap: 0.2rem; font-size: 0.9rem; }
    .row { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
    .ok { color: var(--ez-ok, #1a7f37); }
  `]

  static override properties = {
    client: { attribute: false },
    models: { attribute: false },
    disabled: { type: Boolean },
    settings: { state: true },
    busy: { state: true },
    error: { state: true },
    notice: { state: true },
  }

  /** the worker client */
  declare client: ServerClient | undefined
  /** stored models (their tokenizers can be used) */
  declare models: readonly ModelInfo[]
  /** true while a run is in flight */
  declare disabled: boolean
  private declare settings: ServerSettings | undefined
  private declare busy: boolean
  private declare error: { code: string; message: string } | undefined
  private declare notice: string | undefined

  constructor() {
    super()
    this.client = undefined
    this.models = []
    this.disabled = false
    this.settings = undefined
    this.busy = false
    this.error = undefined
    this.notice = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.client?.getServerSettings().then((s) => { this.settings = s }, (e: unknown) => { this.error = errorText(e) })
  }

  override render() {
    const s = this.settings
    const tokenizerValue = s ? `${s.tokenizerSource}:${s.tokenizer}` : 'app:demo'
    return html`
      <details ?open=${Boolean(s?.url)} data-testid="server-panel">
        <summary>Server (vLLM, llama-server, evalz serve…)</summary>
        <form class="grid" @submit=${this.onSubmit}>
          <label>Base URL <input name="url" type="url" required placeholder="http://127.0.0.1:8000/v1" .value=${s?.url ?? ''}
            data-testid="server-url" ?disabled=${this.locked}></label>
          <label>Served model name <input name="model" required placeholder="meta-llama/Llama-3.1-8B" .value=${s?.model ?? ''}
            data-testid="server-model" ?disabled=${this.locked}></label>
          <label>Tokenizer <select name="tokenizer" data-testid="server-tokenizer" .value=${tokenizerValue} ?disabled=${this.locked}>
            <option value="app:demo" ?selected=${tokenizerValue === 'app:demo'}>Demo model</option>
            ${this.models.map((m) => html`<option value=${`stored:${m.id}`} ?selected=${tokenizerValue === `stored:${m.id}`}>${m.name}</option>`)}
          </select></label>
          <label>API key <input name="key" type="password" autocomplete="off" data-testid="server-key"
            placeholder=${s?.hasKey ? 'stored in this browser (leave empty to keep)' : 'none'} ?disabled=${this.locked}></label>
          <div class="row">
            <button type="submit" data-testid="server-connect" ?disabled=${this.locked}>Use server</button>
            ${s?.hasKey ? html`<button type="button" class="small" data-testid="server-forget-key" ?disabled=${this.locked}
              @click=${this.forgetKey}>Forget key</button>` : nothing}
          </div>
          ${this.notice ? html`<p class="ok" role="status" data-testid="server-status">${this.notice}</p>` : nothing}
          ${this.error ? html`<p class="error" role="alert" data-testid="server-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
          <p class="muted">The model runs on the server; evalz tokenises here with the chosen tokenizer, which must be the
            served model's. Prompts, numbers and files are lm-eval's <code>local-completions</code>. The key is kept in this
            browser and sent only in the Authorization header.</p>
        </form>
      </details>`
  }

  /** while a run goes, a check is under way, or the stored settings have not arrived (they would overwrite typing) */
  private get locked(): boolean {
    return this.disabled || this.busy || this.settings === undefined
  }

  private async onSubmit(e: Event): Promise<void> {
    e.preventDefault()
    if (!this.client) return
    const form = e.target as HTMLFormElement
    const data = new FormData(form)
    const [source, ...rest] = String(data.get('tokenizer') ?? 'app:demo').split(':')
    const key = String(data.get('key') ?? '')
    this.busy = true
    this.error = undefined
    this.notice = undefined
    try {
      this.settings = await this.client.setServerSettings({
        url: String(data.get('url') ?? ''), model: String(data.get('model') ?? ''), tokenizer: rest.join(':'),
        tokenizerSource: source === 'stored' ? 'stored' : 'app', ...(key === '' ? {} : { key }),
      })
      ;form.querySelector<HTMLInputElement>('input[name=key]')!.value = ''
      const check = await this.client.checkServer()
      const s = this.settings
      const found = check.models.find((m) => m.id === s.model) ?? (check.models.length === 1 && check.models[0].ownedBy === 'llamacpp' ? check.models[0] : undefined)
      if (!found) {
        this.error = { code: 'USAGE', message: `${s.url} does not serve '${s.model}' (it serves: ${check.models.map((m) => m.id).join(', ') || 'nothing listed'})` }
        return
      }
      this.notice = `Using ${s.model} at ${s.url}${found.maxModelLen ? ` (context ${found.maxModelLen} tokens)` : ''}`
      const choice: ModelChoice = { source: 'server', id: s.model, server: { url: s.url, tokenizer: s.tokenizer, tokenizerSource: s.tokenizerSource } }
      fire(this, 'server-select', { choice })
    } catch (err) {
      this.error = errorText(err)
    } finally {
      this.busy = false
    }
  }

  private async forgetKey(): Promise<void> {
    if (!this.client) return
    this.settings = await this.client.setServerSettings({ key: null })
  }
}

customElements.define('ez-server-model', EzServerModel)

declare global {
  interface HTMLElementTagNameMap {
    'ez-server-model': EzServerModel
  }
}
