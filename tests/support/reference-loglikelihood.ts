/**
 * The pure-TypeScript reference for a run's loglikelihoods: each logged request (samples_<task>.jsonl with its
 * evalz_tokens) against llamaForward on a model's float (for a GGUF: ggml-dequantised) weights.
 */
import type { GgufModel } from '../../src/backends/gguf/gguf-model.ts'
import { llamaForward } from '../../src/backends/reference/llama-forward.ts'
import { parseSamples } from '../e2e/cli-reference.ts'

/** One logged loglikelihood request: the model's answer and its token ids. */
export interface LoggedRequest {
  /** the run's loglikelihood */
  ll: number
  /** context token ids */
  context: number[]
  /** continuation token ids */
  continuation: number[]
}

/** Each logged request of `tasks` in a run's samples files, in file order. */
export function loggedRequests(samplesJsonl: { readonly [task: string]: string }, tasks: readonly string[]): LoggedRequest[] {
  return tasks.flatMap((task) => parseSamples(samplesJsonl[task]!).flatMap((s) => {
    const line = s as unknown as { resps: [string, string][][], evalz_tokens: { context: number[], continuation: number[] }[] }
    return line.resps.map((resp, i) => ({ ll: Number(resp[0]![0]), ...line.evalz_tokens[i]! }))
  }))
}

/** The reference loglikelihood of a continuation after a context. */
export function referenceLl(model: Pick<GgufModel, 'config' | 'weights'>, context: number[], continuation: number[]): number {
  const ids = [...context, ...continuation]
  const { logits, dims } = llamaForward(model.config, model.weights, { inputIds: [ids.slice(0, -1)], numLogitsToKeep: continuation.length })
  const vocab = dims[2]!
  let ll = 0
  continuation.forEach((target, i) => {
    const row = logits.subarray(i * vocab, (i + 1) * vocab)
    let max = -Infinity
    for (const v of row) max = Math.max(max, v)
    let sum = 0
    for (const v of row) sum += Math.exp(v - max)
    ll += row[target]! - max - Math.log(sum)
  })
  return ll
}

/** Largest |ll − reference| / max(1, |reference|) over the requests. */
export function worstRelative(model: Pick<GgufModel, 'config' | 'weights'>, rows: readonly LoggedRequest[]): number {
  let worst = 0
  for (const r of rows) {
    const ref = referenceLl(model, r.context, r.continuation)
    worst = Math.max(worst, Math.abs(r.ll - ref) / Math.max(1, Math.abs(ref)))
  }
  return worst
}
