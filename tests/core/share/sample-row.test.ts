import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { sha256Hex } from '../../../src/core/hash.ts'
import { PyFloat } from '../../../src/core/python/json.ts'
import type { SampleRecord } from '../../../src/core/results/samples.ts'
import { binaryMetric, binaryValue, inferKind, parseSampleLines, predictionOf, sampleRow, sampleTrack } from '../../../src/core/share/sample-row.ts'
import { isHarnessError } from '../../../src/core/errors.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const ARC = parseSampleLines(fixture('samples_toy_arc.jsonl'), 'toy_arc')
const GSM = parseSampleLines(fixture('samples_toy_gsm.jsonl'), 'toy_gsm')
const h16 = (s: string) => sha256Hex(s).slice(0, 16)

describe('parseSampleLines', () => {
  it('reads every line of an lm-eval samples file, skipping blank lines', () => {
    expect(ARC.map(r => r.doc_id)).toEqual([0, 1, 2])
    expect(GSM.map(r => `${String(r.filter)}:${String(r.doc_id)}`)).toEqual([
      'strict-match:0', 'strict-match:1', 'strict-match:2', 'flexible-extract:0', 'flexible-extract:1', 'flexible-extract:2',
    ])
    expect(parseSampleLines('\n{"doc_id": 4, "acc": NaN}\n\n', 't')[0].acc).toBeNaN()
  })

  it('names the task and line of a broken line', () => {
    const error = (() => { try { parseSampleLines('{"doc_id": 0}\n{"doc_id": ', 'toy_arc') } catch (e) { return e } })()
    expect(isHarnessError(error) && error.code).toBe('DATASET_PARSE_ERROR')
    expect((error as Error).message).toMatch(/^samples of task 'toy_arc', line 2: not valid JSON/)
    expect(() => parseSampleLines('[1, 2]', 't')).toThrow(/line 1: expected a JSON object/)
  })
})

describe('predictions', () => {
  it('multiple choice: argmax of the log-likelihoods, first maximum on ties', () => {
    expect(ARC.map(r => predictionOf(r, 'multiple_choice'))).toEqual([1, 3, 0])
  })

  it('multiple choice: acc_mutual_info’s unconditional requests are left out', () => {
    const record: SampleRecord = {
      doc_id: 0,
      arguments: {
        gen_args_0: { arg_0: 'Q', arg_1: ' a' }, gen_args_1: { arg_0: 'Q', arg_1: ' b' },
        gen_args_2: { arg_0: '', arg_1: ' a' }, gen_args_3: { arg_0: '', arg_1: ' b' },
      },
      filtered_resps: [['-5.0', 'False'], ['-4.0', 'False'], ['-1.0', 'False'], ['-9.0', 'False']],
    }
    expect(predictionOf(record, 'multiple_choice')).toBe(1)
  })

  it('multiple choice: falls back on resps, null without responses', () => {
    expect(predictionOf({ resps: [[['-3', 'False']], [['-1', 'False']]] }, 'multiple_choice')).toBe(1)
    expect(predictionOf({ filtered_resps: [] }, 'multiple_choice')).toBeNull()
    expect(predictionOf({ filtered_resps: [['nan', 'False']] }, 'multiple_choice')).toBeNull()
  })

  it('generation: sha256 prefix of the filtered answer', () => {
    expect(GSM.map(r => predictionOf(r, 'generate_until'))).toEqual([h16('7'), h16('[invalid]'), h16('4'), h16('7'), h16('15'), h16('4')])
    expect(predictionOf({ filtered_resps: [['a', 'b']] }, 'generate_until')).toBe(h16('["a","b"]'))
  })

  it('loglikelihood: the greedy flag; rolling: nothing', () => {
    expect(predictionOf({ filtered_resps: [['-0.4', 'True']] }, 'loglikelihood')).toBe(1)
    expect(predictionOf({ filtered_resps: [['-0.4', 'False']] }, 'loglikelihood')).toBe(0)
    expect(predictionOf({ filtered_resps: [[-0.4, true]] }, 'loglikelihood')).toBe(1)
    expect(predictionOf({ filtered_resps: ['-12.5'] }, 'loglikelihood_rolling')).toBeNull()
  })

  it('infers the output type from the logged arguments', () => {
    expect(inferKind(ARC[0])).toBe('multiple_choice')
    expect(inferKind(GSM[0])).toBe('generate_until')
    expect(inferKind({ arguments: { gen_args_0: { arg_0: 'The cat sat on the', arg_1: ' mat' } } })).toBe('loglikelihood')
    expect(inferKind({ arguments: { gen_args_0: { arg_0: 'a story' } } })).toBe('loglikelihood_rolling')
    expect(inferKind({})).toBeUndefined()
  })
})

describe('correctness', () => {
  it('reads 0/1 from parsed (1.0) and in-memory (PyFloat) values only', () => {
    expect([1, 0, true, false, new PyFloat(1), new PyFloat(0)].map(binaryValue)).toEqual([1, 0, 1, 0, 1, 0])
    expect([0.5, NaN, [1, 2], '1', null].map(binaryValue)).toEqual([null, null, null, null, null])
  })

  it('prefers acc, then exact_match, then acc_norm, then any all-0/1 metric', () => {
    expect(binaryMetric(ARC)).toBe('acc')
    expect(binaryMetric(GSM)).toBe('exact_match')
    expect(binaryMetric([{ metrics: ['f1', 'em'], f1: 0.5, em: 1 }, { metrics: ['f1', 'em'], f1: 1, em: 0 }])).toBe('em')
    expect(binaryMetric([{ metrics: ['perplexity'], perplexity: -0.4 }])).toBeNull()
    expect(binaryMetric([])).toBeNull()
  })

  it('keeps a binary metric when a failed doc logs NaN for it', () => {
    const records = [{ metrics: ['acc'], acc: 1 }, { metrics: ['acc'], acc: NaN }]
    expect(binaryMetric(records)).toBe('acc')
    expect(sampleRow({ doc_id: 3, prompt_hash: 'AB'.repeat(32), acc: NaN }, 't', 'multiple_choice', 'acc')).toEqual([3, 'ab'.repeat(8), null, null])
  })
})

describe('sampleTrack', () => {
  it('multiple choice: one filter, [doc_id, prompt hash prefix, choice, correct] rows', () => {
    const track = sampleTrack(ARC, 'toy_arc', 'multiple_choice')
    expect(track.kind).toBe('multiple_choice')
    expect(track.metric).toBe('acc')
    expect(track.filters).toEqual({
      none: ARC.map((r, i) => [i, String(r.prompt_hash).slice(0, 16), [1, 3, 0][i], [1, 0, 0][i]]),
    })
  })

  it('generation: rows per filter in doc order, whatever order the file logs them in', () => {
    const track = sampleTrack([...GSM].reverse(), 'toy_gsm', undefined)
    expect(track.kind).toBe('generate_until')
    expect(Object.keys(track.filters).sort()).toEqual(['flexible-extract', 'strict-match'])
    expect(track.filters['strict-match'].map(r => [r[0], r[2], r[3]])).toEqual([[0, h16('7'), 1], [1, h16('[invalid]'), 0], [2, h16('4'), 0]])
    expect(track.filters['flexible-extract'].map(r => [r[0], r[2], r[3]])).toEqual([[0, h16('7'), 1], [1, h16('15'), 1], [2, h16('4'), 0]])
    expect(track.filters['strict-match'].map(r => r[1])).toEqual(track.filters['flexible-extract'].map(r => r[1]))
  })

  it('rolling tasks record no correctness; 3-item rows', () => {
    const track = sampleTrack([{ doc_id: 0, prompt_hash: 'c'.repeat(64), filtered_resps: ['-3.5'], metrics: ['word_perplexity'], word_perplexity: [-3.5, 4] }], 's', 'loglikelihood_rolling')
    expect(track).toEqual({ kind: 'loglikelihood_rolling', metric: null, filters: { none: [[0, 'c'.repeat(16), null]] } })
  })

  it('refuses duplicate docs and records without a recognisable shape', () => {
    expect(() => sampleTrack([ARC[0], ARC[0]], 'toy_arc', 'multiple_choice')).toThrow(/doc_id 0 is logged twice under filter 'none'/)
    expect(() => sampleTrack([{ doc_id: 0 }], 'x', undefined)).toThrow(/cannot tell the output type/)
    expect(() => sampleTrack([{ doc_id: -1 }], 'x', 'multiple_choice')).toThrow(/doc_id -1 is not an integer ≥ 0/)
  })
})
