import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import { addDatasetFiles, listDatasets, removeDataset, renameDatasetConfig, storedDatasetFiles } from '../../src/storage/dataset-store.ts'
import { failure, harnessFailure } from '../rejection.ts'

const CAPITALS = join(import.meta.dirname, '..', '..', 'public', 'datasets', 'evalz', 'demo-capitals', 'default')

function file(path: string, text: string) {
  return { path, blob: new Blob([text]) }
}

function demoCapitals(folder: string) {
  return ['test', 'train'].map(s => ({ path: `${folder}/${s}.jsonl`, blob: new Blob([readFileSync(join(CAPITALS, `${s}.jsonl`))]) }))
}

function jsonlRows(text: string): unknown[] {
  return text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l))
}

describe('dataset store', () => {
  it('stores a dropped mirror folder and feeds it to mirrorSource', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const d = await addDatasetFiles(db, 'evalz/demo-capitals', [...demoCapitals('demo-capitals/default'), file('demo-capitals/README.md', '# x')])
    expect(d.name).toBe('evalz/demo-capitals')
    expect(d.files.map(f => f.path)).toEqual(['default/test.jsonl', 'default/train.jsonl'])
    const files = storedDatasetFiles(db)
    expect(await files.list('')).toEqual(['evalz'])
    expect(await files.list('evalz/demo-capitals')).toEqual(['default'])
    expect(await files.list('evalz/demo-capitals/default')).toEqual(['test.jsonl', 'train.jsonl'])
    expect(await files.list('nope')).toBeUndefined()
    const source = mirrorSource(files)
    const docs = await source.loadSplit({ path: 'evalz/demo-capitals', name: undefined, split: 'test' })
    expect(docs).toEqual(jsonlRows(readFileSync(join(CAPITALS, 'test.jsonl'), 'utf8')))
    expect(await source.hasSplit({ path: 'evalz/demo-capitals', name: undefined, split: 'validation' })).toBe(false)
    const missing = await failure(source.loadSplit({ path: 'evalz/demo-capitals', name: undefined, split: 'validation' }))
    expect(missing.code).toBe('DATASET_SPLIT_MISSING')
    expect(missing.message).toContain('splits there: test, train')
    db.close()
  })

  it('places a single file under a split name, a folder named like the dataset as the default config, and merges later drops', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    await addDatasetFiles(db, 'me/qa', [file('whatever.CSV', 'question,answer\nWhy?,Because\n')], { split: 'validation' })
    await addDatasetFiles(db, 'me/qa', [file('qa/test.jsonl', '{"question": "a", "answer": "b"}\n')])
    const [d] = await listDatasets(db)
    expect(d.files.map(f => f.path)).toEqual(['default/test.jsonl', 'default/validation.csv'])
    const source = mirrorSource(storedDatasetFiles(db))
    expect(await source.loadSplit({ path: 'me/qa', name: undefined, split: 'validation' })).toEqual([{ question: 'Why?', answer: 'Because' }])
    expect(await source.loadSplit({ path: 'me/qa', name: undefined, split: 'test' })).toEqual([{ question: 'a', answer: 'b' }])
    const replaced = await addDatasetFiles(db, 'me/qa', [file('test.jsonl', '{"question": "c", "answer": "d"}\n')])
    expect(replaced.id).toBe(d.id)
    expect(await db.count('blobs')).toBe(2)
    expect(await mirrorSource(storedDatasetFiles(db)).loadSplit({ path: 'me/qa', name: undefined, split: 'test' })).toEqual([{ question: 'c', answer: 'd' }])
    db.close()
  })

  it('rejects drops without data files, bad names and an ambiguous split name', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const none = await failure(addDatasetFiles(db, 'me/qa', [file('notes.txt', 'x'), file('x/dataset_infos.json', '{}')]))
    expect(none.code).toBe('DATASET_NOT_FOUND')
    expect(none.message).toContain('<config>/<split>.jsonl')
    expect((await failure(addDatasetFiles(db, '../qa', [file('t.jsonl', '{}')]))).code).toBe('DATASET_NOT_FOUND')
    const two = await failure(addDatasetFiles(db, 'me/qa', [file('a.jsonl', '{}'), file('b.jsonl', '{}')], { split: 'test' }))
    expect(two.code).toBe('USAGE')
    expect(await listDatasets(db)).toEqual([])
    db.close()
  })

  it('renames a config: the same bytes under the new config, refusing unknown configs, bad names and overwrites', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const d = await addDatasetFiles(db, 'allenai/ai2_arc', [file('default/test.jsonl', '{"q": 1}\n'), file('default/train.jsonl', '{"q": 2}\n'),
      file('ARC-Challenge/test.jsonl', '{"q": 3}\n')])
    const renamed = await renameDatasetConfig(db, d.id, 'default', 'ARC-Easy')
    expect(renamed.files.map(f => f.path)).toEqual(['ARC-Challenge/test.jsonl', 'ARC-Easy/test.jsonl', 'ARC-Easy/train.jsonl'])
    expect(renamed.files.map(f => f.sha256).sort()).toEqual(d.files.map(f => f.sha256).sort())
    expect(await listDatasets(db)).toEqual([renamed])
    const mirror = storedDatasetFiles(db)
    expect(await mirror.read('allenai/ai2_arc/ARC-Easy/train.jsonl')).toEqual(new TextEncoder().encode('{"q": 2}\n'))
    expect(await mirror.read('allenai/ai2_arc/default/train.jsonl')).toBeUndefined()
    expect(await db.count('blobs')).toBe(3)
    const unknown = await harnessFailure(renameDatasetConfig(db, d.id, 'default', 'x'))
    expect([unknown.code, unknown.message]).toEqual(['DATASET_NOT_FOUND', "stored dataset 'allenai/ai2_arc' has no config 'default' (it has: ARC-Challenge, ARC-Easy)"])
    expect((await harnessFailure(renameDatasetConfig(db, d.id, 'ARC-Easy', '../up'))).code).toBe('DATASET_NOT_FOUND')
    const clash = await harnessFailure(renameDatasetConfig(db, d.id, 'ARC-Easy', 'ARC-Challenge'))
    expect([clash.code, clash.message]).toEqual(['USAGE',
      "stored dataset 'allenai/ai2_arc' already has ARC-Challenge/test.jsonl; renaming config 'ARC-Easy' to 'ARC-Challenge' would replace it: pick another name"])
    expect((await harnessFailure(renameDatasetConfig(db, 'no-such-id', 'a', 'b'))).code).toBe('DATASET_NOT_FOUND')
    expect(await listDatasets(db)).toEqual([renamed])
    expect(await renameDatasetConfig(db, d.id, 'ARC-Easy', 'ARC-Easy')).toEqual(renamed)
    db.close()
  })

  it('removes a dataset and only the blobs nothing else uses', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const a = await addDatasetFiles(db, 'x/a', [file('default/test.jsonl', '{"q": 1}\n'), file('default/train.jsonl', '{"q": 2}\n')])
    const b = await addDatasetFiles(db, 'x/b', [file('default/test.jsonl', '{"q": 1}\n')])
    expect(await db.count('blobs')).toBe(2)
    await removeDataset(db, a.id)
    expect(await db.count('blobs')).toBe(1)
    expect(await storedDatasetFiles(db).read('x/b/default/test.jsonl')).toEqual(new TextEncoder().encode('{"q": 1}\n'))
    expect(await storedDatasetFiles(db).read('x/a/default/test.jsonl')).toBeUndefined()
    await removeDataset(db, b.id)
    expect(await db.count('blobs')).toBe(0)
    db.close()
  })
})
