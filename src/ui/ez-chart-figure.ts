/**
 * `<ez-chart-figure>`: one self-contained SVG chart (from chart-svg.ts, data already escaped there) with a caption
 * and a PNG button that rasterises the chart and downloads it as <fileName>.png.
 */
import { css, html, LitElement, nothing } from 'lit'
import { unsafeHTML } from 'lit/directives/unsafe-html.js'
import { downloadBlob, fileSafe, svgToPng } from './chart-png.ts'
import { errorText, sharedStyles } from './shared-styles.ts'

export class EzChartFigure extends LitElement {
  static override styles = [sharedStyles, css`
    figure { margin: 0.5rem 0 1rem; }
    .chart-box { max-width: var(--ez-chart-width, 60rem); }
    figcaption { display: flex; gap: 0.75rem; align-items: baseline; flex-wrap: wrap; color: var(--ez-muted, #57606a); font-size: 0.85rem; }
    figcaption span { flex: 1 1 20rem; }
    @media print { button { display: none; } }
  `]

  static override properties = {
    svg: {},
    caption: {},
    fileName: {},
    error: { state: true },
  }

  /** the chart's <svg> markup, escaped by its builder */
  declare svg: string
  /** text under the chart */
  declare caption: string
  /** download name without extension */
  declare fileName: string
  private declare error: string | undefined

  constructor() {
    super()
    this.svg = ''
    this.caption = ''
    this.fileName = 'chart'
    this.error = undefined
  }

  override render() {
    if (this.svg === '') return nothing
    return html`<figure>
      <div class="chart-box" data-testid="chart-svg">${unsafeHTML(this.svg)}</div>
      <figcaption><span>${this.caption}</span>
        <button type="button" class="small" data-testid="chart-png" @click=${() => this.png()}>PNG</button></figcaption>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
    </figure>`
  }

  private async png(): Promise<void> {
    const svg = this.renderRoot.querySelector('svg')
    if (!svg) return
    try {
      this.error = undefined
      downloadBlob(await svgToPng(svg), `${fileSafe(this.fileName)}.png`)
    } catch (e) {
      this.error = errorText(e).message
    }
  }
}

customElements.define('ez-chart-figure', EzChartFigure)

declare global {
  interface HTMLElementTagNameMap {
    'ez-chart-figure': EzChartFigure
  }
}
