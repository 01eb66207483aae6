/**
 * FileAccess over a local directory (node:fs/promises): the CLI's `--data-dir`.
 */
import { readdir, readFile, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { HarnessError } from '../core/errors.ts'
import { relSegments } from '../data/file-access.ts'
import type { FileAccess } from '../data/file-access.ts'

/**
 * Reads files under `rootDir`. A missing file or folder → undefined; a missing or non-directory `rootDir` →
 * HarnessError DATASET_NOT_FOUND naming it (on first use); other I/O errors → DATASET_NOT_FOUND naming the path.
 */
export function nodeFileAccess(rootDir: string): FileAccess {
  const root = resolve(rootDir)
  let rootChecked: Promise<void> | undefined

  function checkRoot(): Promise<void> {
    rootChecked ??= stat(root).then(
      (s) => {
        if (!s.isDirectory()) throw new HarnessError('DATASET_NOT_FOUND', `data dir ${rootDir} is not a directory (${root})`, { dir: root })
      },
      (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ENOENT' ? 'does not exist' : `cannot be read (${e.code ?? e.message})`
        throw new HarnessError('DATASET_NOT_FOUND', `data dir ${rootDir} ${why} (${root})`, { dir: root })
      },
    )
    rootChecked.catch(() => (rootChecked = undefined))
    return rootChecked
  }

  function pathOf(relPath: string): string {
    const segments = relSegments(relPath)
    if (!segments) {
      throw new HarnessError('DATASET_NOT_FOUND', `bad mirror path '${relPath}' (expected a relative path without '.', '..' or '\\')`, {
        relPath,
      })
    }
    return join(root, ...segments)
  }

  return {
    description: `data dir ${rootDir}`,
    pathOf,
    async read(relPath) {
      const path = pathOf(relPath)
      await checkRoot()
      try {
        const buf = await readFile(path)
        return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength)
      } catch (e) {
        if (isMissing(e)) return undefined
        throw ioError(path, e)
      }
    },
    async list(relDir) {
      const path = pathOf(relDir)
      await checkRoot()
      try {
        return (await readdir(path)).sort()
      } catch (e) {
        if (isMissing(e)) return undefined
        throw ioError(path, e)
      }
    },
  }
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR'
}

function ioError(path: string, e: unknown): HarnessError {
  const err = e as NodeJS.ErrnoException
  return new HarnessError('DATASET_NOT_FOUND', `cannot read ${path}: ${err.code ?? err.message}`, { path, code: err.code })
}
