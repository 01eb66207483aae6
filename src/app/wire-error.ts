/**
 * Errors as data across the worker boundary (protocol/wire-error.ts): the worker converts anything thrown with
 * toWireError, the page rebuilds it with fromWireError (comlink would keep only name, message and stack).
 */
import type { ErrorCode } from '../core/errors.ts'
import type { WireError, WireErrorCode } from '../protocol/wire-error.ts'

/** An error rebuilt on the page side; `name` is 'HarnessError' for harness codes, so isHarnessError() accepts it. */
export class WorkerError extends Error {
  /** stable machine-readable code */
  readonly code: WireErrorCode
  /** JSON-safe context */
  readonly detail: Record<string, unknown> | undefined

  constructor(wire: WireError) {
    super(wire.message)
    this.name = wire.code === 'INTERNAL' ? 'WorkerError' : 'HarnessError'
    this.code = wire.code
    this.detail = wire.detail
  }
}

/** Converts anything thrown into a WireError (HarnessError-like errors keep their code and detail). */
export function toWireError(e: unknown): WireError {
  if (e instanceof WorkerError) return { code: e.code, message: e.message, detail: jsonSafe(e.detail) }
  if (isCoded(e)) return { code: e.code, message: e.message, detail: jsonSafe(e.detail) }
  if (isQuotaError(e)) {
    return {
      code: 'QUOTA_EXCEEDED',
      message: 'this browser\'s storage for this site is full; delete stored models, datasets or runs under “Stored in this browser” and try again',
      detail: undefined,
    }
  }
  if (e instanceof Error) {
    return { code: 'INTERNAL', message: e.message || e.name, detail: jsonSafe({ name: e.name, stack: e.stack }) }
  }
  return { code: 'INTERNAL', message: describe(e), detail: undefined }
}

/** IndexedDB's and Cache Storage's out-of-quota error (a DOMException, or its cause). */
function isQuotaError(e: unknown): boolean {
  const name = (x: unknown) => (typeof x === 'object' && x !== null ? (x as { name?: unknown }).name : undefined)
  return name(e) === 'QuotaExceededError' || name((e as { cause?: unknown } | null)?.cause) === 'QuotaExceededError'
}

/** Rebuilds an Error from a WireError. */
export function fromWireError(wire: WireError): WorkerError {
  return new WorkerError(wire)
}

/** A HarnessError, or one rebuilt elsewhere: name 'HarnessError' and a string code (duck-typed; no core runtime import). */
function isCoded(e: unknown): e is Error & { code: ErrorCode; detail?: Record<string, unknown> } {
  return e instanceof Error && e.name === 'HarnessError' && typeof (e as { code?: unknown }).code === 'string'
}

/** A copy that survives JSON and structured clone; undefined when the value cannot be serialised. */
function jsonSafe(detail: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (detail === undefined) return undefined
  try {
    return JSON.parse(JSON.stringify(detail)) as Record<string, unknown>
  } catch {
    return undefined
  }
}

/** Text for a thrown non-Error (ORT's wasm side throws numbers and strings). */
function describe(e: unknown): string {
  if (typeof e === 'string') return e
  if (typeof e === 'number') return `runtime error ${e}`
  try {
    return JSON.stringify(e) ?? String(e)
  } catch {
    return String(e)
  }
}
