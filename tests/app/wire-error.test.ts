import { describe, expect, it } from 'vitest'
import { HarnessError, isHarnessError } from '../../src/core/errors.ts'
import { fromWireError, toWireError, WorkerError } from '../../src/app/wire-error.ts'

describe('toWireError / fromWireError', () => {
  it('keeps a HarnessError code and detail across structured clone', () => {
    const err = new HarnessError('TASK_UNKNOWN', "task 'foo' is not registered; did you mean 'demo'?", { task: 'foo', valid: ['demo'] })
    const wire = structuredClone(toWireError(err))
    expect(wire).toEqual({ code: 'TASK_UNKNOWN', message: "task 'foo' is not registered; did you mean 'demo'?", detail: { task: 'foo', valid: ['demo'] } })
    const back = fromWireError(wire)
    expect(back).toBeInstanceOf(Error)
    expect(back).toBeInstanceOf(WorkerError)
    expect(back.code).toBe('TASK_UNKNOWN')
    expect(back.detail).toEqual({ task: 'foo', valid: ['demo'] })
    expect(back.message).toBe(err.message)
    expect(isHarnessError(back)).toBe(true)
  })

  it('converts a rebuilt error again without loss', () => {
    const wire = { code: 'CANCELLED', message: 'run cancelled', detail: undefined } as const
    expect(toWireError(fromWireError(wire))).toEqual(wire)
  })

  it('marks other errors INTERNAL and keeps name and stack in detail', () => {
    const wire = toWireError(new TypeError('x is not a function'))
    expect(wire.code).toBe('INTERNAL')
    expect(wire.message).toBe('x is not a function')
    expect(wire.detail?.name).toBe('TypeError')
    expect(String(wire.detail?.stack)).toContain('x is not a function')
    const back = fromWireError(wire)
    expect(back.name).toBe('WorkerError')
    expect(isHarnessError(back)).toBe(false)
  })

  it('describes thrown non-errors (ORT throws numbers and strings)', () => {
    expect(toWireError(12345)).toEqual({ code: 'INTERNAL', message: 'runtime error 12345', detail: undefined })
    expect(toWireError('boom')).toEqual({ code: 'INTERNAL', message: 'boom', detail: undefined })
    expect(toWireError({ a: 1 })).toEqual({ code: 'INTERNAL', message: '{"a":1}', detail: undefined })
    expect(toWireError(undefined).message).toBe('undefined')
  })

  it('drops a detail that cannot be serialised instead of failing', () => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const wire = toWireError(new HarnessError('MODEL_INVALID', 'bad', circular))
    expect(wire).toEqual({ code: 'MODEL_INVALID', message: 'bad', detail: undefined })
    expect(toWireError(new HarnessError('MODEL_INVALID', 'bad', { n: 1n })).detail).toBeUndefined()
  })

  it('treats only HarnessError-named errors with a code as harness errors', () => {
    const coded = Object.assign(new Error('ENOENT: no such file'), { code: 'ENOENT' })
    expect(toWireError(coded).code).toBe('INTERNAL')
  })

  it('turns a storage quota error (also as a cause) into QUOTA_EXCEEDED saying what to delete', () => {
    const quota = new DOMException('The quota has been exceeded.', 'QuotaExceededError')
    for (const e of [quota, new Error('put failed', { cause: quota })]) {
      const wire = toWireError(e)
      expect(wire.code).toBe('QUOTA_EXCEEDED')
      expect(wire.message).toContain('Stored in this browser')
    }
  })
})
