/**
 * Suites: member overrides in group resolution, the open-llm-leaderboard's shots and few-shot splits, the
 * leaderboard-v2 tasks' prompts against a Python oracle (fixtures/mock-hf-data/gen_golden.py), and the suite average.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { SelectionNode } from '../../../src/core/tasks/registry.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import type { TaskPlan } from '../../../src/core/tasks/task-plan.ts'
import type { TaskScores } from '../../../src/core/task-scores.ts'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { applyOverrides, leafTasks, makeCatalogue, resolveSelection } from '../../../src/core/tasks/registry.ts'
import { effectiveFewshot, planTask } from '../../../src/core/tasks/task-plan.ts'
import { suiteAverageOf, suiteAverages } from '../../../src/core/results/suite-average.ts'
import { OPEN_LLM_LEADERBOARD } from '../../../src/core/tasks/builtin/suites.ts'
import { gpqaPreprocess } from '../../../src/core/tasks/builtin/leaderboard-v2.ts'
import { mirrorSource } from '../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../src/cli/node-file-access.ts'
import { failure } from '../../rejection.ts'
import { PyFloat } from '../../../src/core/python/json.ts'

/** Request arguments as plain JSON (PyFloat → number), as the oracle wrote them. */
function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof PyFloat ? x.value : x)))
}

const ROOT = resolve(import.meta.dirname, '../../..')
const MOCK = resolve(ROOT, 'tests/core/fixtures/mock-hf-data')
const GOLDEN = JSON.parse(readFileSync(resolve(MOCK, 'golden.json'), 'utf8')) as {
  cases: { task: string; limit: number; effective_num_fewshot: number; docs: { arguments: string[][]; target: string }[] }[]
}

function group(nodes: SelectionNode[]): Extract<SelectionNode, { kind: 'group' }> {
  expect(nodes).toHaveLength(1)
  expect(nodes[0].kind).toBe('group')
  return nodes[0] as Extract<SelectionNode, { kind: 'group' }>
}

describe('open-llm-leaderboard resolution', () => {
  const cat = builtinCatalogue()
  const suite = group(resolveSelection(cat, ['open-llm-leaderboard']))
  const leaves = leafTasks([suite])
  const leaf = (name: string): TaskSpec => leaves.find(t => t.task === name)!

  it('has the six members in lm-eval openllm order, mmlu as its group', () => {
    expect(suite.children.map(c => (c.kind === 'task' ? c.spec.task : c.spec.group))).toEqual(
      ['arc_challenge', 'hellaswag', 'truthfulqa_mc2', 'mmlu', 'winogrande', 'gsm8k'])
    expect(leaves).toHaveLength(5 + 57)
  })
  it('gives each task the leaderboard shots, which --num-fewshot still overrides (except 0-shot tasks)', () => {
    const shots = Object.fromEntries(['arc_challenge', 'hellaswag', 'truthfulqa_mc2', 'winogrande', 'gsm8k', 'mmlu_anatomy', 'mmlu_world_religions']
      .map(t => [t, effectiveFewshot(leaf(t), undefined)]))
    expect(shots).toEqual({ arc_challenge: 25, hellaswag: 10, truthfulqa_mc2: 0, winogrande: 5, gsm8k: 5, mmlu_anatomy: 5, mmlu_world_religions: 5 })
    expect(effectiveFewshot(leaf('arc_challenge'), 3)).toBe(3)
    expect(effectiveFewshot(leaf('truthfulqa_mc2'), 3)).toBe(0)
  })
  it('sets fewshot_split train where openllm does, and leaves the catalogue specs alone', () => {
    expect(['arc_challenge', 'hellaswag', 'winogrande'].map(t => leaf(t).fewshot_split)).toEqual(['train', 'train', 'train'])
    expect(leaf('gsm8k').fewshot_split).toBe('train')
    expect(leaf('mmlu_anatomy').fewshot_split).toBe('dev')
    expect(cat.tasks.get('hellaswag')!.fewshot_split).toBeUndefined()
    expect(cat.tasks.get('arc_challenge')!.num_fewshot).toBeUndefined()
  })
})

describe('group member overrides', () => {
  const t = (task: string): TaskSpec => ({ task, dataset_path: `x/${task}`, output_type: 'multiple_choice', test_split: 'test', tag: ['toys'] })
  const cat = makeCatalogue([t('a'), t('b'), t('c')], [
    { group: 'inner', task: [{ task: 'a', num_fewshot: 1, fewshot_split: 'dev' }, 'b'] },
    { group: 'outer', task: [{ task: 'inner', num_fewshot: 7 }, { task: 'c', description: 'D' }] },
  ], [])
  it('applies a member override to the task, and an outer override to a whole subgroup (outer wins)', () => {
    const leaves = leafTasks(resolveSelection(cat, ['outer']))
    expect(leaves.map(l => [l.task, l.num_fewshot, l.fewshot_split, l.description])).toEqual([
      ['a', 7, 'dev', undefined], ['b', 7, undefined, undefined], ['c', undefined, undefined, 'D'],
    ])
    expect(leafTasks(resolveSelection(cat, ['inner'])).map(l => l.num_fewshot)).toEqual([1, undefined])
  })
  it('refuses overrides that would rename the task', () => {
    expect(() => applyOverrides(t('a'), { task: 'z' })).toThrow(expect.objectContaining({ code: 'TASK_SPEC_INVALID' }))
    expect(applyOverrides(t('a'), undefined)).toEqual(t('a'))
  })
  it('lists members by name in the catalogue', () => {
    expect(cat.groups.get('outer')!.task.map(m => (typeof m === 'string' ? m : m.task))).toEqual(['inner', 'c'])
  })
})

describe('prompts match the Python oracle over the mock mirror (fixtures/mock-hf-data/golden.json)', () => {
  const cat = builtinCatalogue()
  const suiteLeaves = leafTasks(resolveSelection(cat, ['open-llm-leaderboard']))
  const source = mirrorSource(nodeFileAccess(MOCK))
  it('has cases for both suites', () => expect(GOLDEN.cases.length).toBeGreaterThanOrEqual(12))
  for (const c of GOLDEN.cases) {
    it(c.task, async () => {
      const spec = c.task.startsWith('suite:') ? suiteLeaves.find(l => l.task === c.task.slice(6)) : cat.tasks.get(c.task)
      expect(spec, c.task).toBeDefined()
      const plan = await planTask(spec!, source, { limit: c.limit, fewshotSeed: 1234 })
      expect(plan.numFewshot).toBe(c.effective_num_fewshot)
      expect(plain(plan.docs.map(d => d.requests.map(r => r.arguments)))).toEqual(c.docs.map(d => d.arguments))
      expect(plan.docs.map(d => String(d.target))).toEqual(c.docs.map(d => d.target))
    })
  }
  it('standalone hellaswag draws n+1 shots (so 10 shots need 11 train rows), the suite draws n', async () => {
    const standalone = { ...cat.tasks.get('hellaswag')!, num_fewshot: 10 }
    const e = await failure(planTask(standalone, source, { limit: 1, fewshotSeed: 1234 }))
    expect(e.detail).toEqual({ k: 11, pool: 10 })
  })
})

describe('leaderboard-v2', () => {
  const cat = builtinCatalogue()
  it('resolves bbh (24), gpqa (3), mmlu_pro and musr (3)', () => {
    const leaves = leafTasks(resolveSelection(cat, ['leaderboard-v2'])).map(t => t.task)
    expect(leaves).toHaveLength(31)
    expect(leaves.filter(t => t.startsWith('leaderboard_bbh_'))).toHaveLength(24)
    expect(leaves.slice(0, 2)).toEqual(['leaderboard_mmlu_pro', 'leaderboard_bbh_boolean_expressions'])
  })
  it('answers the missing tasks as lm-eval-only', () => {
    expect(() => resolveSelection(cat, ['leaderboard_ifeval'])).toThrow(expect.objectContaining({ code: 'TASK_ONLY_IN_LM_EVAL' }))
    expect(() => resolveSelection(cat, ['leaderboard_math_hard'])).toThrow(expect.objectContaining({ code: 'TASK_ONLY_IN_LM_EVAL' }))
  })
  it('preprocesses GPQA answers as utils.preprocess', () => {
    expect(gpqaPreprocess(null)).toBe(' ')
    expect(gpqaPreprocess('  a [title] b   c ')).toBe('a. b  c')
  })
})

describe('suite average', () => {
  const scores = (values: Record<string, number>, n: number): TaskScores => ({
    metrics: Object.entries(values).map(([k, value]) => {
      const [metric, filter] = k.split(',')
      return { metric, filter, value, stderr: 0, higherIsBetter: true, count: n }
    }),
    samples: [], failedDocs: 0, sampleLen: n,
  })
  const task = (name: string): SelectionNode => ({ kind: 'task', spec: { task: name, dataset_path: 'x', output_type: 'multiple_choice' } })
  const mmlu: SelectionNode = { kind: 'group', spec: { group: 'mmlu', task: [] }, children: [task('mmlu_a'), task('mmlu_b')] }
  const root: SelectionNode = {
    kind: 'group', spec: OPEN_LLM_LEADERBOARD,
    children: [task('arc_challenge'), task('hellaswag'), task('truthfulqa_mc2'), mmlu, task('winogrande'), task('gsm8k')],
  }
  const plan = {} as TaskPlan
  const byTask = new Map<string, { plan: TaskPlan; scores: TaskScores }>([
    ['arc_challenge', { plan, scores: scores({ 'acc,none': 0.9, 'acc_norm,none': 0.5 }, 10) }],
    ['hellaswag', { plan, scores: scores({ 'acc,none': 0.9, 'acc_norm,none': 0.25 }, 10) }],
    ['truthfulqa_mc2', { plan, scores: scores({ 'acc,none': 0.75 }, 10) }],
    ['mmlu_a', { plan, scores: scores({ 'acc,none': 1 }, 1) }],
    ['mmlu_b', { plan, scores: scores({ 'acc,none': 0 }, 3) }],
    ['winogrande', { plan, scores: scores({ 'acc,none': 0.5 }, 10) }],
    ['gsm8k', { plan, scores: scores({ 'exact_match,strict-match': 0.125, 'exact_match,flexible-extract': 0.9 }, 10) }],
  ])
  it('is the mean of the six headline metrics ×100, MMLU macro (v1 leaderboard) and micro (lm-eval group)', () => {
    const avg = suiteAverages(root, byTask, suiteAverageOf(OPEN_LLM_LEADERBOARD)!)
    const headline = [0.5, 0.25, 0.75, 0.5, 0.5, 0.125]
    expect(avg['average,none']).toBeCloseTo(headline.reduce((a, b) => a + b) / 6 * 100, 12)
    headline[3] = 0.25 // (1·1 + 0·3) / 4
    expect(avg['average_mmlu_micro,none']).toBeCloseTo(headline.reduce((a, b) => a + b) / 6 * 100, 12)
  })
  it('is left out when a headline metric is missing', () => {
    const partial = new Map(byTask)
    partial.delete('gsm8k')
    expect(suiteAverages(root, partial, suiteAverageOf(OPEN_LLM_LEADERBOARD)!)).toEqual({})
  })
})
