/**
 * Content-addressed file bytes shared by stored models and datasets: hashing dropped files, storing each
 * distinct content once, and deleting contents no model or dataset uses any more.
 */
import type { IDBPTransaction } from 'idb'
import { sha256Hex } from '../core/hash.ts'
import type { StoredFileInfo, UploadFile, UploadProgress } from '../protocol/eval-store.ts'
import type { EvalzSchema } from './db.ts'

/** A file the user dropped or picked (the protocol's UploadFile). */
export type DroppedFile = UploadFile

/** A file of a stored model or dataset; its bytes are in 'blobs' under `sha256` (the protocol's StoredFileInfo). */
export type StoredFile = StoredFileInfo

/** A dropped file after hashing. */
export interface HashedFile extends StoredFile {
  /** its bytes */
  readonly blob: Blob
}

/** Progress of hashing: the file being read and bytes hashed so far of all files (the protocol's UploadProgress). */
export type HashProgress = UploadProgress

/** A readwrite transaction that includes the 'blobs' store. */
type BlobTx = IDBPTransaction<EvalzSchema, ('blobs' | 'models' | 'datasets')[], 'readwrite'>

/** sha256 (hex) of a blob: WebCrypto where present (browsers, workers, Node 20), else the pure-JS digest. */
export async function sha256OfBlob(blob: Blob): Promise<string> {
  const buf = await blob.arrayBuffer()
  const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle
  if (!subtle) return sha256Hex(new Uint8Array(buf))
  const digest = new Uint8Array(await subtle.digest('SHA-256', buf))
  return Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
}

/** Hashes each file in order, reporting bytes done after each one. */
export async function hashFiles(
  files: readonly { readonly path: string; readonly blob: Blob }[], onProgress?: (p: HashProgress) => void,
): Promise<HashedFile[]> {
  const total = files.reduce((n, f) => n + f.blob.size, 0)
  let done = 0
  const out: HashedFile[] = []
  for (const f of files) {
    onProgress?.({ file: f.path, done, total })
    out.push({ path: f.path, sha256: await sha256OfBlob(f.blob), size: f.blob.size, blob: f.blob })
    done += f.blob.size
  }
  if (files.length > 0) onProgress?.({ file: files[files.length - 1].path, done, total })
  return out
}

/** A dropped path in canonical form: '/' separators, no leading './' or '/', no empty or '.' segments. */
export function normalizePath(path: string): string {
  return path.replace(/\\/g, '/').split('/').filter(s => s !== '' && s !== '.').join('/')
}

/** True for paths with a hidden segment ('.git/…', '.DS_Store'), which are never stored. */
export function isHiddenPath(path: string): boolean {
  return path.split('/').some(s => s.startsWith('.'))
}

/** A url-safe slug of a name (lowercase letters, digits, '.', '_', '-'; starts with a letter or digit). */
export function slugOf(name: string, fallback: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '').replace(/-+$/, '').slice(0, 48)
  return s === '' ? fallback : s
}

/** sha256 (hex) over a file list's paths and contents, independent of order. */
export function fileListSha256(files: readonly StoredFile[]): string {
  const lines = files.map(f => `${f.path}:${f.sha256}\n`).sort()
  return sha256Hex(lines.join(''))
}

/** Stores the bytes of files whose content is not stored yet (same content is written once). */
export async function putBlobs(tx: BlobTx, files: readonly HashedFile[]): Promise<void> {
  const store = tx.objectStore('blobs')
  const seen = new Set<string>()
  for (const f of files) {
    if (seen.has(f.sha256)) continue
    seen.add(f.sha256)
    const have = await store.get(f.sha256)
    if (have === undefined || have.size !== f.size || have.data.size !== f.size) {
      await store.put({ sha256: f.sha256, size: f.size, data: f.blob })
    }
  }
}

/** Deletes the blobs among `candidates` that no stored model or dataset references (run after removing one). */
export async function deleteUnusedBlobs(tx: BlobTx, candidates: Iterable<string>): Promise<void> {
  const used = new Set<string>()
  for (const m of await tx.objectStore('models').getAll()) for (const f of m.files) used.add(f.sha256)
  for (const d of await tx.objectStore('datasets').getAll()) for (const f of d.files) used.add(f.sha256)
  const blobs = tx.objectStore('blobs')
  for (const sha of new Set(candidates)) if (!used.has(sha)) await blobs.delete(sha)
}
