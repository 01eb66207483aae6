/**
 * lastUse: the storage view's "last used" — the newest run per model id, and per dataset through the tasks a run
 * named (groups and tags resolved to their leaf tasks' datasets).
 */
import { describe, expect, it } from 'vitest'
import type { CatalogueEntry } from '../../src/core/catalogue.ts'
import type { RunSummary } from '../../src/protocol/eval-worker-api.ts'
import { lastUse } from '../../src/ui/last-use.ts'

function entry(name: string, kind: CatalogueEntry['kind'], dataset?: string, members: string[] = []): CatalogueEntry {
  return { name, kind, dataset, config: undefined, splits: [], outputType: undefined, numFewshot: undefined, metrics: [], members }
}

function run(model: string, tasks: string[], createdAt: number): RunSummary {
  return { id: `${model}-${createdAt}`, createdAt, status: 'done', request: { model, tasks } as unknown as RunSummary['request'], modelName: model, headline: {} }
}

describe('lastUse', () => {
  it('takes the newest run per model and per dataset, resolving groups to their tasks\' datasets', () => {
    const entries = [
      entry('arc_easy', 'task', 'allenai/ai2_arc'), entry('arc_challenge', 'task', 'allenai/ai2_arc'),
      entry('mmlu_anatomy', 'task', 'cais/mmlu'), entry('ai2_arc', 'tag', undefined, ['arc_easy', 'arc_challenge']),
    ]
    const used = lastUse([run('m1', ['ai2_arc'], 100), run('m2', ['mmlu_anatomy'], 300), run('m1', ['arc_easy', 'unknown'], 200)], entries)
    expect(Object.fromEntries(used.models)).toEqual({ m1: 200, m2: 300 })
    expect(Object.fromEntries(used.datasets)).toEqual({ 'allenai/ai2_arc': 200, 'cais/mmlu': 300 })
  })
})
