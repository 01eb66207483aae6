import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../src/core/errors.ts'
import { buildSharePayload } from '../../src/core/share/share-builder.ts'
import type { SharePayload } from '../../src/core/share/share-payload.ts'
import { MAX_PAYLOAD_BYTES, SHARE_ERROR_CODE } from '../../src/core/share/share-payload.ts'
import { chooseSpotCheck } from '../../src/core/share/spot-check.ts'
import { base64UrlDecode, base64UrlEncode, createShareLink, decodeSharePayload, encodeSharePayload, readShareLink, rerunRequest, shareLinkFor, sharePayloadText } from '../../src/app/share-link.ts'
import { runRequestProblems } from '../../src/app/run-request.ts'
import { demoRun } from '../core/share/fixtures/demo-run.ts'

const APP = 'https://evalz.example/app/'

function payload(over: Partial<SharePayload> = {}): SharePayload {
  return {
    v: 1,
    evalz: '0.1.0',
    model: { kind: 'local', name: 'Modèle fine-tuné 🚀 (日本語)', weightsSha256: 'e'.repeat(64), dtype: 'q4' },
    run: {
      tasks: ['demo', 'arc_easy'], numFewshot: 5, limit: 100, seed: 1234, batchSize: 4, bootstrapIters: 1000, device: 'webgpu',
      chat: { applyChatTemplate: '', fewshotAsMultiturn: true, systemInstruction: 'Réponds brièvement — 简短回答。' },
    },
    results: { arc_easy: { metrics: { 'acc,none': 0.5, 'acc_stderr,none': 0.05, 'acc_norm,none': 'NaN' }, samples: 100, shots: 5 } },
    samples: { arc_easy: { kind: 'multiple_choice', metric: 'acc', filters: { none: [[0, '0123456789abcdef', 2, 1], [1, 'fedcba9876543210', 0, 0]] } } },
    ...over,
  }
}

/** Raw deflate-raw + base64url of arbitrary text (for payloads the encoder would never write). */
async function packText(text: string): Promise<string> {
  const stream = new Blob([text]).stream().pipeThrough(new CompressionStream('deflate-raw'))
  return base64UrlEncode(new Uint8Array(await new Response(stream).arrayBuffer()))
}

/** The HarnessError message decodeSharePayload rejects `encoded` with. */
async function refusal(encoded: string): Promise<string> {
  try {
    await decodeSharePayload(encoded)
  } catch (e) {
    expect(isHarnessError(e) && e.code).toBe(SHARE_ERROR_CODE)
    const message = (e as Error).message
    expect(message).toMatch(/^share link: /)
    expect(message).not.toContain('\n')
    return message
  }
  throw new Error('payload was accepted')
}

describe('base64url', () => {
  it('matches Node’s base64url for every tail length and decodes back', () => {
    for (let n = 0; n < 70; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 255)
      const text = base64UrlEncode(bytes)
      expect(text).toBe(Buffer.from(bytes).toString('base64url'))
      expect(base64UrlDecode(text)).toEqual(bytes)
    }
  })

  it('refuses other alphabets, impossible lengths and stray bits', () => {
    expect(() => base64UrlDecode('ab+c')).toThrow(/has "\+" at position 2, which is not base64url/)
    expect(() => base64UrlDecode('abcd=')).toThrow(/has "=" at position 4/)
    expect(() => base64UrlDecode('abcde')).toThrow(/length 5 is not a base64url length/)
    expect(() => base64UrlDecode('AB')).toThrow(/stray bits/)
    expect(base64UrlDecode('AA')).toEqual(new Uint8Array([0]))
  })
})

describe('encode / decode', () => {
  it('round-trips a payload with Unicode names and instructions', async () => {
    const p = payload()
    const encoded = await encodeSharePayload(p)
    expect(encoded).toMatch(/^[\w-]+$/)
    expect(await decodeSharePayload(encoded)).toEqual(p)
  })

  it('round-trips each model kind through a link', async () => {
    for (const model of [
      { kind: 'hub' as const, repo: 'onnx-community/SmolLM2-135M-Instruct', revision: 'main', sha: '0'.repeat(40), dtype: 'q4' },
      { kind: 'app' as const, id: 'demo' },
    ]) {
      const link = await shareLinkFor(`${APP}#old`, payload({ model }))
      expect(link.url.startsWith(`${APP}#share=`)).toBe(true)
      expect(link.length).toBe(link.url.length)
      expect(await readShareLink(link.url)).toEqual(payload({ model }))
    }
  })

  it('finds the payload in a link or a fragment, and nothing in a plain link', async () => {
    expect(sharePayloadText('https://x/#share=abc')).toBe('abc')
    expect(sharePayloadText('#tab=runs&share=abc')).toBe('abc')
    expect(sharePayloadText('https://x/?share=abc')).toBeUndefined()
    expect(await readShareLink('https://x/#tab=runs')).toBeUndefined()
  })

  it('refuses bad base64, truncated or corrupt data, non-JSON, other versions and unknown model kinds', async () => {
    const good = await encodeSharePayload(payload())
    expect(await refusal('')).toMatch(/payload is empty/)
    expect(await refusal(`${good.slice(0, 10)}!${good.slice(11)}`)).toMatch(/"!" at position 10, which is not base64url/)
    expect(await refusal(good.slice(0, 4 * Math.floor(good.length / 8)))).toMatch(/compressed payload is truncated or corrupt/)
    expect(await refusal(good.slice(0, -1))).toMatch(/stray bits|truncated or corrupt|length \d+ is not a base64url length/)
    expect(await refusal(`____${good.slice(4)}`)).toMatch(/compressed payload is truncated or corrupt|payload is not UTF-8 JSON/)
    expect(await refusal(await packText('not json'))).toMatch(/payload is not UTF-8 JSON/)
    expect(await refusal(await packText(JSON.stringify({ ...payload(), v: 2 })))).toMatch(/format version 2 is not one this evalz reads/)
    expect(await refusal(await packText(JSON.stringify({ ...payload(), model: { kind: 'ollama', name: 'x' } })))).toMatch(/model\.kind "ollama" is unknown/)
  })

  it('refuses payloads over 2 MB once decompressed, and overlong links', async () => {
    const big = JSON.stringify({ ...payload(), evalz: 'x'.repeat(MAX_PAYLOAD_BYTES) })
    const encoded = await packText(big)
    expect(encoded.length).toBeLessThan(10000)
    expect(await refusal(encoded)).toMatch(/unpacks to more than 2 MB/)
    expect(await refusal('A'.repeat(3_000_000))).toMatch(/more than the \d+ a link may carry/)
  })
})

describe('links of a demo-sized run', () => {
  it('reports the length; with every sample recorded it stays under 8 kB', async () => {
    const run = await demoRun({ 'Answer:': ' 4' })
    const source = { ...run, model: { kind: 'app' as const, id: 'demo' }, evalzVersion: '0.1.0' }
    const full = await createShareLink(APP, source, { includeResults: true, includeSamples: true })
    const bare = await createShareLink(APP, source, { includeResults: false, includeSamples: false })
    expect(full.length).toBe(full.url.length)
    expect(full.length).toBeLessThan(8000)
    expect(bare.length).toBeLessThan(full.length)
    expect(full.jsonBytes).toBeGreaterThan(full.encoded.length)
    expect(await readShareLink(full.url)).toEqual(full.payload)
  })

  it('turns a link into the run request that re-runs it, or a spot-check of it', async () => {
    const run = await demoRun()
    const p = buildSharePayload({ ...run, model: { kind: 'app', id: 'demo' }, evalzVersion: '0.1.0' }, { includeResults: false, includeSamples: true })
    const all = rerunRequest(p, { runId: 'again', model: 'demo', modelSource: 'app' })
    expect(all).toEqual({
      runId: 'again', model: 'demo', modelSource: 'app', device: 'auto', tasks: ['demo'], limit: undefined, numFewshot: undefined,
      batchSize: 1, seed: 1234, bootstrapIters: 10, logSamples: true,
    })
    expect(runRequestProblems(all)).toEqual([])
    const picks = chooseSpotCheck(p, 10, 7)
    const spot = rerunRequest(p, { runId: 'spot', model: 'demo', modelSource: 'app' }, picks)
    expect(Object.values(spot.docIds!).flat()).toHaveLength(10)
    expect(Object.keys(spot.docIds!).every(t => picks.some(k => k.task === t))).toBe(true)
    const chat = rerunRequest(payload(), { runId: 'c', model: 'm-1', modelSource: 'stored' })
    expect(chat).toMatchObject({ limit: 100, numFewshot: 5, device: 'webgpu', chat: { applyChatTemplate: '', fewshotAsMultiturn: true } })
  })
})
