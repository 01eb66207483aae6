/**
 * The CLI exits as soon as a command returns, but only after its output is flushed: `evalz ls --json` of a task
 * folder whose listing is larger than the pipe and the reader can buffer, read by a slow reader, arrives whole (it was cut at
 * 65,536 bytes when the process exited with the rest still in Node's buffer).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const dir = mkdtempSync(join(tmpdir(), 'evalz-piped-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('piped output', () => {
  it('ls --json larger than a pipe buffer reaches a slow reader whole', async () => {
    for (let i = 0; i < 400; i++) {
      writeFileSync(join(dir, `t${i}.yaml`), `task: piped_task_${i}_${'x'.repeat(600)}\ndataset_path: local/x\ntest_split: test\ndoc_to_text: q\ndoc_to_target: a\ntag: [piped_tag_${i % 7}]\n`)
    }
    const child = spawn(process.execPath, ['bin/evalz.js', 'ls', '--json', '--include-path', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
    const chunks: Buffer[] = []
    child.stdout.pause()
    // read nothing until the command has certainly written everything and returned
    await new Promise(r => setTimeout(r, 4000))
    child.stdout.on('data', (d: Buffer) => chunks.push(d))
    child.stdout.resume()
    const code = await new Promise<number | null>(r => child.on('close', r))
    const text = Buffer.concat(chunks).toString('utf8')
    expect(code).toBe(0)
    expect(text.length).toBeGreaterThan(65536)
    const parsed = JSON.parse(text) as { entries: { name: string }[] }
    expect(parsed.entries.filter(e => e.name.startsWith('piped_task_'))).toHaveLength(400)
  }, 60_000)
})
