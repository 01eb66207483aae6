/**
 * Pre-flight split check (src/core/suite-check.ts): which splits a task needs with its shots, and one error that
 * names every missing split — against ../shared/hf-data, the open-llm-leaderboard's missing train splits.
 */
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { DocSource, SplitRef } from '../../../src/core/source.ts'
import type { TaskSpec } from '../../../src/core/tasks/task-spec.ts'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { leafTasks, resolveSelection } from '../../../src/core/tasks/registry.ts'
import { checkSplits, findMissingSplits, neededSplits } from '../../../src/core/suite-check.ts'
import { mirrorSource } from '../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../src/cli/node-file-access.ts'
import { failure } from '../../rejection.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')

function splitsSource(present: readonly string[]): DocSource & { asked: string[] } {
  const asked: string[] = []
  const key = (r: SplitRef): string => `${r.path}/${r.name ?? 'default'}/${r.split}`
  return {
    description: 'test source',
    asked,
    async hasSplit(r) {
      asked.push(key(r))
      return present.includes(key(r))
    },
    async loadSplit() {
      throw new Error('pre-flight must not load data')
    },
  }
}

const T: TaskSpec = { task: 't', dataset_path: 'o/t', output_type: 'multiple_choice', training_split: 'train', validation_split: 'validation' }

describe('neededSplits', () => {
  it('needs the eval split, and the few-shot pool only when shots are drawn', () => {
    expect(neededSplits(T, 0).map(n => [n.use, n.ref.split])).toEqual([['eval', 'validation']])
    expect(neededSplits(T, 2).map(n => [n.use, n.ref.split])).toEqual([['eval', 'validation'], ['fewshot', 'train']])
    expect(neededSplits({ ...T, fewshot_split: 'dev', num_fewshot: 5 }, undefined).map(n => n.ref.split)).toEqual(['validation', 'dev'])
    expect(neededSplits({ ...T, num_fewshot: 0 }, 5).map(n => n.ref.split)).toEqual(['validation'])
  })
  it('needs no split for hard-coded samples (BBH)', () => {
    const bbh = builtinCatalogue().tasks.get('leaderboard_bbh_boolean_expressions')!
    expect(neededSplits(bbh, undefined).map(n => [n.use, n.ref.split])).toEqual([['eval', 'test']])
  })
})

describe('checkSplits', () => {
  it('passes when every split is there, asking each split once', async () => {
    const src = splitsSource(['o/t/default/validation', 'o/t/default/train'])
    await checkSplits([T, { ...T, task: 't2' }], src, 3)
    expect(src.asked).toEqual(['o/t/default/validation', 'o/t/default/train'])
  })
  it('fails once, listing every missing split with task, dataset, config and split', async () => {
    const src = splitsSource(['o/t/default/validation'])
    const e = await failure(checkSplits([T, { ...T, task: 'u', dataset_path: 'o/u', dataset_name: 'cfg' }], src, 1))
    expect(e.code).toBe('DATASET_SPLIT_MISSING')
    expect(e.message.split('\n')).toHaveLength(1)
    expect(e.message).toContain("t: few-shot split 'train' of o/t")
    expect(e.message).toContain("u: eval split 'validation' of o/u (config cfg)")
    expect(e.message).toContain("u: few-shot split 'train' of o/u (config cfg)")
    expect(e.detail!.missing).toHaveLength(3)
  })
})

describe.skipIf(!existsSync(HF_DATA))('open-llm-leaderboard against ../shared/hf-data', () => {
  it('finds exactly the missing train splits of arc_challenge, hellaswag and winogrande', async () => {
    const leaves = leafTasks(resolveSelection(builtinCatalogue(), ['open-llm-leaderboard']))
    const missing = await findMissingSplits(leaves, mirrorSource(nodeFileAccess(HF_DATA)), undefined)
    expect(missing.map(m => [m.task, m.use, m.ref.path, m.ref.name, m.ref.split])).toEqual([
      ['arc_challenge', 'fewshot', 'allenai/ai2_arc', 'ARC-Challenge', 'train'],
      ['hellaswag', 'fewshot', 'Rowan/hellaswag', undefined, 'train'],
      ['winogrande', 'fewshot', 'allenai/winogrande', 'winogrande_xl', 'train'],
    ])
  })
  it('needs none of them 0-shot', async () => {
    const leaves = leafTasks(resolveSelection(builtinCatalogue(), ['open-llm-leaderboard']))
    expect(await findMissingSplits(leaves, mirrorSource(nodeFileAccess(HF_DATA)), 0)).toEqual([])
  })
})
