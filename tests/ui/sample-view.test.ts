import { describe, expect, it } from 'vitest'
import { chanceLevel, chanceLevels, parseSamples } from '../../src/ui/sample-view.ts'

/** A multiple-choice record in lm-eval's samples layout (values as Python str() of floats and bools). */
function mcLine(docId: number, choices: string[], lls: number[], target: string, acc: number): string {
  const args = Object.fromEntries(choices.map((c, i) => [`gen_args_${i}`, { arg_0: 'Q: capital?\nA:', arg_1: ` ${c}` }]))
  return JSON.stringify({
    doc_id: docId, doc: {}, target, arguments: args,
    resps: lls.map((ll) => [[String(ll), 'False']]), filtered_resps: lls.map((ll, i) => [String(ll), i === 0 ? 'True' : 'False']),
    filter: 'none', metrics: ['acc', 'acc_norm'], acc, acc_norm: acc,
  })
}

describe('parseSamples', () => {
  it('reads a multiple-choice record: choices, normalized scores, gold, prediction, correctness', () => {
    const text = `${mcLine(0, ['Rome', 'Canberra'], [-8, -2], '1', 1)}\n${mcLine(1, ['Oslo', 'Bern', 'Zürich'], [-1, -3, -3], '2', 0)}\n`
    const views = parseSamples('caps', text, { output_type: 'multiple_choice', target_delimiter: ' ' })
    expect(views).toHaveLength(2)
    const [a, b] = views
    expect(a.prompt).toBe('Q: capital?\nA:')
    expect(a.choices.map((c) => c.text)).toEqual(['Rome', 'Canberra'])
    expect(a.choices[0]).toEqual({ text: 'Rome', loglikelihood: -8, normalized: -2, greedy: true })
    expect(a.choices[1].normalized).toBeCloseTo(-2 / 8, 12)
    expect([a.goldIndex, a.predictionIndex, a.prediction, a.correct]).toEqual([1, 1, 'Canberra', true])
    // 'Zürich' is 6 code points (7 UTF-8 bytes)
    expect(b.choices[2].normalized).toBeCloseTo(-3 / 6, 12)
    expect([b.goldIndex, b.predictionIndex, b.correct]).toEqual([2, 0, false])
  })

  it('reads generation, loglikelihood and rolling records', () => {
    const gen = JSON.stringify({
      doc_id: 3, target: '23', arguments: { gen_args_0: { arg_0: 'Q: 3+20?\nA:', arg_1: { until: ['\n'] } } },
      resps: [[' 23']], filtered_resps: ['23'], filter: 'strict-match', metrics: ['exact_match'], exact_match: 1.0,
    })
    const [g] = parseSamples('arith', gen, { output_type: 'generate_until' })
    expect([g.prompt, g.prediction, g.gold, g.filter, g.correct, g.choices]).toEqual(['Q: 3+20?\nA:', '23', '23', 'strict-match', true, []])
    // the raw generation, before the filter, is kept beside the filtered answer
    expect(g.rawOutput).toBe(' 23')
    const ll = JSON.stringify({
      doc_id: 0, target: ' frog', arguments: { gen_args_0: { arg_0: 'a green', arg_1: ' frog' } },
      resps: [[['-1.5', 'False']]], filtered_resps: [['-1.5', 'False']], filter: 'none', metrics: ['perplexity', 'acc'], perplexity: -1.5, acc: 0,
    })
    const [l] = parseSamples('cloze', ll, { output_type: 'loglikelihood' })
    expect(l.prediction).toBe('loglikelihood -1.5, greedy: False')
    expect(l.rawOutput).toBeUndefined()
    expect(l.correct).toBe(false) // judged by acc, not by the first metric (perplexity)
    const ppOnly = ll.replace('"metrics":["perplexity","acc"]', '"metrics":["perplexity"]')
    expect(parseSamples('cloze', ppOnly, { output_type: 'loglikelihood' })[0].correct).toBeUndefined()
    const roll = JSON.stringify({ doc_id: 0, target: 't', arguments: { gen_args_0: { arg_0: 'text' } }, resps: [['-9.0']], filtered_resps: ['-9.0'], filter: 'none', metrics: ['word_perplexity'], word_perplexity: 1 })
    expect(parseSamples('stories', roll, { output_type: 'loglikelihood_rolling' })[0].correct).toBeUndefined()
  })

  it('accepts Python json.dumps non-finite numbers', () => {
    const line = '{"doc_id": 0, "target": "x", "arguments": {"gen_args_0": {"arg_0": "p", "arg_1": " x"}}, "resps": [[["-Infinity", "False"]]], "filtered_resps": [["-Infinity", "False"]], "filter": "none", "metrics": ["acc"], "acc": NaN}'
    const [v] = parseSamples('t', line, { output_type: 'multiple_choice' })
    expect(v.choices[0].loglikelihood).toBe(-Infinity)
    expect(v.metrics.acc).toBe('NaN')
  })
})

describe('chance level', () => {
  it('is the mean over docs of 1 / number of choices, once per doc', () => {
    const text = [mcLine(0, ['a', 'b'], [-1, -2], '0', 1), mcLine(1, ['a', 'b', 'c', 'd'], [-1, -2, -3, -4], '0', 1)].join('\n')
    const views = parseSamples('t', text, { output_type: 'multiple_choice' })
    expect(chanceLevel(views)).toBeCloseTo((1 / 2 + 1 / 4) / 2, 12)
    expect(chanceLevel([...views, ...views])).toBeCloseTo(0.375, 12)
    const results = { configs: { t: { output_type: 'multiple_choice' }, g: { output_type: 'generate_until' } } }
    expect(chanceLevels({ t: text, g: '' }, results)).toEqual({ t: 0.375 })
  })
})

describe('mc2 chance level', () => {
  it('is the mean share of true answers', async () => {
    const { mc2ChanceLevel } = await import('../../src/ui/sample-view.ts')
    const line = (id: number, labels: number[]) => JSON.stringify({ doc_id: id, doc: { mc2_targets: { labels } } })
    expect(mc2ChanceLevel([line(0, [1, 0, 0, 0]), line(1, [1, 1, 0]), ''].join('\n'))).toBeCloseTo((0.25 + 2 / 3) / 2, 15)
  })
})
