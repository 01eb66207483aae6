import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import { failure } from '../rejection.ts'

const dir = mkdtempSync(join(tmpdir(), 'evalz-nfa-'))
mkdirSync(join(dir, 'org', 'set', 'cfg'), { recursive: true })
writeFileSync(join(dir, 'org', 'set', 'cfg', 'test.jsonl'), '{"a": 1}\n')
writeFileSync(join(dir, 'org', 'set', 'cfg', 'train.csv'), 'a\n1\n')
writeFileSync(join(dir, 'plain-file'), 'x')

afterAll(() => rmSync(dir, { recursive: true, force: true }))


describe('nodeFileAccess', () => {
  const files = nodeFileAccess(dir)

  it('describes itself by the directory it was given', () => {
    expect(files.description).toBe(`data dir ${dir}`)
    expect(files.pathOf?.('org/set/cfg/test.jsonl')).toBe(join(dir, 'org', 'set', 'cfg', 'test.jsonl'))
  })

  it('reads a file as bytes', async () => {
    const bytes = await files.read('org/set/cfg/test.jsonl')
    expect(bytes).toBeInstanceOf(Uint8Array)
    expect(new TextDecoder().decode(bytes)).toBe('{"a": 1}\n')
  })

  it('returns undefined for a missing file, or a path through a file', async () => {
    expect(await files.read('org/set/cfg/validation.jsonl')).toBeUndefined()
    expect(await files.read('nope/x/y.jsonl')).toBeUndefined()
    expect(await files.read('plain-file/inside.jsonl')).toBeUndefined()
  })

  it('lists a folder (sorted) and returns undefined for a missing one', async () => {
    expect(await files.list?.('org/set/cfg')).toEqual(['test.jsonl', 'train.csv'])
    expect(await files.list?.('org')).toEqual(['set'])
    expect(await files.list?.('')).toEqual(['org', 'plain-file'])
    expect(await files.list?.('org/missing')).toBeUndefined()
  })

  it('refuses paths that climb out of the root', async () => {
    const err = await failure(files.read('../etc/passwd'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toContain("'../etc/passwd'")
    await expect(files.read('/etc/passwd')).rejects.toThrow(/bad mirror path/)
  })

  it('throws DATASET_NOT_FOUND naming a missing root dir', async () => {
    const missing = join(dir, 'no-such-dir')
    const err = await failure(nodeFileAccess(missing).read('a/b/c.jsonl'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(`data dir ${missing} does not exist (${missing})`)
    await expect(nodeFileAccess(missing).list?.('a')).rejects.toThrow(/does not exist/)
  })

  it('throws DATASET_NOT_FOUND when the root is a file', async () => {
    const err = await failure(nodeFileAccess(join(dir, 'plain-file')).read('x'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toMatch(/plain-file is not a directory/)
  })

  it('reports other I/O errors with the path', async () => {
    const err = await failure(files.read('org/set'))
    expect(err.code).toBe('DATASET_NOT_FOUND')
    expect(err.message).toBe(`cannot read ${join(dir, 'org', 'set')}: EISDIR`)
  })
})
