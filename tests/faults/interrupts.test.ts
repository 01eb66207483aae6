/**
 * Interrupted writes (issue 17): a conversion and a run's output writes are killed (SIGKILL, nothing to clean up
 * with) at many points, then run again. Contract: nothing half-written is ever used — the rerun converts again
 * (or finds the finished conversion) and gives byte-identical files to an uninterrupted one, the killed process's
 * .partial folders and files are removed, and a results.json present after a kill is always one whole set with
 * exactly its own samples files.
 */
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { prepareCheckpointModel } from '../../src/cli/checkpoint-model.ts'
import { writeRunFiles } from '../../src/cli/output-files.ts'
import { safetensorsFolder, tinyWeights, writeFiles } from '../backends/checkpoint/convert-files.ts'
import { tally, tallyLines } from './fault-contract.ts'
import { RUN_SETS } from './interrupt-sets.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const tmp = mkdtempSync(join(tmpdir(), 'evalz-interrupts-'))
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
  console.log(tallyLines('fault suite (interrupted writes)').join('\n'))
})

/** Runs the child in `mode` and SIGKILLs it when its stdout has `lines` lines; resolves with the lines seen. */
function killAfter(lines: number, ...args: string[]): Promise<string[]> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'tests/faults/interrupt-child.ts'), ...args], { cwd: ROOT })
    const seen: string[] = []
    let buffer = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => { stderr += String(d) })
    child.stdout.on('data', (d: Buffer) => {
      buffer += String(d)
      const parts = buffer.split('\n')
      buffer = parts.pop() ?? ''
      seen.push(...parts)
      if (seen.length >= lines) child.kill('SIGKILL')
    })
    child.on('error', fail)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) fail(new Error(`child exited ${code}: ${stderr}`))
      else done(seen)
    })
  })
}

/** sha256 of every file under `dir` by relative path. */
function hashes(dir: string, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${name}` : name
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, hashes(dir, rel))
    else out[rel] = createHash('sha256').update(readFileSync(join(dir, rel))).digest('hex')
  }
  return out
}

/** Counts a kill whose rerun recovered (the tally's "accepted": the rerun's result was valid). */
function count(cls: string): void {
  const t = tally.get(cls) ?? { tried: 0, refused: 0 }
  tally.set(cls, { tried: t.tried + 1, refused: t.refused })
}

describe('interrupted writes', () => {
  it('a conversion killed at each stage is redone on the next run, byte-identical, its partial folder removed', async () => {
    const model = join(tmp, 'tiny')
    writeFiles(model, safetensorsFolder(tinyWeights()))
    const reference = await prepareCheckpointModel({ model, cacheDir: join(tmp, 'ref'), externalData: 'always' })
    const want = hashes(reference.dir)
    const all = await killAfter(Number.POSITIVE_INFINITY, 'convert', model, join(tmp, 'probe'))
    expect(all.at(-1)).toBe('converted')
    // kill after each progress line (hashing, every tensor), and once before any
    const points = [0, ...Array.from({ length: all.length - 1 }, (_, i) => i + 1)].filter((_, i, a) => a.length <= 6 || i % Math.ceil(a.length / 6) === 0 || i === a.length - 1)
    let leftPartial = 0
    for (const at of points) {
      const cache = join(tmp, `cache-${at}`)
      await killAfter(Math.max(at, 1), 'convert', model, cache)
      if (existsSync(join(cache, 'converted')) && readdirSync(join(cache, 'converted')).some(f => f.startsWith('.partial-'))) leftPartial++
      const again = await prepareCheckpointModel({ model, cacheDir: cache, externalData: 'always' })
      expect(hashes(again.dir), `killed after line ${at}`).toEqual(want)
      expect(readdirSync(join(cache, 'converted')).filter(f => f.startsWith('.partial-')), `killed after line ${at}`).toEqual([])
      count('interrupted conversion')
    }
    // the kills did land inside conversions (a half-written folder was there to be ignored and removed)
    expect(leftPartial).toBeGreaterThan(0)
    expect(tally.get('interrupted conversion')?.tried).toBeGreaterThanOrEqual(4)
  }, 120_000)

  it("a run's output killed mid-write: any results.json is one whole set with exactly its samples; a rerun writes cleanly", async () => {
    const valid = RUN_SETS.map(s => ({ results: s.results, samples: Object.fromEntries(s.samples) }))
    for (const at of [1, 2, 4, 7]) {
      const dir = join(tmp, `out-${at}`)
      await killAfter(at, 'write', dir)
      const files = readdirSync(dir).filter(f => !f.startsWith('earlier-'))
      if (files.includes('results.json')) {
        const results = readFileSync(join(dir, 'results.json'), 'utf8')
        const set = valid.find(v => v.results === results)
        expect(set, `killed after ${at} sets: results.json is whole`).toBeDefined()
        // the samples beside it are its own (another set's samples may only be absent, never mixed in)
        for (const f of files.filter(f => f.startsWith('samples_'))) expect(readFileSync(join(dir, f), 'utf8')).toBe(set?.samples[f])
      }
      // the rerun removes the killed process's partial files and writes the whole set
      await writeRunFiles(dir, RUN_SETS[0]!)
      expect(readdirSync(dir).filter(f => f.includes('.partial-'))).toEqual([])
      expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe(RUN_SETS[0]!.results)
      expect(existsSync(join(dir, 'samples_t2.jsonl'))).toBe(true)
      count('interrupted writes')
    }
  }, 120_000)
})
