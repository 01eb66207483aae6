import { describe, expect, it } from 'vitest'
import { deferredApi } from '../../src/app/deferred-api.ts'

interface Api {
  add(a: number, b: number): Promise<number>
  fail(): Promise<never>
}

describe('deferredApi', () => {
  it('waits for the service, forwards calls made before it exists, and hands every call\'s arguments to after', async () => {
    let resolve: (api: Api) => void = () => undefined
    const ready = new Promise<Api>((r) => { resolve = r })
    const seen: unknown[][] = []
    const api = deferredApi(ready, (args) => seen.push([...args]))
    const early = api.add(1, 2)
    resolve({ add: async (a, b) => a + b, fail: async () => { throw new Error('boom') } })
    expect(await early).toBe(3)
    await expect(api.fail()).rejects.toThrow('boom')
    expect(seen).toEqual([[1, 2], []])
  })

  it('rejects a method the service lacks, naming it, and is not a thenable', async () => {
    const api = deferredApi(Promise.resolve({} as Api))
    await expect(api.add(1, 1)).rejects.toThrow("the API has no method 'add'")
    expect((api as unknown as { then?: unknown }).then).toBeUndefined()
    expect(await Promise.resolve(api)).toBe(api)
  })
})
