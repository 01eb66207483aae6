/**
 * Full disks (issue 17): each file of a run's output set — every samples file and results.json, with and without an
 * earlier run in the folder — fails in turn with the kernel's own ENOSPC (its temporary name is a link to
 * /dev/full, which every write fills). Contract: the set is refused whole (the folder holds exactly what it held
 * before: the earlier run back in place, no partial file), the finished evaluation is saved to a temporary folder
 * instead, and the CLI's error is one line naming the folder, "no space left on the device (ENOSPC)" and where the
 * files went. Skipped, saying so, where /dev/full does not exist.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { saveRunFiles, writeRunFiles } from '../../src/cli/output-files.ts'
import type { RunFileSet } from '../../src/cli/output-files.ts'
import { expectOneLine, tally, tallyLines } from './fault-contract.ts'

const HAS_DEV_FULL = existsSync('/dev/full')
const root = mkdtempSync(join(tmpdir(), 'evalz-disk-faults-'))
afterAll(() => {
  rmSync(root, { recursive: true, force: true })
  if (tally.has('full disk')) console.log(tallyLines('fault suite (full disk)').join('\n'))
})

/** Every file and its text under `dir` (earlier-* folders included), for before/after comparison. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const f of readdirSync(dir, { recursive: true }) as string[]) {
    try {
      out[f] = readFileSync(join(dir, f), 'utf8')
    } catch {
      // a folder
    }
  }
  return out
}

function set(samples: number): RunFileSet {
  return {
    results: '{"results": {"t0": {"acc,none": 0.5}}}\n',
    samples: Array.from({ length: samples }, (_, i) => [`samples_t${i}.jsonl`, `{"doc_id": ${i}}\n`] as const),
  }
}

describe.skipIf(!HAS_DEV_FULL)(`full disk (ENOSPC)${HAS_DEV_FULL ? '' : ' (skipped: /dev/full not found)'}`, () => {
  it('each file of the set fails in turn: nothing half-written kept, the earlier run intact, the evaluation saved elsewhere', async () => {
    let n = 0
    for (const samples of [0, 1, 3]) {
      for (const earlier of [false, true]) {
        const files = set(samples)
        const order = [...files.samples.map(([name]) => name), 'results.json']
        for (const failing of order) {
          const dir = join(root, `case-${n++}`)
          const label = `${samples} samples files, ${earlier ? 'an' : 'no'} earlier run, ENOSPC on ${failing}`
          await writeRunFiles(dir, earlier ? { results: '{"results": {"old": {}}}\n', samples: [['samples_old.jsonl', '{"doc_id": 9}\n']] } : { results: '', samples: [] })
          if (!earlier) rmSync(join(dir, 'results.json'))
          const before = contents(dir)
          // the write of `failing` goes to its temporary name, which is a link to /dev/full
          const link = join(dir, `${failing}.partial-${process.pid}`)
          symlinkSync('/dev/full', link)
          await expect(writeRunFiles(dir, files), label).rejects.toMatchObject({ code: 'ENOSPC' })
          expect(existsSync(link), `${label}: the temporary file is removed`).toBe(false)
          expect(contents(dir), label).toEqual(before)
          // through the CLI's path: one line, the finished evaluation in a temporary folder
          symlinkSync('/dev/full', link)
          let error: unknown
          try {
            await saveRunFiles(dir, files)
          } catch (e) {
            error = e
          }
          expectOneLine(error, dir, label)
          const e = error as { code: string; message: string; detail: { savedTo: string } }
          expect(e.code, label).toBe('OUTPUT_UNWRITABLE')
          expect(e.message, label).toContain('no space left on the device (ENOSPC)')
          expect(readFileSync(join(e.detail.savedTo, 'results.json'), 'utf8'), label).toBe(files.results)
          expect(readdirSync(e.detail.savedTo).sort(), label).toEqual([...order].sort())
          expect(contents(dir), label).toEqual(before)
          rmSync(e.detail.savedTo, { recursive: true, force: true })
          rmSync(link, { force: true })
          // with room again the same set is written whole
          await writeRunFiles(dir, files)
          expect(readFileSync(join(dir, 'results.json'), 'utf8'), label).toBe(files.results)
          const t = tally.get('full disk') ?? { tried: 0, refused: 0 }
          tally.set('full disk', { tried: t.tried + 1, refused: t.refused + 1 })
        }
      }
    }
    expect(tally.get('full disk')?.tried).toBe(2 * (1 + 2 + 4))
  })
})
