/**
 * Files from a drop or a picker, with their paths inside the dropped folder: `<input type=file webkitdirectory>`
 * gives `webkitRelativePath` ('demo/onnx/model.onnx'); a dropped folder is walked with the File and Directory
 * Entries API (DataTransferItem.webkitGetAsEntry).
 */
import type { UploadFile, UploadProgress } from '../protocol/eval-store.ts'

/** Files of a file input, each with its folder-relative path (or its name when picked without a folder). */
export function filesOfInput(list: FileList | readonly File[]): UploadFile[] {
  return [...list].map((f) => ({ path: f.webkitRelativePath || f.name, blob: f }))
}

/** Files of a drop: folders are walked recursively; plain files keep their names. */
export async function filesOfDrop(data: DataTransfer): Promise<UploadFile[]> {
  const entries = [...data.items].map((item) => item.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => e != null)
  if (entries.length === 0) return filesOfInput(data.files)
  const out: UploadFile[] = []
  for (const entry of entries) await walk(entry, out)
  return out
}

async function walk(entry: FileSystemEntry, out: UploadFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject))
    out.push({ path: entry.fullPath.replace(/^\/+/, ''), blob: file })
    return
  }
  if (!entry.isDirectory) return
  const reader = (entry as FileSystemDirectoryEntry).createReader()
  // readEntries answers in chunks (about 100 at a time in Chromium) until it answers an empty list
  for (;;) {
    const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject))
    if (chunk.length === 0) break
    for (const child of chunk) await walk(child, out)
  }
}

/** Byte count for people: '1.2 MB', '640 KB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u += 1
  }
  return `${u === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`
}

/**
 * What storing a drop is doing, in bytes where the step counts bytes: 'Hashing and storing onnx/model.onnx… 12 MB of
 * 40 MB', 'Converting model.layers.3.mlp.up_proj… 312 MB of 729 MB', 'Storing onnx/model.onnx_data… 0 B of 729 MB'
 * (a float checkpoint's conversion counts tensors: 'Converting … tensor 12 of 201').
 */
export function addingLabel(p: UploadProgress): string {
  const step = /^(converting|storing) (.*)$/.exec(p.file)
  const what = step ? `${step[1] === 'converting' ? 'Converting' : 'Storing'} ${step[2]}…` : `Hashing and storing ${p.file}…`
  return p.unit === 'tensors' ? `${what} tensor ${p.done} of ${p.total}` : `${what} ${formatBytes(p.done)} of ${formatBytes(p.total)}`
}
