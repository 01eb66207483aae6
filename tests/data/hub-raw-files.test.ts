/**
 * The raw-file fallback: split files found by the Hub's layout conventions, and a dataset with no Parquet
 * conversion and no dataset-viewer read from its own jsonl files on a mock Hub (rows equal to the mirror's).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rawSplitFiles, rawSplits } from '../../src/data/hub-raw-files.ts'
import { hubDatasetSource } from '../../src/data/hub-dataset-source.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'
import { failure } from '../rejection.ts'

const tree = (...paths: string[]) => paths.map((path) => ({ path, size: 1 }))

describe('rawSplitFiles / rawSplits', () => {
  it('finds a config\'s split files and shards by the Hub conventions, in path order', () => {
    const files = tree('README.md', 'main/test.jsonl', 'main/train-00001-of-00002.parquet', 'main/train-00000-of-00002.parquet',
      'data/other/test.csv', 'main/notes.txt', 'main/deep/test.jsonl')
    expect(rawSplitFiles(files, 'main', 'train').map((f) => f.path)).toEqual(['main/train-00000-of-00002.parquet', 'main/train-00001-of-00002.parquet'])
    expect(rawSplitFiles(files, 'main', 'test').map((f) => f.path)).toEqual(['main/test.jsonl'])
    expect(rawSplitFiles(files, 'other', 'test').map((f) => f.path)).toEqual(['data/other/test.csv'])
    expect(rawSplits(files, 'main')).toEqual(['test', 'train'])
  })

  it('reads the default config from the root, data/ or default/', () => {
    const files = tree('train.jsonl', 'data/validation-00000-of-00001.parquet', 'default/test.json', 'README.md')
    expect(rawSplits(files, undefined).sort()).toEqual(['test', 'train', 'validation'])
    expect(rawSplitFiles(files, undefined, 'validation').map((f) => f.path)).toEqual(['data/validation-00000-of-00001.parquet'])
    expect(rawSplitFiles(files, undefined, 'dev')).toEqual([])
  })
})

describe('a Hub dataset with only its own data files', () => {
  let hub: MockHub
  const rows = [{ q: 'Capital of France?', a: 'Paris' }, { q: 'Capital of Italy?', a: 'Rome' }, { q: '2+2', a: '4' }]

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalz-raw-'))
    mkdirSync(join(dir, 'me/qa/default'), { recursive: true })
    writeFileSync(join(dir, 'me/qa/default/test.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n')
    hub = await startMockHub({ datasets: { 'me/qa': { hfDataDir: dir, rawFiles: true, parquet: false } } })
  })

  afterAll(async () => {
    await hub?.close()
  })

  it('lists its splits and reads them from the repo files when there is no Parquet listing or viewer', async () => {
    const source = hubDatasetSource({ endpoint: hub.url })
    const ref = { path: 'me/qa', name: undefined, split: 'test' }
    expect(await source.hasSplit(ref)).toBe(true)
    expect(await source.loadSplit(ref)).toEqual(rows)
    expect(hub.requests.some((r) => r.path.startsWith('/datasets/me/qa/resolve/main/default/test.jsonl'))).toBe(true)
    const e = await failure(source.loadSplit({ ...ref, split: 'train' }))
    expect(e.message).toBe("dataset me/qa (config default) has no split 'train'; it has: test")
  })
})
