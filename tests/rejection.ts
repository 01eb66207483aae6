/** Test helper: the error a promise rejects with (fails the test when it resolves). */
export async function failure(p: Promise<unknown>): Promise<{ code?: string; message: string; detail?: Record<string, unknown> }> {
  try {
    await p
  } catch (e) {
    return e as { code?: string; message: string }
  }
  throw new Error('expected a rejection')
}
