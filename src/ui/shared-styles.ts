/** Styles every ez- element shares: form controls, buttons, focus ring, hints, errors (colours from --ez-* tokens). */
import { css } from 'lit'

export const sharedStyles = css`
  :host { display: block; }
  h2 { font-size: 1.15rem; margin: 0 0 0.75rem; }
  h3 { font-size: 1rem; margin: 1rem 0 0.5rem; }
  select, input:not([type=checkbox]):not([type=radio]) {
    font: inherit; padding: 0.35rem 0.5rem; border-radius: 6px; min-width: 0; box-sizing: border-box;
    border: 1px solid var(--ez-border, #d0d7de); background: var(--ez-bg, #fff); color: var(--ez-fg, inherit);
  }
  button, .button {
    font: inherit; padding: 0.4rem 0.9rem; border-radius: 6px; cursor: pointer; display: inline-block;
    border: 1px solid var(--ez-border, #d0d7de); background: var(--ez-surface, #f6f8fa); color: var(--ez-fg, inherit);
    text-decoration: none; line-height: 1.4;
  }
  button.primary { background: var(--ez-accent, #0969da); border-color: var(--ez-accent, #0969da); color: var(--ez-accent-fg, #fff); font-weight: 600; }
  button.danger { color: var(--ez-danger, #cf222e); }
  button.small, .button.small { padding: 0.15rem 0.55rem; font-size: 0.85rem; }
  button:disabled { opacity: 0.55; cursor: not-allowed; }
  :is(button, select, input, a, summary, [tabindex]):focus-visible { outline: 2px solid var(--ez-accent, #0969da); outline-offset: 2px; }
  .hint, .muted { color: var(--ez-muted, #57606a); font-size: 0.9rem; }
  .hint { margin: 0 0 0.75rem; }
  .error { border: 1px solid var(--ez-danger, #cf222e); color: var(--ez-danger, #cf222e); border-radius: 6px; padding: 0.5rem 0.75rem; margin: 0.5rem 0; overflow-wrap: anywhere; }
  .error code { font-weight: 600; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; margin: -1px; padding: 0; border: 0; }
  .mono { font-family: var(--ez-mono, ui-monospace, monospace); }
  .num { text-align: right; font-variant-numeric: tabular-nums; font-family: var(--ez-mono, ui-monospace, monospace); }
  .scroll { overflow-x: auto; position: relative; }
  table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
  th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--ez-border, #d0d7de); text-align: left; }
  th { background: var(--ez-surface, #f6f8fa); font-weight: 600; }
  /* a table with class 'cards' stacks each row as a card in a narrow window; cells name their column (data-label) */
  @media (max-width: 560px) {
    table.cards thead { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
    table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: auto; max-width: none; }
    table.cards tr { border: 1px solid var(--ez-border, #d0d7de); border-radius: 8px; margin: 0 0 0.6rem; padding: 0.35rem 0.6rem; }
    table.cards td { border: 0; padding: 0.15rem 0; text-align: left; overflow-wrap: break-word; white-space: normal; }
    table.cards td[data-label]::before { content: attr(data-label); display: block; font-size: 0.75rem; font-weight: 600;
      color: var(--ez-muted, #57606a); text-transform: uppercase; letter-spacing: 0.04em; }
  }
`

/** Dispatches a bubbling, composed CustomEvent from `el`. */
export function fire<T>(el: HTMLElement, type: string, detail: T): void {
  el.dispatchEvent(new CustomEvent<T>(type, { detail, bubbles: true, composed: true }))
}

/** A thrown error as code and message for display. */
export function errorText(e: unknown): { code: string; message: string } {
  const code = typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : 'ERROR'
  return { code, message: e instanceof Error ? e.message : String(e) }
}
