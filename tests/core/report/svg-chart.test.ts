/** The inline SVG bar chart: geometry on its axis, clamped whiskers, nice symmetric delta axes, escaped text. */
import { describe, expect, it } from 'vitest'
import { barChartSvg, deltaAxis, unitAxis } from '../../../src/core/report/svg-chart.ts'

function attr(svg: string, tag: string, index: number, name: string): number {
  const el = [...svg.matchAll(new RegExp(`<${tag} ([^>]*)>`, 'g'))][index][1]
  return Number(new RegExp(`${name}="([^"]*)"`).exec(el)![1])
}

describe('barChartSvg', () => {
  it('draws a bar from 0 to the value and a whisker over the interval', () => {
    const svg = barChartSvg([{ label: 'arc_easy', value: 0.5, low: 0.25, high: 0.75, valueText: '0.5000 ± 0.2500' }], unitAxis(), 'chart')
    const x0 = attr(svg, 'rect', 0, 'x')
    const width = attr(svg, 'rect', 0, 'width')
    // ticks at 0 and 1 bound the plot: the bar spans half of it
    const left = attr(svg, 'line', 0, 'x1')
    const right = attr(svg, 'line', 4, 'x1')
    expect(x0).toBeCloseTo(left, 1)
    expect(width).toBeCloseTo((right - left) / 2, 1)
    const whisker = [...svg.matchAll(/<line class="whisker" x1="([^"]*)" x2="([^"]*)"/g)].map(m => [Number(m[1]), Number(m[2])])
    expect(whisker[0][0]).toBeCloseTo(left + (right - left) / 4, 1)
    expect(whisker[0][1]).toBeCloseTo(left + (3 * (right - left)) / 4, 1)
    expect(whisker).toHaveLength(3)
    expect(svg).toContain('role="img" aria-label="chart"')
  })

  it('clamps a whisker that leaves the axis and drops its end cap', () => {
    const svg = barChartSvg([{ label: 't', value: 0.9, low: 0.7, high: 1.2, valueText: '' }], unitAxis(), 'c')
    const lines = [...svg.matchAll(/<line class="whisker"/g)]
    expect(lines).toHaveLength(2)
    expect(attr(svg, 'line', 5, 'x2')).toBeCloseTo(attr(svg, 'line', 4, 'x1'), 1)
  })

  it('draws negative deltas to the left of zero on a symmetric axis', () => {
    const bars = [{ label: 'a', value: -0.12, low: -0.31, high: 0.02, valueText: '' }, { label: 'b', value: 0.15, low: 0, high: 0.33, valueText: '' }]
    const axis = deltaAxis(bars)
    expect(axis).toEqual({ min: -0.4, max: 0.4, ticks: [-0.4, -0.2, 0, 0.2, 0.4] })
    const svg = barChartSvg(bars, axis, 'deltas')
    const zero = attr(svg, 'line', 2, 'x1')
    expect(attr(svg, 'rect', 0, 'x') + attr(svg, 'rect', 0, 'width')).toBeCloseTo(zero, 1)
    expect(attr(svg, 'rect', 1, 'x')).toBeCloseTo(zero, 1)
    expect(svg).toContain('>+0.2<')
  })

  it('picks nice axes for tiny and large deltas', () => {
    expect(deltaAxis([{ label: 'x', value: 0, valueText: '' }]).max).toBe(0.05)
    expect(deltaAxis([{ label: 'x', value: 37, low: -80, high: 120, valueText: '' }]).max).toBe(200)
  })

  it('escapes labels, tooltips and the title', () => {
    const svg = barChartSvg([{ label: '<script>x</script>', value: 0.1, valueText: 'a&b', detail: '"q"' }], unitAxis(), '<t>')
    expect(svg).not.toContain('<script>')
    expect(svg).toContain('&lt;script&gt;x&lt;/script&gt;')
    expect(svg).toContain('a&amp;b')
    expect(svg).toContain('&quot;q&quot;')
    expect(svg).toContain('aria-label="&lt;t&gt;"')
  })
})
