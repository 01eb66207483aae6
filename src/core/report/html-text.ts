/** HTML text helpers for the static reports: every piece of data goes through escapeHtml before it is placed. */

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, c => ENTITIES[c])
}

/** The last `max` characters of s, with a leading ellipsis when cut. */
export function tail(s: string, max: number): string {
  const chars = [...s]
  return chars.length <= max ? s : `…${chars.slice(chars.length - max + 1).join('')}`
}

/** The first `max` characters of s, with a trailing ellipsis when cut. */
export function head(s: string, max: number): string {
  const chars = [...s]
  return chars.length <= max ? s : `${chars.slice(0, max - 1).join('')}…`
}

/** A table row of already-escaped cells; `numeric` marks the right-aligned columns by index. */
export function tableRow(cells: readonly string[], numeric: ReadonlySet<number> = new Set(), tagName: 'td' | 'th' = 'td'): string {
  return `<tr>${cells.map((c, i) => `<${tagName}${numeric.has(i) ? ' class="num"' : ''}>${c}</${tagName}>`).join('')}</tr>`
}

/** A table row of [CSS class or '', already-escaped html] cells. */
export function classedRow(cells: readonly (readonly [string, string])[]): string {
  return `<tr>${cells.map(([cls, html]) => `<td${cls ? ` class="${cls}"` : ''}>${html}</td>`).join('')}</tr>`
}

/** A definition list of label → value pairs (values escaped here; empty values skipped). */
export function definitionList(pairs: readonly (readonly [string, string | undefined])[]): string {
  const items = pairs.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v!)}</dd></div>`)
  return `<dl class="meta">${items.join('')}</dl>`
}
