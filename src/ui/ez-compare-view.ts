/**
 * `<ez-compare-view>`: compares two stored runs (A = baseline, B = e.g. a finetune) on the tasks they share, in the
 * page with core/compare (paired bootstrap with 10000 resamples, McNemar exact for 0/1 metrics): per task and
 * metric A, B, the delta with its 95 % interval, p and a verdict; the config differences; fixed / broken / both
 * wrong docs opening side by side; calibration plots of both runs; Markdown, JSON and HTML exports. Below: import
 * of lm-eval runs, the headline chart across runs and the plots of any one run. Fires 'runs-changed' after an
 * import.
 */
import { css, html, LitElement, nothing } from 'lit'
import type { PropertyValues } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { RunData } from '../core/compare/run-data.ts'
import type { MetricComparison, RunComparison } from '../core/compare/run-compare.ts'
import { comparisonJson } from '../core/compare/comparison-json.ts'
import { comparisonMarkdown, runLine, VERDICT_TEXT } from '../core/compare/comparison-markdown.ts'
import { formatDelta, formatInterval, formatP, formatValue } from '../core/compare/number-format.ts'
import { comparisonReportHtml } from '../core/report/html-report.ts'
import type { RunRecord } from '../protocol/eval-store.ts'
import type { RunSummary } from '../protocol/eval-worker-api.ts'
import type { JsonValue } from '../protocol/wire-json.ts'
import { parsePyJson } from '../app/wire-json.ts'
import { deltaChartSvg } from './chart-svg.ts'
import { fileSafe } from './chart-png.ts'
import { flipSets, runOptionText, sampleIndex, sharedTasks, verdictLine, type FlipSets } from './compare-samples.ts'
import { parseSamples, type SampleView, type TaskConfigView } from './sample-view.ts'
import { errorText, fire, sharedStyles } from './shared-styles.ts'
import type { EvalWorkerClient } from './worker-client.ts'
import './ez-calibration.ts'
import './ez-chart-figure.ts'
import './ez-compare-flips.ts'
import './ez-compare-import.ts'
import './ez-run-chart.ts'

/** Bootstrap resamples of the comparison (the CLI's default). */
const ITERATIONS = 10000
/** Bootstrap seed (the CLI's default). */
const SEED = 1234

/** One run of a comparison as loaded. */
interface Side {
  /** the stored record */
  readonly record: RunRecord
  /** its parsed results object (task configs for the sample views) */
  readonly results: { readonly [key: string]: JsonValue }
  /** task → samples keyed by filter and doc id */
  readonly samples: ReadonlyMap<string, ReadonlyMap<string, SampleView>>
}

/** A finished comparison with what the page shows of it. */
interface Shown {
  readonly cmp: RunComparison
  readonly a: Side
  readonly b: Side
  /** 'task\0metric\0filter' → docs by outcome, for the 0/1 metrics */
  readonly flips: ReadonlyMap<string, FlipSets>
  /** Blob URLs of the exports */
  readonly exports: { readonly md: string; readonly json: string; readonly html: string }
}

export class EzCompareView extends LitElement {
  static override styles = [sharedStyles, css`
    .pickers { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: end; }
    .field { display: flex; flex-direction: column; gap: 0.2rem; font-size: 0.9rem; min-width: 0; flex: 1 1 18rem; max-width: 32rem; }
    .field select { width: 100%; }
    .warn { border: 1px solid var(--ez-warn, #9a6700); border-radius: 8px; padding: 0.5rem 0.9rem; margin: 0.75rem 0; }
    .warn h4 { margin: 0 0 0.3rem; color: var(--ez-warn, #9a6700); }
    .warn ul { margin: 0.2rem 0 0.5rem; padding-left: 1.2rem; font-size: 0.9rem; }
    .runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 18rem), 1fr)); gap: 0.25rem 1rem; margin: 0.75rem 0; font-size: 0.9rem; }
    .verdicts { padding-left: 1.2rem; font-size: 0.9rem; }
    .better { color: var(--ez-ok, #1a7f37); font-weight: 600; }
    .worse { color: var(--ez-danger, #cf222e); font-weight: 600; }
    .unclear, .untested, .changed { color: var(--ez-muted, #57606a); }
    .exports { display: flex; gap: 0.5rem; flex-wrap: wrap; align-items: center; margin: 0.75rem 0; }
    .pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 28rem), 1fr)); gap: 1rem; }
    td.text { overflow-wrap: anywhere; max-width: 24rem; white-space: pre-wrap; }
    details.more > summary { cursor: pointer; font-weight: 600; padding: 0.4rem 0; }
    h3 { margin-top: 1.5rem; }
    /* a task's later metric rows leave its name out; as cards in a narrow window each row names it */
    .again { display: none; }
    @media (max-width: 560px) { .again { display: inline; } }
  `]

  static override properties = {
    client: { attribute: false },
    runs: { attribute: false },
    entries: { attribute: false },
    aId: { state: true },
    bId: { state: true },
    phase: { state: true },
    error: { state: true },
    shown: { state: true },
    plotId: { state: true },
    plot: { state: true },
    calibrationOpen: { state: true },
  }

  /** the worker client (getRun, importRun) */
  declare client: EvalWorkerClient | undefined
  /** stored runs, newest first */
  declare runs: readonly RunSummary[]
  /** the catalogue, to show requested groups with their member counts */
  declare entries: readonly CatalogueEntry[]
  private declare aId: string
  private declare bId: string
  private declare phase: 'idle' | 'loading' | 'computing'
  private declare error: { code: string; message: string } | undefined
  private declare shown: Shown | undefined
  /** the run whose plots are shown alone */
  private declare plotId: string
  private declare plot: Side | undefined
  /** the calibration of A and B is open (its plots are built only then) */
  private declare calibrationOpen: boolean

  constructor() {
    super()
    this.client = undefined
    this.runs = []
    this.entries = []
    this.aId = ''
    this.bId = ''
    this.phase = 'idle'
    this.error = undefined
    this.shown = undefined
    this.plotId = ''
    this.plot = undefined
    this.calibrationOpen = false
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('runs')) return
    const done = this.done()
    if (!done.some((r) => r.id === this.aId)) this.aId = ''
    if (!done.some((r) => r.id === this.bId)) this.bId = ''
    // preselect the newest run as B and the newest earlier run sharing a task as A
    if (this.aId === '' && this.bId === '' && done.length >= 2) {
      const a = done.slice(1).find((r) => sharedTasks(r, done[0]).length > 0)
      if (a) [this.aId, this.bId] = [a.id, done[0].id]
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback()
    this.revoke()
  }

  override render() {
    const done = this.done()
    const a = done.find((r) => r.id === this.aId)
    const canCompare = a !== undefined && this.bId !== '' && this.bId !== this.aId && this.phase === 'idle'
    return html`
      <p class="hint">Pick a baseline A and a run B that share tasks. The deltas are paired over the same docs: McNemar's exact test for
        right/wrong metrics, a paired bootstrap (${ITERATIONS.toLocaleString()} resamples, seed ${SEED}) for the interval.</p>
      <div class="pickers">
        <div class="field"><label for="cmp-a">A (baseline)</label>
          <select id="cmp-a" data-testid="compare-a" @change=${(e: Event) => { this.aId = (e.target as HTMLSelectElement).value }}>
            <option value="" ?selected=${this.aId === ''}>choose a run</option>
            ${done.map((r) => html`<option value=${r.id} ?selected=${r.id === this.aId}>${runOptionText(r, this.entries)}</option>`)}
          </select></div>
        <div class="field"><label for="cmp-b">B (compared)</label>
          <select id="cmp-b" data-testid="compare-b" @change=${(e: Event) => { this.bId = (e.target as HTMLSelectElement).value }}>
            <option value="" ?selected=${this.bId === ''}>choose a run</option>
            ${done.map((r) => html`<option value=${r.id} ?selected=${r.id === this.bId} ?disabled=${a !== undefined && (r.id === a.id || sharedTasks(a, r).length === 0)}>${runOptionText(r, this.entries)}</option>`)}
          </select></div>
        <button type="button" class="primary" data-testid="compare-run" ?disabled=${!canCompare} @click=${() => this.compare()}>Compare</button>
      </div>
      ${this.phase !== 'idle' ? html`<p class="muted" role="status" data-testid="compare-status">${this.phase === 'loading' ? 'Loading both runs…' : 'Computing…'}</p>` : nothing}
      ${this.error ? html`<p class="error" role="alert" data-testid="compare-error"><code>${this.error.code}</code> ${this.error.message}</p>` : nothing}
      ${this.shown ? this.renderComparison(this.shown) : nothing}
      <h3>Import a run from lm-evaluation-harness</h3>
      <ez-compare-import .client=${this.client}></ez-compare-import>
      <h3>Headline metric across runs</h3>
      <ez-run-chart .runs=${this.runs}></ez-run-chart>
      <h3>Plots of one run</h3>
      <div class="pickers"><div class="field"><label for="plot-run">Run</label>
        <select id="plot-run" data-testid="plot-run" @change=${(e: Event) => this.loadPlot((e.target as HTMLSelectElement).value)}>
          <option value="" ?selected=${this.plotId === ''}>choose a run</option>
          ${done.map((r) => html`<option value=${r.id} ?selected=${r.id === this.plotId}>${runOptionText(r, this.entries)}</option>`)}
        </select></div></div>
      ${this.plot ? html`<div data-testid="run-plots" data-run=${this.plot.record.id}><ez-calibration .samplesJsonl=${this.plot.record.samplesJsonl ?? {}}
        .results=${this.plot.results} .label=${this.plot.record.modelName}></ez-calibration></div>` : nothing}
    `
  }

  private renderComparison(s: Shown) {
    const { cmp } = s
    const diffs = [...cmp.runDiffs, ...cmp.tasks.flatMap((t) => t.configDiffs)]
    const prompts = cmp.tasks.filter((t) => (t.docs?.promptDiffers.length ?? 0) > 0)
    const binary = cmp.tasks.flatMap((t) => t.metrics.filter((m) => m.paired?.binary).map((m) => [t, m] as const))
    const delta = deltaChartSvg(cmp)
    return html`<div data-testid="comparison" data-a=${s.a.record.id} data-b=${s.b.record.id}>
      <div class="runs"><div><strong>A</strong> ${runLine(cmp.a)}</div><div><strong>B</strong> ${runLine(cmp.b)}</div></div>
      ${cmp.warnings.length > 0 ? html`<div class="warn" role="note" data-testid="compare-warnings">
        <h4>Check before trusting the deltas</h4>
        <ul>${cmp.warnings.map((w) => html`<li>${w}</li>`)}</ul>
        ${diffs.length > 0 || prompts.length > 0 ? html`<div class="scroll"><table data-testid="config-diff" class="cards">
          <thead><tr><th scope="col">Task</th><th scope="col">Setting</th><th scope="col">A</th><th scope="col">B</th></tr></thead>
          <tbody>${diffs.map((d) => html`<tr data-field=${d.field}><td class="mono" data-label="Task">${d.task ?? '(whole run)'}</td>
            <td class="mono" data-label="Setting">${d.field}</td><td class="text mono" data-label="A">${d.a}</td><td class="text mono" data-label="B">${d.b}</td></tr>`)}
            ${prompts.map((t) => html`<tr data-field="prompt_hash"><td class="mono" data-label="Task">${t.task}</td><td class="mono" data-label="Setting">prompt_hash</td>
              <td class="text" colspan="2" data-label="A and B">differs on ${t.docs!.promptDiffers.length} of ${t.docs!.matched.length} matched docs</td></tr>`)}</tbody>
        </table></div>` : nothing}
      </div>` : nothing}
      <ul class="verdicts" data-testid="compare-verdicts">${cmp.tasks.flatMap((t) => t.metrics.slice(0, 2).map((m) => html`<li class=${m.verdict}>${verdictLine(t, m)}</li>`))}</ul>
      <div class="scroll"><table data-testid="compare-table" class="cards">
        <thead><tr><th scope="col">Task</th><th scope="col">Metric</th><th scope="col">Filter</th><th scope="col" class="num">n</th><th scope="col" class="num">A</th>
          <th scope="col" class="num">B</th><th scope="col" class="num">Δ (B−A)</th><th scope="col" class="num">95% CI of Δ</th><th scope="col" class="num">fixed / broken</th>
          <th scope="col" class="num">p (McNemar)</th><th scope="col">Verdict</th></tr></thead>
        <tbody>${cmp.tasks.flatMap((t) => t.metrics.map((m, i) => this.metricRow(t.alias, i === 0, t.task, m)))}
          ${cmp.groups.flatMap((g) => g.metrics.map((m, i) => this.metricRow(`${g.alias} (group)`, i === 0, g.group, m)))}</tbody>
      </table></div>
      ${delta ? html`<ez-chart-figure .svg=${delta} .fileName=${`compare-${cmp.b.label}-vs-${cmp.a.label}`}
        .caption=${'B − A per task (first proportion metric) with its 95% paired bootstrap interval; green/red when the paired test is significant at 5%.'}></ez-chart-figure>` : nothing}
      <div class="exports"><span class="muted">Export:</span>
        <a class="button small" data-testid="export-md" href=${s.exports.md} download=${`${this.exportName(cmp)}.md`}>Markdown</a>
        <a class="button small" data-testid="export-json" href=${s.exports.json} download=${`${this.exportName(cmp)}.json`}>JSON</a>
        <a class="button small" data-testid="export-html" href=${s.exports.html} download=${`${this.exportName(cmp)}.html`}>HTML report</a></div>
      ${binary.map(([t, m]) => html`<h4>${t.alias} · ${m.metric}${m.filter === 'none' ? '' : ` (${m.filter})`}</h4>
        <ez-compare-flips data-task=${t.task} data-metric=${m.metric} .sets=${s.flips.get(`${t.task}\u0000${m.metric}\u0000${m.filter}`)} .task=${t.task} .filter=${m.filter}
          .samplesA=${s.a.samples.get(t.task) ?? new Map()} .samplesB=${s.b.samples.get(t.task) ?? new Map()}
          .labelA=${cmp.a.label} .labelB=${cmp.b.label} @open-in-chat-side=${(e: CustomEvent<{ side: string; sample: SampleView }>) => {
            e.stopPropagation()
            fire(this, 'open-in-chat', { record: e.detail.side === 'A' ? s.a.record : s.b.record, sample: e.detail.sample })
          }}></ez-compare-flips>`)}
      <details class="more" data-testid="compare-calibration" @toggle=${(e: Event) => { this.calibrationOpen = (e.target as HTMLDetailsElement).open }}>
        <summary>Calibration of A and B</summary>
        ${this.calibrationOpen ? html`<div class="pair">${[s.a, s.b].map((side, i) => html`<div><h4>${i === 0 ? 'A' : 'B'}: ${side.record.modelName}</h4>
          <ez-calibration .samplesJsonl=${side.record.samplesJsonl ?? {}} .results=${side.results} .label=${i === 0 ? cmp.a.label : cmp.b.label}></ez-calibration></div>`)}</div>` : nothing}
      </details>
    </div>`
  }

  /** One metric's row; the task's name shows on its first row (and on every card in a narrow window). */
  private metricRow(name: string, first: boolean, task: string, m: MetricComparison) {
    const p = m.paired
    const a = p ? p.valueA : m.headlineA?.value
    const b = p ? p.valueB : m.headlineB?.value
    const delta = p ? p.delta : a !== undefined && b !== undefined ? b - a : undefined
    const bin = p?.binary
    return html`<tr data-task=${task} data-metric=${m.metric} data-filter=${m.filter} data-fixed=${bin ? String(bin.fixed) : ''}
      data-broken=${bin ? String(bin.broken) : ''} data-p=${bin ? String(bin.mcnemarP) : ''} data-verdict=${m.verdict}>
      <td class="mono name" data-label="Task">${first ? name : html`<span class="again">${name}</span>`}</td>
      <td class="mono" data-label="Metric">${m.metric}</td><td class="mono" data-label="Filter">${m.filter}</td>
      <td class="num" data-label="n">${p ? p.n : '—'}</td><td class="num" data-label="A">${formatValue(a)}</td>
      <td class="num" data-label="B">${formatValue(b)}</td><td class=${`num ${m.verdict}`} data-label="Δ (B−A)">${formatDelta(delta)}</td>
      <td class="num" data-label="95% CI of Δ">${formatInterval(p?.interval)}</td>
      <td class="num" data-label="fixed / broken">${bin ? `${bin.fixed} / ${bin.broken}` : '—'}</td>
      <td class="num" data-testid="mcnemar-p" data-label="p (McNemar)">${formatP(bin?.mcnemarP)}</td>
      <td data-label="Verdict"><span class=${m.verdict}>${VERDICT_TEXT[m.verdict]}</span>${m.note && !p ? html`<br><span class="muted">${m.note}</span>` : nothing}</td></tr>`
  }

  /** Finished runs with results, newest first. */
  private done(): RunSummary[] {
    return this.runs.filter((r) => r.status === 'done')
  }

  private exportName(cmp: RunComparison): string {
    return fileSafe(`evalz-compare-${cmp.b.label}-vs-${cmp.a.label}`)
  }

  private async compare(): Promise<void> {
    if (!this.client) return
    this.error = undefined
    this.phase = 'loading'
    try {
      const [ra, rb] = await Promise.all([this.client.getRun(this.aId), this.client.getRun(this.bId)])
      if (!ra?.resultsJson || !rb?.resultsJson) throw new Error('a picked run is gone or has no results; reload the history and pick again')
      this.phase = 'computing'
      // the paired statistics (10,000 bootstrap resamples per metric) run in the worker: the page stays responsive
      const cmp = await this.client.compareRuns(this.aId, this.bId, { labels: labels(ra, rb), seed: SEED, iterations: ITERATIONS })
      const da = cmp.a
      const db = cmp.b
      const a = side(ra)
      const b = side(rb)
      this.revoke()
      this.shown = { cmp, a, b, flips: flipsOf(cmp, da, db), exports: exportsOf(cmp) }
    } catch (e) {
      this.error = errorText(e)
    } finally {
      this.phase = 'idle'
    }
  }

  private async loadPlot(id: string): Promise<void> {
    this.plotId = id
    this.plot = undefined
    if (id === '' || !this.client) return
    try {
      const record = await this.client.getRun(id)
      if (record?.resultsJson && this.plotId === id) this.plot = side(record)
    } catch (e) {
      this.error = errorText(e)
    }
  }

  private revoke(): void {
    if (!this.shown) return
    for (const url of Object.values(this.shown.exports)) URL.revokeObjectURL(url)
  }
}

/** Display names of the two runs: their model names, with the start time added when they are the same. */
function labels(a: RunRecord, b: RunRecord): [string, string] {
  if (a.modelName !== b.modelName) return [a.modelName, b.modelName]
  const when = (r: RunRecord) => new Date(r.imported?.ranAt ?? r.createdAt).toLocaleString()
  return [`${a.modelName} (${when(a)})`, `${b.modelName} (${when(b)})`]
}

/** A run's parsed results and its samples as the inspector reads them. */
function side(record: RunRecord): Side {
  const results = parsePyJson(record.resultsJson ?? '{}') as { [key: string]: JsonValue }
  const configs = (results.configs ?? {}) as Record<string, TaskConfigView>
  const samples = new Map<string, ReadonlyMap<string, SampleView>>()
  for (const [task, text] of Object.entries(record.samplesJsonl ?? {})) {
    try {
      samples.set(task, sampleIndex(parseSamples(task, text, configs[task])))
    } catch {
      // a sample view that does not parse only hides the side-by-side view; the statistics parsed already
    }
  }
  return { record, results, samples }
}

/** Fixed / broken / both-wrong docs of every 0/1 metric. */
function flipsOf(cmp: RunComparison, a: RunData, b: RunData): Map<string, FlipSets> {
  const out = new Map<string, FlipSets>()
  const tasksA = new Map(a.tasks.map((t) => [t.name, t]))
  const tasksB = new Map(b.tasks.map((t) => [t.name, t]))
  for (const t of cmp.tasks) {
    for (const m of t.metrics) {
      if (!m.paired?.binary || !t.docs) continue
      out.set(`${t.task}\u0000${m.metric}\u0000${m.filter}`, flipSets(tasksA.get(t.task)!, tasksB.get(t.task)!, m.metric, m.filter, t.docs.matched))
    }
  }
  return out
}

/** Blob URLs of the Markdown, JSON and HTML exports. */
function exportsOf(cmp: RunComparison): Shown['exports'] {
  const url = (text: string, type: string) => URL.createObjectURL(new Blob([text], { type }))
  return {
    md: url(comparisonMarkdown(cmp), 'text/markdown'),
    json: url(comparisonJson(cmp), 'application/json'),
    html: url(comparisonReportHtml(cmp, { generator: 'evalz web app' }), 'text/html'),
  }
}

customElements.define('ez-compare-view', EzCompareView)

declare global {
  interface HTMLElementTagNameMap {
    'ez-compare-view': EzCompareView
  }
}
