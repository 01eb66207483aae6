/** The app's SVG charts: self-contained (own stylesheet), escaped, with the right bars and intervals. */
import { describe, expect, it } from 'vitest'
import { compareRuns } from '../../src/core/compare/run-compare.ts'
import type { RunSummary } from '../../src/protocol/eval-worker-api.ts'
import type { Calibration } from '../../src/ui/calibration.ts'
import { calibrationSvg, chartTasks, choiceProbabilitySvg, deltaChartSvg, headlineBar, runsChartSvg, withChartStyle } from '../../src/ui/chart-svg.ts'
import { evalzRun, lmEvalRun } from '../core/compare/fixture-runs.ts'

function summary(id: string, created: number, stats: RunSummary['headlineStats'], over: Partial<RunSummary> = {}): RunSummary {
  return {
    id, createdAt: created, status: 'done', modelName: `<m${id}>`,
    request: { runId: id, model: 'demo', device: 'wasm', tasks: ['t'], limit: undefined, numFewshot: undefined, batchSize: 1, seed: 1234, bootstrapIters: 0 },
    headline: {}, headlineStats: stats, ...over,
  }
}

describe('headlineBar', () => {
  it('uses ±1.96·stderr, Wilson at 0 % and 100 %, and skips values outside 0…1', () => {
    const b = headlineBar('x', { metric: 'acc', filter: 'none', value: 0.5, stderr: 0.1, docs: 25 }, 'x')!
    expect([b.low, b.high]).toEqual([0.5 - 0.196, 0.5 + 0.196])
    expect(b.valueText).toBe('0.5000 ± 0.1960')
    const w = headlineBar('x', { metric: 'acc', filter: 'none', value: 1, stderr: 0, docs: 10 }, 'x')!
    // Wilson score interval for 10/10 at z = 1.96: [0.7225, 1]
    expect(w.low).toBeCloseTo(0.72246, 4)
    expect(w.high).toBe(1)
    expect(w.valueText).toMatch(/Wilson$/)
    expect(headlineBar('x', { metric: 'perplexity', filter: 'none', value: 12.5, stderr: 1, docs: 3 }, 'x')).toBeUndefined()
  })
})

describe('runsChartSvg', () => {
  it('draws one bar per done run with the task, oldest at the top, labels escaped, stylesheet inside', () => {
    const runs = [
      summary('3', 3e12, { t: { metric: 'acc', filter: 'none', value: 0.75, stderr: 0.05, docs: 40 } }),
      summary('2', 2e12, { u: { metric: 'acc', filter: 'none', value: 0.5, stderr: 0.05, docs: 40 } }),
      summary('1', 1e12, { t: { metric: 'acc', filter: 'none', value: 0.25, stderr: 0.05, docs: 40 } }),
      summary('0', 0, { t: { metric: 'acc', filter: 'none', value: 0.5, stderr: 0.05, docs: 40 } }, { status: 'failed' }),
    ]
    expect(chartTasks(runs)).toEqual(['t', 'u'])
    const { svg, bars } = runsChartSvg(runs, 't')
    expect(bars).toBe(2)
    expect(svg).toMatch(/^<svg class="chart"[^>]*><style>svg\.chart/)
    expect(svg).not.toContain('<m1>')
    const first = svg.indexOf('&lt;m1&gt;')
    const second = svg.indexOf('&lt;m3&gt;')
    expect(first).toBeGreaterThan(0)
    expect(second).toBeGreaterThan(first)
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2)
    expect(runsChartSvg(runs, 't', 1).bars).toBe(1)
  })
})

describe('other charts', () => {
  it('draws the deltas of a comparison', () => {
    const svg = deltaChartSvg(compareRuns(lmEvalRun(), evalzRun(), { iterations: 100 }))!
    expect(svg).toContain('arc_easy · acc')
    expect(svg).toContain('gsm8k · exact_match')
    expect(svg).toContain('<line class="zero"')
  })

  it('draws a reliability diagram with a bar per non-empty bin and the diagonal', () => {
    const bins = Array.from({ length: 10 }, (_, i) => ({ low: i / 10, high: (i + 1) / 10, count: i === 5 || i === 9 ? 2 : 0, confidence: i === 5 ? 0.55 : i === 9 ? 0.95 : undefined, accuracy: i === 5 ? 0.5 : i === 9 ? 1 : undefined }))
    const cal: Calibration = { bins, docs: 4, ece: 0.05, meanConfidence: 0.75, accuracy: 0.75 }
    const svg = calibrationSvg(cal, 'Calibration of <x>')
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2)
    expect(svg).toContain('<line class="ideal"')
    expect(svg).toContain('aria-label="Calibration of &lt;x&gt;"')
    expect(svg).toContain('<style>')
  })

  it('draws each choice\'s probability per run, marking gold and picks', () => {
    const svg = choiceProbabilitySvg([
      { text: 'Paris & co', probs: [0.7, 0.2], gold: true, picked: [true, false] },
      { text: 'Rome', probs: [0.3, 0.8], gold: false, picked: [false, true] },
    ], ['A', 'B'], 'doc 3')
    expect(svg).toContain('★ Paris &amp; co')
    expect(svg.match(/<rect class="bar"/g)).toHaveLength(2)
    expect(svg.match(/<rect class="bar b"/g)).toHaveLength(2)
    expect(svg.match(/◀/g)).toHaveLength(2)
    expect(withChartStyle('<svg class="chart"><g/></svg>')).toMatch(/^<svg class="chart"><style>[^<]+<\/style><g\/><\/svg>$/)
  })
})
