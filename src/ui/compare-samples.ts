/**
 * What the compare view needs beyond core/compare: which stored runs can be compared (shared tasks), the docs of a
 * 0/1 metric split into fixed / broken / both wrong, a one-line verdict, and the two runs' views of one doc side
 * by side (choice probabilities from sample-view.ts's loglikelihoods).
 */
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { TaskData } from '../core/compare/run-data.ts'
import type { MetricComparison, TaskComparison } from '../core/compare/run-compare.ts'
import { VERDICT_TEXT } from '../core/compare/comparison-markdown.ts'
import { formatDelta, formatInterval, formatP, formatValue } from '../core/compare/number-format.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import { softmax } from './calibration.ts'
import type { ChoiceBars } from './chart-svg.ts'
import type { SampleView } from './sample-view.ts'

/** Docs of one 0/1 metric by outcome, ascending doc ids. */
export interface FlipSets {
  /** wrong in A, right in B */
  readonly fixed: readonly number[]
  /** right in A, wrong in B */
  readonly broken: readonly number[]
  /** wrong in both */
  readonly bothWrong: readonly number[]
}

/** Task names (results keys: tasks and groups) of a stored run. */
export function resultTasks(r: RunSummary): string[] {
  return Object.keys(r.headline)
}

/** Task names two stored runs both report. */
export function sharedTasks(a: RunSummary, b: RunSummary): string[] {
  const inB = new Set(resultTasks(b))
  return resultTasks(a).filter((t) => inB.has(t))
}

/** 1 for right, 0 for wrong, undefined for anything else (a Python bool logs as true/false). */
function zeroOne(v: unknown): 0 | 1 | undefined {
  if (v === 1 || v === true) return 1
  if (v === 0 || v === false) return 0
  return undefined
}

/**
 * The matched docs of a 0/1 metric under `filter` split by outcome; `matched` are the doc ids both runs share
 * (TaskComparison.docs.matched). Docs without a 0/1 value in both runs are left out, as in the paired statistics.
 */
export function flipSets(a: TaskData, b: TaskData, metric: string, filter: string, matched: readonly number[]): FlipSets {
  const first = (t: TaskData): Map<number, unknown> => {
    const m = new Map<number, unknown>()
    for (const s of t.samples) if (s.filter === filter && !m.has(s.docId)) m.set(s.docId, s.values[metric])
    return m
  }
  const va = first(a)
  const vb = first(b)
  const fixed: number[] = []
  const broken: number[] = []
  const bothWrong: number[] = []
  for (const id of [...matched].sort((x, y) => x - y)) {
    const x = zeroOne(va.get(id))
    const y = zeroOne(vb.get(id))
    if (x === undefined || y === undefined) continue
    if (x === 0 && y === 1) fixed.push(id)
    else if (x === 1 && y === 0) broken.push(id)
    else if (x === 0 && y === 0) bothWrong.push(id)
  }
  return { fixed, broken, bothWrong }
}

/** One line saying what the paired test found for a metric, e.g. 'B better: +0.1250 [+0.0250, +0.2250], p = 0.0313'. */
export function verdictLine(t: TaskComparison, m: MetricComparison): string {
  const p = m.paired
  const head = `${t.alias} · ${m.metric}${m.filter === 'none' ? '' : ` (${m.filter})`}: ${VERDICT_TEXT[m.verdict]}`
  if (!p) return `${head}${m.note ? ` (${m.note})` : ''}`
  const stats = `${formatValue(p.valueA)} → ${formatValue(p.valueB)}, Δ ${formatDelta(p.delta)} ${formatInterval(p.interval)} 95% CI, n ${p.n}`
  return p.binary ? `${head}: ${stats}, ${p.binary.fixed} fixed / ${p.binary.broken} broken, McNemar p = ${formatP(p.binary.mcnemarP)}` : `${head}: ${stats}`
}

/** A task's samples keyed by filter and doc id. */
export function sampleIndex(samples: readonly SampleView[]): Map<string, SampleView> {
  const out = new Map<string, SampleView>()
  for (const s of samples) {
    const key = `${s.filter}\u0000${s.docId}`
    if (!out.has(key)) out.set(key, s)
  }
  return out
}

/** The sample of a doc under a filter (falling back to the doc's first sample). */
export function sampleOf(index: ReadonlyMap<string, SampleView>, filter: string, docId: number): SampleView | undefined {
  const exact = index.get(`${filter}\u0000${docId}`)
  if (exact) return exact
  for (const s of index.values()) if (s.docId === docId) return s
  return undefined
}

/**
 * The choices of one doc with each run's probability (softmax over its choices' loglikelihoods), gold and picks;
 * runs are matched by choice position (both runs saw the same doc). Empty when neither is multiple-choice.
 */
export function choiceBars(views: readonly (SampleView | undefined)[]): ChoiceBars[] {
  const base = views.find((v) => v && v.choices.length > 0)
  if (!base) return []
  const probs = views.map((v) => (v && v.choices.length === base.choices.length ? softmax(v.choices.map((c) => c.loglikelihood)) : undefined))
  return base.choices.map((c, i) => ({
    text: c.text,
    probs: probs.map((p) => p?.[i] ?? NaN),
    gold: base.goldIndex === i,
    picked: views.map((v) => v?.predictionIndex === i),
  }))
}

/**
 * A run as an option of the pickers: model, the tasks asked for (a group or tag with its member count from
 * `entries`), start time, tags.
 */
export function runOptionText(r: RunSummary, entries: readonly CatalogueEntry[] = []): string {
  const when = new Date(r.imported?.ranAt ?? r.createdAt).toLocaleString()
  const tasks = r.request.tasks.map((t) => {
    const e = entries.find((x) => x.name === t)
    return e && e.kind !== 'task' && e.members.length > 0 ? `${t} (${e.members.length})` : t
  })
  const shown = tasks.length > 3 ? `${tasks.slice(0, 3).join(', ')} +${tasks.length - 3}` : tasks.join(', ')
  return `${r.modelName} · ${shown} · ${when}${r.imported ? ' · imported' : ''}${r.tags?.length ? ` · ${r.tags.join(', ')}` : ''}`
}

/** Whether a run matches a history search: every word is found in its model, tasks, tags, note or import source. */
export function matchesSearch(r: RunSummary, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w !== '')
  if (words.length === 0) return true
  const hay = [
    r.modelName, ...r.request.tasks, ...resultTasks(r), ...(r.tags ?? []), r.note ?? '', r.imported ? `imported ${r.imported.producer}` : '', r.status,
    // the device as run and as asked ('wasm', 'webgpu', 'auto'), and the GPU adapter's name
    r.device?.device ?? '', r.request.device, r.device?.adapter ? `${r.device.adapter.vendor} ${r.device.adapter.architecture}` : '',
    r.device?.device === 'wasm' ? 'webassembly cpu' : '',
  ].join('\n').toLowerCase()
  return words.every((w) => hay.includes(w))
}
