/**
 * Reading JSON that Python's json module wrote: like JSON.parse, but bare `NaN`, `Infinity` and
 * `-Infinity` (Python's allow_nan default, lm-eval.md §7.2) become the JS numbers they stand for.
 */

const MARK = '\u0000py:'

/** Parses Python-written JSON text; throws SyntaxError like JSON.parse on anything else. */
export function parsePythonJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (e) {
    if (!/NaN|Infinity/.test(text)) throw e
    // Strings are matched first so a "NaN" inside a string stays text.
    const marked = text.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, m => (m.startsWith('"') ? m : `"\\u0000py:${m}"`))
    return JSON.parse(marked, (_key, value: unknown) => (typeof value === 'string' && value.startsWith(MARK) ? Number(value.slice(MARK.length)) : value))
  }
}

/** The message of a JSON.parse failure, one line. */
export function syntaxMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]
}
