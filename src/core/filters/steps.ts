/**
 * lm-eval's built-in response filters (`lm_eval/filters/`: selection.py, extraction.py,
 * transformation.py). Each one maps the list of per-doc response sets to a new list, exactly as the
 * Python `Filter.apply` does, including what happens when a step sees a string where it expects a
 * list (Python then iterates or indexes the string's characters).
 */

import { HarnessError } from '../errors.ts'
import { pyRegex } from '../python/regex.ts'
import { codePoints, pyLower, pyStrip, pyUpper } from '../python/str.ts'
import { formatSpan, multiChoiceRegex, regexPos } from './choice-steps.ts'
import { pythonHookHost } from '../tasks/python-hooks.ts'

/**
 * One filter: every instance's current value (usually the list of its responses) → the filtered values; `docs[i]`
 * is the doc instance i belongs to (lm-eval's `Filter.apply(resps, docs)`).
 */
export type FilterFn = (resps: readonly unknown[], docs: readonly unknown[]) => unknown[]

/** A filter factory: validated keyword arguments → the filter; throws HarnessError on bad kwargs. */
interface FilterDef {
  /** accepted keyword arguments */
  readonly kwargs: readonly string[]
  /** keyword arguments without a default */
  readonly required?: readonly string[]
  /** other keyword arguments are ignored instead of rejected (the Python class takes **kwargs) */
  readonly extraOk?: boolean
  build(kwargs: Readonly<Record<string, unknown>>): FilterFn
}

/** Python iteration over a doc's value: a list's items, or a string's code points. */
function pyItems(inst: unknown, filter: string): readonly unknown[] {
  if (Array.isArray(inst)) return inst
  if (typeof inst === 'string') return codePoints(inst)
  throw new TypeError(`filter '${filter}' needs a list of responses per doc, got ${describe(inst)}`)
}

/** Python `seq[i]` (negative from the end); throws RangeError where Python raises IndexError. */
function pyIndex(seq: readonly unknown[], i: number, what: string): unknown {
  const j = i < 0 ? seq.length + i : i
  if (j < 0 || j >= seq.length) throw new RangeError(`${what}: index ${i} out of range for ${seq.length} item(s)`)
  return seq[j]
}

function describe(v: unknown): string {
  return v === null ? 'None' : Array.isArray(v) ? 'list' : typeof v
}

function needString(v: unknown, filter: string): string {
  if (typeof v !== 'string') throw new TypeError(`filter '${filter}' needs string responses, got ${describe(v)}`)
  return v
}

function intKwarg(filter: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new HarnessError('TASK_SPEC_INVALID', `filter '${filter}': ${name} must be an integer, got ${JSON.stringify(v)}`,
      { filter, kwarg: name, value: v })
  }
  return v
}

/** Majority vote: most frequent value, ties to the first seen (Counter.most_common(1)). */
function majority(items: readonly unknown[]): unknown {
  const counts = new Map<unknown, number>()
  for (const it of items) counts.set(it, (counts.get(it) ?? 0) + 1)
  let best: unknown
  let bestCount = 0
  for (const [value, count] of counts) {
    if (count > bestCount) {
      best = value
      bestCount = count
    }
  }
  if (bestCount === 0) throw new RangeError("filter 'majority_vote': a doc has no responses")
  return best
}

/** The built-in filters by registry name (lm-eval's FILTER_REGISTRY). */
export const FILTER_DEFS: Readonly<Record<string, FilterDef>> = {
  take_first: {
    kwargs: [],
    build: () => (resps) => resps.map((inst) => pyIndex(pyItems(inst, 'take_first'), 0, "filter 'take_first'")),
  },
  take_first_k: {
    kwargs: ['k'],
    required: ['k'],
    extraOk: true,
    build: (kw) => {
      const k = intKwarg('take_first_k', 'k', kw.k)
      return (resps) => {
        const first = resps.length > 0 ? pyItems(resps[0], 'take_first_k').length : 0
        if (resps.length > 0 && first < k) {
          throw new RangeError(`filter 'take_first_k': need at least ${k} responses per doc, got ${first} (increase repeats)`)
        }
        return resps.map((inst) => {
          const items = pyItems(inst, 'take_first_k')
          const end = k < 0 ? Math.max(0, items.length + k) : k
          const taken = items.slice(0, end)
          return typeof inst === 'string' ? taken.join('') : taken
        })
      }
    },
  },
  regex: {
    kwargs: ['regex_pattern', 'group_select', 'fallback'],
    build: (kw) => {
      const pattern = kw.regex_pattern === undefined ? '#### (\\-?[0-9\\.\\,]+)' : kw.regex_pattern
      if (typeof pattern !== 'string') {
        throw new HarnessError('TASK_SPEC_INVALID', `filter 'regex': regex_pattern must be a string, got ${JSON.stringify(pattern)}`,
          { filter: 'regex', kwarg: 'regex_pattern' })
      }
      const re = pyRegex(pattern)
      const groupSelect = kw.group_select === undefined ? 0 : intKwarg('regex', 'group_select', kw.group_select)
      const fallback = kw.fallback === undefined ? '[invalid]' : kw.fallback
      const extract = (resp: unknown): unknown => {
        const matches = re.findall(typeof resp === 'string' ? resp : '')
        if (matches.length === 0) return fallback
        let match: unknown = pyIndex(matches, groupSelect, "filter 'regex' group_select")
        if (Array.isArray(match)) match = match.find((g) => g !== '') ?? fallback
        return typeof match === 'string' ? pyStrip(match) : match
      }
      return (resps) => resps.map((inst) => pyItems(inst, 'regex').map(extract))
    },
  },
  remove_whitespace: {
    kwargs: [],
    build: () => (resps) => resps.map((inst) => pyItems(inst, 'remove_whitespace').map((r) => pyStrip(needString(r, 'remove_whitespace')))),
  },
  lowercase: {
    kwargs: [],
    build: () => (resps) => resps.map((inst) => pyItems(inst, 'lowercase').map((r) => pyLower(needString(r, 'lowercase')))),
  },
  uppercase: {
    kwargs: [],
    build: () => (resps) => resps.map((inst) => pyItems(inst, 'uppercase').map((r) => pyUpper(needString(r, 'uppercase')))),
  },
  majority_vote: {
    kwargs: [],
    build: () => (resps) => resps.map((inst) => [majority(pyItems(inst, 'majority_vote'))]),
  },
  map: {
    kwargs: ['mapping_dict', 'default_value'],
    build: (kw) => {
      const mapping = kw.mapping_dict ?? {}
      const isMap = mapping instanceof Map
      if (!isMap && (typeof mapping !== 'object' || Array.isArray(mapping))) {
        throw new HarnessError('TASK_SPEC_INVALID', `filter 'map': mapping_dict must be a dictionary, got ${JSON.stringify(mapping)}`,
          { filter: 'map', kwarg: 'mapping_dict' })
      }
      const defaultValue = kw.default_value === undefined ? null : kw.default_value
      const lookup = (resp: unknown): unknown => {
        if (isMap) return (mapping as Map<unknown, unknown>).has(resp) ? (mapping as Map<unknown, unknown>).get(resp) : defaultValue
        const obj = mapping as Record<string, unknown>
        return typeof resp === 'string' && Object.hasOwn(obj, resp) ? obj[resp] : defaultValue
      }
      return (resps) => resps.map((inst) => pyItems(inst, 'map').map(lookup))
    },
  },
  multi_choice_regex: {
    kwargs: ['regex_pattern', 'group_select', 'fallback', 'ignore_case', 'ignore_punctuation', 'regexes_to_ignore'],
    build: multiChoiceRegex,
  },
  regex_pos: { kwargs: ['regex_pattern', 'group_select', 'fallback'], build: regexPos },
  format_span: { kwargs: [], build: formatSpan },
  custom: {
    kwargs: ['filter_fn'],
    required: ['filter_fn'],
    extraOk: true,
    build: (kw) => {
      const fn = kw.filter_fn as { function?: unknown } | undefined
      if (typeof fn !== 'object' || fn === null || typeof fn.function !== 'string') {
        throw new HarnessError('TASK_SPEC_INVALID', "filter 'custom': filter_fn must be a !function (e.g. !function utils.build_predictions)", { filter: 'custom' })
      }
      const name = fn.function
      return (resps, docs) => pythonFilterHost(name).call(name, [resps, docs]) as unknown[]
    },
  },
  decontaminate: {
    kwargs: ['path'],
    extraOk: true,
    build: () => {
      throw new HarnessError('TASK_SPEC_INVALID', "filter 'decontaminate' is a stub in lm-eval itself (its apply returns None); remove it from filter_list")
    },
  },
}

/** A Python filter class (`function: !function utils.MyFilter`): instantiated with the step's kwargs, then apply(resps, docs). */
export function pythonFilterStep(name: string, kwargs: Readonly<Record<string, unknown>>): FilterFn {
  return (resps, docs) => pythonFilterHost(name).filter(name, kwargs, resps, docs)
}

function pythonFilterHost(name: string): NonNullable<ReturnType<typeof pythonHookHost>> {
  const host = pythonHookHost()
  if (host === undefined) throw new HarnessError('HOOK_UNAVAILABLE', `filter ${name} is Python code and the Python runtime is not loaded`, { name })
  return host
}
