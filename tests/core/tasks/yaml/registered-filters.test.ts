/**
 * A filter a task folder's module registers by name (`@register_filter("shout_number") class ShoutNumber`) is found
 * when the task imports that module through a `!function`, and the step becomes the Python class; names no module
 * registers stay unknown filters (one line), and built-in names are not taken over.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadTaskYaml } from '../../../../src/core/tasks/yaml/task-yaml-loader.ts'
import type { YamlReader } from '../../../../src/core/tasks/yaml/config-files.ts'
import { registeredFilters } from '../../../../src/core/tasks/yaml/registered-filters.ts'

const FIXTURE = join(import.meta.dirname, '../../fixtures/registered-filter')
const UTILS = readFileSync(join(FIXTURE, 'utils.py'), 'utf8')
const TASK = readFileSync(join(FIXTURE, 'reg_task.yaml'), 'utf8')

function reader(files: Record<string, string>): YamlReader {
  return {
    async list(dir) {
      return dir === '.' || dir === '' ? Object.keys(files).map(f => f.split('/')[0]).filter((v, i, a) => a.indexOf(v) === i).map(n => (n.endsWith('.yaml') || n.endsWith('.py') ? n : `${n}/`)) : Object.keys(files).filter(f => f.startsWith(`${dir}/`)).map(f => f.slice(dir.length + 1))
    },
    async read(path) {
      const text = files[path.replace(/^\.\//, '')]
      if (text === undefined) throw new Error(`no file ${path}`)
      return text
    },
  }
}

describe('filters registered by a task folder\'s module', () => {
  it('reads @register_filter names and their classes from module text', () => {
    expect([...registeredFilters(UTILS)]).toEqual([['shout_number', 'ShoutNumber']])
    expect([...registeredFilters('@register_filter( \'a\' )\nclass A(Filter):\n    pass\n@register_filter("b")\ndef not_a_class(): pass\n')]).toEqual([['a', 'A']])
  })

  it('turns the named step into the module\'s class with its keyword arguments', async () => {
    const loaded = await loadTaskYaml(reader({ 'reg/reg_task.yaml': TASK, 'reg/utils.py': UTILS }), ['.'], {})
    expect(loaded.problems).toEqual([])
    expect(loaded.tasks[0].filter_list?.[0].filter).toEqual([{ function: { function: 'reg/utils.ShoutNumber' }, suffix: '?' }, { function: 'take_first' }])
  })

  it('leaves a name no imported module registers as an unknown filter, reported in one line', async () => {
    const loaded = await loadTaskYaml(reader({ 'reg/reg_task.yaml': TASK.replace('"shout_number"', '"whisper_number"'), 'reg/utils.py': UTILS }), ['.'], {})
    expect(loaded.tasks).toEqual([])
    expect((loaded.problems ?? []).map(p => p.reason)).toEqual([expect.stringMatching(/^reg\/reg_task\.yaml: filter_list\[0\] \(shout\): unknown filter function "whisper_number" \(step 0\); known filters: /)])
  })
})
