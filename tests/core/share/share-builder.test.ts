import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { pyJsonDumps, PyFloat } from '../../../src/core/python/json.ts'
import { buildSharePayload, payloadBytes, shareModelFor } from '../../../src/core/share/share-builder.ts'
import type { ShareSource } from '../../../src/core/share/share-builder.ts'
import { SHARE_ERROR_CODE } from '../../../src/core/share/share-payload.ts'
import { checkSharePayload } from '../../../src/core/share/payload-check.ts'
import { RUN_DEFAULTS } from '../../../src/app/run-request.ts'

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const FAKE_TOKEN = 'hf_FAKEtokenDoNotShare0123456789abcdef'

/** results.json of a run of toy_arc and toy_gsm, as evalz writes it, with a few things that must not travel. */
function resultsJson(extra: Record<string, unknown> = {}): string {
  return pyJsonDumps({
    results: {
      toy_arc: {
        name: 'toy_arc', alias: 'toy_arc', 'acc,none': new PyFloat(1 / 3), 'acc_stderr,none': 0.3333333333333333,
        'acc_norm,none': new PyFloat(0), 'acc_norm_stderr,none': new PyFloat(0), sample_len: 3, hf_token: FAKE_TOKEN,
      },
      toy_gsm: {
        name: 'toy_gsm', alias: 'toy_gsm', 'exact_match,strict-match': 1 / 3, 'exact_match_stderr,strict-match': 'N/A',
        'exact_match,flexible-extract': 2 / 3, 'exact_match_stderr,flexible-extract': NaN, sample_len: 3,
      },
      toy: { name: 'toy', alias: 'toy' },
    },
    configs: {
      toy_arc: { task: 'toy_arc', output_type: 'multiple_choice', doc_to_text: 'Question: {{question}}\nAnswer:' },
      toy_gsm: { task: 'toy_gsm', output_type: 'generate_until' },
    },
    'n-shot': { toy_arc: 0, toy_gsm: 5 },
    'n-samples': { toy_arc: { original: 1172, effective: 3 }, toy_gsm: { original: 1319, effective: 3 } },
    config: { model: 'transformers.js', model_args: `pretrained=demo,token=${FAKE_TOKEN}`, model_dtype: 'q4', hub_token: FAKE_TOKEN },
    evalz: { version: '0.0.9', dtype: 'q4', webgpu_adapter: { vendor: 'nvidia', description: 'secret gpu' } },
    ...extra,
  }, { indent: 2 })
}

function source(over: Partial<ShareSource> = {}): ShareSource {
  return {
    request: { ...RUN_DEFAULTS, runId: 'r1', tasks: ['toy_arc', 'toy_gsm'], limit: 3, numFewshot: undefined, logSamples: true, hfToken: FAKE_TOKEN, hubSettings: { endpoint: 'https://mirror.example.org', token: FAKE_TOKEN } },
    resultsJson: resultsJson(),
    samplesJsonl: {
      toy_arc: fixture('samples_toy_arc.jsonl'),
      toy_gsm: fixture('samples_toy_gsm.jsonl').replace('"metrics"', `"evalz_secret": "${FAKE_TOKEN}", "metrics"`),
    },
    model: { kind: 'hub', repo: 'onnx-community/SmolLM2-135M-Instruct', revision: 'main', sha: 'a'.repeat(40), dtype: 'q4' },
    evalzVersion: '0.1.0',
    ...over,
  }
}

const ALL = { includeResults: true, includeSamples: true }

describe('buildSharePayload', () => {
  it('copies the run spec, the headline metrics and the per-sample record', () => {
    const payload = buildSharePayload(source(), ALL)
    expect(payload.v).toBe(1)
    expect(payload.evalz).toBe('0.0.9')
    expect(payload.run).toEqual({ tasks: ['toy_arc', 'toy_gsm'], numFewshot: null, limit: 3, seed: 1234, batchSize: 1, bootstrapIters: 100000, device: 'auto' })
    expect(payload.results).toEqual({
      toy_arc: { metrics: { 'acc,none': 1 / 3, 'acc_stderr,none': 0.3333333333333333, 'acc_norm,none': 0, 'acc_norm_stderr,none': 0 }, samples: 3, shots: 0 },
      toy_gsm: {
        metrics: { 'exact_match,strict-match': 1 / 3, 'exact_match_stderr,strict-match': 'N/A', 'exact_match,flexible-extract': 2 / 3, 'exact_match_stderr,flexible-extract': 'NaN' },
        samples: 3, shots: 5,
      },
    })
    expect(Object.keys(payload.samples!)).toEqual(['toy_arc', 'toy_gsm'])
    expect(payload.samples!.toy_arc.filters.none.map(r => r[2])).toEqual([1, 3, 0])
    expect(payload.samples!.toy_gsm.metric).toBe('exact_match')
    expect(checkSharePayload(JSON.parse(JSON.stringify(payload)))).toEqual(payload)
  })

  it('is an allow-list: tokens, Hub settings, adapter details, dataset rows and prompt texts stay out', () => {
    const text = JSON.stringify(buildSharePayload(source(), ALL))
    expect(text).not.toContain(FAKE_TOKEN)
    expect(text).not.toContain('hf_')
    for (const leaked of ['token', 'secret gpu', 'nvidia', 'photosynthesis', 'Question:', 'Ça coûte', 'doc_to_text', 'mirror.example', 'hubSettings', 'runId', 'r1', 'evalz_secret']) {
      expect(text).not.toContain(leaked)
    }
  })

  it('leaves results and samples out unless asked for', () => {
    const bare = buildSharePayload(source(), { includeResults: false, includeSamples: false })
    expect(Object.keys(bare)).toEqual(['v', 'evalz', 'model', 'run'])
    expect(bare.evalz).toBe('0.1.0')
    expect(Object.keys(buildSharePayload(source(), { includeResults: true, includeSamples: false }))).toContain('results')
    expect(Object.keys(buildSharePayload(source(), { includeResults: false, includeSamples: true }))).toContain('samples')
  })

  it('carries chat settings when the request has them', () => {
    const request = { ...RUN_DEFAULTS, runId: 'r', tasks: ['toy_arc'], limit: undefined, numFewshot: 5, chat: { applyChatTemplate: '', fewshotAsMultiturn: true, systemInstruction: 'Réponds en une lettre.', token: FAKE_TOKEN } }
    const payload = buildSharePayload(source({ request }), { includeResults: false, includeSamples: false })
    expect(payload.run.chat).toEqual({ applyChatTemplate: '', fewshotAsMultiturn: true, systemInstruction: 'Réponds en une lettre.' })
    expect(payload.run.numFewshot).toBe(5)
    expect(payload.run.limit).toBeNull()
    expect(JSON.stringify(payload)).not.toContain(FAKE_TOKEN)
  })

  it('refuses what it cannot share, in one line', () => {
    const cases: [Partial<ShareSource>, typeof ALL, RegExp][] = [
      [{ resultsJson: undefined }, { includeResults: true, includeSamples: false }, /has no results\.json/],
      [{ samplesJsonl: undefined }, { includeResults: false, includeSamples: true }, /logged no samples/],
      [{ resultsJson: '{"results": ' }, ALL, /results\.json is not valid JSON/],
      [{ request: { ...RUN_DEFAULTS, tasks: [], runId: 'r' } }, ALL, /run\.tasks is \[\]/],
      [{ request: { ...RUN_DEFAULTS, tasks: ['a b'], runId: 'r' } }, ALL, /run\.tasks\[0\] is "a b"/],
      [{ model: { kind: 'hub', repo: 'x/y', revision: 'main', sha: 'abc', dtype: 'q4' } }, ALL, /model\.sha is "abc"/],
    ]
    for (const [over, options, message] of cases) {
      const error = (() => { try { buildSharePayload(source(over), options) } catch (e) { return e } })()
      expect(isHarnessError(error) && error.code).toBe(SHARE_ERROR_CODE)
      expect((error as Error).message).toMatch(/^cannot share this run: /)
      expect((error as Error).message).toMatch(message)
      expect((error as Error).message).not.toContain('\n')
    }
  })

  it('reports the payload size in bytes', () => {
    const payload = buildSharePayload(source(), ALL)
    expect(payloadBytes(payload)).toBe(new TextEncoder().encode(JSON.stringify(payload)).length)
  })
})

describe('shareModelFor', () => {
  it('names the app model by folder, a Hub download by commit, a dropped model by hash', () => {
    expect(shareModelFor({ source: 'app', id: 'demo' })).toEqual({ kind: 'app', id: 'demo' })
    const hub = { repo: 'owner/name', revision: 'v1.0', sha: 'b'.repeat(40), dtype: 'fp16' }
    expect(shareModelFor({ source: 'stored', id: 'owner/name@bbbbbbbb', name: 'name', weightsSha256: 'c'.repeat(64), hub })).toEqual({ kind: 'hub', ...hub })
    expect(shareModelFor({ source: 'stored', id: 'mon-modèle-1a2b', name: 'mon modèle ✨', weightsSha256: 'c'.repeat(64) }, resultsJson()))
      .toEqual({ kind: 'local', name: 'mon modèle ✨', weightsSha256: 'c'.repeat(64), dtype: 'q4' })
    expect(shareModelFor({ source: 'stored', id: 'm', weightsSha256: 'c'.repeat(64), dtype: 'fp32' })).toEqual({ kind: 'local', name: 'm', weightsSha256: 'c'.repeat(64), dtype: 'fp32' })
  })

  it('refuses a dropped model it cannot name', () => {
    expect(() => shareModelFor({ source: 'stored', id: 'm', weightsSha256: 'c'.repeat(64) })).toThrow(/stored model 'm' has no dtype/)
    expect(() => shareModelFor({ source: 'stored', id: 'm', dtype: 'fp32' })).toThrow(/stored model 'm' has no weights sha256/)
  })
})
