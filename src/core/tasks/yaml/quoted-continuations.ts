/**
 * PyYAML reads a quoted scalar's continuation lines at any indentation (its scanner folds them without checking
 * indentation); the `yaml` package, following the YAML spec, requires them to be indented more than the key
 * that owns the scalar. lm-eval task files rely on PyYAML's leniency (e.g. xnli_eu/xnli_eu.yaml continues a
 * single-quoted template at column 0). Folding drops a continuation line's leading white space, so indenting
 * such lines further does not change the value: this rewrite does exactly that, and only that.
 */

/** Where a quote may open a quoted scalar: nothing before it on the line, or one of these before it. */
const OPENERS = new Set([':', '-', '?', '[', '{', ',', '!', '&'])

/** Column of the key (or item) that owns a scalar opened on `line`: its first character that is not ' ' or '-'. */
function ownerColumn(line: string): number {
  const m = /^[ -]*/.exec(line)!
  return m[0].length
}

/** True when the quote at `i` of `line` opens a quoted scalar (as a token, not inside a plain scalar). */
function opensScalar(line: string, i: number): boolean {
  let j = i - 1
  while (j >= 0 && line[j] === ' ') j--
  if (j < 0) return true
  if (OPENERS.has(line[j])) return line[j] !== ':' || j + 1 < i
  // after a tag or anchor token ('!function "x"', '&a "x"')
  const token = /(?:^|\s)([!&][^\s]*)$/.exec(line.slice(0, j + 1))
  return token !== null && j + 1 < i
}

/** True when the line (outside quotes and comments) ends a key or item with a block scalar indicator. */
function opensBlockScalar(code: string): boolean {
  return /(?:^|[:\-?]\s|^\s*)[|>][-+0-9]*\s*$/.test(code) && /(?:^|\s)[|>][-+0-9]*\s*$/.test(code)
}

/** The text with every quoted scalar's under-indented continuation lines indented past their owner key. */
export function indentQuotedContinuations(text: string): string {
  const lines = text.split('\n')
  let quote: '"' | "'" | undefined
  let owner = 0
  let block: number | undefined
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n]
    const indent = /^ */.exec(line)![0].length
    if (quote !== undefined) {
      if (line.trim() !== '' && indent <= owner) {
        line = ' '.repeat(owner + 1 - indent) + line
        lines[n] = line
      }
    } else if (block !== undefined) {
      if (line.trim() === '' || indent > block) continue
      block = undefined
    }
    let i = 0
    if (quote !== undefined) i = /^ */.exec(line)![0].length
    let code = ''
    for (; i < line.length; i++) {
      const c = line[i]
      if (quote === '"') {
        if (c === '\\') i++
        else if (c === '"') quote = undefined
        continue
      }
      if (quote === "'") {
        if (c === "'" && line[i + 1] === "'") i++
        else if (c === "'") quote = undefined
        continue
      }
      if (c === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) break
      if ((c === '"' || c === "'") && opensScalar(line, i)) {
        quote = c
        owner = ownerColumn(line)
        continue
      }
      code += c
    }
    if (quote === undefined && opensBlockScalar(code)) block = ownerColumn(line)
  }
  return lines.join('\n')
}
