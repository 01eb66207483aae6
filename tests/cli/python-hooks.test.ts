/**
 * Python hooks in three places (process_docs, process_results, a filter class; plus a metric and an aggregation
 * function; fixtures/python-hooks) run end to
 * end in the CLI in Pyodide on the demo model, and the docs, filtered answers, per-sample metrics and results equal
 * the same hooks run in CPython (check_cpython.py; skipped, saying so, without python3). A hook module importing a
 * package Pyodide lacks stops the run before the model loads, in one line naming the module.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../..')
const FIXTURE = resolve(import.meta.dirname, 'fixtures/python-hooks')
const tmp = mkdtempSync(join(tmpdir(), 'evalz-pyhooks-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function python3(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}
const havePython = python3()
if (!havePython) console.log('skipping the CPython comparison of Python hooks: python3 is absent')

function evalz(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/evalz.js', ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, EVALZ_CACHE: join(tmp, 'cache') } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('Python hooks run in Pyodide', () => {
  it('process_docs, process_results and a filter class give what CPython gives', () => {
    const out = join(tmp, 'out')
    const r = evalz('run', '--model', 'public/models/demo', '--include-path', FIXTURE, '--tasks', 'py_docs,py_results,py_filter',
      '--data-dir', 'public/datasets', '--output', out, '--log-samples')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/Python hooks: 1 module\(s\) imported in Pyodide/)
    expect(r.stdout).toMatch(/\|py_docs\s+\|\s+1\|none/)
    if (!havePython) return
    const check = spawnSync('python3', [join(FIXTURE, 'check_cpython.py'), out, join(ROOT, 'public/datasets')], { encoding: 'utf8' })
    expect(check.stdout.trim(), check.stderr).toBe('ok')
  }, 240_000) // Pyodide's start-up: ~15 s idle, over a minute when the machine is loaded
  it('a module that imports what Pyodide lacks stops the run in one line naming the module', () => {
    const dir = join(tmp, 'needs-numpy')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'utils.py'), 'import numpy as np\n\ndef process_docs(ds):\n    return ds\n')
    writeFileSync(join(dir, 'np_task.yaml'), 'task: np_task\ndataset_path: evalz/demo-arith\ntest_split: test\nprocess_docs: !function utils.process_docs\ndoc_to_text: question\ndoc_to_target: answer\n')
    const r = evalz('run', '--model', 'public/models/demo', '--include-path', dir, '--tasks', 'np_task', '--data-dir', 'public/datasets')
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n').filter(l => l.startsWith('evalz: error'))).toEqual([
      `evalz: error: task 'np_task' (${dir}/utils.py): Python module 'numpy' is not available in evalz's Pyodide (only the standard library is bundled)`,
    ])
  }, 240_000)
})
