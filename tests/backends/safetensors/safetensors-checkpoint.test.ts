import { describe, expect, it } from 'vitest'
import { openSafetensorsCheckpoint } from '../../../src/backends/safetensors/safetensors-checkpoint.ts'
import { encodeSafetensors, filesOpener, jsonBytes } from './write-safetensors.ts'
import type { ReadLog } from './write-safetensors.ts'
import { harnessFailure as errorOf } from '../../rejection.ts'


const A = { name: 'a', shape: [2], data: Float32Array.of(1, 2) }
const B = { name: 'b', shape: [1, 3], data: Float32Array.of(3, 4, 5), dtype: 'BF16' }
const C = { name: 'c', shape: [], data: Float32Array.of(6) }

function sharded(weightMap: Record<string, string>, shards: Record<string, Uint8Array>): Map<string, Uint8Array> {
  return new Map([['model.safetensors.index.json', jsonBytes({ metadata: { total_size: 0 }, weight_map: weightMap })], ...Object.entries(shards)])
}

describe('safetensors checkpoint', () => {
  it('opens a single file and reads its tensors by name', async () => {
    const ckpt = await openSafetensorsCheckpoint(filesOpener(new Map([['model.safetensors', encodeSafetensors([A, B], { format: 'pt' })]])), 'model')
    expect(ckpt.files).toEqual(['model.safetensors'])
    expect(ckpt.names).toEqual(['a', 'b'])
    expect(ckpt.metadata).toEqual({ format: 'pt' })
    expect(ckpt.info('b')).toMatchObject({ dtype: 'BF16', shape: [1, 3] })
    expect(ckpt.info('zz')).toBeUndefined()
    expect(Array.from(await ckpt.read('b'))).toEqual([3, 4, 5])
  })

  it('opens the shards an index names and reads each tensor from its shard only', async () => {
    const files = sharded({ a: 's1.safetensors', c: 's1.safetensors', b: 's2.safetensors' }, {
      's1.safetensors': encodeSafetensors([A, C]),
      's2.safetensors': encodeSafetensors([B]),
    })
    const log: ReadLog = []
    const ckpt = await openSafetensorsCheckpoint(filesOpener(files, log), 'model')
    expect(ckpt.files).toEqual(['s1.safetensors', 's2.safetensors'])
    expect(ckpt.names).toEqual(['a', 'c', 'b'])
    log.length = 0
    expect(Array.from(await ckpt.read('b'))).toEqual([3, 4, 5])
    expect(Array.from(await ckpt.read('c'))).toEqual([6])
    expect(log).toEqual([{ file: 's2.safetensors', length: 6 }, { file: 's1.safetensors', length: 4 }])
  })

  it('prefers model.safetensors over an index', async () => {
    const files = sharded({ a: 's1.safetensors' }, { 's1.safetensors': encodeSafetensors([A]) })
    files.set('model.safetensors', encodeSafetensors([C]))
    expect((await openSafetensorsCheckpoint(filesOpener(files), 'model')).names).toEqual(['c'])
  })

  it('says which files it looked for when there are none', async () => {
    const e = await errorOf(openSafetensorsCheckpoint(filesOpener(new Map()), 'adapter_model'))
    expect(e.code).toBe('MODEL_NOT_FOUND')
    expect(e.message).toMatch(/no adapter_model\.safetensors or adapter_model\.safetensors\.index\.json/)
  })

  it('refuses a missing shard, a weight_map entry its shard lacks, a path outside the folder, duplicates and a bad index', async () => {
    const s1 = encodeSafetensors([A])
    let e = await errorOf(openSafetensorsCheckpoint(filesOpener(sharded({ a: 's1.safetensors', b: 's2.safetensors' }, { 's1.safetensors': s1 })), 'model'))
    expect([e.code, e.message]).toEqual(['MODEL_NOT_FOUND', expect.stringMatching(/lists shard s2\.safetensors, which is not in the model folder/)])
    e = await errorOf(openSafetensorsCheckpoint(filesOpener(sharded({ a: 's1.safetensors', b: 's1.safetensors' }, { 's1.safetensors': s1 })), 'model'))
    expect([e.code, e.message]).toEqual(['MODEL_INVALID', expect.stringMatching(/puts tensor b in s1\.safetensors, whose header has no such tensor/)])
    e = await errorOf(openSafetensorsCheckpoint(filesOpener(sharded({ a: '../s1.safetensors' }, { '../s1.safetensors': s1 })), 'model'))
    expect([e.code, e.message]).toEqual(['MODEL_INVALID', expect.stringMatching(/shard name "\.\.\/s1\.safetensors" is not a \.safetensors file name in the same folder/)])
    e = await errorOf(openSafetensorsCheckpoint(filesOpener(sharded({ a: 's1.safetensors', c: 's2.safetensors' }, { 's1.safetensors': s1, 's2.safetensors': encodeSafetensors([A, C]) })), 'model'))
    expect([e.code, e.message]).toEqual(['MODEL_INVALID', expect.stringMatching(/tensor a is in both s1\.safetensors and s2\.safetensors/)])
    e = await errorOf(openSafetensorsCheckpoint(filesOpener(new Map([['model.safetensors.index.json', jsonBytes({ weight_map: ['a'] })]])), 'model'))
    expect([e.code, e.message]).toEqual(['MODEL_INVALID', expect.stringMatching(/weight_map is \["a"\]; expected an object of tensor name → shard file name/)])
  })
})
