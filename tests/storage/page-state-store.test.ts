import 'fake-indexeddb/auto'
import { describe, expect, it } from 'vitest'
import { IDBFactory } from 'fake-indexeddb'
import { pageStateStore } from '../../src/storage/page-state-store.ts'
import type { FormState } from '../../src/storage/page-state-store.ts'

const FORM: FormState = {
  modelSource: 'stored', modelId: 'm1', tasks: ['demo_capitals'], numFewshot: '', limit: '3', seed: '1234', batchSize: '4', device: 'wasm',
}

describe('pageStateStore', () => {
  it('keeps the form, YAML batches and the shown run across openings', async () => {
    const factory = new IDBFactory()
    const a = pageStateStore({ factory })
    expect(await a.get('form')).toBeUndefined()
    await a.set('form', FORM)
    await a.set('taskYaml', [{ names: ['t'], files: [{ path: 'editor/t.yaml', text: 'task: t' }] }])
    await a.set('shownRun', 'r1')
    const b = pageStateStore({ factory })
    expect(await b.get('form')).toEqual(FORM)
    expect(await b.get('taskYaml')).toEqual([{ names: ['t'], files: [{ path: 'editor/t.yaml', text: 'task: t' }] }])
    expect(await b.get('shownRun')).toBe('r1')
    await b.set('shownRun', undefined)
    expect(await pageStateStore({ factory }).get('shownRun')).toBeUndefined()
  })

  it('works without IndexedDB, remembering nothing', async () => {
    const broken = { open() { throw new Error('no IndexedDB in private mode') } } as unknown as IDBFactory
    const s = pageStateStore({ factory: broken })
    await s.set('form', FORM)
    expect(await s.get('form')).toBeUndefined()
  })
})
