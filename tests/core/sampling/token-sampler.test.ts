/**
 * The sampler against its Python oracle (fixtures/gen_sampling.py: HF's logits processors + CPython random), and
 * the rules a user relies on: temperature 0 is generate_until's argmax, a seed repeats, settings are validated.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { createTokenSampler, drawToken, kthLargest, warp } from '../../../src/core/sampling/token-sampler.ts'
import type { SamplingSettings } from '../../../src/core/sampling/sampling-settings.ts'
import { DEFAULT_SAMPLING, checkSampling, samplingProblems } from '../../../src/core/sampling/sampling-settings.ts'
import { argmaxRow } from '../../../src/backends/transformers/token-scores.ts'
import { harnessThrow } from '../../rejection.ts'

interface GoldenCase { name: string; row: number; settings: SamplingSettings; history: number[]; steps: number; tokens: number[] }
const golden = JSON.parse(readFileSync(resolve(import.meta.dirname, 'fixtures/golden.json'), 'utf8')) as { rows: number[][]; cases: GoldenCase[] }

function drawMany(row: Float32Array, settings: SamplingSettings, history: number[], steps: number): number[] {
  const sampler = createTokenSampler(settings)
  const hist = [...history]
  const picks: number[] = []
  for (let i = 0; i < steps; i++) {
    const t = sampler.pick({ data: row, offset: 0, vocab: row.length }, hist)
    picks.push(t)
    hist.push(t)
  }
  return picks
}

describe('token sampler = Python oracle (HF warpers + CPython random)', () => {
  it('has cases for every setting', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(30)
    expect(new Set(golden.cases.flatMap((c) => c.tokens)).size).toBeGreaterThan(5)
  })
  for (const c of golden.cases) {
    it(c.name, () => {
      expect(drawMany(Float32Array.from(golden.rows[c.row]), c.settings, c.history, c.steps)).toEqual(c.tokens)
    })
  }
})

describe('token sampler rules', () => {
  const row = Float32Array.from(golden.rows[1])
  it('temperature 0 is the first-max argmax of generate_until, also on a row inside a larger buffer', () => {
    const buf = new Float32Array(row.length * 2)
    buf.set(row, row.length)
    buf[row.length + 7] = buf[row.length + 9] = 50
    const sampler = createTokenSampler({ ...DEFAULT_SAMPLING, temperature: 0 })
    const slice = { data: buf, offset: row.length, vocab: row.length }
    expect(sampler.pick(slice, [])).toBe(argmaxRow(slice))
    expect(sampler.pick(slice, [])).toBe(7)
  })
  it('the same seed repeats and another seed differs', () => {
    const s = { ...DEFAULT_SAMPLING, temperature: 1.5, topK: 0, topP: 1, minP: 0, seed: 7 }
    expect(drawMany(row, s, [], 40)).toEqual(drawMany(row, s, [], 40))
    expect(drawMany(row, s, [], 40)).not.toEqual(drawMany(row, { ...s, seed: 8 }, [], 40))
  })
  it('top-k 1 and a tiny top-p are greedy', () => {
    const greedy = argmaxRow({ data: row, offset: 0, vocab: row.length })
    expect(drawMany(row, { ...DEFAULT_SAMPLING, topK: 1 }, [], 10)).toEqual(Array(10).fill(greedy))
    expect(drawMany(row, { ...DEFAULT_SAMPLING, topK: 0, topP: 1e-9, minP: 0 }, [], 10)).toEqual(Array(10).fill(greedy))
  })
  it('warping keeps exactly the top-k tokens and draws only among them', () => {
    const scores = Float64Array.from(row)
    const kept = warp(scores, { ...DEFAULT_SAMPLING, temperature: 1, topK: 3, topP: 1, minP: 0 })
    const top3 = [...scores.keys()].sort((a, b) => scores[b] - scores[a]).slice(0, 3)
    expect([...kept.ids]).toEqual([...top3].sort((a, b) => a - b))
    for (const u of [0, 0.3, 0.6, 0.999999]) expect(top3).toContain(drawToken(kept, u))
  })
  it('the k-th largest value equals a full sort, ties and -Infinity included', () => {
    const values = Float64Array.from([...golden.rows[2], ...golden.rows[1], -Infinity, -Infinity])
    const sorted = Float64Array.from(values).sort()
    for (const k of [1, 2, 3, 5, 6, 40, 500, values.length - 1, values.length]) expect(kthLargest(values, k)).toBe(sorted[values.length - k])
  })
  it('bad settings are one usage error naming each bad value and the valid range', () => {
    expect(samplingProblems(DEFAULT_SAMPLING)).toEqual([])
    const bad = { ...DEFAULT_SAMPLING, temperature: -1, topP: 0, topK: 1.5, minP: 1, repetitionPenalty: 0, seed: -3, maxNewTokens: 0 }
    expect(samplingProblems(bad)).toHaveLength(7)
    const e = harnessThrow(() => checkSampling(bad))
    expect(e.code).toBe('USAGE')
    expect(e.message).toMatch(/temperature -1 is invalid \(valid: a number ≥ 0; 0 = greedy\).*seed -3/)
  })
})
