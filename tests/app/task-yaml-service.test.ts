/**
 * Tasks added from YAML in the web app (addTaskYaml): loaded from in-memory files, listed by listTasks, run over
 * an in-memory dataset with a fake backend, removed again; bad files answer one-line errors as data.
 */
import { describe, expect, it } from 'vitest'
import type { BatchOptions, ModelBackend } from '../../src/core/backend.ts'
import { builtinCatalogue, listCatalogue } from '../../src/core/catalogue.ts'
import { HarnessError } from '../../src/core/errors.ts'
import { evaluate } from '../../src/core/evaluator.ts'
import { pyJsonDumps } from '../../src/core/python/json.ts'
import type { Doc, DocSource, SplitRef } from '../../src/core/source.ts'
import type { RunDevice } from '../../src/protocol/device.ts'
import { createEvalService } from '../../src/app/eval-service.ts'
import { RUN_DEFAULTS } from '../../src/app/run-request.ts'
import type { PythonHookHost, PythonModule, StartPythonHooks } from '../../src/core/tasks/python-hooks.ts'
import { usePythonHooks } from '../../src/core/tasks/python-hooks.ts'

/** gold answers of the in-memory test split: 0 three times out of five */
const GOLD = [0, 1, 0, 2, 0]
const DOCS: Doc[] = GOLD.map((g, i) => ({ q: `question ${i}`, options: ['red', 'green', 'blue'], gold: g }))

/** One dataset held in memory ('local/colors', default config, split 'test'). */
const memorySource: DocSource = {
  description: 'in-memory test data',
  async hasSplit(ref: SplitRef) {
    return ref.path === 'local/colors' && ref.split === 'test'
  },
  async loadSplit(ref: SplitRef) {
    if (ref.path !== 'local/colors') throw new HarnessError('DATASET_NOT_FOUND', `no dataset '${ref.path}'`, {})
    if (ref.split !== 'test') throw new HarnessError('DATASET_SPLIT_MISSING', `no split '${ref.split}'`, {})
    return DOCS.map((d) => ({ ...d }))
  },
}

/** Every loglikelihood is -1: all choices tie, so the first choice is picked and acc = share of gold 0. */
function fakeBackend(device: RunDevice): ModelBackend {
  const info = {
    name: 'fake', version: '0', model: 'demo', modelSha256: undefined, numParameters: undefined, device, dtype: 'fp32',
    maxLength: 2048, bosToken: undefined, eosToken: undefined, padToken: undefined, prefixTokenId: 0,
  }
  async function answer<T>(n: number, opts: BatchOptions<T>, make: () => T): Promise<T[]> {
    opts.onProgress?.({ done: n, total: n, tokens: n })
    return Array.from({ length: n }, make)
  }
  return {
    info,
    loglikelihood: (reqs, opts) => answer(reqs.length, opts, () => ({ logprob: -1, isGreedy: false, contextTokens: [1], continuationTokens: [2] })),
    loglikelihoodRolling: (reqs, opts) => answer(reqs.length, opts, () => ({ logprob: -10, tokens: [1], windows: 1 })),
    generateUntil: (reqs, opts) => answer(reqs.length, opts, () => ({ text: ' x', contextTokens: [1], generatedTokens: [3] })),
    async dispose() {},
  }
}

function service(startPythonHooks?: StartPythonHooks, loaded: string[] = []) {
  const catalogue = builtinCatalogue()
  let t = 0
  return createEvalService({
    catalogue,
    entries: listCatalogue(catalogue),
    source: memorySource,
    gpu: undefined,
    loadBackend: async (_model, device) => {
      loaded.push(device)
      return fakeBackend(device)
    },
    startPythonHooks,
    evaluate,
    dumpResults: (r) => pyJsonDumps(r, { indent: 2 }),
    evalzVersion: '9.9.9',
    now: () => (t += 1),
    clock: () => 1700000000,
    throttleMs: 0,
  })
}

const TEMPLATE = `dataset_path: local/colors
output_type: multiple_choice
test_split: test
doc_to_text: "{{q}}?"
doc_to_choice: "{{options}}"
doc_to_target: gold
metric_list:
  - metric: acc
`
const TASK = 'include: _colors_template\ntask: colors_mc\n'
const GROUP = 'group: colors_all\ntask:\n  - colors_mc\naggregate_metric_list:\n  - metric: acc\n    weight_by_size: true\n'

describe('addTaskYaml', () => {
  it('adds a task with an included template, lists it and runs it over the dropped data', async () => {
    const api = service()
    const added = await api.addTaskYaml([
      { path: 'mytasks/_colors_template', text: TEMPLATE },
      { path: 'mytasks/colors_mc.yaml', text: TASK },
    ])
    expect(added).toEqual({ ok: true, value: { tasks: ['colors_mc'], groups: [] } })
    const entry = (await api.listTasks()).find((e) => e.name === 'colors_mc')
    expect(entry).toMatchObject({ kind: 'task', dataset: 'local/colors', outputType: 'multiple_choice', metrics: ['acc'] })

    const result = await api.run({ ...RUN_DEFAULTS, runId: 'y1', tasks: ['colors_mc'], limit: undefined, numFewshot: undefined, bootstrapIters: 10 }, () => undefined)
    if (result.status !== 'done') throw new Error(`run failed: ${result.error.code} ${result.error.message}`)
    const row = (result.results.results as Record<string, Record<string, unknown>>).colors_mc
    expect(row['acc,none']).toBeCloseTo(GOLD.filter((g) => g === 0).length / GOLD.length, 12)
  })

  it('adds a group over an earlier task, lists and removes both', async () => {
    const api = service()
    await api.addTaskYaml([{ path: 'mytasks/_colors_template', text: TEMPLATE }, { path: 'mytasks/colors_mc.yaml', text: TASK }])
    expect(await api.addTaskYaml([{ path: 'editor/colors_all.yaml', text: GROUP }])).toEqual({ ok: true, value: { tasks: [], groups: ['colors_all'] } })
    expect(await api.listTaskYaml()).toEqual({
      ok: true, value: [{ name: 'colors_all', kind: 'group', replacesBuiltin: false }, { name: 'colors_mc', kind: 'task', replacesBuiltin: false }],
    })
    const group = (await api.listTasks()).find((e) => e.name === 'colors_all')
    expect(group).toMatchObject({ kind: 'group', members: ['colors_mc'] })

    const builtinCount = listCatalogue(builtinCatalogue()).length
    expect((await api.removeTaskYaml('colors_all')).ok).toBe(true)
    expect((await api.removeTaskYaml('colors_mc')).ok).toBe(true)
    expect((await api.listTasks()).length).toBe(builtinCount)
    const again = await api.removeTaskYaml('colors_mc')
    expect(again.ok ? undefined : again.error.code).toBe('TASK_UNKNOWN')
    const run = await api.run({ ...RUN_DEFAULTS, runId: 'y2', tasks: ['colors_mc'], limit: 1, numFewshot: undefined, bootstrapIters: 10 }, () => undefined)
    expect(run.status === 'failed' ? run.error.code : run.status).toBe('TASK_UNKNOWN')
  })

  it('answers a missing include and a file without task or group as one-line errors, adding nothing', async () => {
    const api = service()
    const before = (await api.listTasks()).length
    const missing = await api.addTaskYaml([{ path: 'editor/colors_mc.yaml', text: TASK }])
    expect(missing.ok).toBe(false)
    if (!missing.ok) {
      expect(missing.error.code).toBe('TASK_SPEC_INVALID')
      expect(missing.error.message).toContain('_colors_template')
      expect(missing.error.message).not.toContain('\n')
    }
    const empty = await api.addTaskYaml([{ path: 'editor/x.yaml', text: 'dataset_path: local/colors\n' }])
    expect(empty.ok).toBe(false)
    const none = await api.addTaskYaml([])
    expect(none.ok ? undefined : none.error.code).toBe('USAGE')
    expect((await api.listTasks()).length).toBe(before)
    expect(await api.listTaskYaml()).toEqual({ ok: true, value: [] })
  })
})

describe('task folders with Python modules', () => {
  const HOOKED = `${TEMPLATE}task: colors_py\nprocess_docs: !function utils.keep_gold_zero\n`
  const UTILS = 'def keep_gold_zero(ds):\n    return ds.filter(lambda d: d["gold"] == 0)\n'

  it('a run imports the folder\'s utils.py through startPythonHooks before the model loads and uses its hooks', async () => {
    const modules: PythonModule[] = []
    const host: PythonHookHost = {
      call: () => { throw new Error('not called') },
      processDocs: (name, docs) => {
        expect(name).toBe('mytasks/utils.keep_gold_zero')
        return docs.filter((d) => d.gold === 0)
      },
      filter: () => { throw new Error('not called') },
    }
    const api = service(async (ms) => {
      modules.push(...ms)
      return { host, failures: new Map() }
    })
    try {
      expect((await api.addTaskYaml([{ path: 'mytasks/colors_py.yaml', text: HOOKED }, { path: 'mytasks/utils.py', text: UTILS }])).ok).toBe(true)
      const phases: string[] = []
      const result = await api.run({ ...RUN_DEFAULTS, runId: 'p1', tasks: ['colors_py'], limit: undefined, numFewshot: undefined, bootstrapIters: 10 },
        (e) => { if (e.type === 'phase') phases.push(e.phase) })
      if (result.status !== 'done') throw new Error(`run failed: ${result.error.code} ${result.error.message}`)
      expect(modules).toEqual([{ path: 'mytasks/utils.py', source: UTILS }])
      expect(phases.slice(0, 2)).toEqual(['loading-python', 'loading-model'])
      const row = (result.results.results as Record<string, Record<string, unknown>>).colors_py
      // every kept doc has gold 0 and the fake model ties, picking choice 0
      expect(row['acc,none']).toBe(1)
      expect(result.samplesJsonl).toEqual({})
    } finally {
      usePythonHooks(undefined)
    }
  })

  it('without a Python runtime, or with a module that fails to import, the run stops in one line before the model loads', async () => {
    const loaded: string[] = []
    const none = service(undefined, loaded)
    await none.addTaskYaml([{ path: 'mytasks/colors_py.yaml', text: HOOKED }, { path: 'mytasks/utils.py', text: UTILS }])
    const run = await none.run({ ...RUN_DEFAULTS, runId: 'p2', tasks: ['colors_py'], limit: 1, numFewshot: undefined, bootstrapIters: 10 }, () => undefined)
    expect(run.status === 'failed' ? [run.error.code, run.error.message] : run.status)
      .toEqual(['HOOK_UNAVAILABLE', "task 'colors_py' (mytasks/utils.py) needs Python hooks, which cannot run here"])

    const failing = service(async () => ({ host: undefined as unknown as PythonHookHost, failures: new Map([['mytasks/utils.py', "Python module 'numpy' is not available"]]) }), loaded)
    await failing.addTaskYaml([{ path: 'mytasks/colors_py.yaml', text: HOOKED }, { path: 'mytasks/utils.py', text: UTILS }])
    const bad = await failing.run({ ...RUN_DEFAULTS, runId: 'p3', tasks: ['colors_py'], limit: 1, numFewshot: undefined, bootstrapIters: 10 }, () => undefined)
    expect(bad.status === 'failed' ? [bad.error.code, bad.error.message] : bad.status)
      .toEqual(['HOOK_UNAVAILABLE', "task 'colors_py' (mytasks/utils.py): Python module 'numpy' is not available"])
    expect(loaded).toEqual([])
  })

  it('a YAML naming a utils.py the folder lacks is refused in one line naming the module', async () => {
    const api = service(async () => { throw new Error('not started') })
    const r = await api.addTaskYaml([{ path: 'mytasks/colors_py.yaml', text: HOOKED }])
    expect(r.ok ? 'added' : [r.error.code, r.error.message]).toEqual(['HOOK_UNKNOWN', expect.stringContaining('no module mytasks/utils.py beside the YAML file')])
  })
})

describe('corpus metrics in task YAML', () => {
  it('bleu, chrf and ter of a generate_until task and f1, mcc of a multiple_choice task aggregate over the docs', async () => {
    const api = service()
    const gen = `task: colors_gen\ndataset_path: local/colors\noutput_type: generate_until\ntest_split: test\ndoc_to_text: "{{q}}?"\ndoc_to_target: "{{options[gold]}}"\nmetric_list:\n  - metric: bleu\n  - metric: chrf\n  - metric: ter\n`
    const mc = `task: colors_cls\ndataset_path: local/colors\noutput_type: multiple_choice\ntest_split: test\ndoc_to_text: "{{q}}?"\ndoc_to_choice: ["no", "yes"]\ndoc_to_target: "{{1 if gold == 0 else 0}}"\nmetric_list:\n  - metric: f1\n  - metric: mcc\n`
    expect((await api.addTaskYaml([{ path: 'm/colors_gen.yaml', text: gen }, { path: 'm/colors_cls.yaml', text: mc }])).ok).toBe(true)
    const result = await api.run({ ...RUN_DEFAULTS, runId: 'c1', tasks: ['colors_gen', 'colors_cls'], limit: undefined, numFewshot: undefined, bootstrapIters: 100, logSamples: true }, () => undefined)
    if (result.status !== 'done') throw new Error(`run failed: ${result.error.code} ${result.error.message}`)
    const rows = result.results.results as Record<string, Record<string, unknown>>
    // the fake model answers ' x' to every prompt: no n-gram matches the colours
    expect(rows.colors_gen['bleu,none']).toBe(0)
    expect(rows.colors_gen['chrf,none']).toBe(0)
    expect(rows.colors_gen['ter,none']).toBe(100)
    expect(typeof rows.colors_gen['ter_stderr,none']).toBe('number')
    // every choice ties, so the prediction is 0 ('no'); the gold is 1 for the three docs with gold 0
    expect(rows.colors_cls['f1,none']).toBe(0)
    expect(rows.colors_cls['mcc,none']).toBe(0)
    const first = JSON.parse(result.samplesJsonl.colors_cls.split('\n')[0]) as Record<string, unknown>
    expect(first.f1).toEqual([1, 0])
    expect(JSON.parse(result.samplesJsonl.colors_gen.split('\n')[0]).bleu).toEqual(['red', ' x'])
  })
})
