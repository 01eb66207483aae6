/** `evalz export-task`: YAML written to disk loads back (via --include-path) into the same tasks and groups. */
import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { exportTaskCommand } from '../../src/cli/export-task.ts'
import { catalogueWithIncludePaths, loadIncludePaths } from '../../src/cli/include-path.ts'
import { leafTasks, resolveSelection } from '../../src/core/tasks/registry.ts'

const FIXTURE_TASKS = resolve(import.meta.dirname, '../core/fixtures/yaml-tasks/tasks')

describe('evalz export-task', () => {
  it('exports a YAML group with its members; re-loading gives the same leaf tasks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalz-export-'))
    try {
      const out: string[] = []
      const written = await exportTaskCommand({ target: 'local_suite', to: dir, includePath: [FIXTURE_TASKS], verbose: false }, t => out.push(t))
      expect(written.map(p => p.slice(dir.length + 1)).sort()).toEqual(['arith_gen.yaml', 'local_suite.yaml', 'local_suite__local_inner.yaml', 'quiz_mc.yaml', 'reviews_dict.yaml'])
      expect(out.join('')).toContain('lm_eval --include_path')
      const before = leafTasks(resolveSelection(await catalogueWithIncludePaths([FIXTURE_TASKS]), ['local_suite']))
      const after = leafTasks(resolveSelection(await catalogueWithIncludePaths([dir]), ['local_suite']))
      expect(after).toEqual(before)
      expect(readFileSync(join(dir, 'reviews_dict.yaml'), 'utf8')).toContain('target_delimiter: "\\n=> "\n')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('exports a hooked built-in into its lm-eval folder with a utils.py', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalz-export-'))
    try {
      const out: string[] = []
      await exportTaskCommand({ target: 'winogrande', to: dir, includePath: [], verbose: false }, t => out.push(t))
      expect(readFileSync(join(dir, 'winogrande/preprocess_winogrande.py'), 'utf8')).toContain('from lm_eval.tasks.winogrande.preprocess_winogrande import doc_to_text')
      expect(out.join('')).toContain('note: winogrande/winogrande.yaml uses !function')
      const loaded = await loadIncludePaths([dir])
      expect(loaded.tasks[0].doc_to_choice).toEqual({ function: 'winogrande/preprocess_winogrande.doc_to_choice' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('copies a task folder\'s own utils.py and writes its filter class, metric and aggregation as !function', async () => {
    const pyhooks = resolve(import.meta.dirname, 'fixtures/python-hooks')
    const dir = mkdtempSync(join(tmpdir(), 'evalz-export-'))
    try {
      const out: string[] = []
      await exportTaskCommand({ target: 'py_filter', to: dir, includePath: [pyhooks], verbose: false }, t => out.push(t))
      expect(readFileSync(join(dir, 'pyhooks/utils.py'), 'utf8')).toBe(readFileSync(join(pyhooks, 'pyhooks/utils.py'), 'utf8'))
      const yaml = readFileSync(join(dir, 'pyhooks/py_filter.yaml'), 'utf8')
      expect(yaml).toContain('- function: !function utils.LastWordFilter\n')
      expect(yaml).toContain('- metric: !function utils.same_length\n    aggregation: !function utils.share_plus_count\n')
      expect(out.join('')).toContain('note: pyhooks/py_filter.yaml uses !function utils.LastWordFilter, utils.same_length, utils.share_plus_count: copied utils.py from ')
      const [before] = leafTasks(resolveSelection(await catalogueWithIncludePaths([pyhooks]), ['py_filter']))
      const [after] = leafTasks(resolveSelection(await catalogueWithIncludePaths([dir]), ['py_filter']))
      const strip = (v: unknown) => JSON.parse(JSON.stringify(v).replaceAll(`${pyhooks}/`, '').replaceAll(`${dir}/`, ''))
      expect(strip(after)).toEqual(strip(before))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('an unknown name or a missing --include-path folder is one line', async () => {
    await expect(exportTaskCommand({ target: 'arc_eazy', to: '/nonexistent', includePath: [], verbose: false }, () => {})).rejects.toThrow(/^unknown task 'arc_eazy': did you mean 'arc_easy'/)
    await expect(catalogueWithIncludePaths(['/no/such/dir'])).rejects.toThrow(/^--include-path \/no\/such\/dir: not a folder/)
  })
})
