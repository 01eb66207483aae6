/**
 * The conversion cache is never trusted on path, size and mtime alone (issue 17: a .gguf rewritten with the same
 * size and mtime reused the old conversion and recorded the old sha256), and a safetensors file whose tensors overlap
 * is refused instead of converting into copies of one tensor.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createHash } from 'node:crypto'
import { prepareCheckpointModel } from '../../src/cli/checkpoint-model.ts'
import { readSafetensorsHeader } from '../../src/backends/safetensors/safetensors-file.ts'
import { safetensorsFolder, tinyWeights, writeFiles } from '../backends/checkpoint/convert-files.ts'
import { harnessFailure } from '../rejection.ts'

const tmp = mkdtempSync(join(tmpdir(), 'evalz-ckpt-key-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('conversion cache key', () => {
  it('a weights file changed in place with its old size and mtime is hashed again and converted again', async () => {
    const model = join(tmp, 'tiny')
    writeFiles(model, safetensorsFolder(tinyWeights(11)))
    const cacheDir = join(tmp, 'cache')
    const weights = join(model, 'model.safetensors')
    utimesSync(weights, 1_700_000_000, 1_700_000_000)
    const first = await prepareCheckpointModel({ model, cacheDir })
    expect((await prepareCheckpointModel({ model, cacheDir })).cached).toBe(true)

    // other weights, same size (same shapes and dtype), mtime set back
    const before = statSync(weights)
    const other = safetensorsFolder(tinyWeights(12)).get('model.safetensors') as Uint8Array
    expect(other.length).toBe(before.size)
    writeFileSync(weights, other)
    utimesSync(weights, before.atime, before.mtime)
    expect(statSync(weights).mtimeMs).toBe(before.mtimeMs)

    const second = await prepareCheckpointModel({ model, cacheDir })
    expect(second.cached).toBe(false)
    expect(second.baseSha256).not.toBe(first.baseSha256)
    expect(second.dir).not.toBe(first.dir)
    const sha = createHash('sha256').update(readFileSync(weights)).digest('hex')
    const memo = JSON.parse(readFileSync(join(cacheDir, 'converted', 'file-hashes.json'), 'utf8')) as Record<string, { sha256: string }>
    expect(memo[weights]?.sha256).toBe(sha)
  })
})

describe('overlapping safetensors tensors', () => {
  it('two tensors at offset 0 are refused, naming both', async () => {
    const header = JSON.stringify({
      'a.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      'b.weight': { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
    })
    const bytes = new Uint8Array(8 + header.length + 8)
    new DataView(bytes.buffer).setUint32(0, header.length, true)
    bytes.set(new TextEncoder().encode(header), 8)
    const source = { size: bytes.length, read: async (at: number, n: number) => bytes.slice(at, at + n) }
    const e = await harnessFailure(readSafetensorsHeader(source, 'model.safetensors'))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toMatch(/^model\.safetensors: tensors a\.weight and b\.weight overlap in the data section \(bytes 0 to 8\); the file is not a valid safetensors file/)
  })
})
