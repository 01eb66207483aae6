/**
 * Local-file helpers that only work in Node; Node modules are imported lazily so browser bundles never
 * evaluate them. Every function answers undefined outside Node.
 */
import type { ByteSource } from './onnx-params.ts'

/** True when running under Node. */
export function runningInNode(): boolean {
  return typeof process !== 'undefined' && process.release?.name === 'node'
}

/** The absolute path of `model` when it names an existing local directory (Node only). */
export async function localModelDir(model: string): Promise<string | undefined> {
  if (!runningInNode()) return undefined
  const fs = await import('node:fs/promises')
  const path = await import('node:path')
  const abs = path.resolve(model)
  try {
    return (await fs.stat(abs)).isDirectory() ? abs : undefined
  } catch {
    return undefined
  }
}

/** Random-access reads of a local file, or undefined when it is absent or not in Node. */
export async function openLocalFile(file: string): Promise<(ByteSource & { close(): Promise<void> }) | undefined> {
  if (!runningInNode()) return undefined
  const fs = await import('node:fs/promises')
  let handle: Awaited<ReturnType<typeof fs.open>>
  try {
    handle = await fs.open(file, 'r')
  } catch {
    return undefined
  }
  const size = (await handle.stat()).size
  return {
    size,
    async read(offset, length) {
      const buf = new Uint8Array(length)
      const { bytesRead } = await handle.read(buf, 0, length, offset)
      return buf.subarray(0, bytesRead)
    },
    close: () => handle.close(),
  }
}
