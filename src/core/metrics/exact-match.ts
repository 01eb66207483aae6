/**
 * lm-eval's `exact_match` for generate_until tasks (`api/metrics.py::exact_match_hf_evaluate`, a port
 * of HF evaluate's exact_match), including what its numpy string arrays do to the text:
 * a numpy str array drops trailing NUL characters, and `np.char.lower` keeps the array's width,
 * so a lower-cased string that grows (only 'İ' → 'i̇') is cut to that width (in code points).
 */

import { pyRegex } from '../python/regex.ts'
import { codePoints, pyLen, pyLower } from '../python/str.ts'

/** exact_match keyword arguments, as spelled in task YAML. */
export interface ExactMatchOptions {
  /** Python regexes removed (re.sub with '') from prediction and references, in order */
  readonly regexes_to_ignore?: readonly string[]
  /** compare lower-cased text */
  readonly ignore_case?: boolean
  /** remove ASCII punctuation (Python's string.punctuation) */
  readonly ignore_punctuation?: boolean
  /** remove the ASCII digits 0-9 */
  readonly ignore_numbers?: boolean
}

/** Python's string.punctuation. */
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~')
const DIGITS = new Set('0123456789')

/** A numpy str array: its values (trailing NULs dropped) and its width in code points. */
interface StrArray {
  values: string[]
  width: number
}

function toStrArray(strings: readonly string[]): StrArray {
  let width = 0
  for (const s of strings) width = Math.max(width, pyLen(s))
  return { values: strings.map((s) => s.replace(/\0+$/, '')), width }
}

function removeChars(s: string, set: ReadonlySet<string>): string {
  let out = ''
  for (const c of s) if (!set.has(c)) out += c
  return out
}

function normalise(strings: readonly string[], opts: ExactMatchOptions): string[] {
  let arr: StrArray
  if (opts.regexes_to_ignore) {
    arr = toStrArray(strings)
    for (const pattern of opts.regexes_to_ignore) {
      const re = pyRegex(pattern)
      arr = toStrArray(arr.values.map((s) => re.sub(s, '')))
    }
  } else {
    arr = toStrArray(strings)
  }
  let values = arr.values
  if (opts.ignore_case) {
    const width = arr.width
    values = values.map((s) => {
      const lowered = pyLower(s)
      const cps = codePoints(lowered)
      return (cps.length > width ? cps.slice(0, width).join('') : lowered).replace(/\0+$/, '')
    })
  }
  if (opts.ignore_punctuation) values = values.map((s) => removeChars(s, PUNCTUATION).replace(/\0+$/, ''))
  if (opts.ignore_numbers) values = values.map((s) => removeChars(s, DIGITS).replace(/\0+$/, ''))
  return values
}

/**
 * 1 if the normalised prediction equals the normalised reference (with a list of references: any of
 * them), else 0. Normalisation order: each regex in regexes_to_ignore (Python re.sub) on both sides,
 * then lower-casing, then punctuation removal, then digit removal.
 */
export function exactMatch(prediction: string, reference: string | readonly string[], opts: ExactMatchOptions = {}): number {
  const refs = typeof reference === 'string' ? [reference] : reference
  if (refs.length === 0) return 0
  // lm-eval repeats the prediction once per reference, so both arrays hold one string width each.
  const pred = normalise([prediction], opts)[0] as string
  return normalise(refs, opts).includes(pred) ? 1 : 0
}
