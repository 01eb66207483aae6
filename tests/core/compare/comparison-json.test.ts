/** comparisonJson: the documented shape, keys in a stable order, numbers as computed, non-finite values as null. */
import { describe, expect, it } from 'vitest'
import { compareRuns } from '../../../src/core/compare/run-compare.ts'
import { comparisonJson, comparisonObject } from '../../../src/core/compare/comparison-json.ts'
import { parseRun } from '../../../src/core/compare/run-data.ts'
import { evalzRun, lmEvalRun } from './fixture-runs.ts'

describe('comparisonJson', () => {
  const cmp = compareRuns(lmEvalRun(), evalzRun(), { iterations: 500, seed: 7 })
  const text = comparisonJson(cmp)
  const json = JSON.parse(text) as Record<string, any>

  it('has the documented keys in order', () => {
    expect(text.endsWith('}\n')).toBe(true)
    expect(Object.keys(json)).toEqual(['format', 'version', 'a', 'b', 'bootstrap', 'warnings', 'runDiffs', 'onlyInA', 'onlyInB', 'tasks', 'groups'])
    expect(json.format).toBe('evalz-comparison')
    expect(json.bootstrap).toEqual({ seed: 7, iterations: 500, confidence: 0.95, percentiles: [0.025, 0.975] })
    expect(Object.keys(json.a)).toEqual(['label', 'producer', 'producerVersion', 'date', 'model'])
    expect(json.b.model).toEqual({ name: 'my-org/pythia-160m-sft', backend: 'transformers.js', args: 'pretrained=my-org/pythia-160m-sft,dtype=fp32', dtype: 'fp32', device: 'webgpu' })
    expect(Object.keys(json.tasks[0])).toEqual(['task', 'alias', 'outputType', 'docs', 'configDiffs', 'metrics'])
    expect(Object.keys(json.tasks[0].metrics[0])).toEqual([
      'metric', 'filter', 'aggregation', 'higherIsBetter', 'headlineA', 'headlineB', 'n', 'valueA', 'valueB', 'delta', 'interval', 'binary', 'verdict', 'note',
    ])
    expect(Object.keys(json.tasks[0].metrics[0].binary)).toEqual(['bothRight', 'bothWrong', 'fixed', 'broken', 'fixedIds', 'brokenIds', 'mcnemarP', 'normal'])
  })

  it('carries the computed numbers', () => {
    const m = cmp.tasks[0].metrics[0]
    const j = json.tasks[0].metrics[0]
    expect(j).toMatchObject({
      metric: 'acc', filter: 'none', aggregation: 'mean', higherIsBetter: true, n: 40,
      valueA: m.paired!.valueA, valueB: m.paired!.valueB, delta: m.paired!.delta,
      interval: { method: 'paired-bootstrap', low: m.paired!.interval.low, high: m.paired!.interval.high },
      headlineA: { value: m.headlineA!.value, stderr: m.headlineA!.stderr },
    })
    expect(j.binary.fixedIds).toEqual(m.paired!.binary!.fixedIds)
    expect(j.binary.mcnemarP).toBe(m.paired!.binary!.mcnemarP)
    expect(json.tasks[1].docs).toMatchObject({ matched: 16, promptDiffers: Array.from({ length: 16 }, (_, i) => i) })
    expect(json.tasks[1].configDiffs).toEqual([{ task: 'gsm8k', field: 'num_fewshot', a: '5', b: '3' }])
  })

  it('writes null for what is missing or not finite', () => {
    const run = (v: string): ReturnType<typeof parseRun> => parseRun(`{"results": {"t": {"acc,none": ${v}, "acc_stderr,none": "N/A"}}}`)
    const obj = comparisonObject(compareRuns(run('NaN'), run('0.5'))) as Record<string, any>
    const m = obj.tasks[0].metrics[0]
    expect(m).toMatchObject({ headlineA: { value: null, stderr: null }, headlineB: { value: 0.5, stderr: null }, n: 0, valueA: null, interval: null, binary: null, verdict: 'untested' })
    expect(obj.tasks[0].docs).toBeNull()
    expect(obj.a.model.dtype).toBeNull()
  })
})
