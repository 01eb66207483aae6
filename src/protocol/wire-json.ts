/**
 * Results as plain JSON values for the page. The worker dumps results with pyJsonDumps (Python's json.dumps),
 * whose text may hold bare NaN / Infinity / -Infinity tokens that JSON.parse rejects; parsePyJson turns those
 * tokens into the strings 'NaN', 'Infinity', '-Infinity', so the value is JSON and structured-clone safe.
 */

/** A JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }


