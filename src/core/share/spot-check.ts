/**
 * Spot-checks of a shared run: choose N recorded samples with CPython's random (so anyone can redo the choice),
 * re-run only those docs, and compare each re-run sample's prompt hash, prediction and correctness with the
 * link's record — "reproduced: 25/25 identical", or the list of what differs.
 */
import type { SampleRecord } from '../results/samples.ts'
import type { SampleRow, SharePayload } from './share-payload.ts'
import { SHARE_ERROR_CODE } from './share-payload.ts'
import { HarnessError } from '../errors.ts'
import { PyRandom } from '../python/random.ts'
import { docIdOf, filterOf, sampleRow } from './sample-row.ts'

/** One recorded sample to re-run. */
export interface SpotCheckPick {
  /** task name (a key of the payload's samples) */
  readonly task: string
  /** doc index in the task's eval split */
  readonly docId: number
}

/**
 * Docs to evaluate per task: task name → doc ids (ascending, each < the eval split's length). Proposed as an
 * evaluation option (`EvalOptions.docIds`, `RunRequest.docIds`): a listed task plans exactly these docs, with the
 * few-shot sampler still advanced through every earlier doc so contexts equal a full run's.
 */
export interface DocIdFilter {
  readonly [task: string]: readonly number[]
}

/** What differs for one sample. */
export interface SpotCheckMismatch {
  /** task name */
  readonly task: string
  /** doc index in the eval split */
  readonly docId: number
  /** filter the prediction or correctness belongs to; undefined for prompt_hash */
  readonly filter: string | undefined
  /** 'missing': the re-run has no sample for this doc and filter */
  readonly field: 'prompt_hash' | 'prediction' | 'correct' | 'missing'
  /** the link's value (prompt hash prefix, choice index, answer hash prefix, 0/1); for 'missing' the filter name */
  readonly expected: number | string | null
  /** the re-run's value; null for 'missing' */
  readonly got: number | string | null
}

/** The outcome of comparing a re-run with the link's record. */
export interface SpotCheckReport {
  /** samples (task, doc) compared */
  readonly checked: number
  /** samples whose prompt hash, predictions and correctness all equal the record */
  readonly identical: number
  /** every difference, in check order */
  readonly mismatches: readonly SpotCheckMismatch[]
  /** one line: 'reproduced: 25/25 identical' or 'reproduced: 23/25 identical; differ: …' */
  readonly summary: string
}

function refuse(message: string, detail?: Record<string, unknown>): never {
  throw new HarnessError(SHARE_ERROR_CODE, message, detail)
}

/** The payload's per-sample record; throws when the link carries none. */
function tracksOf(payload: SharePayload): NonNullable<SharePayload['samples']> {
  if (payload.samples === undefined) refuse('spot-check: this link carries no per-sample record; re-run everything and compare the results instead')
  return payload.samples
}

/** The first filter's rows of a task (every filter lists the same docs). */
function firstRows(track: { readonly filters: { readonly [filter: string]: readonly SampleRow[] } }): readonly SampleRow[] {
  const first = Object.keys(track.filters)[0]
  return first === undefined ? [] : track.filters[first]
}

/**
 * Every recorded sample, in the order spot-checks draw from: tasks sorted by name (code point order), then doc ids
 * ascending; one entry per doc whatever the number of filters.
 */
export function spotCheckPopulation(payload: SharePayload): SpotCheckPick[] {
  const tracks = tracksOf(payload)
  const out: SpotCheckPick[] = []
  for (const task of Object.keys(tracks).sort()) {
    for (const row of firstRows(tracks[task])) out.push({ task, docId: row[0] })
  }
  return out
}

/**
 * The samples a spot-check re-runs: Python's `random.Random(seed).sample(population, min(n, len(population)))`
 * over spotCheckPopulation(payload), in the order drawn.
 * @example chooseSpotCheck(payload, 25, 1234) // [{ task: 'demo_capitals', docId: 17 }, …]
 */
export function chooseSpotCheck(payload: SharePayload, n: number, seed: number): SpotCheckPick[] {
  if (!Number.isSafeInteger(n) || n < 1) refuse(`spot-check: ${n} samples is not a count; use an integer ≥ 1`, { n })
  if (!Number.isSafeInteger(seed)) refuse(`spot-check: seed ${seed} is not an integer; use an integer such as 1234`, { seed })
  const population = spotCheckPopulation(payload)
  if (population.length === 0) refuse('spot-check: this link records no samples; re-run everything instead')
  return new PyRandom(seed).sample(population, Math.min(n, population.length))
}

/** The picks as a doc-id filter: per task, its doc ids ascending without repeats. */
export function spotCheckDocIds(picks: readonly SpotCheckPick[]): DocIdFilter {
  const byTask = new Map<string, Set<number>>()
  for (const p of picks) byTask.set(p.task, (byTask.get(p.task) ?? new Set<number>()).add(p.docId))
  return Object.fromEntries([...byTask].map(([task, ids]) => [task, [...ids].sort((a, b) => a - b)]))
}

/** The re-run's records of one task, by doc id then filter. */
function indexRecords(records: readonly SampleRecord[], task: string): Map<number, Map<string, SampleRecord>> {
  const out = new Map<number, Map<string, SampleRecord>>()
  for (const r of records) {
    const id = docIdOf(r, task)
    const byFilter = out.get(id) ?? new Map<string, SampleRecord>()
    if (!byFilter.has(filterOf(r))) byFilter.set(filterOf(r), r)
    out.set(id, byFilter)
  }
  return out
}

/** The one-line verdict. */
function summaryOf(checked: number, identical: number, mismatches: readonly SpotCheckMismatch[]): string {
  const head = `reproduced: ${identical}/${checked} identical`
  if (mismatches.length === 0) return head
  const shown = mismatches.slice(0, 3).map(m => `${m.task} doc ${m.docId} ${m.field}${m.filter === undefined || m.field === 'missing' ? '' : ` (${m.filter})`}`)
  const more = mismatches.length > 3 ? ` and ${mismatches.length - 3} more` : ''
  return `${head}; differ: ${shown.join(', ')}${more}`
}

/**
 * Compares a re-run's samples with the link's record for each pick (default: every recorded sample, for a full
 * re-run). A sample is identical when its prompt hash prefix and, under every recorded filter, its prediction and
 * correctness equal the record. Re-run samples that were not picked are ignored.
 * @example compareSpotCheck(payload, { demo_capitals: records }, picks).summary // 'reproduced: 10/10 identical'
 */
export function compareSpotCheck(
  payload: SharePayload,
  rerunSamples: { readonly [task: string]: readonly SampleRecord[] },
  picks: readonly SpotCheckPick[] = spotCheckPopulation(payload),
): SpotCheckReport {
  const tracks = tracksOf(payload)
  const indexes = new Map<string, { rows: Map<number, number>; rerun: Map<number, Map<string, SampleRecord>> }>()
  const mismatches: SpotCheckMismatch[] = []
  let identical = 0
  for (const { task, docId } of picks) {
    const track = Object.hasOwn(tracks, task) ? tracks[task] : undefined
    if (track === undefined) refuse(`spot-check: task '${task}' is not in this link's record; pick from spotCheckPopulation`, { task })
    let index = indexes.get(task)
    if (index === undefined) {
      index = {
        rows: new Map(firstRows(track).map((r, i) => [r[0], i])),
        rerun: indexRecords(Object.hasOwn(rerunSamples, task) ? rerunSamples[task] : [], task),
      }
      indexes.set(task, index)
    }
    const recorded = index.rows.get(docId)
    if (recorded === undefined) refuse(`spot-check: ${task} doc ${docId} is not in this link's record; pick from spotCheckPopulation`, { task, docId })
    const got = index.rerun.get(docId)
    const before = mismatches.length
    let promptChecked = false
    for (const [filter, rows] of Object.entries(track.filters)) {
      const want = rows[recorded]
      const record = got?.get(filter)
      if (record === undefined) {
        mismatches.push({ task, docId, filter, field: 'missing', expected: filter, got: null })
        continue
      }
      const row = sampleRow(record, task, track.kind, track.metric)
      if (!promptChecked) {
        promptChecked = true
        if (row[1] !== want[1]) mismatches.push({ task, docId, filter: undefined, field: 'prompt_hash', expected: want[1], got: row[1] })
      }
      if (row[2] !== want[2]) mismatches.push({ task, docId, filter, field: 'prediction', expected: want[2], got: row[2] })
      const [expected, actual] = [(want as readonly unknown[])[3] ?? null, (row as readonly unknown[])[3] ?? null] as (0 | 1 | null)[]
      if (track.metric !== null && actual !== expected) mismatches.push({ task, docId, filter, field: 'correct', expected, got: actual })
    }
    if (mismatches.length === before) identical++
  }
  return { checked: picks.length, identical, mismatches, summary: summaryOf(picks.length, identical, mismatches) }
}
