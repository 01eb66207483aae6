/**
 * Results as plain JSON values for the page. The worker dumps results with pyJsonDumps (Python's json.dumps),
 * whose text may hold bare NaN / Infinity / -Infinity tokens that JSON.parse rejects; parsePyJson turns those
 * tokens into the strings 'NaN', 'Infinity', '-Infinity', so the value is JSON and structured-clone safe.
 */

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

/** Bare non-finite tokens of Python's json.dumps, or a string literal (skipped as-is). */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g

/** Parses Python json.dumps text; bare NaN/Infinity/-Infinity become strings of the same spelling. */
export function parsePyJson(text: string): JsonValue {
  const quoted = text.replace(TOKENS, (m) => (m.startsWith('"') ? m : `"${m}"`))
  return JSON.parse(quoted) as JsonValue
}
