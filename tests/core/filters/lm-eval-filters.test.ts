/** lm-eval's built-in filters against lm-eval's own classes on the same responses (fixtures/filters/gen_filters.py). */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyFilterPipeline, FILTER_NAMES } from '../../../src/core/filters/index.ts'
import { pyReEscape } from '../../../src/core/filters/choice-steps.ts'

interface Case {
  function: string
  kwargs: Record<string, unknown>
  resps: string[][]
  docs: Record<string, unknown>[]
  out: unknown[][]
}
const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, '../fixtures/filters/golden.json'), 'utf8')) as { cases: Case[] }

describe('lm-eval filters equal lm-eval\'s Python classes', () => {
  golden.cases.forEach((c, i) => {
    it(`${c.function} ${JSON.stringify(c.kwargs)} #${i}`, () => {
      expect(applyFilterPipeline([{ function: c.function, ...c.kwargs }], c.resps, c.docs)).toEqual(c.out)
    })
  })
  it('has every filter of lm_eval/filters registered', () => {
    expect([...FILTER_NAMES].sort()).toEqual([
      'custom', 'decontaminate', 'format_span', 'lowercase', 'majority_vote', 'map', 'multi_choice_regex', 'regex',
      'regex_pos', 'remove_whitespace', 'take_first', 'take_first_k', 'uppercase',
    ])
  })
  it('escapes as Python re.escape', () => {
    expect(pyReEscape('a.b*c d#e-f_g"h')).toBe('a\\.b\\*c\\ d\\#e\\-f_g"h')
  })
  it('refuses what cannot run, in one line', () => {
    expect(() => applyFilterPipeline([{ function: 'multi_choice_regex' }], [['x']], [{}])).toThrow(/needs the doc's 'choices' list/)
    expect(() => applyFilterPipeline([{ function: 'decontaminate', path: 'x' }], [['x']], [{}])).toThrow(/stub in lm-eval itself/)
    expect(() => applyFilterPipeline([{ function: 'custom', filter_fn: { function: '/t/utils.f' } }], [['x']], [{}])).toThrow(/Python runtime is not loaded/)
  })
})
