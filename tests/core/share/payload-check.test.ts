import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { checkSharePayload } from '../../../src/core/share/payload-check.ts'
import { SHARE_ERROR_CODE } from '../../../src/core/share/share-payload.ts'

const H1 = '0123456789abcdef'
const H2 = 'fedcba9876543210'

/** A valid payload with every optional part. */
function valid(): Record<string, unknown> {
  return {
    v: 1,
    evalz: '0.1.0',
    model: { kind: 'local', name: 'mon modèle ✨', weightsSha256: 'c'.repeat(64), dtype: 'fp32' },
    run: {
      tasks: ['demo'], numFewshot: null, limit: 0.5, seed: -3, batchSize: 4, bootstrapIters: 0, device: 'wasm',
      chat: { applyChatTemplate: '', fewshotAsMultiturn: false, systemInstruction: 'Sois bref.' },
    },
    results: { demo_capitals: { metrics: { 'acc,none': 0.35, 'acc_stderr,none': 'N/A', 'bits_per_byte,none': 'Infinity' }, samples: 40, shots: 0 } },
    samples: {
      demo_capitals: { kind: 'multiple_choice', metric: 'acc', filters: { none: [[0, H1, 3, 1], [5, H2, 0, null]] } },
      demo_arith: { kind: 'generate_until', metric: 'exact_match', filters: { 'strict-match': [[2, H1, H2, 0]], 'flexible-extract': [[2, H1, null, 1]] } },
      demo_cloze: { kind: 'loglikelihood', metric: null, filters: { none: [[0, H1, 1], [1, '', 0]] } },
      demo_stories: { kind: 'loglikelihood_rolling', metric: null, filters: { none: [[0, H2, null]] } },
    },
  }
}

/** Applies `edit` to a fresh valid payload and returns the error message of checking it. */
function problem(edit: (p: any) => void): string {
  const p = valid()
  edit(p)
  try {
    checkSharePayload(p)
  } catch (e) {
    expect(isHarnessError(e) && e.code).toBe(SHARE_ERROR_CODE)
    const message = (e as Error).message
    expect(message).not.toContain('\n')
    return message
  }
  throw new Error('payload was accepted')
}

describe('checkSharePayload', () => {
  it('accepts a valid payload and returns an equal copy', () => {
    const p = valid()
    const checked = checkSharePayload(p)
    expect(checked).toEqual(p)
    expect(checked).not.toBe(p)
  })

  it('accepts each model kind', () => {
    for (const model of [
      { kind: 'hub', repo: 'onnx-community/Qwen2.5-0.5B-Instruct', revision: 'refs/pr/3', sha: 'a'.repeat(40), dtype: 'q4f16' },
      { kind: 'hub', repo: 'gpt2', revision: 'main', sha: 'a'.repeat(40), dtype: 'fp32' },
      { kind: 'app', id: 'demo' },
    ]) expect(checkSharePayload({ ...valid(), model }).model).toEqual(model)
  })

  it('refuses other format versions and non-payloads', () => {
    expect(problem(p => { p.v = 2 })).toMatch(/^share link: format version 2 is not one this evalz reads \(version 1\)/)
    expect(problem(p => { delete p.v })).toMatch(/payload\.v is missing, expected format version 1/)
    expect(() => checkSharePayload([1])).toThrow(/payload is \[1\], expected an object/)
    expect(() => checkSharePayload(null)).toThrow(/payload is null/)
  })

  it('refuses unknown model kinds and bad identities', () => {
    expect(problem(p => { p.model = { kind: 'gguf', path: '/x' } })).toMatch(/model\.kind "gguf" is unknown \(valid: hub, local, app\)/)
    expect(problem(p => { p.model.weightsSha256 = 'C'.repeat(64) })).toMatch(/model\.weightsSha256 is "CCC.*expected a sha256/)
    expect(problem(p => { p.model.name = 'a\nb' })).toMatch(/model\.name is "a\\nb", expected a non-empty name/)
    expect(problem(p => { p.model = { kind: 'hub', repo: '../etc', revision: 'main', sha: 'a'.repeat(40), dtype: 'q4' } })).toMatch(/model\.repo/)
    expect(problem(p => { p.model = { kind: 'app', id: '../demo' } })).toMatch(/model\.id is "\.\.\/demo"/)
  })

  it('refuses unknown fields anywhere (nothing unchecked gets through)', () => {
    expect(problem(p => { p.token = 'hf_x' })).toMatch(/payload\.token is not a field of this format/)
    expect(problem(p => { p.model.token = 'hf_x' })).toMatch(/model\.token is not a field/)
    expect(problem(p => { p.run.chat.template = '{{x}}' })).toMatch(/run\.chat\.template is not a field/)
    expect(problem(p => { p.results.demo_capitals.prompt = 'x' })).toMatch(/results\.demo_capitals\.prompt is not a field/)
    expect(problem(p => { p.samples.demo_cloze.docs = [] })).toMatch(/samples\.demo_cloze\.docs is not a field/)
  })

  it('checks the run spec types and ranges', () => {
    expect(problem(p => { delete p.run.seed })).toMatch(/run\.seed is missing/)
    expect(problem(p => { p.run.limit = 0 })).toMatch(/run\.limit is 0, expected null, an integer ≥ 1 or a fraction/)
    expect(problem(p => { p.run.batchSize = 1.5 })).toMatch(/run\.batchSize is 1\.5, expected an integer from 1/)
    expect(problem(p => { p.run.device = 'cuda' })).toMatch(/run\.device is "cuda", expected auto, webgpu or wasm/)
    expect(problem(p => { p.run.tasks = ['ok', 7] })).toMatch(/run\.tasks\[1\] is 7/)
    expect(problem(p => { p.run.chat.systemInstruction = 'x'.repeat(20001) })).toMatch(/systemInstruction is 20001 chars long, at most 20000/)
  })

  it('checks metric keys and values', () => {
    expect(problem(p => { p.results.demo_capitals.metrics.alias = 'x' })).toMatch(/results\.demo_capitals\.metrics\["alias"\] is not a metric key/)
    expect(problem(p => { p.results.demo_capitals.metrics['acc,none'] = 'high' })).toMatch(/is "high", expected a finite number or one of N\/A/)
    expect(problem(p => { p.results['bad name'] = { metrics: {} } })).toMatch(/results\["bad name"\] is not a task or group name/)
  })

  it('checks sample rows: width, order, hashes, predictions by kind', () => {
    expect(problem(p => { p.samples.demo_capitals.filters.none[0] = [0, H1, 3] })).toMatch(/filters\["none"\]\[0\] is \[0,"0123456789abcdef",3\], expected \[doc_id, prompt hash, prediction, correct\]/)
    expect(problem(p => { p.samples.demo_capitals.filters.none[1][0] = 0 })).toMatch(/doc_id 0 does not follow 0; rows are in increasing doc_id order/)
    expect(problem(p => { p.samples.demo_capitals.filters.none[0][1] = 'xyz' })).toMatch(/\[0\]\[1\] is "xyz", expected 16 lowercase hex chars/)
    expect(problem(p => { p.samples.demo_capitals.filters.none[0][2] = 'A' })).toMatch(/expected a choice index or null for a multiple_choice task/)
    expect(problem(p => { p.samples.demo_arith.filters['strict-match'][0][2] = 3 })).toMatch(/expected a 16-hex answer hash or null/)
    expect(problem(p => { p.samples.demo_cloze.filters.none[0][2] = 2 })).toMatch(/expected 0 or 1 or null for a loglikelihood task/)
    expect(problem(p => { p.samples.demo_stories.filters.none[0][2] = 0 })).toMatch(/expected null or null for a loglikelihood_rolling task/)
    expect(problem(p => { p.samples.demo_capitals.filters.none[0][3] = 2 })).toMatch(/\[0\]\[3\] is 2, expected 0, 1 or null/)
    expect(problem(p => { p.samples.demo_capitals.kind = 'ranking' })).toMatch(/samples\.demo_capitals\.kind is "ranking"/)
    expect(problem(p => { p.samples.demo_capitals.filters = {} })).toMatch(/filters is empty/)
  })

  it('requires every filter of a task to list the same docs and prompt hashes', () => {
    expect(problem(p => { p.samples.demo_arith.filters['flexible-extract'][0][1] = H2 })).toMatch(/samples\.demo_arith\.filters\["flexible-extract"\] lists other docs or prompt hashes than the first filter/)
    expect(problem(p => { p.samples.demo_arith.filters['flexible-extract'] = [] })).toMatch(/lists other docs/)
  })

  it('keeps a task named __proto__ as data', () => {
    const p = valid()
    p.results = JSON.parse('{"__proto__": {"metrics": {"acc,none": 1}}}')
    const checked = checkSharePayload(p)
    expect(Object.keys(checked.results!)).toEqual(['__proto__'])
    expect(Object.getPrototypeOf(checked.results)).toBe(Object.prototype)
  })
})
