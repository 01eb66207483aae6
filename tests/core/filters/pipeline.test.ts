import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { exactMatch } from '../../../src/core/metrics/exact-match.ts'
import {
  DEFAULT_FILTER, FILTER_NAMES, applyFilterPipeline, compileFilterPipeline, type FilterStep,
} from '../../../src/core/filters/pipeline.ts'
import { golden } from '../metrics/golden.ts'

const STRICT: FilterStep[] = [{ function: 'regex', regex_pattern: '#### (\\-?[0-9\\.\\,]+)' }, { function: 'take_first' }]
const FLEXIBLE: FilterStep[] = [
  { function: 'regex', group_select: -1, regex_pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)' },
  { function: 'take_first' },
]
const GSM8K = { regexes_to_ignore: [',', '\\$', '(?s).*#### ', '\\.$'], ignore_case: true }

function catchError(fn: () => unknown): unknown {
  try {
    fn()
  } catch (e) {
    return e
  }
  throw new Error('expected a throw')
}

describe('regex filter', () => {
  const f = golden.filters
  const resps = f.responses.map((r) => [r])

  it('gsm8k strict-match and flexible-extract match lm-eval', () => {
    expect(applyFilterPipeline(STRICT, resps)).toEqual(f.strict)
    expect(applyFilterPipeline(FLEXIBLE, resps)).toEqual(f.flexible)
  })

  it('group_select, fallback and all-empty tuples match lm-eval', () => {
    const first = [{ function: 'regex', regex_pattern: '(-?[$0-9.,]{2,})|(-?[0-9]+)' }, { function: 'take_first' }]
    expect(applyFilterPipeline(first, resps)).toEqual(f.flexible_first)
    const custom = [{ function: 'regex', regex_pattern: 'The answer is (\\d+)', fallback: 'none' }, { function: 'take_first' }]
    expect(applyFilterPipeline(custom, resps)).toEqual(f.custom_fallback)
    const tuple = [{ function: 'regex', regex_pattern: '(x)?(y)?b', fallback: ' fb ' }, { function: 'take_first' }]
    expect(applyFilterPipeline(tuple, [['ab']])).toEqual(f.tuple_all_empty)
  })

  it('spec vectors, filtered then scored', () => {
    const docs = [['... #### 72'], [' The answer is $1,234.50.'], [' #### -3.']]
    expect(applyFilterPipeline(STRICT, docs)).toEqual(['72', '[invalid]', '-3.'])
    expect(applyFilterPipeline(FLEXIBLE, docs)).toEqual(['72', '$1,234.50.', '-3.'])
    for (const s of f.scored) expect(exactMatch(s.filtered, s.reference, GSM8K)).toBe(s.expected)
  })

  it('keeps one value per repeat without take_first', () => {
    expect(applyFilterPipeline([{ function: 'regex', regex_pattern: '(\\d+)' }], [['a 1', 'b'], ['2 3']]))
      .toEqual([['1', '[invalid]'], ['2']])
  })

  it('throws like Python IndexError when group_select is out of range', () => {
    expect(() => applyFilterPipeline([{ function: 'regex', regex_pattern: '(\\d)', group_select: 3 }], [['1 2']]))
      .toThrow(RangeError)
  })
})

describe('other filters', () => {
  it('take_first_k keeps the first k responses', () => {
    expect(applyFilterPipeline([{ function: 'take_first_k', k: 2 }], [['a', 'b', 'c'], ['d', 'e', 'f']]))
      .toEqual([['a', 'b'], ['d', 'e']])
    expect(() => applyFilterPipeline([{ function: 'take_first_k', k: 4 }], [['a', 'b', 'c']])).toThrow(RangeError)
  })

  it('majority_vote picks the most common response, ties to the first seen', () => {
    const steps = [{ function: 'majority_vote' }, { function: 'take_first' }]
    expect(applyFilterPipeline(steps, [['1', '2', '2', '1', '3', '2'], ['b', 'a', 'a', 'b'], ['x']])).toEqual(['2', 'b', 'x'])
  })

  it('remove_whitespace strips (Python) whitespace on both sides, as lm-eval main (0.4.13) does', () => {
    expect(applyFilterPipeline([{ function: 'remove_whitespace' }], [[' \u3000\t a b \n']])).toEqual([['a b']])
  })

  it('lowercase, uppercase and map', () => {
    expect(applyFilterPipeline([{ function: 'lowercase' }], [['ÄB', 'ΟΔΟΣ']])).toEqual([['äb', 'οδος']])
    expect(applyFilterPipeline([{ function: 'uppercase' }], [['straße']])).toEqual([['STRASSE']])
    const map = [{ function: 'map', mapping_dict: { A: 0, B: 1 }, default_value: -1 }, { function: 'take_first' }]
    expect(applyFilterPipeline(map, [['A'], ['B'], ['C'], ['toString']])).toEqual([0, 1, -1, -1])
  })

  it('indexes a string like Python when a step gets one', () => {
    expect(applyFilterPipeline([{ function: 'take_first' }, { function: 'take_first' }], [['😀bc']])).toEqual(['😀'])
  })
})

describe('pipelines', () => {
  it('default pipeline keeps the first response', () => {
    expect(DEFAULT_FILTER).toEqual({ name: 'none', filter: [{ function: 'take_first' }] })
    expect(applyFilterPipeline(DEFAULT_FILTER.filter, [['a', 'b'], ['c']])).toEqual(['a', 'c'])
  })

  it('rejects an unknown filter with TASK_SPEC_INVALID listing the known ones', () => {
    const e = catchError(() => compileFilterPipeline([{ function: 'take_last' }]))
    expect(isHarnessError(e)).toBe(true)
    expect((e as { code: string }).code).toBe('TASK_SPEC_INVALID')
    for (const name of FILTER_NAMES) expect((e as Error).message).toContain(name)
  })

  it('rejects unknown or missing keyword arguments', () => {
    const bad = catchError(() => compileFilterPipeline([{ function: 'regex', pattern: 'x' }]))
    expect((bad as { code: string }).code).toBe('TASK_SPEC_INVALID')
    const missing = catchError(() => compileFilterPipeline([{ function: 'take_first_k' }]))
    expect((missing as { code: string }).code).toBe('TASK_SPEC_INVALID')
  })
})
