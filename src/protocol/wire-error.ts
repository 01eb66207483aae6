/**
 * Errors as data across the worker boundary. comlink keeps only name, message and stack of a thrown Error, so a
 * HarnessError's `code` and `detail` would be lost; the worker converts errors to WireError and the page rebuilds
 * them with fromWireError.
 */
import type { ErrorCode } from '../core/errors.ts'

/** Codes that cross the boundary: HarnessError's codes, plus INTERNAL for anything else (a bug, a runtime crash). */
export type WireErrorCode = ErrorCode | 'INTERNAL'

/** A structured-clone and JSON safe error. */
export interface WireError {
  /** stable machine-readable code */
  readonly code: WireErrorCode
  /** one-line, user-facing message */
  readonly message: string
  /** JSON-safe context: HarnessError's detail, or { name, stack } for INTERNAL errors */
  readonly detail: Record<string, unknown> | undefined
}

