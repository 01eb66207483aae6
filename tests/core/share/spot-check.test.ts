import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import type { SampleRecord } from '../../../src/core/results/samples.ts'
import { buildSharePayload } from '../../../src/core/share/share-builder.ts'
import type { SampleRow, SharePayload } from '../../../src/core/share/share-payload.ts'
import { SHARE_ERROR_CODE } from '../../../src/core/share/share-payload.ts'
import { parseSampleLines } from '../../../src/core/share/sample-row.ts'
import { chooseSpotCheck, compareSpotCheck, spotCheckDocIds, spotCheckPopulation } from '../../../src/core/share/spot-check.ts'
import { RUN_DEFAULTS } from '../../../src/app/run-request.ts'
import { demoRun } from './fixtures/demo-run.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const SAMPLES = { toy_arc: fixture('samples_toy_arc.jsonl'), toy_gsm: fixture('samples_toy_gsm.jsonl') }
const records = (): Record<string, SampleRecord[]> => ({ toy_arc: parseSampleLines(SAMPLES.toy_arc, 'toy_arc'), toy_gsm: parseSampleLines(SAMPLES.toy_gsm, 'toy_gsm') })

interface GoldenCase {
  readonly name: string
  readonly tasks: Record<string, number[]>
  readonly n: number
  readonly seed: number
  readonly picks: [string, number][]
}
const GOLDEN = JSON.parse(fixture('spot-check.json')) as GoldenCase[]

/** A payload whose only interesting part is which docs it records. */
function payloadWithDocs(tasks: Record<string, number[]>): SharePayload {
  const samples = Object.fromEntries(Object.entries(tasks).map(([task, ids]) => [task, {
    kind: 'multiple_choice' as const, metric: 'acc', filters: { none: ids.map((id): SampleRow => [id, '0123456789abcdef', 0, 1]) },
  }]))
  return {
    v: 1, evalz: '0.1.0', model: { kind: 'app', id: 'demo' },
    run: { tasks: Object.keys(tasks), numFewshot: null, limit: null, seed: 1234, batchSize: 1, bootstrapIters: 0, device: 'auto' },
    samples,
  }
}

/** The payload of the hand-written toy samples. */
function toyPayload(): SharePayload {
  return buildSharePayload({
    request: { ...RUN_DEFAULTS, runId: 'r', tasks: ['toy_arc', 'toy_gsm'], limit: 3, numFewshot: undefined },
    samplesJsonl: SAMPLES, model: { kind: 'app', id: 'demo' }, evalzVersion: '0.1.0',
  }, { includeResults: false, includeSamples: true })
}

/** A copy of `p` with one recorded row edited (as someone tampering with a link would). */
function tampered(p: SharePayload, task: string, filter: string, row: number, index: 2 | 3, value: unknown): SharePayload {
  const copy = JSON.parse(JSON.stringify(p)) as { samples: Record<string, { filters: Record<string, unknown[][]> }> }
  copy.samples[task].filters[filter][row][index] = value
  return copy as unknown as SharePayload
}

describe('chooseSpotCheck', () => {
  it('has golden cases', () => {
    expect(GOLDEN.length).toBeGreaterThanOrEqual(6)
  })

  for (const c of GOLDEN) {
    it(`equals Python's random.Random(seed).sample: ${c.name}`, () => {
      const picks = chooseSpotCheck(payloadWithDocs(c.tasks), c.n, c.seed)
      expect(picks.map(p => [p.task, p.docId])).toEqual(c.picks)
    })
  }

  it('draws from tasks in name order, docs ascending, one entry per doc', () => {
    const p = toyPayload()
    expect(spotCheckPopulation(p).map(s => `${s.task}#${s.docId}`)).toEqual(['toy_arc#0', 'toy_arc#1', 'toy_arc#2', 'toy_gsm#0', 'toy_gsm#1', 'toy_gsm#2'])
  })

  it('refuses bad counts, bad seeds and links without samples', () => {
    const p = toyPayload()
    expect(() => chooseSpotCheck(p, 0, 1)).toThrow(/0 samples is not a count; use an integer ≥ 1/)
    expect(() => chooseSpotCheck(p, 2.5, 1)).toThrow(/2\.5 samples/)
    expect(() => chooseSpotCheck(p, 2, 0.5)).toThrow(/seed 0\.5 is not an integer/)
    const { samples: _, ...bare } = p
    const error = (() => { try { chooseSpotCheck(bare, 5, 1) } catch (e) { return e } })()
    expect(isHarnessError(error) && error.code).toBe(SHARE_ERROR_CODE)
    expect((error as Error).message).toMatch(/carries no per-sample record/)
    expect(() => chooseSpotCheck(payloadWithDocs({ a: [] }), 5, 1)).toThrow(/records no samples/)
  })

  it('turns picks into per-task doc ids', () => {
    expect(spotCheckDocIds([{ task: 'b', docId: 9 }, { task: 'a', docId: 3 }, { task: 'b', docId: 2 }, { task: 'b', docId: 9 }])).toEqual({ b: [2, 9], a: [3] })
  })
})

describe('compareSpotCheck', () => {
  it('a faithful re-run is identical', () => {
    const report = compareSpotCheck(toyPayload(), records())
    expect(report).toEqual({ checked: 6, identical: 6, mismatches: [], summary: 'reproduced: 6/6 identical' })
  })

  it('reports a tampered prediction and a tampered correctness', () => {
    const p = tampered(tampered(toyPayload(), 'toy_arc', 'none', 1, 2, 1), 'toy_gsm', 'flexible-extract', 1, 3, 0)
    const report = compareSpotCheck(p, records())
    expect(report.checked).toBe(6)
    expect(report.identical).toBe(4)
    expect(report.mismatches).toEqual([
      { task: 'toy_arc', docId: 1, filter: 'none', field: 'prediction', expected: 1, got: 3 },
      { task: 'toy_gsm', docId: 1, filter: 'flexible-extract', field: 'correct', expected: 0, got: 1 },
    ])
    expect(report.summary).toBe('reproduced: 4/6 identical; differ: toy_arc doc 1 prediction (none), toy_gsm doc 1 correct (flexible-extract)')
  })

  it('reports a different prompt, a different answer and a missing sample in the re-run', () => {
    const rerun = records()
    rerun.toy_arc[0] = { ...rerun.toy_arc[0], prompt_hash: 'ff'.repeat(32) }
    rerun.toy_gsm = rerun.toy_gsm.map(r => (r.doc_id === 2 && r.filter === 'strict-match' ? { ...r, filtered_resps: ['3'], exact_match: 1.0 } : r))
    rerun.toy_gsm = rerun.toy_gsm.filter(r => !(r.doc_id === 0 && r.filter === 'flexible-extract'))
    const report = compareSpotCheck(toyPayload(), rerun)
    expect(report.identical).toBe(3)
    expect(report.mismatches.map(m => [m.task, m.docId, m.field, m.filter])).toEqual([
      ['toy_arc', 0, 'prompt_hash', undefined],
      ['toy_gsm', 0, 'missing', 'flexible-extract'],
      ['toy_gsm', 2, 'prediction', 'strict-match'],
      ['toy_gsm', 2, 'correct', 'strict-match'],
    ])
    expect(report.mismatches[0]).toMatchObject({ expected: String(records().toy_arc[0].prompt_hash).slice(0, 16), got: 'f'.repeat(16) })
    expect(report.summary).toMatch(/^reproduced: 3\/6 identical; differ: toy_arc doc 0 prompt_hash, toy_gsm doc 0 missing, toy_gsm doc 2 prediction \(strict-match\) and 1 more$/)
  })

  it('compares only the picks; a task absent from the re-run is missing', () => {
    const rerun = records()
    rerun.toy_arc[2] = { ...rerun.toy_arc[2], prompt_hash: '00'.repeat(32) }
    const picks = [{ task: 'toy_arc', docId: 1 }, { task: 'toy_gsm', docId: 2 }]
    expect(compareSpotCheck(toyPayload(), rerun, picks).summary).toBe('reproduced: 2/2 identical')
    const { toy_gsm: _, ...arcOnly } = rerun
    expect(compareSpotCheck(toyPayload(), arcOnly, picks).mismatches).toEqual([
      { task: 'toy_gsm', docId: 2, filter: 'strict-match', field: 'missing', expected: 'strict-match', got: null },
      { task: 'toy_gsm', docId: 2, filter: 'flexible-extract', field: 'missing', expected: 'flexible-extract', got: null },
    ])
  })

  it('refuses picks the link does not record', () => {
    expect(() => compareSpotCheck(toyPayload(), records(), [{ task: 'toy_arc', docId: 7 }])).toThrow(/toy_arc doc 7 is not in this link's record/)
    expect(() => compareSpotCheck(toyPayload(), records(), [{ task: 'mmlu', docId: 0 }])).toThrow(/task 'mmlu' is not in this link's record/)
  })
})

describe('spot-check of a demo run (evaluator + fake backend)', () => {
  it('picks 10 samples; a re-run reproduces them; a tampered link and a different model are caught', async () => {
    const first = await demoRun({ 'Answer:': ' 4' })
    const payload = buildSharePayload({ ...first, model: { kind: 'app', id: 'demo' }, evalzVersion: '0.1.0' }, { includeResults: true, includeSamples: true })
    expect(Object.keys(payload.samples!)).toEqual(['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories'])
    expect(spotCheckPopulation(payload)).toHaveLength(114)
    const picks = chooseSpotCheck(payload, 10, 1234)
    expect(new Set(picks.map(p => `${p.task}#${p.docId}`)).size).toBe(10)

    const again = await demoRun({ 'Answer:': ' 4' })
    expect(compareSpotCheck(payload, again.records, picks).summary).toBe('reproduced: 10/10 identical')
    // records parsed back from the JSONL texts compare the same as the in-memory ones
    const parsed = Object.fromEntries(Object.entries(again.samplesJsonl).map(([t, text]) => [t, parseSampleLines(text, t)]))
    expect(compareSpotCheck(payload, parsed).summary).toBe('reproduced: 114/114 identical')

    // flip the recorded correctness of the first pick that has one
    const target = picks.find(p => payload.samples![p.task].metric !== null)!
    const track = payload.samples![target.task]
    const filter = Object.keys(track.filters)[0]
    const row = track.filters[filter].findIndex(r => r[0] === target.docId)
    const forged = tampered(payload, target.task, filter, row, 3, track.filters[filter][row][3] === 1 ? 0 : 1)
    const caught = compareSpotCheck(forged, again.records, picks)
    expect(caught.summary).toMatch(/^reproduced: 9\/10 identical; differ: /)
    expect(caught.mismatches).toEqual([{ task: target.task, docId: target.docId, filter, field: 'correct', expected: track.filters[filter][row][3] === 1 ? 0 : 1, got: track.filters[filter][row][3] }])

    const other = await demoRun({ 'Answer:': ' 7' })
    const all = compareSpotCheck(payload, other.records)
    expect(all.identical).toBe(114 - 30)
    expect(new Set(all.mismatches.map(m => m.task))).toEqual(new Set(['demo_arith']))
  })
})
