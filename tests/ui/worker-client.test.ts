import { describe, expect, it } from 'vitest'
import { isMethodName, settle } from '../../src/ui/worker-client.ts'

describe('worker client', () => {
  it('settles Outcomes and run results: values pass, errors are thrown with their code', () => {
    expect(settle({ ok: true, value: [1] })).toEqual([1])
    expect(settle({ ok: true, value: null })).toBeNull()
    const error = { code: 'USAGE', message: 'bad', detail: undefined }
    expect(() => settle({ ok: false, error })).toThrow(expect.objectContaining({ code: 'USAGE', message: 'bad' }))
    expect(() => settle({ status: 'failed', runId: 'r', error: { ...error, code: 'CANCELLED' } })).toThrow(expect.objectContaining({ code: 'CANCELLED' }))
    const done = { status: 'done', runId: 'r' }
    expect(settle(done)).toBe(done)
    expect(settle(undefined)).toBeUndefined()
    expect(settle([{ ok: true }])).toEqual([{ ok: true }])
  })

  it('answers only camelCase method names (lit probes `_$litDirective$`, await probes `then`)', () => {
    expect(isMethodName('listRuns')).toBe(true)
    expect(isMethodName('_$litDirective$')).toBe(false)
    expect(isMethodName('then')).toBe(false)
    expect(isMethodName('toJSON')).toBe(false)
  })
})
