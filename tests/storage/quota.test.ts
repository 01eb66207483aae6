import { describe, expect, it } from 'vitest'
import { requestPersistence, storageUsage } from '../../src/storage/quota.ts'

/** A StorageManager stand-in. */
function manager(opts: { persisted: boolean; grant: boolean; usage?: number; quota?: number }): StorageManager & { asked: number } {
  const m = {
    asked: 0,
    persisted: async () => opts.persisted,
    persist: async () => {
      m.asked++
      return opts.grant
    },
    estimate: async () => ({ usage: opts.usage, quota: opts.quota }),
    getDirectory: async () => {
      throw new Error('unused')
    },
  }
  return m as unknown as StorageManager & { asked: number }
}

describe('quota', () => {
  it('reports usage, quota and persistence', async () => {
    expect(await storageUsage(manager({ persisted: true, grant: true, usage: 1234, quota: 10_000 }))).toEqual({ usage: 1234, quota: 10_000, persisted: true })
    expect(await storageUsage(manager({ persisted: false, grant: false }))).toEqual({ usage: 0, quota: 0, persisted: false })
    expect(await storageUsage(undefined)).toBeUndefined()
  })

  it('asks for persistence only when not yet persisted', async () => {
    const already = manager({ persisted: true, grant: false })
    expect(await requestPersistence(already)).toBe(true)
    expect(already.asked).toBe(0)
    const granted = manager({ persisted: false, grant: true })
    expect(await requestPersistence(granted)).toBe(true)
    expect(granted.asked).toBe(1)
    expect(await requestPersistence(manager({ persisted: false, grant: false }))).toBe(false)
    expect(await requestPersistence(undefined)).toBe(false)
  })
})
