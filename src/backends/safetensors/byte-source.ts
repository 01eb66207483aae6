/**
 * Random-access bytes of one model file: an in-memory buffer, a Node file handle, an HTTP range reader or
 * a browser Blob all fit behind this interface, so the format readers never load a whole file at once.
 */
import { HarnessError } from '../../core/errors.ts'

/** A file the readers can read any byte range of. */
export interface ByteSource {
  /** file length, in bytes */
  size: number
  /** reads `length` bytes starting at byte `offset` (both within [0, size]); the promise gives exactly `length` bytes */
  read(offset: number, length: number): Promise<Uint8Array>
}

/** Opens a file of a model folder by its name relative to that folder (`config.json`, `model.safetensors`); undefined = no such file. */
export type FileOpener = (name: string) => Promise<ByteSource | undefined>

/**
 * A ByteSource over bytes already in memory; reads are views, not copies.
 * @example
 * const src = bytesSource(new Uint8Array([1, 2, 3]))
 * await src.read(1, 2) // Uint8Array [2, 3]
 */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read: async (offset, length) => {
      if (!(offset >= 0 && length >= 0 && offset + length <= bytes.length)) {
        throw new RangeError(`bytesSource: range [${offset}, ${offset + length}) is outside the ${bytes.length}-byte buffer`)
      }
      return bytes.subarray(offset, offset + length)
    },
  }
}

/** Reads a whole (small) file as text. */
export async function readText(source: ByteSource): Promise<string> {
  return new TextDecoder().decode(await source.read(0, source.size))
}

/** Reads a whole (small) file as a JSON object; throws MODEL_INVALID when it is not valid JSON or not an object. */
export async function readJsonObject(source: ByteSource, fileName: string): Promise<Record<string, unknown>> {
  let value: unknown
  try {
    value = JSON.parse(await readText(source))
  } catch (e) {
    throw new HarnessError('MODEL_INVALID', `${fileName} is not valid JSON (${(e as Error).message}); re-download the file`, { file: fileName })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HarnessError('MODEL_INVALID', `${fileName} holds ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}; expected a JSON object`, { file: fileName })
  }
  return value as Record<string, unknown>
}
