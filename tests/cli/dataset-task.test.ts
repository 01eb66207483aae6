/**
 * Dataset entries of `evalz run --tasks`: splits listed from a mirror, the mapping printed, the task added to the
 * run's catalogue, `--save-task` YAML; and, on ../shared/hf-data, the whole command on ARC-Easy, whose saved YAML
 * loaded back gives the run's prompts, which are also the built-in arc_easy's.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { builtinCatalogue } from '../../src/core/catalogue.ts'
import { planTask } from '../../src/core/tasks/task-plan.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import { cachedSource } from '../../src/data/cached-source.ts'
import { nodeDatasetCache } from '../../src/cli/dataset-cache.ts'
import { fileSafeTaskName, isDatasetEntry, listSplits, withDatasetTasks } from '../../src/cli/dataset-task.ts'
import { parseDatasetRef } from '../../src/core/tasks/auto-map.ts'
import { isHarnessError } from '../../src/core/errors.ts'
import { loadIncludePaths } from '../../src/cli/include-path.ts'
import type { TaskSpec } from '../../src/core/tasks/task-spec.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')

/** An offline source over an empty dataset cache. */
function offlineSource() {
  return cachedSource({ cache: nodeDatasetCache(mkdtempSync(join(tmpdir(), 'evalz-cache-'))), remote: undefined, offlineReason: 'this run is offline' })
}

function mirror(files: Record<string, unknown[]>): string {
  const root = mkdtempSync(join(tmpdir(), 'evalz-ds-'))
  for (const [rel, rows] of Object.entries(files)) {
    const p = join(root, rel)
    mkdirSync(dirname(p), { recursive: true })
    writeFileSync(p, rows.map(r => JSON.stringify(r)).join('\n') + '\n')
  }
  return root
}

const QA = [
  { question: 'Capital of France?', options: ['Rome', 'Paris'], answer: 1 },
  { question: 'Capital of Italy?', options: ['Rome', 'Paris'], answer: 0 },
]

/** The saved file loaded back through the --include-path YAML loader. */
async function loadSavedTask(file: string): Promise<TaskSpec> {
  const loaded = await loadIncludePaths([dirname(file)])
  expect(loaded.tasks).toHaveLength(1)
  return loaded.tasks[0]
}

async function errorOf(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p
  } catch (e) {
    if (isHarnessError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected an error')
}

describe('dataset entries', () => {
  it('reads entries with / that are no task, group or tag as datasets', () => {
    const cat = builtinCatalogue()
    expect(isDatasetEntry(cat, 'me/qa')).toBe(true)
    expect(isDatasetEntry(cat, 'arc_easy')).toBe(false)
    expect(isDatasetEntry({ ...cat, tasks: new Map([['me/qa', cat.tasks.get('arc_easy')!]]) }, 'me/qa')).toBe(false)
  })

  it('lists splits from the config folder, ignoring other files', async () => {
    const root = mirror({ 'me/qa/default/test.jsonl': QA, 'me/qa/default/train.jsonl': QA })
    writeFileSync(join(root, 'me/qa/default/README.md'), 'x')
    const files = nodeFileAccess(root)
    expect(await listSplits(parseDatasetRef('me/qa'), files, mirrorSource(files))).toEqual(['test', 'train'])
  })

  it('names the configs present when the default config is missing', async () => {
    const root = mirror({ 'me/qa/first/test.jsonl': QA, 'me/qa/second/test.jsonl': QA })
    const files = nodeFileAccess(root)
    const e = await errorOf(listSplits(parseDatasetRef('me/qa'), files, mirrorSource(files)))
    expect(e.code).toBe('DATASET_NOT_FOUND')
    expect(e.message).toContain('has no default config')
    expect(e.message).toContain('name one of: me/qa:first, me/qa:second')
  })

  it('adds the auto-mapped task under the name typed, prints the mapping, and saves YAML', async () => {
    const root = mirror({ 'me/qa/default/test.jsonl': QA, 'me/qa/default/train.jsonl': QA })
    const files = nodeFileAccess(root)
    const out: string[] = []
    const save = join(root, 'saved', 'qa.yaml')
    const cat = await withDatasetTasks(builtinCatalogue(), ['arc_easy', 'me/qa@test'], { files, source: mirrorSource(files), saveTask: save, write: t => out.push(t) })
    const spec = cat.tasks.get('me/qa@test')
    expect(spec).toMatchObject({ dataset_path: 'me/qa', test_split: 'test', fewshot_split: 'train', doc_to_choice: 'options', doc_to_target: 'answer' })
    expect(cat.tasks.has('arc_easy')).toBe(true)
    expect(out.join('')).toContain("auto-mapped dataset 'me/qa@test' as multiple_choice")
    const yaml = readFileSync(save, 'utf8')
    expect(yaml).toMatch(/^task: "?me_qa_test"?$/m)
    expect(yaml).toMatch(/^# Auto-mapped by evalz from dataset me\/qa@test/)
    expect(yaml).toContain('doc_to_text: "Question: {{question}}\\nAnswer:"\n')
    const loaded = await loadSavedTask(save)
    expect(loaded.task).toBe('me_qa_test')
    const [a, b] = await Promise.all([spec!, loaded].map(s => planTask(s, mirrorSource(files), { fewshotSeed: 1234, numFewshot: 1 })))
    expect(b.docs.map(d => d.requests.map(r => r.arguments))).toEqual(a.docs.map(d => d.requests.map(r => r.arguments)))
    expect(a.docs[0].requests[0].arguments[0]).toMatch(/^Question: Capital of (France|Italy)\?\nAnswer: (Paris|Rome)\n\nQuestion: Capital of France\?\nAnswer:$/)
  })

  it('leaves the catalogue alone without dataset entries, and --save-task needs exactly one', async () => {
    const cat = builtinCatalogue()
    const opts = { files: undefined, source: offlineSource(), saveTask: undefined, write: () => {} }
    expect(await withDatasetTasks(cat, ['arc_easy'], opts)).toBe(cat)
    const e = await errorOf(withDatasetTasks(cat, ['arc_easy'], { ...opts, saveTask: 'x.yaml' }))
    expect(e.code).toBe('USAGE')
    expect(e.message).toContain('--save-task')
  })

  it('offline with an empty cache says the dataset is not cached and how to cache it', async () => {
    const e = await errorOf(withDatasetTasks(builtinCatalogue(), ['me/qa'], { files: undefined, source: offlineSource(), saveTask: undefined, write: () => {} }))
    expect(e.message).toContain('me/qa')
    expect(e.message).toContain('offline')
  })

  it('makes file-safe task names', () => {
    expect(fileSafeTaskName('allenai/ai2_arc:ARC-Easy@test')).toBe('allenai_ai2_arc_ARC-Easy_test')
  })
})

describe.skipIf(!existsSync(HF_DATA))('evalz run --tasks allenai/ai2_arc:ARC-Easy@test (../shared/hf-data)', () => {
  it('auto-maps and runs; the saved YAML and the built-in arc_easy give the same prompts', async () => {
    const out = mkdtempSync(join(tmpdir(), 'evalz-automap-'))
    const save = join(out, 'tasks', 'arc.yaml')
    const entry = 'allenai/ai2_arc:ARC-Easy@test'
    const r = spawnSync(process.execPath, [join(ROOT, 'bin/evalz.js'), 'run', '--model', 'public/models/demo', '--tasks', entry,
      '--data-dir', HF_DATA, '--limit', '5', '--output', out, '--log-samples', '--save-task', save], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 })
    expect(r.status, r.stderr).toBe(0)
    expect(r.stderr).toContain(`auto-mapped dataset '${entry}' as multiple_choice`)
    expect(r.stderr).toContain('doc_to_target: "{{choices.label.index(answerKey)}}"')
    expect(r.stdout).toContain(entry)
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Record<string, Record<string, unknown>> }
    expect(Object.keys(results.results)).toEqual([entry])
    const samplesFile = readdirSync(out).find(f => f.startsWith('samples_'))!
    const logged = readFileSync(join(out, samplesFile), 'utf8').trim().split('\n')
      .map(l => JSON.parse(l) as { arguments: Record<string, Record<string, string>> })
      .map(s => Object.values(s.arguments).map(a => [a.arg_0, a.arg_1]))
    expect(logged).toHaveLength(5)

    const source = mirrorSource(nodeFileAccess(HF_DATA))
    const loaded = await loadSavedTask(save)
    const fromYaml = await planTask(loaded, source, { fewshotSeed: 1234, limit: 5 })
    expect(fromYaml.docs.map(d => d.requests.map(r => r.arguments))).toEqual(logged)
    const builtin = await planTask(builtinCatalogue().tasks.get('arc_easy')!, source, { fewshotSeed: 1234, limit: 5 })
    expect(builtin.docs.map(d => d.requests.map(r => r.arguments))).toEqual(logged)
    expect(builtin.docs.map(d => d.target)).toEqual(fromYaml.docs.map(d => d.target))
  })
})
