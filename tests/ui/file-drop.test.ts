/** The model panel's progress line while a drop is stored: bytes for hashing, quantised conversion and storing. */
import { describe, expect, it } from 'vitest'
import { addingLabel, formatBytes } from '../../src/ui/file-drop.ts'

describe('addingLabel', () => {
  it('says what is done in bytes, or in tensors for a float conversion', () => {
    expect(addingLabel({ file: 'demo/onnx/model.onnx', done: 12e6, total: 40e6 })).toBe('Hashing and storing demo/onnx/model.onnx… 12 MB of 40 MB')
    expect(addingLabel({ file: 'converting model.layers.3.mlp.up_proj.scales', done: 312e6, total: 729e6 }))
      .toBe('Converting model.layers.3.mlp.up_proj.scales… 312 MB of 729 MB')
    expect(addingLabel({ file: 'storing onnx/model.onnx_data', done: 0, total: 729e6 })).toBe('Storing onnx/model.onnx_data… 0 B of 729 MB')
    expect(addingLabel({ file: 'converting lm_head', done: 12, total: 201, unit: 'tensors' })).toBe('Converting lm_head… tensor 12 of 201')
    expect(formatBytes(1.15e9)).toBe('1.1 GB')
  })
})
