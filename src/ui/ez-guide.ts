/**
 * `<ez-guide>`: "Which benchmarks should I run?", a collapsed section with docs/guide.md (the one source of the
 * guide, bundled as text at build time) in its web version (no CLI flags; guide-audience.ts) rendered by the escaping
 * Markdown renderer on first open. Its suggested task sets are buttons: event 'tick-tasks' {tasks}.
 */
import { css, html, LitElement, nothing } from 'lit'
import { unsafeHTML } from 'lit/directives/unsafe-html.js'
import guideSource from '../../docs/guide.md?raw'
import { guideForWeb, tickPlaceholder } from './guide-audience.ts'
import { escapeHtml, markdownToHtml } from './guide-markdown.ts'
import { fire, sharedStyles } from './shared-styles.ts'

export class EzGuide extends LitElement {
  static override styles = [sharedStyles, css`
    details > summary { cursor: pointer; font-weight: 600; padding: 0.4rem 0; }
    .guide { max-width: 60rem; line-height: 1.55; }
    .guide h2 { font-size: 1.3rem; margin: 1rem 0 0.5rem; }
    .guide h3 { font-size: 1.1rem; margin: 1.5rem 0 0.5rem; }
    .guide table { display: block; overflow-x: auto; margin: 0.75rem 0; }
    .guide td, .guide th { vertical-align: top; }
    .guide pre { background: var(--ez-surface, #f6f8fa); border: 1px solid var(--ez-border, #d0d7de); border-radius: 6px;
      padding: 0.6rem 0.8rem; overflow-x: auto; font-size: 0.85rem; }
    .guide code { font-family: var(--ez-mono, ui-monospace, monospace); font-size: 0.9em; }
    .guide a { color: var(--ez-accent, #0969da); }
    .guide li { margin: 0.2rem 0; }
  `]

  static override properties = { opened: { state: true } }

  /** set on the first toggle open; the guide is rendered from then on */
  private declare opened: boolean

  constructor() {
    super()
    this.opened = false
  }

  override render() {
    return html`<details data-testid="guide" @toggle=${(e: Event) => { if ((e.target as HTMLDetailsElement).open) this.opened = true }}>
      <summary>Which benchmarks should I run?</summary>
      ${this.opened ? html`<div class="guide" @click=${this.onClick}>${unsafeHTML(guideHtml())}</div>` : nothing}
    </details>`
  }

  private onClick(e: Event): void {
    const button = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-tick]')
    if (button) fire(this, 'tick-tasks', { tasks: (button.dataset.tick ?? '').split(',') })
  }
}

let rendered: string | undefined

/** The guide as HTML: every text escaped by the renderer, only http(s)/mailto/# links kept; tick buttons built here. */
function guideHtml(): string {
  if (rendered === undefined) {
    const web = guideForWeb(guideSource)
    rendered = web.ticks.reduce((out, t, i) => out.replace(`<p>${tickPlaceholder(i)}</p>`,
      `<p><button type="button" class="small" data-testid="guide-tick" data-tick="${escapeHtml(t.tasks.join(','))}">${escapeHtml(t.label)}</button></p>`),
    markdownToHtml(web.markdown, { headingShift: 1 }))
  }
  return rendered
}

customElements.define('ez-guide', EzGuide)

declare global {
  interface HTMLElementTagNameMap {
    'ez-guide': EzGuide
  }
}
