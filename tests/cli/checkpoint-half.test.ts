/**
 * A F16 safetensors folder converts into a folder that keeps 16-bit weights, under a cache key of its own: a float32
 * conversion left by an earlier converter version for the same files is never reused.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CONVERTER_VERSION } from '../../src/backends/checkpoint/model-folder.ts'
import { prepareCheckpointModel } from '../../src/cli/checkpoint-model.ts'
import { DEMO, TINY, tinyWeights, writeFiles } from '../backends/checkpoint/convert-files.ts'
import { llamaCheckpointFiles } from '../backends/safetensors/write-safetensors.ts'

const tmp = mkdtempSync(join(tmpdir(), 'evalz-ckpt-half-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('prepareCheckpointModel on a F16 safetensors folder', () => {
  it('stores float16 weights, records weight_dtype, and never reuses a float32 conversion of an older converter', async () => {
    const files = llamaCheckpointFiles(TINY, tinyWeights(), { dtype: 'F16', config: { bos_token_id: 0, eos_token_id: 0 } })
    files.set('tokenizer.json', readFileSync(join(DEMO, 'tokenizer.json')))
    files.set('tokenizer_config.json', readFileSync(join(DEMO, 'tokenizer_config.json')))
    const model = join(tmp, 'tiny-f16')
    writeFiles(model, files)
    const cacheDir = join(tmp, 'cache')
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex')
    const baseSha = sha(new TextEncoder().encode([...files].map(([n, b]) => `${n}:${sha(b)}\n`).sort().join('')))
    // what converter version 3 (F16 as float32) left for these files: a complete folder under its own key
    expect(CONVERTER_VERSION).toBeGreaterThanOrEqual(4)
    const oldKey = createHash('sha256').update(`evalz checkpoint conversion ${3}\nsafetensors\n${baseSha}\n\nauto\n`).digest('hex').slice(0, 32)
    const stale = join(cacheDir, 'converted', oldKey)
    mkdirSync(join(stale, 'onnx'), { recursive: true })
    writeFileSync(join(stale, 'onnx', 'model.onnx'), 'stale float32 model')
    writeFileSync(join(stale, 'config.json'), JSON.stringify({ evalz: { format: 'safetensors', base_sha256: baseSha, source: 'stale', converter_version: 3 } }))

    const m = await prepareCheckpointModel({ model, cacheDir })
    expect(m).toMatchObject({ baseSha256: baseSha, cached: false, weightDtype: 'float16' })
    expect(m.dir).not.toBe(stale)
    expect(m.description).toMatch(/\(F16 matrices stored as float16\)$/)
    const config = JSON.parse(readFileSync(join(m.dir, 'config.json'), 'utf8'))
    expect(config.evalz).toMatchObject({ weight_dtype: 'float16', converter_version: CONVERTER_VERSION })
    expect(await prepareCheckpointModel({ model, cacheDir })).toEqual({ ...m, cached: true })
  })
})
