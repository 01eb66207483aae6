/**
 * lm-eval's filters that read the doc or reshape answers (lm_eval/filters/extraction.py, transformation.py at the
 * reference commit): `multi_choice_regex` (letter answers with fallbacks over the doc's `choices`), `regex_pos`
 * (part-of-speech tags from a list repr) and `format_span` (NER spans as `label: entity $ …`).
 */
import { HarnessError } from '../errors.ts'
import { pyRegex } from '../python/regex.ts'
import { codePoints, pyLower, pyRstrip, pySplit, pyStrip } from '../python/str.ts'

/** One doc's value → its filtered value, with the doc it belongs to. */
type DocFilterFn = (resps: readonly unknown[], docs: readonly unknown[]) => unknown[]

/** Python's re.escape (3.7+: only the special characters). */
export function pyReEscape(s: string): string {
  return s.replace(/[()[\]{}?*+\-|^$\\.&~# \t\n\r\v\f]/g, c => `\\${c}`)
}

function items(inst: unknown, filter: string): readonly unknown[] {
  if (Array.isArray(inst)) return inst
  if (typeof inst === 'string') return codePoints(inst)
  throw new TypeError(`filter '${filter}' needs a list of responses per doc, got ${inst === null ? 'None' : typeof inst}`)
}

function pyIndex<T>(seq: readonly T[], i: number, what: string): T {
  const j = i < 0 ? seq.length + i : i
  if (j < 0 || j >= seq.length) throw new RangeError(`${what}: index ${i} out of range for ${seq.length} item(s)`)
  return seq[j]
}

function kwarg<T>(filter: string, name: string, v: unknown, fallback: T, ok: (x: unknown) => boolean, want: string): T {
  if (v === undefined) return fallback
  if (!ok(v)) throw new HarnessError('TASK_SPEC_INVALID', `filter '${filter}': ${name} must be ${want}, got ${JSON.stringify(v)}`, { filter, kwarg: name })
  return v as T
}

const isStr = (x: unknown): boolean => typeof x === 'string'
const isInt = (x: unknown): boolean => typeof x === 'number' && Number.isInteger(x)
const isBool = (x: unknown): boolean => typeof x === 'boolean'

/** multi_choice_regex: the pattern, else the doc's choice texts (→ '(A)'…), else ': A' forms (→ '(A)'). */
export function multiChoiceRegex(kw: Readonly<Record<string, unknown>>): DocFilterFn {
  const f = 'multi_choice_regex'
  const regex = pyRegex(kwarg(f, 'regex_pattern', kw.regex_pattern, '#### (\\-?[0-9\\.\\,]+)', isStr, 'a string'))
  const groupSelect = kwarg(f, 'group_select', kw.group_select, 0, isInt, 'an integer')
  const fallback = kw.fallback === undefined ? '[invalid]' : kw.fallback
  const ignoreCase = kwarg(f, 'ignore_case', kw.ignore_case, false, isBool, 'true or false')
  const ignorePunct = kwarg(f, 'ignore_punctuation', kw.ignore_punctuation, false, isBool, 'true or false')
  const ignores = kwarg<string[] | null>(f, 'regexes_to_ignore', kw.regexes_to_ignore, null,
    x => x === null || (Array.isArray(x) && x.every(isStr)), 'a list of patterns')
  const findMatch = (re: ReturnType<typeof pyRegex>, resp: unknown, convert: ReadonlyMap<string, string>): unknown => {
    const found = re.findall(typeof resp === 'string' ? resp : '')
    if (found.length === 0) return found
    let match: string | string[] = pyIndex(found, groupSelect, `filter '${f}' group_select`)
    if (Array.isArray(match)) {
      const nonEmpty = match.filter(m => m !== '')
      if (nonEmpty.length === 0) return ''
      match = nonEmpty[0]
    }
    match = pyStrip(match)
    return match !== '' && convert.has(match) ? convert.get(match)! : match
  }
  const ignore = (st: string): string => {
    let s = st
    for (const pattern of ignores ?? []) s = pyRegex(pattern).sub(s, '')
    if (ignoreCase) s = pyLower(s)
    if (ignorePunct) s = s.replace(/\p{P}/gu, '')
    return s
  }
  const truthy = (m: unknown): boolean => !(m === '' || (Array.isArray(m) && m.length === 0))
  return (resps, docs) => resps.map((inst, i) => {
    const doc = docs[i] as Record<string, unknown> | undefined
    const choices = doc?.choices
    if (!Array.isArray(choices)) throw new TypeError(`filter '${f}' needs the doc's 'choices' list, got ${choices === undefined ? 'no choices field' : typeof choices}`)
    const alternatives: string[] = []
    const toAlpha = new Map<string, string>()
    const letters: string[] = []
    const letterToTarget = new Map<string, string>()
    choices.forEach((c, n) => {
      const letter = String.fromCodePoint(65 + n)
      const m = ignore(pyStrip(String(c)))
      alternatives.push(pyReEscape(m))
      toAlpha.set(m, `(${letter})`)
      letters.push(letter)
      letterToTarget.set(letter, `(${letter})`)
    })
    const choiceRe = pyRegex(alternatives.join('|'))
    const letterRe = pyRegex(`:[\\s]*(${letters.join('|')})`)
    return items(inst, f).map(resp => {
      let match = findMatch(regex, resp, new Map())
      if (!truthy(match)) {
        match = findMatch(choiceRe, ignore(typeof resp === 'string' ? resp : ''), toAlpha)
        if (!truthy(match)) match = findMatch(letterRe, resp, letterToTarget)
      }
      return truthy(match) ? match : fallback
    })
  })
}

/** regex_pos: the POS tags of a "[('tok', 'TAG'), …]" response (or of a list of pairs), else the fallback. */
export function regexPos(kw: Readonly<Record<string, unknown>>): DocFilterFn {
  const fallback = kw.fallback === undefined || kw.fallback === null ? ['invalid'] : kw.fallback
  const pairs = pyRegex("\\('([^']*)', '([^']*)'\\)")
  const tags = (result: unknown): unknown => {
    const list = typeof result === 'string' ? pairs.findall(result) as string[][] : result as unknown[][]
    const out = list.map(p => p[1])
    return out.length > 0 ? out : fallback
  }
  return resps => resps.map(inst => items(inst, 'regex_pos').map(tags))
}

const NER_LABELS: readonly [string, string][] = [
  ['person', 'PER'], ['location', 'LOC'], ['organization', 'ORG'], ['counties', 'LOC'], ['places', 'LOC'],
  ['people', 'PER'], ['persons', 'PER'], ['company', 'ORG'], ['country', 'LOC'], ['continent', 'LOC'],
  ['time', 'DATE'], ['date', 'DATE'], ['per', 'PER'], ['loc', 'LOC'], ['org', 'ORG'],
]

/** format_span's format_ner_text: labels (the token before ':') normalised, '$$' → '$'. */
function formatNerText(input: string): string {
  let text = pyLower(input)
  for (const [key, value] of NER_LABELS) text = pyRegex(`\\b${pyReEscape(key)}\\s*:`).sub(text, `${value}:`)
  return pyRstrip(text.split('$$').join('$'), '$$')
}

/** format_span's format_named_entities: 'label: entity $ label: entity', 'none' entities dropped. */
function formatNamedEntities(input: string): string {
  const text = pyStrip(input.replaceAll('\n', '$'))
  const out: string[] = []
  for (const [label, values] of pyRegex('\\b(PER|LOC|ORG|DATE):\\s*([^$]+)').findall(text) as string[][]) {
    for (const entity of pySplit(values, ',').map(v => pyStrip(v))) {
      if (pyLower(entity) !== 'none') out.push(`${pyLower(label)}: ${entity}`)
    }
  }
  return out.join(' $ ')
}

/** format_span: NER answers as lm-eval's SPANFilter formats them. */
export function formatSpan(): DocFilterFn {
  return resps => resps.map(inst => items(inst, 'format_span').map(r => {
    if (typeof r !== 'string') throw new TypeError(`filter 'format_span' needs string responses, got ${r === null ? 'None' : typeof r}`)
    return formatNamedEntities(formatNerText(pyLower(r)))
  }))
}
