/**
 * Python json.dumps text as a plain JSON value (protocol/wire-json.ts): bare NaN / Infinity / -Infinity tokens,
 * which JSON.parse rejects, become the strings 'NaN', 'Infinity', '-Infinity'.
 */
import type { JsonValue } from '../protocol/wire-json.ts'

/** Bare non-finite tokens of Python's json.dumps, or a string literal (skipped as-is). */
const TOKENS = /"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g

/** Parses Python json.dumps text; bare NaN/Infinity/-Infinity become strings of the same spelling. */
export function parsePyJson(text: string): JsonValue {
  const quoted = text.replace(TOKENS, (m) => (m.startsWith('"') ? m : `"${m}"`))
  return JSON.parse(quoted) as JsonValue
}
