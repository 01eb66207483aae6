/**
 * `<ez-chat-view>` (route #/chat): talk to a model in the worker — the bundled, a dropped or a Hub model, with its
 * chat template or raw, a system prompt and evalz's seeded sampling. Tokens stream with tokens/s; Stop ends a reply
 * within one step; a user turn can be edited and resent, the last reply regenerated; a second model can answer every
 * turn side by side (one after the other, the same seed). Conversations are kept in IndexedDB (history, search,
 * delete, export / import JSON). "Open in chat" on an eval sample arrives as `pending`.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { ChatTurn } from '../core/chat/chat-prompt.ts'
import type { ChatModelRef, Conversation, ConversationSettings, ReplyInfo } from '../core/chat/conversation.ts'
import { conversationFromJson, conversationToJson, turnsFor } from '../core/chat/conversation.ts'
import type { SamplingSettings } from '../core/sampling/sampling-settings.ts'
import type { DeviceRequest } from '../protocol/device.ts'
import type { ModelInfo } from '../protocol/eval-store.ts'
import type { SampleForChat } from './chat-draft.ts'
import {
  DEFAULT_CHAT_SETTINGS, DEMO_MODEL, conversationForSample, newConversation, replySampling, tokensPerSecond, withEditedTurn,
  withReply, withUserTurn, withoutLastReply,
} from './chat-draft.ts'
import './ez-chat-history.ts'
import './ez-chat-settings.ts'
import { errorText, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'

/** The reply being made. */
interface Streaming {
  readonly replyId: string
  /** display name of the model answering */
  readonly model: string
  /** true while the second model (side by side) answers */
  readonly second: boolean
  /** the reply so far */
  readonly text: string
  /** tokens so far */
  readonly count: number
  /** performance.now() when generation started (after loading), or undefined while loading */
  readonly startedAt: number | undefined
  /** model loading, 0–1, while loading */
  readonly loading: number | undefined
}

export class EzChatView extends LitElement {
  static override styles = [sharedStyles, css`
    .layout { display: grid; grid-template-columns: 15rem minmax(0, 1fr); gap: 1.25rem; align-items: start; }
    @media (max-width: 860px) { .layout { grid-template-columns: minmax(0, 1fr); } }
    .card { border: 1px solid var(--ez-border, #d0d7de); border-radius: 8px; padding: 0.9rem; background: var(--ez-bg, #fff); min-width: 0; }
    details.settings > summary { cursor: pointer; font-weight: 600; margin-bottom: 0.5rem; }
    .messages { display: flex; flex-direction: column; gap: 0.6rem; margin: 1rem 0; }
    .turn { display: grid; gap: 0.6rem; }
    .turn.pair { grid-template-columns: repeat(2, minmax(0, 1fr)); }
    .msg { border-radius: 8px; padding: 0.5rem 0.75rem; border: 1px solid var(--ez-border, #d0d7de); min-width: 0; }
    .msg[data-role=user] { background: var(--ez-surface, #f6f8fa); }
    .msg .who { font-size: 0.8rem; color: var(--ez-muted, #57606a); display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; }
    .msg .text { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0.25rem 0 0; font-family: inherit; }
    .msg[data-streaming=true] .text::after { content: '▍'; color: var(--ez-accent, #0969da); }
    textarea { font: inherit; width: 100%; box-sizing: border-box; padding: 0.5rem; border-radius: 6px; border: 1px solid var(--ez-border, #d0d7de);
      background: var(--ez-bg, #fff); color: var(--ez-fg, inherit); resize: vertical; }
    .composer { display: flex; flex-direction: column; gap: 0.5rem; }
    .row { display: flex; gap: 0.5rem; align-items: center; flex-wrap: wrap; }
    pre.prompt { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85rem; max-height: 12rem; overflow: auto; background: var(--ez-surface, #f6f8fa);
      border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px; padding: 0.5rem; }
  `]

  static override properties = {
    client: { attribute: false }, models: { attribute: false }, pending: { attribute: false },
    conversations: { state: true }, query: { state: true }, current: { state: true }, device: { state: true }, streaming: { state: true },
    last: { state: true }, prompt: { state: true }, error: { state: true }, editing: { state: true }, input: { state: true },
    answering: { state: true }, served: { state: true },
  }

  declare client: EvalWorkerClient
  /** stored models (dropped or from the Hub) */
  declare models: readonly ModelInfo[]
  /** an eval sample to open in a new conversation ("Open in chat") */
  declare pending: SampleForChat | undefined
  private declare conversations: readonly Conversation[]
  private declare query: string
  private declare current: Conversation
  private declare device: DeviceRequest
  private declare streaming: Streaming | undefined
  /** the last finished reply's stats */
  private declare last: ReplyInfo | undefined
  /** the prompt text last sent to the model */
  private declare prompt: string | undefined
  private declare error: { code: string; message: string } | undefined
  private declare editing: { index: number; text: string } | undefined
  private declare input: string
  /** true from Send until every model of the turn has answered (Stop stays available between them) */
  private declare answering: boolean
  /** the model set under Run → Model → Server, when one is */
  private declare served: ChatModelRef | undefined
  private stopRequested = false
  private taken: SampleForChat | undefined

  constructor() {
    super()
    this.models = []
    this.pending = undefined
    this.conversations = []
    this.query = ''
    this.current = newConversation(crypto.randomUUID(), Date.now(), DEMO_MODEL)
    this.device = 'auto'
    this.streaming = undefined
    this.last = undefined
    this.prompt = undefined
    this.error = undefined
    this.editing = undefined
    this.input = ''
    this.answering = false
    this.served = undefined
  }

  override connectedCallback(): void {
    super.connectedCallback()
    void this.client?.getServerSettings().then((s) => {
      this.served = s.url !== '' && s.model !== '' ? { source: 'server', id: s.model, name: `${s.model} @ ${s.url}`, server: { url: s.url } } : undefined
    }, () => undefined)
    // a reload keeps the conversation: the most recent one opens again
    void this.refresh().then(() => {
      if (this.current.messages.length === 0 && !this.pending && this.conversations[0]) this.current = this.conversations[0]
    })
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('pending') && this.pending && this.pending !== this.taken) {
      this.taken = this.pending
      this.current = conversationForSample(crypto.randomUUID(), Date.now(), this.pending)
      this.input = this.pending.prompt
      this.editing = undefined
      void this.save()
    }
  }

  override render() {
    const busy = this.streaming !== undefined || this.answering
    return html`<div class="layout">
      <aside class="card" aria-label="Conversations">
        <ez-chat-history .conversations=${this.conversations} .currentId=${this.current.id} .query=${this.query} ?disabled=${busy}
          @chat-new=${() => this.openNew()} @chat-open=${(e: CustomEvent<{ id: string }>) => this.open(e.detail.id)}
          @chat-delete=${(e: CustomEvent<{ id: string }>) => this.deleteOne(e.detail.id)}
          @chat-search=${(e: CustomEvent<{ query: string }>) => { this.query = e.detail.query; void this.refresh() }}
          @chat-export=${() => this.exportCurrent()} @chat-import=${(e: CustomEvent<{ text: string }>) => this.importText(e.detail.text)}></ez-chat-history>
      </aside>
      <div class="card">
        <details class="settings" open>
          <summary>Model and sampling</summary>
          <ez-chat-settings .settings=${this.current.settings} .models=${this.models} .served=${this.served} .model=${this.current.model} .compareModel=${this.current.compareModel}
            .device=${this.device} ?disabled=${busy}
            @chat-settings=${(e: CustomEvent<{ settings: ConversationSettings }>) => this.change({ settings: e.detail.settings })}
            @chat-model=${(e: CustomEvent<{ model?: ChatModelRef }>) => e.detail.model && this.change({ model: e.detail.model })}
            @chat-compare-model=${(e: CustomEvent<{ model?: ChatModelRef }>) => this.changeCompare(e.detail.model)}
            @chat-device=${(e: CustomEvent<{ device: DeviceRequest }>) => { this.device = e.detail.device }}></ez-chat-settings>
        </details>
        ${this.current.origin ? html`<p class="muted" data-testid="chat-origin">Opened from run sample <span class="mono">${this.current.origin.task}</span>
          doc ${this.current.origin.docId}: the exact prompt the model saw, raw and greedy${this.current.settings.until.length ? ', with the eval\'s stop strings' : ''}.</p>` : nothing}
        <div class="messages" role="log" aria-live="polite" data-testid="chat-messages">
          ${this.current.messages.length === 0 && !busy ? html`<p class="muted">Type a message below. Temperature 0 answers as the evaluator's greedy generation does.</p>` : nothing}
          ${this.renderMessages()}
        </div>
        ${this.error ? html`<p class="error" role="alert" data-testid="chat-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
        <div class="composer">
          <textarea data-testid="chat-input" rows="3" aria-label="Message" placeholder=${this.current.settings.format.mode === 'raw' ? 'Text for the model to continue' : 'Message'}
            .value=${this.input} @input=${(e: Event) => { this.input = (e.target as HTMLTextAreaElement).value }}
            @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); void this.send() } }}></textarea>
          <div class="row">
            <button type="button" class="primary" data-testid="chat-send" ?disabled=${busy || this.input === ''} @click=${() => this.send()}>Send</button>
            <button type="button" data-testid="chat-stop" ?disabled=${!busy} @click=${() => this.stop()}>Stop</button>
            <span class="muted" role="status" data-testid="chat-stats">${this.statsText()}</span>
          </div>
          ${this.prompt !== undefined ? html`<details><summary class="muted">Prompt sent to the model</summary>
            <pre class="prompt" data-testid="chat-prompt">${this.prompt}</pre></details>` : nothing}
        </div>
      </div>
    </div>`
  }

  private renderMessages() {
    const c = this.current
    const s = this.streaming
    const out = c.messages.map((m, i) => {
      if (m.role === 'user') return this.renderUser(m.content, i)
      const lastReply = i === c.messages.length - 1
      const secondStreaming = lastReply && s?.second
      const compare = secondStreaming ? this.bubble('assistant', s.text, s.model, true) : m.compare ? this.bubble('assistant', m.compare.content, m.compare.reply?.model ?? c.compareModel?.name ?? '') : nothing
      const paired = m.compare !== undefined || secondStreaming
      return html`<div class=${paired ? 'turn pair' : 'turn'}>${this.bubble('assistant', m.content, m.reply?.model ?? c.model.name, false,
        lastReply && !s && !this.answering ? html`<button type="button" class="small" data-testid="chat-regenerate" @click=${() => this.regenerate()}>Regenerate</button>` : nothing)}${compare}</div>`
    })
    if (s && !s.second) out.push(html`<div class="turn">${this.bubble('assistant', s.text, s.model, true)}</div>`)
    return out
  }

  private renderUser(text: string, index: number) {
    const e = this.editing
    if (e?.index === index) {
      return html`<div class="msg" data-role="user"><textarea data-testid="chat-edit-input" rows="3" .value=${e.text}
        @input=${(ev: Event) => { this.editing = { index, text: (ev.target as HTMLTextAreaElement).value } }}></textarea>
        <div class="row"><button type="button" class="small primary" data-testid="chat-resend" @click=${() => this.resend()}>Resend</button>
        <button type="button" class="small" @click=${() => { this.editing = undefined }}>Cancel</button></div></div>`
    }
    const edit = this.streaming || this.answering ? nothing : html`<button type="button" class="small" data-testid="chat-edit" @click=${() => { this.editing = { index, text } }}>Edit</button>`
    return html`<div class="turn">${this.bubble('user', text, 'You', false, edit)}</div>`
  }

  private bubble(role: 'user' | 'assistant', text: string, who: string, streaming = false, actions: unknown = nothing) {
    return html`<div class="msg" data-testid="chat-message" data-role=${role} data-text=${text} data-streaming=${streaming ? 'true' : 'false'}>
      <div class="who"><span>${who}</span>${actions}</div><pre class="text">${text}</pre></div>`
  }

  private statsText(): string {
    const s = this.streaming
    if (s?.loading !== undefined) return `Loading ${s.model}… ${Math.round(s.loading * 100)}%`
    if (s) {
      const rate = s.startedAt === undefined ? 0 : tokensPerSecond(s.count, performance.now() - s.startedAt)
      return s.startedAt === undefined ? `Starting ${s.model}…` : `${s.model}: ${s.count} tokens · ${rate.toFixed(1)} tokens/s`
    }
    const r = this.last
    if (!r) return ''
    const why = { eos: 'end of text', stop: 'stop string', length: 'max tokens', cancelled: 'stopped' }[r.stopReason]
    return `${r.model}: ${r.tokens} tokens · ${tokensPerSecond(r.tokens, r.ms).toFixed(1)} tokens/s · seed ${r.seed} · ${r.device} · ${why}`
  }

  private async send(): Promise<void> {
    const text = this.input
    if (text === '' || this.streaming || this.answering) return
    this.input = ''
    this.current = withUserTurn(this.current, text, Date.now())
    await this.save()
    await this.answer()
  }

  private async resend(): Promise<void> {
    const e = this.editing
    if (!e || this.streaming || this.answering) return
    this.editing = undefined
    this.current = withEditedTurn(this.current, e.index, e.text, Date.now())
    await this.save()
    await this.answer()
  }

  private async regenerate(): Promise<void> {
    if (this.streaming || this.answering) return
    this.current = withoutLastReply(this.current, Date.now())
    await this.answer()
  }

  /** The first model answers the last user turn, then (side by side) the second, with the same seed. */
  private async answer(): Promise<void> {
    const c = this.current
    if (c.messages.at(-1)?.role !== 'user' || this.answering) return
    this.answering = true
    try {
      await this.answerAll(c)
    } finally {
      this.answering = false
    }
  }

  private async answerAll(c: Conversation): Promise<void> {
    this.error = undefined
    this.stopRequested = false
    const sampling = replySampling(c.settings, Math.floor(Math.random() * 2 ** 31))
    const jobs: [ChatModelRef, ChatTurn[], boolean][] = [[c.model, turnsFor(c), false]]
    if (c.compareModel) jobs.push([c.compareModel, turnsFor(c, true), true])
    for (const [model, turns, second] of jobs) {
      if (second && this.stopRequested) break
      const reply = await this.replyWith(model, turns, sampling, second)
      if (!reply) break
      this.current = withReply(this.current, reply.text, reply.info, Date.now(), second)
      this.last = reply.info
      await this.save()
    }
  }

  private async replyWith(model: ChatModelRef, turns: ChatTurn[], sampling: SamplingSettings, second: boolean): Promise<{ text: string; info: ReplyInfo } | undefined> {
    const replyId = crypto.randomUUID()
    this.streaming = { replyId, model: model.name, second, text: '', count: 0, startedAt: undefined, loading: undefined }
    try {
      const done = await this.client.chatReply({
        replyId, model, device: this.device, format: this.current.settings.format, turns, sampling, until: this.current.settings.until,
      }, (e) => {
        const s = this.streaming
        if (!s || s.replyId !== replyId) return
        if (e.type === 'load') this.streaming = { ...s, loading: e.total > 0 ? e.loaded / e.total : 0 }
        else if (e.type === 'ready') {
          this.prompt = e.prompt
          this.streaming = { ...s, loading: undefined, startedAt: performance.now() }
        } else this.streaming = { ...s, text: e.text, count: e.count }
      })
      this.prompt = done.prompt
      return {
        text: done.text,
        info: { model: model.name, seed: sampling.seed, tokens: done.tokens, promptTokens: done.promptTokens, ms: done.ms, stopReason: done.stopReason, device: done.device },
      }
    } catch (e) {
      this.error = errorText(e)
      return undefined
    } finally {
      this.streaming = undefined
    }
  }

  private stop(): void {
    this.stopRequested = true
    if (this.streaming) void this.client.stopChat(this.streaming.replyId)
  }

  private change(update: Partial<Pick<Conversation, 'settings' | 'model'>>): void {
    this.current = { ...this.current, ...update, updatedAt: Date.now() }
    void this.save()
  }

  private changeCompare(model: ChatModelRef | undefined): void {
    const { compareModel: _, ...rest } = this.current
    this.current = model ? { ...rest, compareModel: model, updatedAt: Date.now() } : { ...rest, updatedAt: Date.now() }
    void this.save()
  }

  private openNew(): void {
    const c = this.current
    this.current = newConversation(crypto.randomUUID(), Date.now(), c.model, { ...DEFAULT_CHAT_SETTINGS, format: { ...DEFAULT_CHAT_SETTINGS.format, mode: c.settings.format.mode } })
    this.input = ''
    this.prompt = undefined
    this.last = undefined
  }

  private async open(id: string): Promise<void> {
    const c = await this.guard(() => this.client.getConversation(id))
    if (!c) return
    this.current = c
    this.editing = undefined
    this.prompt = undefined
    this.last = [...c.messages].reverse().find((m) => m.reply)?.reply
  }

  private async deleteOne(id: string): Promise<void> {
    await this.guard(() => this.client.deleteConversation(id))
    if (this.current.id === id) this.openNew()
    await this.refresh()
  }

  private exportCurrent(): void {
    const blob = new Blob([conversationToJson(this.current)], { type: 'application/json' })
    const a = document.createElement('a')
    a.href = URL.createObjectURL(blob)
    a.download = `evalz-chat-${this.current.title.replace(/[^\w-]+/g, '-').slice(0, 40) || 'conversation'}.json`
    a.click()
    setTimeout(() => URL.revokeObjectURL(a.href), 1000)
  }

  private async importText(text: string): Promise<void> {
    try {
      const c = conversationFromJson(text, { id: crypto.randomUUID(), now: Date.now(), model: this.current.model, settings: DEFAULT_CHAT_SETTINGS })
      this.current = c
      this.error = undefined
      await this.save()
    } catch (e) {
      this.error = errorText(e)
    }
  }

  /** Stores the conversation once it has a message (or came from a sample), then refreshes the history. */
  private async save(): Promise<void> {
    if (this.current.messages.length === 0 && !this.current.origin) return
    await this.guard(() => this.client.putConversation(this.current))
    await this.refresh()
  }

  private async refresh(): Promise<void> {
    this.conversations = (await this.guard(() => this.client.listConversations(this.query))) ?? this.conversations
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn()
    } catch (e) {
      this.error = errorText(e)
      return undefined
    }
  }
}

customElements.define('ez-chat-view', EzChatView)

declare global {
  interface HTMLElementTagNameMap {
    'ez-chat-view': EzChatView
  }
}
