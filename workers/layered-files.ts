/**
 * One read-only FileAccess over several (stored datasets first, then the app's HTTP mirror): a path is read from
 * the first medium that has it. It offers no listing, so the mirror finds splits by trying each extension.
 */
import type { FileAccess } from '../src/data/file-access.ts'

/** Reads each path from the first of `layers` that has it. */
export function layeredFileAccess(layers: readonly FileAccess[]): FileAccess {
  return {
    description: layers.map((l) => l.description).join(' + '),
    async read(relPath) {
      for (const layer of layers) {
        const bytes = await layer.read(relPath)
        if (bytes !== undefined) return bytes
      }
      return undefined
    },
  }
}
