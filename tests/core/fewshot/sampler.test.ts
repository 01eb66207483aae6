import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { makeSampler } from '../../../src/core/fewshot/sampler.ts'
import { pyEq } from '../../../src/core/template/runtime.ts'

interface SamplerConfig { name: string; pool_size: number; n: number; exclude_eval_doc: boolean; seed: number; docs: { doc_id: number; kept: number[] }[] }
const FIXTURE = resolve(import.meta.dirname, '../fixtures/prompts/sampler.json')
const configs = (JSON.parse(readFileSync(FIXTURE, 'utf8')) as { configs: SamplerConfig[] }).configs

describe('few-shot sampler draws what lm-eval draws (python3 vectors)', () => {
  for (const c of configs) {
    it(`${c.name}: pool ${c.pool_size}, ${c.n}-shot, ${c.exclude_eval_doc ? 'n+1' : 'n'} path`, () => {
      const pool = Array.from({ length: c.pool_size }, (_, i) => ({ i }))
      const sampler = makeSampler('default', pool, c.seed)
      for (const d of c.docs) {
        const shots = sampler.sample(c.n, { i: -1 - d.doc_id }, c.exclude_eval_doc)
        expect(shots.map(s => s.i), `doc ${d.doc_id}`).toEqual(d.kept)
      }
    })
  }
})

describe('exclusion and first_n', () => {
  it('drops the eval doc from an n+1 draw and keeps n', () => {
    const pool = Array.from({ length: 30 }, (_, i) => ({ i }))
    const plain = makeSampler('default', pool, 1234).sample(4, { i: -1 }, true).map(s => s.i)
    const first = plain[0]
    const excluded = makeSampler('default', pool, 1234).sample(4, { i: first }, true).map(s => s.i)
    expect(excluded).not.toContain(first)
    expect(excluded).toHaveLength(4)
  })
  it('first_n takes the pool in order, minus the eval doc when excluded, and draws no randomness', () => {
    const pool = [{ q: 'a' }, { q: 'b' }, { q: 'c' }]
    const s = makeSampler('first_n', pool, 1)
    expect(s.sample(2, { q: 'a' }, true)).toEqual([{ q: 'b' }, { q: 'c' }])
    expect(s.sample(2, { q: 'a' }, false)).toEqual([{ q: 'a' }, { q: 'b' }])
    expect(s.sample(5, { q: 'z' }, false)).toHaveLength(3)
  })
  it('compares docs with Python equality', () => {
    expect(pyEq({ a: 1, b: [1, 'x'] }, { b: [1, 'x'], a: 1 })).toBe(true)
    expect(pyEq({ a: 1 }, { a: '1' })).toBe(false)
    expect(pyEq(true, 1)).toBe(true)
    // False == None and False == [] are False in Python
    expect(pyEq(false, null)).toBe(false)
    expect(pyEq(false, [])).toBe(false)
  })
})
