/** Loader rules (lm-eval.md §2.1–2.2, §2.5) on small in-memory folders, and its one-line errors. */
import { describe, expect, it } from 'vitest'
import { loadTaskYaml, hookName } from '../../../../src/core/tasks/yaml/task-yaml-loader.ts'
import { parseYaml } from '../../../../src/core/tasks/yaml/yaml-parse.ts'
import { catalogueWithYaml } from '../../../../src/core/tasks/yaml/yaml-catalogue.ts'
import { builtinCatalogue } from '../../../../src/core/catalogue.ts'
import { leafTasks, resolveSelection } from '../../../../src/core/tasks/registry.ts'
import { memoryReader } from './memory-reader.ts'

const BASE = 'dataset_path: d\noutput_type: multiple_choice\ntest_split: test\ndoc_to_text: q\ndoc_to_target: 0\ndoc_to_choice: [a, b]\n'

function load(files: Record<string, string>, knownNames: Iterable<string> = []) {
  return loadTaskYaml(memoryReader(files), ['/t'], { knownNames, strict: true })
}

async function failure(files: Record<string, string>): Promise<{ code: string; message: string }> {
  try {
    await load(files)
  } catch (e) {
    return e as { code: string; message: string }
  }
  throw new Error('expected the load to fail')
}

describe('PyYAML scalar semantics', () => {
  it('resolves plain scalars as PyYAML 6 does (y/n and 1e5 stay strings, yes/on are booleans)', () => {
    const v = parseYaml('a: [y, n, yes, off, 1e5, 1.0e+5, 017, 0x1F, 1:30, 08, .5, -.5, ~, "1"]', 'f') as Map<string, unknown[]>
    expect(v.get('a')).toEqual(['y', 'n', true, false, '1e5', 100000, 15, 31, 90, '08', 0.5, '-.5', null, '1'])
  })
  it('keeps a mapping doc_to_choice in YAML order (lm-eval: list(dict.values()))', async () => {
    const { tasks } = await load({ '/t/a.yaml': `task: a\n${BASE.replace('doc_to_choice: [a, b]', 'doc_to_choice: {1: yes_, 0: no_}')}` })
    expect(tasks[0].doc_to_choice).toEqual(['yes_', 'no_'])
  })
})

describe('index, include, tags, groups', () => {
  it('merges includes (recursive, own keys win), skips base configs and keeps the first of duplicate names', async () => {
    const { tasks } = await load({
      '/t/_base_yaml': `${BASE}description: base\n`,
      '/t/common.yaml': 'include: _base_yaml\ntarget_delimiter: ":"\n',
      '/t/b/x.yaml': 'include: ../common.yaml\ntask: x\ndescription: own\ntag: t1\n',
      '/t/c/x.yaml': `task: x\n${BASE}description: second\n`,
    })
    expect(tasks).toHaveLength(1)
    expect(tasks[0]).toMatchObject({ task: 'x', description: 'own', target_delimiter: ':', tag: ['t1'], dataset_path: 'd' })
  })

  it('groups: names, {task: name, **overrides}, inline subgroups and tasks, group-level overrides winning', async () => {
    const { tasks, groups } = await load({
      '/t/a.yaml': `task: a\n${BASE}num_fewshot: 5\n`,
      '/t/g.yaml': [
        'group: g', 'task:', '  - a', '  - task: arc_easy', '    num_fewshot: 3', '    description: hi',
        '  - group: inner', '    task: [a]', '  - task: inline_t', `    dataset_path: d2`, '    test_split: test', '    doc_to_text: q', '    doc_to_target: t',
        'num_fewshot: 2', 'aggregate_metric_list: {metric: acc}', 'metadata: {version: 1.0}',
      ].join('\n'),
    }, ['arc_easy'])
    const g = groups.find(x => x.group === 'g')!
    expect(g.task).toEqual([
      { task: 'a', num_fewshot: 2 }, { task: 'arc_easy', num_fewshot: 2, description: 'hi' },
      { task: 'g::inner', num_fewshot: 2 }, { task: 'g::inline_t', num_fewshot: 2 },
    ])
    expect(g.aggregate_metric_list).toEqual([{ metric: 'acc', aggregation: 'mean', weight_by_size: false, filter_list: ['none'] }])
    expect(groups.find(x => x.group === 'g::inner')!.task).toEqual(['a'])
    expect(tasks.find(t => t.task === 'g::inline_t')).toMatchObject({ dataset_path: 'd2', output_type: 'generate_until' })
    const cat = catalogueWithYaml(builtinCatalogue(), { tasks, groups })
    const leaves = leafTasks(resolveSelection(cat, ['g']))
    expect(leaves.map(l => [l.task, l.num_fewshot])).toEqual([['a', 2], ['arc_easy', 2], ['g::inline_t', 2]])
    expect(leaves[1].description).toBe('hi')
  })

  it('registers tags (str or list, sorted) and YAML tasks replace built-ins of the same name', async () => {
    const loaded = await load({
      '/t/z.yaml': `task: zeta\ntag: mine\n${BASE}`,
      '/t/a.yaml': `task: alpha\ntag: [mine, other]\n${BASE}`,
      '/t/arc.yaml': `task: arc_easy\n${BASE}`,
    })
    const cat = catalogueWithYaml(builtinCatalogue(), loaded)
    expect(cat.tags.get('mine')).toEqual(['alpha', 'zeta'])
    expect(cat.tasks.get('arc_easy')!.dataset_path).toBe('d')
  })

  it('maps !function to the hook registry by the file\'s folder', async () => {
    expect(hookName('utils.process_docs', '/x/tasks/hellaswag')).toBe('hellaswag/utils.process_docs')
    expect(hookName('lm_eval.tasks.winogrande.preprocess_winogrande.doc_to_text', '/x')).toBe('winogrande/preprocess_winogrande.doc_to_text')
    const { tasks } = await load({ '/t/hellaswag/h.yaml': `task: h\n${BASE}process_docs: !function utils.process_docs\n` })
    expect(tasks[0].process_docs).toEqual({ function: 'hellaswag/utils.process_docs' })
  })
})

describe('errors are one line naming the file, the field and the valid values', () => {
  it('a !function with no TS port and no module beside the file names the module it looked for', async () => {
    const e = await failure({ '/t/mytask/a.yaml': `task: a\n${BASE}process_docs: !function utils.clean\n` })
    expect(e.code).toBe('HOOK_UNKNOWN')
    expect(e.message).toBe('/t/mytask/a.yaml: process_docs: !function utils.clean: no TypeScript port and no module /t/mytask/utils.py beside the YAML file')
  })
  it('include cycle', async () => {
    const e = await failure({ '/t/a.yaml': 'include: b.yaml\ntask: a\n', '/t/b.yaml': 'include: a.yaml\n' })
    expect(e.code).toBe('TASK_SPEC_INVALID')
    expect(e.message).toBe('/t/a.yaml: include: cycle /t/a.yaml → /t/b.yaml → /t/a.yaml')
  })
  it('missing include', async () => {
    const e = await failure({ '/t/a.yaml': 'include: nope.yaml\ntask: a\n' })
    expect(e.message).toMatch(/^\/t\/a\.yaml: include: cannot read 'nope\.yaml' \(\/t\/nope\.yaml\)/)
  })
  it('bad field values and unknown fields', async () => {
    const cases: [string, RegExp][] = [
      ['output_type: choice\n', /^\/t\/a\.yaml: output_type: unknown output type "choice" \(valid: loglikelihood, loglikelihood_rolling, multiple_choice, generate_until\)$/],
      ['num_fewshot: many\n', /^\/t\/a\.yaml: num_fewshot: must be an integer ≥ 0, got "many"$/],
      ['fewshot_config: {sampler: random}\n', /fewshot_config\.sampler: unknown sampler "random" \(valid: default, first_n\)$/],
      ['doc_to_txt: q\n', /^\/t\/a\.yaml: doc_to_txt: unknown task field \(valid: task, task_alias, .*metadata\)$/],
      ['filter_list: [{name: f, filter: [{function: nope}]}]\n', /filter_list\[0\] \(f\): unknown filter function "nope"/],
      ['class: !function x.Y\n', /class: Python-defined tasks/],
    ]
    for (const [extra, re] of cases) {
      const e = await failure({ '/t/a.yaml': `task: a\n${BASE}${extra}` })
      expect(e.message, extra).toMatch(re)
      expect(e.message).not.toContain('\n')
    }
  })
  it('YAML syntax errors name the line', async () => {
    const e = await failure({ '/t/a.yaml': 'task: a\ndoc_to_choice: [a, b\n' })
    expect(e.message).toMatch(/^\/t\/a\.yaml:\d+:\d+: YAML error: /)
  })
})

describe('lazy loading: problems per file, Python hooks, inline names', () => {
  it('a file that cannot load is a problem; the rest load; asking for its task fails with its reason', async () => {
    const loaded = await loadTaskYaml(memoryReader({
      '/t/a.yaml': `task: a\n${BASE}`,
      '/t/b.yaml': `task: b\n${BASE}output_type: choice\n`,
      '/t/c.yaml': 'task: [c\n',
      '/t/g.yaml': 'group: g\ntask: [a, b]\n',
    }), ['/t'])
    expect(loaded.tasks.map(t => t.task)).toEqual(['a'])
    expect(loaded.groups.map(g => g.group)).toEqual(['g'])
    expect(loaded.problems!.map(p => [p.file, p.names, p.code])).toEqual([
      ['/t/c.yaml', [], 'TASK_SPEC_INVALID'], ['/t/b.yaml', ['b'], 'TASK_SPEC_INVALID'],
    ])
    const cat = catalogueWithYaml(builtinCatalogue(), loaded)
    expect(leafTasks(resolveSelection(cat, ['a'])).map(t => t.task)).toEqual(['a'])
    expect(() => resolveSelection(cat, ['b'])).toThrow(/^\/t\/b\.yaml: output_type: unknown output type "choice"/)
    expect(() => resolveSelection(cat, ['g'])).toThrow(/^\/t\/b\.yaml: output_type/)
  })
  it('a !function without a TS port resolves to the module beside the YAML file (Python), in every place lm-eval takes one', async () => {
    const { tasks, problems } = await loadTaskYaml(memoryReader({
      '/t/x/utils.py': 'def f(d):\n  return d\n',
      '/t/x/a.yaml': [
        `task: a\n${BASE}process_docs: !function utils.f\nprocess_results: !function utils.pr`,
        'metric_list: [{metric: !function utils.m, aggregation: !function utils.agg}]',
        'filter_list: [{name: f, filter: [{function: !function utils.Filt}, {function: custom, filter_fn: !function utils.g}]}]',
        'fewshot_config: {sampler: first_n, samples: !function utils.shots}',
      ].join('\n'),
    }), ['/t'])
    expect(problems).toEqual([])
    expect(tasks[0].process_docs).toEqual({ function: '/t/x/utils.f' })
    expect(tasks[0].metric_list).toEqual([{ metric: { function: '/t/x/utils.m' }, aggregation: { function: '/t/x/utils.agg' } }])
    expect(tasks[0].filter_list![0].filter).toEqual([{ function: { function: '/t/x/utils.Filt' } }, { function: 'custom', filter_fn: { function: '/t/x/utils.g' } }])
    expect(tasks[0].fewshot_config!.samples).toEqual({ function: '/t/x/utils.shots' })
  })
  it('names inline tasks and groups <parent>::<name>, so two groups may define the same inline name', async () => {
    const inline = (g: string) => `group: ${g}\ntask:\n  - group: stem\n    task:\n      - task: t1\n        ${BASE.trimEnd().replaceAll('\n', '\n        ')}\n`
    const { tasks, groups, problems } = await loadTaskYaml(memoryReader({ '/t/g1.yaml': inline('g1'), '/t/g2.yaml': inline('g2') }), ['/t'])
    expect(problems).toEqual([])
    expect(groups.map(g => g.group)).toEqual(['g1', 'g1::stem', 'g2', 'g2::stem'])
    expect(tasks.map(t => t.task)).toEqual(['g1::stem::t1', 'g2::stem::t1'])
    expect(groups[0].task).toEqual(['g1::stem'])
  })
})
