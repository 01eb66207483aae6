/**
 * `--output` and `evalz report` never lose or mix work (issue 17): the output folder is checked before any model
 * loads (no hang under /proc, no raw EEXIST), a run's files are one set (an earlier run's files are moved aside, not
 * mixed in), a folder that fails after the run falls back to a temporary folder that says where, and `report`
 * refuses to overwrite its input or to read samples that are not its results' samples.
 */
import { describe, expect, it } from 'vitest'
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { prepareOutputDir, saveRunFiles, writeRunFiles } from '../../src/cli/output-files.ts'
import { reportCommand } from '../../src/cli/report-command.ts'
import { harnessFailure, harnessThrow as harnessThrowSync } from '../rejection.ts'

const EVALZ_OUT = join(import.meta.dirname, '../core/compare/fixtures/evalz-out')

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'evalz-out-'))
}

const SET = { results: '{"results": {}}', samples: [['samples_t.jsonl', '{"doc_id": 0}\n']] as const }

describe('--output is checked before the model loads', () => {
  it('/proc/evalz-out fails at once in one line (Node’s recursive mkdir spins forever there)', async () => {
    const e = await harnessFailure(prepareOutputDir('/proc/evalz-out'))
    expect(e.code).toBe('USAGE')
    expect(e.message).toMatch(/^--output '\/proc\/evalz-out' cannot be written: .*; choose a folder you can write to$/)
  })

  it('an existing file, or a file in the path, is named', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'f'), 'x')
    expect((await harnessFailure(prepareOutputDir(join(dir, 'f')))).message).toMatch(/is a file; name a folder/)
    expect((await harnessFailure(prepareOutputDir(join(dir, 'f', 'sub')))).message).toMatch(/cannot be written: a part of the path is a file \(ENOTDIR\)/)
  })

  it('creates missing levels and leaves no probe behind', async () => {
    const dir = join(tmp(), 'a', 'b')
    await prepareOutputDir(dir)
    expect(readdirSync(dir)).toEqual([])
  })
})

describe('results and samples are written as one set', () => {
  it("a run without samples moves an earlier run's samples aside instead of leaving them beside its results", async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'results.json'), 'old')
    writeFileSync(join(dir, 'samples_old.jsonl'), 'old')
    writeFileSync(join(dir, 'notes.txt'), 'mine')
    const { written, movedEarlier } = await writeRunFiles(dir, { results: '{}', samples: [] }, new Date('2026-12-07T10:00:00Z'))
    expect(written).toEqual([join(dir, 'results.json')])
    expect(movedEarlier).toBe(join(dir, 'earlier-2026-12-07T10-00-00-000Z'))
    expect(readdirSync(dir).sort()).toEqual(['earlier-2026-12-07T10-00-00-000Z', 'notes.txt', 'results.json'])
    expect(readFileSync(join(movedEarlier as string, 'samples_old.jsonl'), 'utf8')).toBe('old')
  })

  it('results.json is written last and no partial file remains', async () => {
    const dir = tmp()
    const { written } = await writeRunFiles(dir, SET)
    expect(written.map(p => p.slice(dir.length + 1))).toEqual(['samples_t.jsonl', 'results.json'])
    expect(readdirSync(dir).sort()).toEqual(['results.json', 'samples_t.jsonl'])
  })

  it('a folder that fails after the run falls back to a temporary folder and says where (nothing lost)', async () => {
    const dir = tmp()
    writeFileSync(join(dir, 'blocker'), 'x')
    const e = await harnessFailure(saveRunFiles(join(dir, 'blocker', 'out'), SET))
    expect(e.code).toBe('OUTPUT_UNWRITABLE')
    const saved = e.detail?.savedTo as string
    expect(e.message).toContain(`the finished evaluation was saved to ${saved} instead`)
    expect(readFileSync(join(saved, 'results.json'), 'utf8')).toBe('{"results": {}}\n')
    expect(existsSync(join(saved, 'samples_t.jsonl'))).toBe(true)
  })
})

describe('evalz report refuses to overwrite or mismatch its input', () => {
  it('--output naming the results file it reads is refused, and the run is untouched', async () => {
    const dir = tmp()
    cpSync(EVALZ_OUT, dir, { recursive: true })
    const before = readFileSync(join(dir, 'results.json'), 'utf8')
    const e = await harnessFailure(reportCommand({ runs: [dir], output: join(dir, 'results.json') }))
    expect(e.message).toMatch(/is the results file this report reads; write the report to another file/)
    expect(readFileSync(join(dir, 'results.json'), 'utf8')).toBe(before)
  })

  it("samples that are not the results' own are refused, naming the samples file", async () => {
    const dir = tmp()
    cpSync(EVALZ_OUT, dir, { recursive: true })
    const name = readdirSync(dir).find(f => f.startsWith('samples_')) as string
    const lines = readFileSync(join(dir, name), 'utf8').trim().split('\n')
    // another run's samples: one doc fewer
    writeFileSync(join(dir, name), `${lines.slice(0, -1).join('\n')}\n`)
    const e = await harnessFailure(reportCommand({ runs: [dir], output: join(tmp(), 'r.md') }))
    expect(e.message).toMatch(new RegExp(`^${join(dir, name).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: samples of task '.*' cover \\d+ docs but the results file counts \\d+`))
    // same count, different docs: the task hash tells them apart
    const swapped = lines.map(l => l.replace(/"prompt_hash": "([0-9a-f])/, (_m, c: string) => `"prompt_hash": "${c === '0' ? '1' : '0'}`))
    writeFileSync(join(dir, name), `${swapped.join('\n')}\n`)
    const e2 = await harnessFailure(reportCommand({ runs: [dir], output: join(tmp(), 'r.md') }))
    expect(e2.message).toMatch(/do not match the results file's task_hashes/)
  })

  it('a truncated samples file is blamed on the samples file, not results.json', async () => {
    const dir = tmp()
    cpSync(EVALZ_OUT, dir, { recursive: true })
    const name = readdirSync(dir).find(f => f.startsWith('samples_')) as string
    const text = readFileSync(join(dir, name), 'utf8')
    writeFileSync(join(dir, name), text.slice(0, Math.floor(text.length / 2)))
    const e = await harnessFailure(reportCommand({ runs: [dir], output: join(tmp(), 'r.md') }))
    expect(e.message.startsWith(`${join(dir, name)}: `)).toBe(true)
  })
})

describe('integer options stay exact', () => {
  it('--seed 99999999999999999999 is refused instead of being recorded as 1e20', async () => {
    const { parseCommand } = await import('../../src/cli/args.ts')
    const e = harnessThrowSync(() => parseCommand(['run', '--model', 'm', '--tasks', 't', '--seed', '99999999999999999999']))
    expect(e.message).toBe("--seed must be at most 9007199254740991 (2^53-1), got '99999999999999999999'")
    const ok = parseCommand(['run', '--model', 'm', '--tasks', 't', '--seed', '9007199254740991'])
    expect(ok.command === 'run' && ok.args.seed).toBe(9007199254740991)
  })
})
