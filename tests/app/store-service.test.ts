/**
 * The storage calls added for comparisons: importRun stores lm-eval's files as a finished, imported run (checked by
 * parsing them; bad files come back as one-line errors), setRunLabels edits tags and notes through one IndexedDB
 * transaction (fake-indexeddb), and the history summary carries each task's headline with its stderr.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRun } from '../../src/core/compare/run-data.ts'
import { compareRuns } from '../../src/core/compare/run-compare.ts'
import type { RunRecord } from '../../src/protocol/eval-store.ts'
import type { Outcome } from '../../src/protocol/eval-worker-api.ts'
import { cleanLabels, createStoreApi, importedRecord, MAX_TAG_LENGTH, MAX_TAGS, summarize } from '../../src/app/store-service.ts'
import { openEvalzDb } from '../../src/storage/db.ts'
import { idbEvalStore } from '../../workers/idb-eval-store.ts'
import { EVALZ_DIR, LM_DATE, LM_DIR, read } from '../core/compare/fixture-runs.ts'

const RESULTS = read(join(LM_DIR, `results_${LM_DATE}.json`))
const ARC = read(join(LM_DIR, `samples_arc_easy_${LM_DATE}.jsonl`))
const GSM = read(join(LM_DIR, `samples_gsm8k_${LM_DATE}.jsonl`))

async function api() {
  const db = await openEvalzDb({ factory: new IDBFactory(), name: 'evalz-store-service-test' })
  const store = idbEvalStore(db, undefined)
  let n = 0
  return { api: createStoreApi(store, () => 1_700_000_000_000, () => `import-${++n}`), store }
}

function value<T>(o: Outcome<T>): T {
  if (!o.ok) throw new Error(`${o.error.code}: ${o.error.message}`)
  return o.value
}

describe('importRun', () => {
  it('stores lm-eval results and samples as a done, imported run that parses back the same', async () => {
    const { api: s, store } = await api()
    const summary = value(await s.importRun({ resultsJson: RESULTS, samplesJsonl: { arc_easy: ARC, gsm8k: GSM }, label: '  pythia base ', fileNames: ['results.json'] }))
    expect(summary).toMatchObject({
      id: 'import-1', status: 'done', modelName: 'pythia base', createdAt: 1_700_000_000_000,
      imported: { producer: 'lm-eval', producerVersion: '0.4.8', fileNames: ['results.json'], ranAt: 1741944413590 },
    })
    expect(summary.request).toMatchObject({ tasks: ['arc_easy', 'gsm8k'], limit: undefined, numFewshot: undefined, seed: 1234, logSamples: true })
    expect(summary.headline).toEqual({ arc_easy: ['acc', 0.425], gsm8k: ['exact_match', 0.5] })
    expect(summary.headlineStats?.arc_easy).toEqual({ metric: 'acc', filter: 'none', value: 0.425, stderr: 0.07915823166939517, docs: 40 })
    // the history lists it, and the stored texts are the files as given
    expect(value(await s.listRuns()).map((r) => r.id)).toEqual(['import-1'])
    const stored = (await store.getRun('import-1'))!
    expect(stored.resultsJson).toBe(RESULTS)
    expect(stored.samplesJsonl).toEqual({ arc_easy: ARC, gsm8k: GSM })
    expect(parseRun(stored.resultsJson!, stored.samplesJsonl).tasks.map((t) => t.samples.length)).toEqual([40, 32])
  })

  it('names the run after the model when no label is given, and keys samples given by file-name form', () => {
    const text = RESULTS.replace(/"arc_easy"/g, '"my/arc"')
    const r = importedRecord({ resultsJson: text, samplesJsonl: { 'my__arc': ARC } }, 'x', 5)
    expect(r.modelName).toBe('EleutherAI/pythia-160m')
    expect(Object.keys(r.samplesJsonl!)).toEqual(['my/arc'])
  })

  it('reads an evalz results file as evalz', () => {
    const r = importedRecord({ resultsJson: read(join(EVALZ_DIR, 'results.json')), samplesJsonl: {} }, 'y', 5)
    expect(r.imported?.producer).toBe('evalz')
    expect(r.request.logSamples).toBe(false)
  })

  it('refuses bad files with one line and stores nothing', async () => {
    const { api: s } = await api()
    const bad = [
      await s.importRun({ resultsJson: '{"results": ', samplesJsonl: {} }),
      await s.importRun({ resultsJson: '{"config": {}}', samplesJsonl: {} }),
      await s.importRun({ resultsJson: RESULTS, samplesJsonl: { hellaswag: ARC } }),
      await s.importRun({ resultsJson: RESULTS, samplesJsonl: { arc_easy: '{"doc_id": "x"}' } }),
      await s.importRun({ resultsJson: '{"results": {}}', samplesJsonl: {} }),
    ]
    const errors = bad.map((o) => (o.ok ? 'stored' : `${o.error.code} ${o.error.message}`))
    expect(errors[0]).toMatch(/^DATASET_PARSE_ERROR results file is not valid JSON/)
    expect(errors[1]).toMatch(/^DATASET_PARSE_ERROR results file has no "results" object/)
    expect(errors[2]).toMatch(/^DATASET_PARSE_ERROR samples file for 'hellaswag' matches no task .*arc_easy, gsm8k/)
    expect(errors[3]).toMatch(/^DATASET_PARSE_ERROR samples of task 'arc_easy', line 1: doc_id is "x"/)
    expect(errors[4]).toMatch(/^DATASET_PARSE_ERROR the results file lists no tasks/)
    for (const e of errors) expect(e).not.toContain('\n')
    expect(value(await s.listRuns())).toEqual([])
  })
})

describe('compareRuns', () => {
  it('compares two stored runs in the worker exactly as core/compare does on their texts', async () => {
    const { api: s } = await api()
    const a = value(await s.importRun({ resultsJson: RESULTS, samplesJsonl: { arc_easy: ARC, gsm8k: GSM } }))
    const evalzResults = read(join(EVALZ_DIR, 'results.json'))
    const evalzSamples = { arc_easy: read(join(EVALZ_DIR, 'samples_arc_easy.jsonl')), gsm8k: read(join(EVALZ_DIR, 'samples_gsm8k.jsonl')) }
    const b = value(await s.importRun({ resultsJson: evalzResults, samplesJsonl: evalzSamples }))
    const opts = { labels: ['base', 'sft'] as const, seed: 7, iterations: 500 }
    const cmp = value(await s.compareRuns(a.id, b.id, opts))
    const direct = compareRuns(parseRun(RESULTS, { arc_easy: ARC, gsm8k: GSM }, { label: 'base' }), parseRun(evalzResults, evalzSamples, { label: 'sft' }), { seed: 7, iterations: 500 })
    expect(structuredClone(cmp)).toEqual(direct)
    const gone = await s.compareRuns(a.id, 'nope', opts)
    expect(gone.ok ? '' : gone.error.message).toBe("run 'nope' is gone or has no results; reload the history and pick again")
  })
})

describe('setRunLabels', () => {
  it('sets, replaces and clears tags and note, keeping the rest of the record', async () => {
    const { api: s, store } = await api()
    const { id } = value(await s.importRun({ resultsJson: RESULTS, samplesJsonl: { arc_easy: ARC } }))
    const a = value(await s.setRunLabels(id, { tags: [' base ', 'gpu', 'base', ''], note: '  first try \n' }))
    expect([a.tags, a.note]).toEqual([['base', 'gpu'], 'first try'])
    // a field left out is kept
    const b = value(await s.setRunLabels(id, { note: 'second' }))
    expect([b.tags, b.note]).toEqual([['base', 'gpu'], 'second'])
    const c = value(await s.setRunLabels(id, { tags: [], note: '' }))
    expect('tags' in c || 'note' in c).toBe(false)
    const stored = (await store.getRun(id))!
    expect(stored.samplesJsonl?.arc_easy).toBe(ARC)
    expect(stored.imported?.producer).toBe('lm-eval')
    expect(value(await s.listRuns())[0].headline.arc_easy).toEqual(['acc', 0.425])
  })

  it('answers one-line errors for an unknown run and for labels over the limits', async () => {
    const { api: s } = await api()
    const unknown = await s.setRunLabels('nope', { tags: ['x'] })
    expect(unknown.ok ? '' : `${unknown.error.code} ${unknown.error.message}`).toMatch(/^USAGE no stored run has id 'nope'/)
    expect(() => cleanLabels({ tags: ['x'.repeat(MAX_TAG_LENGTH + 1)] })).toThrow(/characters long; keep tags to 40/)
    expect(() => cleanLabels({ tags: Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`) })).toThrow(/21 tags given; a run keeps at most 20/)
    expect(() => cleanLabels({ tags: 'a,b' as unknown as string[] })).toThrow(/tags must be a list of strings/)
    expect(cleanLabels({})).toEqual({})
  })
})

describe('summarize', () => {
  it('gives no stats for a run without results and survives unparsable results', () => {
    const base: RunRecord = {
      id: 'r', createdAt: 1, status: 'running', modelName: 'm',
      request: { runId: 'r', model: 'demo', device: 'wasm', tasks: ['demo'], limit: undefined, numFewshot: undefined, batchSize: 1, seed: 1234, bootstrapIters: 0 },
    }
    expect(summarize(base)).toEqual({ ...base, headline: {} })
    expect(summarize({ ...base, resultsJson: '{oops' })).toMatchObject({ headline: {}, headlineStats: {} })
  })
})
