import { describe, expect, it } from 'vitest'
import type { CatalogueEntry } from '../../src/core/catalogue.ts'
import { builtinCatalogue, listCatalogue } from '../../src/core/catalogue.ts'
import { indexCatalogue, leafTasks } from '../../src/ui/catalogue-tree.ts'

function entry(name: string, kind: CatalogueEntry['kind'], members: string[] = []): CatalogueEntry {
  return { name, kind, dataset: undefined, config: undefined, splits: [], outputType: undefined, numFewshot: undefined, metrics: [], members }
}

describe('leafTasks', () => {
  it('resolves subgroups and tags down to distinct tasks, skipping unknown names and cycles', () => {
    const entries = [
      entry('top', 'group', ['sub', 'a', 'missing']),
      entry('sub', 'group', ['sub_tasks', 'top']),
      entry('sub_tasks', 'tag', ['a', 'b', 'nested']),
      entry('nested', 'tag', ['c', 'b']),
      entry('a', 'task'), entry('b', 'task'), entry('c', 'task'),
    ]
    const byName = indexCatalogue(entries)
    expect(leafTasks(byName.get('top')!, byName).map((e) => e.name).sort()).toEqual(['a', 'b', 'c'])
    expect(leafTasks(byName.get('sub_tasks')!, byName).map((e) => e.name).sort()).toEqual(['a', 'b', 'c'])
    expect(leafTasks(byName.get('a')!, byName).map((e) => e.name)).toEqual(['a'])
  })

  it('prefers a task over a tag of the same name', () => {
    const byName = indexCatalogue([entry('x', 'tag', ['y']), entry('x', 'task'), entry('y', 'task')])
    expect(byName.get('x')?.kind).toBe('task')
  })

  it('counts the 57 MMLU subjects and 13 humanities subjects of the built-in catalogue', () => {
    const byName = indexCatalogue(listCatalogue(builtinCatalogue()))
    expect(leafTasks(byName.get('mmlu')!, byName)).toHaveLength(57)
    expect(leafTasks(byName.get('mmlu_humanities')!, byName)).toHaveLength(13)
    expect(leafTasks(byName.get('mmlu_stem')!, byName)).toHaveLength(19)
    expect(leafTasks(byName.get('mmlu')!, byName).every((t) => t.kind === 'task' && t.name.startsWith('mmlu_'))).toBe(true)
  })
})
