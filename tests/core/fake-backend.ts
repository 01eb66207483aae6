/**
 * A deterministic stand-in for a model (like lm-eval's DummyLM, but reproducible): log-likelihood = −(code points
 * of the continuation) / 10, greedy when the continuation is one word; generations come from a table.
 */
import type { ModelBackend } from '../../src/core/backend.ts'
import { HarnessError } from '../../src/core/errors.ts'

export function fakeBackend(generations: Record<string, string> = {}): ModelBackend & { calls: string[] } {
  const calls: string[] = []
  const info = {
    name: 'fake', version: '0', model: 'fake-model', modelSha256: 'ab'.repeat(32), numParameters: 1, device: 'cpu', dtype: 'fp32',
    maxLength: 64, bosToken: ['<s>', 1] as const, eosToken: ['</s>', 2] as const, padToken: ['<pad>', 0] as const, prefixTokenId: 1,
  }
  return {
    info,
    calls,
    async loglikelihood(reqs, opts) {
      calls.push(`loglikelihood:${reqs.length}`)
      if (opts.signal?.aborted) throw new HarnessError('CANCELLED', 'cancelled')
      opts.onProgress?.({ done: reqs.length, total: reqs.length, tokens: reqs.length * 3 })
      return reqs.map(r => ({
        logprob: -[...r.continuation].length / 10,
        isGreedy: !r.continuation.trim().includes(' '),
        contextTokens: [1, 2],
        continuationTokens: [3],
      }))
    },
    async loglikelihoodRolling(reqs, opts) {
      calls.push(`rolling:${reqs.length}`)
      opts.onProgress?.({ done: reqs.length, total: reqs.length, tokens: reqs.length })
      return reqs.map(r => ({ logprob: -[...r.text].length / 4, tokens: [5, 6], windows: 1 }))
    },
    async generateUntil(reqs, opts) {
      calls.push(`generate:${reqs.length}`)
      opts.onProgress?.({ done: reqs.length, total: reqs.length, tokens: reqs.length })
      return reqs.map(r => {
        const key = Object.keys(generations).find(k => r.context.endsWith(k))
        return { text: key === undefined ? '' : generations[key], contextTokens: [1], generatedTokens: [7] }
      })
    },
    async dispose() {},
  }
}
