/**
 * `<ez-chat-settings>`: the Chat view's settings — the model (bundled or stored: dropped or from the Hub), a second
 * model for side by side, device, raw mode or a chat template (by name), system prompt, and sampling (temperature,
 * top-p, top-k, min-p, repetition penalty, max new tokens, seed; blank seed = a new one per reply). Emits
 * `chat-settings`, `chat-model`, `chat-compare-model` and `chat-device`.
 */
import { css, html, LitElement } from 'lit'
import type { ChatModelRef, ConversationSettings } from '../core/chat/conversation.ts'
import type { DeviceRequest } from '../protocol/device.ts'
import { DEVICE_CHOICES } from './device-choices.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'
import { DEMO_MODEL } from './chat-draft.ts'
import { fire, sharedStyles } from './shared-styles.ts'

/** A stored model as the chat refers to it. */
export function chatModelOf(m: ModelInfo): ChatModelRef {
  return { source: 'stored', id: m.id, name: m.name, sha256: m.weightsSha256, ...(m.hub ? { hub: { repo: m.hub.repo, sha: m.hub.sha, dtype: m.hub.dtype } } : {}) }
}

type SamplingKey = 'temperature' | 'topP' | 'topK' | 'minP' | 'repetitionPenalty' | 'maxNewTokens'

const NUMBERS: readonly { key: SamplingKey; label: string; testid: string; step: string; min: string; max?: string }[] = [
  { key: 'temperature', label: 'Temperature', testid: 'chat-temperature', step: '0.05', min: '0' },
  { key: 'maxNewTokens', label: 'Max new tokens', testid: 'chat-max-tokens', step: '1', min: '1' },
  { key: 'topP', label: 'Top-p', testid: 'chat-top-p', step: '0.01', min: '0.01', max: '1' },
  { key: 'topK', label: 'Top-k', testid: 'chat-top-k', step: '1', min: '0' },
  { key: 'minP', label: 'Min-p', testid: 'chat-min-p', step: '0.01', min: '0', max: '0.99' },
  { key: 'repetitionPenalty', label: 'Repetition penalty', testid: 'chat-repetition-penalty', step: '0.05', min: '0.05' },
]

export class EzChatSettings extends LitElement {
  static override styles = [sharedStyles, css`
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(9rem, 1fr)); gap: 0.5rem 0.75rem; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; min-width: 0; }
    .wide { grid-column: 1 / -1; }
    textarea { font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; border: 1px solid var(--ez-border, #d0d7de);
      background: var(--ez-bg, #fff); color: var(--ez-fg, inherit); resize: vertical; min-height: 2.2rem; }
    .check { flex-direction: row; align-items: center; gap: 0.4rem; }
  `]

  static override properties = {
    settings: { attribute: false }, models: { attribute: false }, served: { attribute: false }, model: { attribute: false }, compareModel: { attribute: false },
    device: { attribute: false }, disabled: { type: Boolean },
  }

  declare settings: ConversationSettings
  /** stored models (dropped or downloaded from the Hub) */
  declare models: readonly ModelInfo[]
  /** the model set under Run → Model → Server, when one is */
  declare served: ChatModelRef | undefined
  declare model: ChatModelRef
  declare compareModel: ChatModelRef | undefined
  declare device: DeviceRequest
  declare disabled: boolean

  constructor() {
    super()
    this.models = []
    this.device = 'auto'
    this.disabled = false
    this.compareModel = undefined
    this.served = undefined
  }

  override render() {
    const s = this.settings
    // a conversation opened on a served model keeps it listed even when the server settings changed since
    const key = (m: ChatModelRef | undefined) => (m ? `${m.source}:${m.id}${m.server ? `@${m.server.url}` : ''}` : '')
    const served = [this.served, this.model, this.compareModel].filter((m): m is ChatModelRef => m?.source === 'server')
    const options = [DEMO_MODEL, ...this.models.map(chatModelOf), ...served.filter((m, i) => served.findIndex((o) => key(o) === key(m)) === i)]
    const pick = (v: string) => options.find((m) => key(m) === v)
    return html`<div class="grid">
      <label class="field wide">Model
        <select data-testid="chat-model" ?disabled=${this.disabled} @change=${(e: Event) => fire(this, 'chat-model', { model: pick((e.target as HTMLSelectElement).value) })}>
          ${options.map((m) => html`<option value=${key(m)} ?selected=${key(m) === key(this.model)}>${m.name}${m.hub ? ` (Hub ${m.hub.dtype})` : ''}</option>`)}
        </select></label>
      <p class="muted wide" style="margin: 0">More models: drop a model folder, a .gguf file or a safetensors folder, download a Hub
        model, or set a server (Model → Server), in the Run view; every stored model and the server's model are listed here.</p>
      <label class="field wide">Side by side with
        <select data-testid="chat-compare-model" ?disabled=${this.disabled}
          @change=${(e: Event) => fire(this, 'chat-compare-model', { model: pick((e.target as HTMLSelectElement).value) })}>
          <option value="" ?selected=${this.compareModel === undefined}>— one model —</option>
          ${options.map((m) => html`<option value=${key(m)} ?selected=${key(m) === key(this.compareModel)}>${m.name}</option>`)}
        </select></label>
      <label class="field">Device
        <select data-testid="chat-device" ?disabled=${this.disabled} @change=${(e: Event) => fire(this, 'chat-device', { device: (e.target as HTMLSelectElement).value })}>
          ${DEVICE_CHOICES.map((d) => html`<option value=${d.value} ?selected=${d.value === this.device}>${d.label}</option>`)}
        </select></label>
      <label class="field check"><input type="checkbox" data-testid="chat-raw" .checked=${s.format.mode === 'raw'} ?disabled=${this.disabled}
        @change=${(e: Event) => this.update_({ format: { ...s.format, mode: (e.target as HTMLInputElement).checked ? 'raw' : 'template' } })}>
        Raw (no chat template)</label>
      <label class="field">Template name
        <input data-testid="chat-template-name" placeholder="tokenizer's default" .value=${s.format.templateName ?? ''}
          ?disabled=${this.disabled || s.format.mode === 'raw'}
          @change=${(e: Event) => {
            const name = (e.target as HTMLInputElement).value.trim()
            this.update_({ format: { mode: s.format.mode, system: s.format.system, ...(name === '' ? {} : { templateName: name }) } })
          }}></label>
      <label class="field wide">System prompt
        <textarea data-testid="chat-system" rows="2" .value=${s.format.system} ?disabled=${this.disabled}
          @change=${(e: Event) => this.update_({ format: { ...s.format, system: (e.target as HTMLTextAreaElement).value } })}></textarea></label>
      ${NUMBERS.map((n) => html`<label class="field">${n.label}
        <input type="number" data-testid=${n.testid} step=${n.step} min=${n.min} max=${n.max ?? ''} .value=${String(s.sampling[n.key])} ?disabled=${this.disabled}
          @change=${(e: Event) => this.number(n.key, e.target as HTMLInputElement)}></label>`)}
      <label class="field">Seed
        <input type="number" data-testid="chat-seed" min="0" step="1" placeholder="new per reply" .value=${s.sampling.seed === null ? '' : String(s.sampling.seed)}
          ?disabled=${this.disabled} @change=${(e: Event) => {
            const v = (e.target as HTMLInputElement).value.trim()
            const n = Number(v)
            if (v === '' || (Number.isSafeInteger(n) && n >= 0)) this.update_({ sampling: { ...s.sampling, seed: v === '' ? null : n } })
            else (e.target as HTMLInputElement).value = s.sampling.seed === null ? '' : String(s.sampling.seed)
          }}></label>
      <label class="field">Stop strings
        <input data-testid="chat-stop-strings" placeholder='e.g. ["\\n\\n", "Q:"]' .value=${s.until.length === 0 ? '' : JSON.stringify(s.until)}
          ?disabled=${this.disabled} @change=${(e: Event) => this.update_({ until: stopStrings((e.target as HTMLInputElement).value) })}></label>
    </div>`
  }

  private number(key: SamplingKey, input: HTMLInputElement): void {
    const n = Number(input.value)
    const ok = input.value.trim() !== '' && Number.isFinite(n) && input.checkValidity() && (key !== 'maxNewTokens' && key !== 'topK' || Number.isInteger(n))
    if (!ok) {
      input.value = String(this.settings.sampling[key])
      return
    }
    this.update_({ sampling: { ...this.settings.sampling, [key]: n } })
  }

  private update_(change: Partial<ConversationSettings>): void {
    fire(this, 'chat-settings', { settings: { ...this.settings, ...change } })
  }
}

/** Stop strings typed as a JSON array of strings (escapes work), else as comma-separated text. */
export function stopStrings(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text)
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.filter((x) => x !== '')
  } catch {
    // not JSON: comma-separated
  }
  return text.split(',').filter((x) => x !== '')
}

customElements.define('ez-chat-settings', EzChatSettings)

declare global {
  interface HTMLElementTagNameMap {
    'ez-chat-settings': EzChatSettings
  }
}
