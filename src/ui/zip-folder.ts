/**
 * The files of a dropped .zip (a task folder zipped with its utils.py): the central directory is read from the end
 * of the archive, each entry stored (method 0) or deflated (method 8, through DecompressionStream 'deflate-raw').
 * Folders, macOS's `__MACOSX/` copies and `.DS_Store` are skipped. Entries at the archive's top level are put in a
 * folder named after the archive, so two zipped folders do not mix. Encrypted, ZIP64 and other methods are refused
 * in one line naming the archive and what to do; so is more than MAX_UNZIPPED_BYTES of content.
 */
import type { UploadFile } from '../protocol/eval-store.ts'

/** Most bytes a dropped zip may unpack to (task folders are text; this stops zip bombs). */
export const MAX_UNZIPPED_BYTES = 256 * 1024 * 1024

/** A zip that cannot be read: the message names the archive and what was wrong. */
export class ZipError extends Error {
  readonly code = 'ZIP_INVALID'
}

/** One central-directory entry. */
interface Entry {
  readonly name: string
  /** 0 stored, 8 deflated */
  readonly method: number
  /** general purpose flags (bit 0: encrypted) */
  readonly flags: number
  /** bytes in the archive */
  readonly compressedSize: number
  /** bytes once unpacked */
  readonly size: number
  /** offset of the entry's local header */
  readonly offset: number
}

const EOCD = 0x06054b50
const CENTRAL = 0x02014b50
const LOCAL = 0x04034b50

/** Whether `path` names a zip archive. */
export function isZipName(path: string): boolean {
  return /\.zip$/i.test(path)
}

/** The files inside the zip archive `zipName` (its bytes `data`), with their paths. */
export async function filesOfZip(zipName: string, data: Uint8Array): Promise<UploadFile[]> {
  const base = zipName.replace(/^.*\//, '')
  const fail = (what: string) => new ZipError(`${base}: ${what}`)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const entries = centralDirectory(view, fail).filter((e) => !e.name.endsWith('/') && !/(^|\/)(__MACOSX\/|\.DS_Store$)/.test(e.name))
  const total = entries.reduce((n, e) => n + e.size, 0)
  if (total > MAX_UNZIPPED_BYTES) throw fail(`unpacks to ${total} bytes, more than the ${MAX_UNZIPPED_BYTES} a task folder may hold`)
  const topLevel = entries.some((e) => !e.name.includes('/'))
  const folder = base.replace(/\.zip$/i, '')
  const out: UploadFile[] = []
  for (const e of entries) {
    if ((e.flags & 1) !== 0) throw fail(`${e.name} is encrypted; zip the folder without a password`)
    if (e.method !== 0 && e.method !== 8) throw fail(`${e.name} uses compression method ${e.method}; only stored (0) and deflate (8) are read — zip it again with deflate`)
    if (e.offset + 30 > data.byteLength || view.getUint32(e.offset, true) !== LOCAL) throw fail(`${e.name}: no local header where the directory says (a damaged archive)`)
    const start = e.offset + 30 + view.getUint16(e.offset + 26, true) + view.getUint16(e.offset + 28, true)
    if (start + e.compressedSize > data.byteLength) throw fail(`${e.name} runs past the end of the archive (a truncated download?)`)
    const packed = data.subarray(start, start + e.compressedSize)
    const bytes = e.method === 0 ? packed : await inflate(packed).catch(() => { throw fail(`${e.name}: its deflate data is damaged`) })
    if (bytes.byteLength !== e.size) throw fail(`${e.name} unpacked to ${bytes.byteLength} bytes, the directory says ${e.size} (a damaged archive)`)
    out.push({ path: topLevel ? `${folder}/${e.name}` : e.name, blob: new Blob([bytes as Uint8Array<ArrayBuffer>]) })
  }
  return out
}

/** The central directory's entries, found through the end-of-central-directory record. */
function centralDirectory(view: DataView, fail: (what: string) => ZipError): Entry[] {
  let eocd = -1
  for (let i = view.byteLength - 22; i >= Math.max(0, view.byteLength - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === EOCD) {
      eocd = i
      break
    }
  }
  if (eocd < 0) throw fail('not a zip archive (no end-of-central-directory record)')
  const count = view.getUint16(eocd + 10, true)
  let p = view.getUint32(eocd + 16, true)
  if (count === 0xffff || p === 0xffffffff) throw fail('a ZIP64 archive, which evalz does not read; zip the task folder alone')
  const entries: Entry[] = []
  const utf8 = new TextDecoder()
  for (let i = 0; i < count; i++) {
    if (p + 46 > view.byteLength || view.getUint32(p, true) !== CENTRAL) throw fail('its central directory is damaged')
    const nameLength = view.getUint16(p + 28, true)
    const name = utf8.decode(new Uint8Array(view.buffer, view.byteOffset + p + 46, nameLength))
    const entry = {
      name, flags: view.getUint16(p + 8, true), method: view.getUint16(p + 10, true),
      compressedSize: view.getUint32(p + 20, true), size: view.getUint32(p + 24, true), offset: view.getUint32(p + 42, true),
    }
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff || entry.offset === 0xffffffff) throw fail(`${name}: ZIP64 sizes, which evalz does not read`)
    entries.push(entry)
    p += 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true)
  }
  return entries
}

/** Raw deflate data inflated. */
async function inflate(packed: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([packed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('deflate-raw'))
  return new Uint8Array(await new Response(stream).arrayBuffer())
}
