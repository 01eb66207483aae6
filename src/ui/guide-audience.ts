/**
 * docs/guide.md serves two readers: the CLI's (on GitHub) and the web app's. Text only for the terminal sits between
 * `<!-- cli -->` and `<!-- /cli -->`; text only for the app sits inside a comment `<!-- web: … -->` (GitHub hides
 * it). In the app's text, `[[tick a,b | Label]]` marks a button that ticks those tasks in the picker.
 */

/** A button in the guide that ticks tasks. */
export interface TickButton {
  /** task, group, tag or suite names to tick */
  readonly tasks: readonly string[]
  /** the button's text */
  readonly label: string
}

/** The guide as the web app shows it: CLI-only text removed, web-only text unwrapped, tick markers as placeholders. */
export interface WebGuide {
  /** Markdown; each tick button is a paragraph holding only tickPlaceholder(i) */
  readonly markdown: string
  readonly ticks: readonly TickButton[]
}

/** The text a tick button's paragraph holds before it becomes a button. */
export function tickPlaceholder(i: number): string {
  return `EVALZTICK${i}`
}

/** The web app's version of the guide's Markdown. */
export function guideForWeb(source: string): WebGuide {
  const ticks: TickButton[] = []
  const markdown = source
    .replace(/<!-- cli -->[\s\S]*?<!-- \/cli -->\n?/g, '')
    .replace(/<!-- web:\s*([\s\S]*?)\s*-->/g, (_, text: string) => text)
    .replace(/\[\[tick ([^|\]]+)\|([^\]]+)\]\]/g, (_, names: string, label: string) => {
      ticks.push({ tasks: names.split(',').map((n) => n.trim()).filter(Boolean), label: label.trim() })
      return `\n\n${tickPlaceholder(ticks.length - 1)}\n\n`
    })
  return { markdown, ticks }
}
