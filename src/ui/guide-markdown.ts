/**
 * A small Markdown renderer for the subset docs/guide.md uses: ATX headings, paragraphs, `-`/`1.` lists (one
 * level), pipe tables, fenced code, block quotes, and inline code, `**bold**` and `[links](url)`. Everything
 * else is text: all text is HTML-escaped, and only http(s), mailto and `#` links become anchors.
 */

/** One inline-formatted text run (Markdown source, rendered by `inlineHtml`). */
export type Inline = string

/** A parsed block. */
export type Block =
  | { readonly kind: 'heading'; readonly level: number; readonly text: Inline }
  | { readonly kind: 'paragraph'; readonly text: Inline }
  | { readonly kind: 'list'; readonly ordered: boolean; readonly items: readonly Inline[] }
  | { readonly kind: 'table'; readonly header: readonly Inline[]; readonly align: readonly Align[]; readonly rows: readonly (readonly Inline[])[] }
  | { readonly kind: 'code'; readonly lang: string; readonly text: string }
  | { readonly kind: 'quote'; readonly text: Inline }

/** Column alignment of a table (from the `:---:` separator row). */
export type Align = 'left' | 'center' | 'right' | undefined

/** Rendering options. */
export interface MarkdownOptions {
  /** added to every heading level (capped at 6), e.g. 1 renders `#` as `<h2>` */
  readonly headingShift?: number
}

const FENCE = /^```\s*([\w-]*)\s*$/
const HEADING = /^(#{1,6})\s+(.*?)\s*#*\s*$/
const BULLET = /^[-*]\s+(.*)$/
const NUMBERED = /^\d+[.)]\s+(.*)$/
const TABLE_SEPARATOR = /^\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/

/** Splits Markdown source into blocks. */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n')
  const blocks: Block[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]
    if (line.trim() === '') { i++; continue }
    const fence = FENCE.exec(line)
    if (fence) {
      const body: string[] = []
      i++
      while (i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i++])
      i++
      blocks.push({ kind: 'code', lang: fence[1], text: body.join('\n') })
      continue
    }
    const heading = HEADING.exec(line)
    if (heading) {
      blocks.push({ kind: 'heading', level: heading[1].length, text: heading[2] })
      i++
      continue
    }
    if (line.startsWith('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1])) {
      const header = splitRow(line)
      const align = splitRow(lines[i + 1]).map(alignOf)
      const rows: Inline[][] = []
      i += 2
      while (i < lines.length && lines[i].startsWith('|')) rows.push(splitRow(lines[i++]))
      blocks.push({ kind: 'table', header, align, rows: rows.map(r => header.map((_, c) => r[c] ?? '')) })
      continue
    }
    const ordered = NUMBERED.test(line)
    if (ordered || BULLET.test(line)) {
      const marker = ordered ? NUMBERED : BULLET
      const items: string[] = []
      while (i < lines.length && lines[i].trim() !== '') {
        const item = marker.exec(lines[i])
        if (item) items.push(item[1])
        else if (/^\s+\S/.test(lines[i]) && items.length > 0) items[items.length - 1] += ` ${lines[i].trim()}`
        else break
        i++
      }
      blocks.push({ kind: 'list', ordered, items })
      continue
    }
    if (line.startsWith('>')) {
      const body: string[] = []
      while (i < lines.length && lines[i].startsWith('>')) body.push(lines[i++].replace(/^>\s?/, ''))
      blocks.push({ kind: 'quote', text: body.join(' ').trim() })
      continue
    }
    const body: string[] = []
    while (i < lines.length && lines[i].trim() !== '' && !startsBlock(lines, i)) body.push(lines[i++].trim())
    blocks.push({ kind: 'paragraph', text: body.join(' ') })
  }
  return blocks
}

/** Renders Markdown source as an HTML string (all text escaped). */
export function markdownToHtml(source: string, options: MarkdownOptions = {}): string {
  return parseMarkdown(source).map(b => blockHtml(b, options.headingShift ?? 0)).join('\n')
}

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, c => ESCAPES[c])
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Renders inline Markdown (code spans, bold, links) as HTML; everything else is escaped text. */
export function inlineHtml(text: Inline): string {
  const token = /`([^`]+)`|\[([^\]]+)\]\(([^()\s]+)\)|\*\*(.+?)\*\*/g
  let out = ''
  let last = 0
  for (const m of text.matchAll(token)) {
    out += escapeHtml(text.slice(last, m.index))
    last = m.index + m[0].length
    if (m[1] !== undefined) out += `<code>${escapeHtml(m[1])}</code>`
    else if (m[2] !== undefined) out += linkHtml(m[2], m[3])
    else out += `<strong>${inlineHtml(m[4])}</strong>`
  }
  return out + escapeHtml(text.slice(last))
}

/** Lower-case, hyphenated id for a heading (GitHub's rule for ASCII text). */
export function slug(text: string): string {
  return text.toLowerCase().replace(/`/g, '').replace(/[^\w\- ]/g, '').trim().replace(/ /g, '-')
}

function blockHtml(b: Block, shift: number): string {
  switch (b.kind) {
    case 'heading': {
      const level = Math.min(6, b.level + shift)
      return `<h${level} id="${escapeHtml(slug(b.text))}">${inlineHtml(b.text)}</h${level}>`
    }
    case 'paragraph': return `<p>${inlineHtml(b.text)}</p>`
    case 'quote': return `<blockquote><p>${inlineHtml(b.text)}</p></blockquote>`
    case 'code': return `<pre><code${b.lang ? ` class="language-${escapeHtml(b.lang)}"` : ''}>${escapeHtml(b.text)}</code></pre>`
    case 'list': {
      const tag = b.ordered ? 'ol' : 'ul'
      return `<${tag}>${b.items.map(item => `<li>${inlineHtml(item)}</li>`).join('')}</${tag}>`
    }
    case 'table': {
      const cell = (tag: string, text: Inline, c: number): string =>
        `<${tag}${b.align[c] ? ` style="text-align: ${b.align[c]}"` : ''}>${inlineHtml(text)}</${tag}>`
      const head = `<tr>${b.header.map((h, c) => cell('th', h, c)).join('')}</tr>`
      const body = b.rows.map(r => `<tr>${r.map((t, c) => cell('td', t, c)).join('')}</tr>`).join('')
      return `<table><thead>${head}</thead><tbody>${body}</tbody></table>`
    }
  }
}

function linkHtml(label: string, url: string): string {
  if (!/^(https?:\/\/|mailto:|#)/i.test(url)) return inlineHtml(label)
  const external = /^https?:/i.test(url) ? ' target="_blank" rel="noopener noreferrer"' : ''
  return `<a href="${escapeHtml(url)}"${external}>${inlineHtml(label)}</a>`
}

/** Cells of a `| a | b |` row; `\|` is a literal pipe. */
function splitRow(line: string): string[] {
  const cells: string[] = []
  let cur = ''
  const body = line.trim().replace(/^\|/, '').replace(/(?<!\\)\|$/, '')
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === '|') { cur += '|'; i++ } else if (body[i] === '|') { cells.push(cur.trim()); cur = '' } else cur += body[i]
  }
  cells.push(cur.trim())
  return cells
}

function alignOf(sep: string): Align {
  const left = sep.startsWith(':')
  const right = sep.endsWith(':')
  return left && right ? 'center' : right ? 'right' : left ? 'left' : undefined
}

function startsBlock(lines: readonly string[], i: number): boolean {
  const line = lines[i]
  return FENCE.test(line) || HEADING.test(line) || BULLET.test(line) || NUMBERED.test(line) || line.startsWith('>') ||
    (line.startsWith('|') && i + 1 < lines.length && TABLE_SEPARATOR.test(lines[i + 1]))
}
