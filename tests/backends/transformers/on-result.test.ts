/** Every backend call reports each answer once through onResult, before it returns, with the returned value. */
import { beforeAll, describe, expect, it } from 'vitest'
import { resolve } from 'node:path'
import type { ModelBackend } from '../../../src/core/backend.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../../../src/backends/transformers/transformers-backend.ts'

const DEMO = resolve(import.meta.dirname, '../../../public/models/demo')

describe('onResult streaming', () => {
  let be: ModelBackend
  beforeAll(async () => {
    configureTransformers({ allowRemote: false, logLevel: 'error' })
    be = await loadTransformersBackend({ model: DEMO, device: 'cpu', maxLength: 48 })
  })

  function collector<R>() {
    const seen = new Map<number, R>()
    const counts = new Map<number, number>()
    return { seen, counts, onResult: (i: number, r: R) => { seen.set(i, r); counts.set(i, (counts.get(i) ?? 0) + 1) } }
  }

  it('loglikelihood', async () => {
    const reqs = ['a', 'b c', 'the cat sat', 'Paris'].flatMap(c => ['Q: x\nA:', 'Question: capital?\nAnswer:'].map(ctx => ({ kind: 'loglikelihood' as const, context: ctx, continuation: ` ${c}` })))
    const c = collector<unknown>()
    const out = await be.loglikelihood(reqs, { batchSize: 3, onResult: c.onResult })
    expect([...c.counts.values()].every(n => n === 1)).toBe(true)
    out.forEach((r, i) => expect(c.seen.get(i)).toEqual(r))
  })

  it('loglikelihoodRolling, with several windows per document', async () => {
    const reqs = ['one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen', 'short'].map(text => ({ kind: 'loglikelihood_rolling' as const, text }))
    const c = collector<unknown>()
    const out = await be.loglikelihoodRolling(reqs, { batchSize: 2, onResult: c.onResult })
    expect(c.seen.size).toBe(2)
    out.forEach((r, i) => expect(c.seen.get(i)).toEqual(r))
  })

  it('generateUntil', async () => {
    const gen = { until: ['\n'], max_gen_toks: 5, do_sample: false, temperature: 0 }
    const reqs = ['Question: hi\nAnswer:', 'The cat'].map(context => ({ kind: 'generate_until' as const, context, gen }))
    const c = collector<unknown>()
    const out = await be.generateUntil(reqs, { batchSize: 2, onResult: c.onResult })
    out.forEach((r, i) => expect(c.seen.get(i)).toEqual(r))
  })
})
