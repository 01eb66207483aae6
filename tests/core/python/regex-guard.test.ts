import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { pyRegex } from '../../../src/core/python/regex.ts'
import { checkTaskRegexes } from '../../../src/core/tasks/task-regexes.ts'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { leafTasks, resolveSelection } from '../../../src/core/tasks/registry.ts'
import { exactMatch } from '../../../src/core/metrics/exact-match.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import { harnessThrow } from '../../rejection.ts'

/** Every regex of lm-eval's task files (tests/core/fixtures/regex-guard/gen_lm_eval_regexes.py). */
const lmEval = JSON.parse(readFileSync(new URL('../fixtures/regex-guard/lm_eval_regexes.json', import.meta.url), 'utf8')) as {
  yaml_files: number
  patterns: string[]
}

/** Patterns whose backtracking is exponential on some input, with such an input. */
const HOSTILE: [string, string][] = [
  ['(a+)+$', `${'a'.repeat(40)}!`],
  ['(a|a)*$', `${'a'.repeat(40)}!`],
  ['(a*)*b', 'a'.repeat(40)],
  ['(.*,)*x', ','.repeat(40)],
  ['(\\s*\\w+)*$', `${'a'.repeat(40)}!`],
  ['(?:a*b*)*c', 'ab'.repeat(20)],
  ['(\\w|\\d)+$', `${'1'.repeat(40)}!`],
  ['(x+x+)+y', 'x'.repeat(40)],
  ['(a{1,20}){1,20}$', `${'a'.repeat(40)}!`],
  ['(?=(a+)+$)', `${'a'.repeat(40)}!`],
  ['(?i)(A|a)+$', `${'a'.repeat(40)}!`],
  ['(é+)+$', `${'é'.repeat(40)}!`],
  ['([\\u0430-\\u044f]+)*$', `${'б'.repeat(40)}!`],
]

/** Patterns with at most polynomial backtracking, and an input that would expose exponential behaviour. */
const SAFE: [string, string][] = [
  ['(a|ab)*c', 'ab'.repeat(2000)],
  ['(\\d+,)*$', `${'1,'.repeat(2000)}x`],
  ['([a-z]+\\.)+com', `${'abc.'.repeat(300)}!`],
  ['(?:\\s|\\S)*', 'x'.repeat(4000)],
  ['\\[.*?\\]', `[${'x'.repeat(4000)}`],
  ['a*a*$', `${'a'.repeat(150)}!`],
  ['(?:foo|bar)+', 'foobar'.repeat(1000)],
]

describe('regex guard: exponential backtracking is refused in one line, before any text is matched', () => {
  for (const [pattern] of HOSTILE) {
    it(`refuses ${pattern}`, () => {
      const e = harnessThrow(() => pyRegex(pattern))
      expect(e.code).toBe('TASK_SPEC_INVALID')
      expect(e.message).toContain(JSON.stringify(pattern))
      expect(e.message).toMatch(/exponential time.*rewrite it/)
    })
  }

  for (const [pattern, attack] of SAFE) {
    it(`accepts ${pattern} and runs it on ${attack.length} adversarial characters`, () => {
      const re = pyRegex(pattern)
      expect(() => re.findall(attack)).not.toThrow()
    })
  }

  it(`accepts every regex in lm-eval's task files (${lmEval.patterns.length} patterns from ${lmEval.yaml_files} YAML files)`, () => {
    expect(lmEval.patterns.length).toBeGreaterThanOrEqual(30)
    for (const p of lmEval.patterns) expect(() => pyRegex(p), p).not.toThrow()
  })

  it("accepts every built-in task's regexes", () => {
    const specs = leafTasks(resolveSelection(builtinCatalogue(), ['mmlu', 'gsm8k', 'demo', 'leaderboard-v2', 'open-llm-leaderboard']))
    expect(specs.length).toBeGreaterThan(60)
    expect(() => checkTaskRegexes(specs)).not.toThrow()
  })

  it("a task's regexes_to_ignore (a+)+$ fails the task in one line naming task and field (issue 17: ran for minutes)", () => {
    const spec = {
      task: 'hostile', dataset_path: 'x', output_type: 'generate_until', test_split: 'test',
      metric_list: [{ metric: 'exact_match', regexes_to_ignore: [',', '(a+)+$'] }],
      filter_list: [{ name: 'get', filter: [{ function: 'regex', regex_pattern: '(\\d+)' }] }],
    } as unknown as TaskSpec
    const e = harnessThrow(() => checkTaskRegexes([spec]))
    expect(e.message).toMatch(/^task 'hostile', metric_list 'exact_match' regexes_to_ignore\[1\]: regex "\(a\+\)\+\$" can take exponential time/)
    expect(() => exactMatch('a'.repeat(40) + '!', 'a', { regexes_to_ignore: ['(a+)+$'] })).toThrow(/exponential time/)
  })

  it('the filter step names its task too', () => {
    const spec = {
      task: 'hostile2', dataset_path: 'x', output_type: 'generate_until', test_split: 'test',
      filter_list: [{ name: 'strict', filter: [{ function: 'regex', regex_pattern: '((a|a)+)+$' }, { function: 'take_first' }] }],
    } as unknown as TaskSpec
    expect(harnessThrow(() => checkTaskRegexes([spec])).message).toMatch(/^task 'hostile2', filter_list 'strict' step 1 regex_pattern: /)
  })
})
