import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import type { FileAccess } from '../../src/data/file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import type { SplitRef } from '../../src/core/source.ts'
import { failure } from '../rejection.ts'

const ROOT = join(import.meta.dirname, 'fixtures', 'mirror')
const ORG = 'fixture-org'

function ref(dataset: string, name: string | undefined, split: string): SplitRef {
  return { path: `${ORG}/${dataset}`, name, split }
}

/** An in-memory FileAccess that counts reads; `canList` toggles list(). */
function memoryFiles(entries: Record<string, string>, canList: boolean): FileAccess & { reads: string[] } {
  const reads: string[] = []
  const files: FileAccess & { reads: string[] } = {
    description: 'memory mirror',
    reads,
    async read(relPath) {
      reads.push(relPath)
      const text = entries[relPath]
      return text === undefined ? undefined : new TextEncoder().encode(text)
    },
  }
  if (canList) {
    files.list = async (relDir) => {
      const prefix = relDir === '' ? '' : `${relDir}/`
      const names = Object.keys(entries)
        .filter((k) => k.startsWith(prefix))
        .map((k) => k.slice(prefix.length).split('/')[0])
      return names.length === 0 ? undefined : [...new Set(names)]
    }
  }
  return files
}

describe('mirrorSource over the fixture mirror', () => {
  const source = mirrorSource(nodeFileAccess(ROOT))

  it('takes its description from the file access', () => {
    expect(source.description).toBe(`data dir ${ROOT}`)
  })

  it('loads JSON Lines from <path>/default/<split>.jsonl when name is undefined', async () => {
    const rows = await source.loadSplit(ref('jsonl-set', undefined, 'test'))
    expect(rows).toEqual([
      { question: 'What is 2 + 2?', choices: ['3', '4'], answer: 1, extra: null },
      { question: 'Café or thé?', choices: ['café', 'thé'], answer: 0, extra: { k: [1, 2] } },
      { question: 'no choices', choices: null, answer: 2, extra: null },
    ])
  })

  it('loads each json shape', async () => {
    expect(await source.loadSplit(ref('json-set', 'records', 'test'))).toEqual([
      { q: 'a', n: 1, x: null },
      { q: 'b', n: 2, x: true },
    ])
    expect(await source.loadSplit(ref('json-set', 'data-field', 'test'))).toEqual([
      { q: 'a', n: 1 },
      { q: 'b', n: 2 },
    ])
    expect(await source.loadSplit(ref('json-set', 'columns', 'test'))).toEqual([
      { q: 'a', n: 1, choices: ['x'] },
      { q: 'b', n: 2, choices: ['y', 'z'] },
      { q: 'c', n: 3, choices: [] },
    ])
    expect(await source.loadSplit(ref('json-set', 'strings', 'test'))).toEqual([{ text: 'first line' }, { text: 'second line' }])
    expect(await source.loadSplit(ref('json-set', 'lines', 'test'))).toEqual([
      { q: 'a', n: 1 },
      { q: 'b', n: 2 },
    ])
  })

  it('loads csv and parquet splits', async () => {
    const csv = await source.loadSplit(ref('csv-set', undefined, 'test'))
    expect(csv[0]).toEqual({ question: 'Which is "right"?', A: 'left', B: 'right, obviously', answer: 1, score: 0.5, verified: true })
    expect(csv[1].question).toBe('A question\r\nover two lines')
    const pq = await source.loadSplit(ref('parquet-set', undefined, 'test'))
    expect(pq.map((r) => r.answer)).toEqual([1, 9007199254740991])
  })

  it('prefers .jsonl over .csv, and .csv over .parquet', async () => {
    expect(await source.loadSplit(ref('precedence', undefined, 'test'))).toEqual([{ from: 'jsonl' }])
    expect(await source.loadSplit(ref('precedence', undefined, 'train'))).toEqual([{ from: 'csv' }])
  })

  it('handles path segments with spaces', async () => {
    expect(await source.loadSplit(ref('odd names', undefined, 'test'))).toEqual([{ ok: true }])
  })

  it('answers hasSplit', async () => {
    expect(await source.hasSplit(ref('jsonl-set', undefined, 'validation'))).toBe(true)
    expect(await source.hasSplit(ref('jsonl-set', undefined, 'train'))).toBe(false)
    expect(await source.hasSplit(ref('jsonl-set', 'other', 'test'))).toBe(false)
    expect(await source.hasSplit({ path: 'nobody/nothing', name: undefined, split: 'test' })).toBe(false)
  })

  it('DATASET_SPLIT_MISSING lists the splits that are there', async () => {
    const err = await failure(source.loadSplit(ref('csv-set', undefined, 'train')))
    expect(err.code).toBe('DATASET_SPLIT_MISSING')
    expect(err.message).toBe(
      `dataset ${ORG}/csv-set config default has no split 'train' in data dir ${ROOT} (splits there: test, validation)`,
    )
  })

  it('DATASET_NOT_FOUND lists the configs when the dataset is there but the config is not', async () => {
    const err = await failure(source.loadSplit(ref('json-set', 'nope', 'test')))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(
      `dataset ${ORG}/json-set has no config 'nope' in data dir ${ROOT} (configs there: columns, data-field, lines, records, strings)`,
    )
    const noDefault = await failure(source.loadSplit(ref('json-set', undefined, 'test')))
    expect(noDefault.message).toMatch(/has no default config .*configs there: columns, .*; set dataset_name\)$/)
  })

  it('DATASET_NOT_FOUND names the expected path for an unknown dataset', async () => {
    const err = await failure(source.loadSplit({ path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' }))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(
      `dataset allenai/ai2_arc not found in data dir ${ROOT} (expected ${join(ROOT, 'allenai', 'ai2_arc', 'ARC-Easy', 'test.jsonl')})`,
    )
  })

  it('refuses refs that would leave the mirror', async () => {
    const err = await failure(source.loadSplit({ path: '../secrets', name: undefined, split: 'test' }))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toContain("'../secrets'")
    await expect(source.hasSplit({ path: 'a/b', name: 'x/y', split: 'test' })).rejects.toThrow(/cannot name a mirror file/)
    await expect(source.loadSplit({ path: 'a/b', name: undefined, split: '..' })).rejects.toThrow(/cannot name a mirror file/)
  })

  it('reports parse errors with the file path and line', async () => {
    const file = join(ROOT, ORG, 'bad-jsonl', 'default', 'test.jsonl')
    const err = await failure(source.loadSplit(ref('bad-jsonl', undefined, 'test')))
    expect(err.code).toBe('DATASET_PARSE_ERROR')
    expect(err.message).toMatch(new RegExp(`^cannot parse ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} line 3: invalid JSON`))
    await expect(source.loadSplit(ref('bad-jsonl', undefined, 'validation'))).rejects.toThrow(/validation\.jsonl line 2: expected one JSON object/)
    await expect(source.loadSplit(ref('bad-json', undefined, 'test'))).rejects.toThrow(/bad-json\/default\/test\.json: invalid JSON/)
    await expect(source.loadSplit(ref('bad-csv', undefined, 'test'))).rejects.toThrow(/test\.csv line 3: a quoted field is not closed/)
  })
})

describe('mirrorSource caching and media without listing', () => {
  it('reads and parses a split once, returning fresh arrays', async () => {
    const files = memoryFiles({ 'o/d/default/test.jsonl': '{"a": 1}\n{"a": 2}\n' }, true)
    const source = mirrorSource(files)
    const r = { path: 'o/d', name: undefined, split: 'test' }
    const [a, b] = await Promise.all([source.loadSplit(r), source.loadSplit(r)])
    const c = await source.loadSplit({ ...r })
    expect(a).toEqual([{ a: 1 }, { a: 2 }])
    expect(files.reads).toEqual(['o/d/default/test.jsonl'])
    expect(a).not.toBe(b)
    expect(c).not.toBe(a)
    c.pop()
    expect(await source.loadSplit(r)).toHaveLength(2)
  })

  it('keys the cache by config and split', async () => {
    const files = memoryFiles(
      { 'o/d/x/test.jsonl': '{"c": "x"}\n', 'o/d/y/test.jsonl': '{"c": "y"}\n', 'o/d/x/dev.jsonl': '{"c": "xdev"}\n' },
      true,
    )
    const source = mirrorSource(files)
    expect(await source.loadSplit({ path: 'o/d', name: 'x', split: 'test' })).toEqual([{ c: 'x' }])
    expect(await source.loadSplit({ path: 'o/d', name: 'y', split: 'test' })).toEqual([{ c: 'y' }])
    expect(await source.loadSplit({ path: 'o/d', name: 'x', split: 'dev' })).toEqual([{ c: 'xdev' }])
  })

  it('without list(): tries each extension in order and names what it tried', async () => {
    const files = memoryFiles({ 'o/d/default/test.csv': 'a\n1\n' }, false)
    const source = mirrorSource(files)
    const r = { path: 'o/d', name: undefined, split: 'test' }
    expect(await source.hasSplit(r)).toBe(true)
    expect(await source.loadSplit(r)).toEqual([{ a: 1 }])
    expect(files.reads).toEqual(['o/d/default/test.jsonl', 'o/d/default/test.json', 'o/d/default/test.csv'])
    const err = await failure(source.loadSplit({ path: 'o/d', name: 'cfg', split: 'train' }))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(
      "dataset o/d config cfg split 'train' not found in memory mirror (tried memory mirror: o/d/cfg/train.jsonl, then .json, .csv, .parquet)",
    )
  })

  it('does not cache failures', async () => {
    const entries: Record<string, string> = {}
    const files = memoryFiles(entries, false)
    const source = mirrorSource(files)
    const r = { path: 'o/d', name: undefined, split: 'test' }
    await expect(source.loadSplit(r)).rejects.toThrow(/not found/)
    entries['o/d/default/test.jsonl'] = '{"late": true}\n'
    expect(await source.loadSplit(r)).toEqual([{ late: true }])
  })
})
