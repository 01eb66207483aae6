import { expect } from 'vitest'
import { HarnessError } from '../src/core/errors.ts'

/** Test helper: the error a promise rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; detail?: Record<string, unknown> }> {
  try {
    await p
  } catch (e) {
    return e as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}

/** The HarnessError a promise rejects with; fails the test when it resolves, rejects otherwise, or the message spans lines. */
export async function harnessFailure(p: Promise<unknown>): Promise<HarnessError> {
  return checkedHarnessError(await p.then(() => NO_ERROR, (e: unknown) => e))
}

/** The HarnessError a function throws; fails the test as harnessFailure does. */
export function harnessThrow(f: () => unknown): HarnessError {
  try {
    f()
  } catch (e) {
    return checkedHarnessError(e)
  }
  return checkedHarnessError(NO_ERROR)
}

const NO_ERROR = Symbol('no error')

function checkedHarnessError(e: unknown): HarnessError {
  if (e === NO_ERROR) throw new Error('expected a HarnessError')
  expect(e).toBeInstanceOf(HarnessError)
  expect((e as Error).message).not.toContain('\n')
  return e as HarnessError
}
