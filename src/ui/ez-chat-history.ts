/**
 * `<ez-chat-history>`: the stored conversations, most recent first, with a search (titles, model names, messages),
 * New, Delete, and export / import as JSON (OpenAI messages plus settings and model identity). Emits
 * `chat-open`, `chat-new`, `chat-delete`, `chat-search`, `chat-export` and `chat-import` (with the file's text).
 */
import { css, html, LitElement, nothing } from 'lit'
import type { Conversation } from '../core/chat/conversation.ts'
import { fire, sharedStyles } from './shared-styles.ts'

export class EzChatHistory extends LitElement {
  static override styles = [sharedStyles, css`
    .actions { display: flex; flex-wrap: wrap; gap: 0.4rem; margin-bottom: 0.5rem; }
    input[type=search] { width: 100%; margin-bottom: 0.5rem; }
    ul { list-style: none; margin: 0; padding: 0; display: flex; flex-direction: column; gap: 0.25rem; }
    li { display: flex; gap: 0.3rem; align-items: center; }
    li button.open { flex: 1; text-align: left; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
    li.current button.open { border-color: var(--ez-accent, #0969da); font-weight: 600; }
    label.import { cursor: pointer; }
    label.import input { position: absolute; width: 1px; height: 1px; opacity: 0; }
  `]

  static override properties = {
    conversations: { attribute: false }, currentId: { attribute: false }, query: { attribute: false }, disabled: { type: Boolean },
  }

  declare conversations: readonly Conversation[]
  declare currentId: string | undefined
  declare query: string
  declare disabled: boolean

  constructor() {
    super()
    this.conversations = []
    this.currentId = undefined
    this.query = ''
    this.disabled = false
  }

  override render() {
    return html`
      <div class="actions">
        <button type="button" class="small primary" data-testid="chat-new" ?disabled=${this.disabled} @click=${() => fire(this, 'chat-new', {})}>New chat</button>
        <button type="button" class="small" data-testid="chat-export" ?disabled=${this.currentId === undefined}
          @click=${() => fire(this, 'chat-export', {})}>Export</button>
        <label class="button small import">Import<input type="file" accept=".json,application/json" data-testid="chat-import" ?disabled=${this.disabled}
          @change=${(e: Event) => this.import(e.target as HTMLInputElement)}></label>
      </div>
      <input type="search" data-testid="chat-search" placeholder="Search conversations" aria-label="Search conversations" .value=${this.query}
        @input=${(e: Event) => fire(this, 'chat-search', { query: (e.target as HTMLInputElement).value })}>
      ${this.conversations.length === 0 ? html`<p class="muted">${this.query ? 'No conversation matches.' : 'No stored conversations yet.'}</p>` : nothing}
      <ul aria-label="Conversations">
        ${this.conversations.map((c) => html`<li class=${c.id === this.currentId ? 'current' : ''} data-testid="chat-conversation" data-id=${c.id}>
          <button type="button" class="small open" title=${`${c.title} · ${c.model.name} · ${new Date(c.updatedAt).toLocaleString()}`}
            ?disabled=${this.disabled} @click=${() => fire(this, 'chat-open', { id: c.id })}>${c.title}</button>
          <button type="button" class="small danger" data-testid="chat-delete" aria-label=${`Delete ${c.title}`} ?disabled=${this.disabled}
            @click=${() => fire(this, 'chat-delete', { id: c.id })}>✕</button>
        </li>`)}
      </ul>`
  }

  private async import(input: HTMLInputElement): Promise<void> {
    const file = input.files?.[0]
    if (!file) return
    const text = await file.text()
    input.value = ''
    fire(this, 'chat-import', { text, name: file.name })
  }
}

customElements.define('ez-chat-history', EzChatHistory)

declare global {
  interface HTMLElementTagNameMap {
    'ez-chat-history': EzChatHistory
  }
}
