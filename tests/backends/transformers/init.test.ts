import { describe, expect, it } from 'vitest'
import { MAX_WASM_THREADS, wasmThreadCount } from '../../../src/backends/transformers/init.ts'

describe('wasmThreadCount', () => {
  it('uses every reported core when cross-origin isolated, capped, and one thread otherwise', () => {
    expect(wasmThreadCount(true, 2)).toBe(2)
    expect(wasmThreadCount(true, 6)).toBe(6)
    expect(wasmThreadCount(true, 64)).toBe(MAX_WASM_THREADS)
    expect(wasmThreadCount(false, 16)).toBe(1)
    expect(wasmThreadCount(true, undefined)).toBe(1)
    expect(wasmThreadCount(true, 0)).toBe(1)
  })
})
