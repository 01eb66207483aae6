/**
 * A dropped task folder's .zip (fixtures written by CPython's zipfile, fixtures/zip/gen_zips.py): deflated and stored
 * entries unpack to the bytes zipfile wrote, folders and __MACOSX copies are skipped, top-level entries go into a
 * folder named after the archive, and what evalz cannot read (another compression method, a cut or non-zip file)
 * is refused in one line naming the archive.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { filesOfZip, isZipName } from '../../src/ui/zip-folder.ts'

const FIXTURES = join(import.meta.dirname, 'fixtures/zip')
const bytes = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)))
const YAML = "task: my_task\ndataset_path: local/x\ntest_split: test\nprocess_docs: !function utils.process_docs\ndoc_to_text: q\ndoc_to_target: a\n"
const UTILS = "def process_docs(ds):\n    return ds.map(lambda d: {'q': d['q'].upper() + ' é'})\n".repeat(20)

async function texts(name: string, data = bytes(name)): Promise<Record<string, string>> {
  const files = await filesOfZip(`some/where/${name}`, data)
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f.path, await f.blob.text()] as const)))
}

describe('filesOfZip', () => {
  it('unpacks deflated and stored entries of a zipped folder, skipping folders and __MACOSX', async () => {
    expect(await texts('task-folder.zip')).toEqual({ 'mytask/my_task.yaml': YAML, 'mytask/utils.py': UTILS, 'mytask/README.md': 'stored as is\n' })
  })

  it('puts top-level entries in a folder named after the archive', async () => {
    expect(await texts('flat.zip')).toEqual({ 'flat/my_task.yaml': YAML, 'flat/utils.py': UTILS })
    expect(isZipName('x/Task.ZIP')).toBe(true)
    expect(isZipName('task.yaml')).toBe(false)
  })

  it('refuses other methods, cut archives and non-zip files in one line naming the archive', async () => {
    await expect(texts('bzip2.zip')).rejects.toThrow(/^bzip2\.zip: my_task\.yaml uses compression method 12; only stored \(0\) and deflate \(8\) are read/)
    const full = bytes('task-folder.zip')
    await expect(texts('cut.zip', full.subarray(0, full.length - 30))).rejects.toThrow(/^cut\.zip: not a zip archive/)
    const damaged = full.slice()
    damaged.fill(0, 40, 80)
    await expect(texts('damaged.zip', damaged)).rejects.toThrow(/^damaged\.zip: /)
    await expect(texts('text.zip', new TextEncoder().encode('task: x\n'))).rejects.toThrow('text.zip: not a zip archive (no end-of-central-directory record)')
  })
})
