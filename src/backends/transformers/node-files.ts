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

/** A stream the load watcher may stop. */
interface ReadStreamLike {
  readonly readableEnded: boolean
  destroy(): void
}

/** Loads in progress: the folders each watches and the read streams opened under them. */
const watchedLoads = new Set<{ roots: readonly string[]; opened: ReadStreamLike[] }>()
let unpatch: (() => void) | undefined

/**
 * Runs `load` and then destroys the read streams it opened on files under `dirs` that are still reading. In Node,
 * transformers.js (4.3.2, FileResponse) opens a flowing read stream on every local file it checks or loads by path
 * and reads it to the end whether or not anything consumes it: after loading, the 570 MB model file was read again
 * in the background, buffered whole, for seconds — between the first task's forward passes. Nothing reads those
 * streams once the model has loaded (file contents come from readFile or are consumed before loading resolves).
 */
export async function stoppingLingeringReads<T>(dirs: readonly (string | undefined)[], load: () => Promise<T>): Promise<T> {
  if (!runningInNode()) return load()
  const fs = (await import('node:fs')).default
  const path = await import('node:path')
  const roots = dirs.filter((d): d is string => typeof d === 'string' && d !== '').map((d) => path.resolve(d) + path.sep)
  const watch = { roots, opened: [] as ReadStreamLike[] }
  if (!unpatch) {
    const original = fs.createReadStream
    const patched = function (this: unknown, ...args: Parameters<typeof original>) {
      const stream = original.apply(this, args)
      const file = typeof args[0] === 'string' ? path.resolve(args[0]) : undefined
      for (const w of watchedLoads) if (file !== undefined && w.roots.some((r) => file.startsWith(r))) w.opened.push(stream)
      return stream
    } as typeof original
    fs.createReadStream = patched
    unpatch = () => {
      if (fs.createReadStream === patched) fs.createReadStream = original
      unpatch = undefined
    }
  }
  watchedLoads.add(watch)
  try {
    return await load()
  } finally {
    watchedLoads.delete(watch)
    // a load still running beside this one (a tokenizer and a model from the same folder) may be reading a stream
    // this one saw opened: the streams are stopped only when the last concurrent load has finished
    const running = [...watchedLoads][0]
    if (running) running.opened.push(...watch.opened)
    else {
      unpatch?.()
      for (const s of watch.opened) if (!s.readableEnded) s.destroy()
    }
  }
}
