/**
 * The harness's peers in the bench: a naive loop (one request per unpadded forward, tokenised exactly as the backend
 * does, no batching, no caches) and the bare onnxruntime session replaying the harness's own forward shapes.
 */
import { Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import type { GenerateRequest, LoglikelihoodRequest } from '../../src/core/requests.ts'
import { encodeLoglikelihoodPair } from '../../src/backends/transformers/tokenization.ts'
import type { TextCodec } from '../../src/backends/transformers/tokenization.ts'

/** All-position logits of one unpadded row. */
async function fullForward(model: PreTrainedModel, input: readonly number[]): Promise<{ data: Float32Array; vocab: number }> {
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(input, (t) => BigInt(t)), [1, input.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(input.length).fill(1n), [1, input.length]),
  })
  const logits = out.logits as Tensor
  const result = { data: logits.data as Float32Array, vocab: logits.dims[2] }
  for (const [name, t] of Object.entries(out) as [string, Tensor][]) if (name !== 'logits') t.dispose()
  return result
}

function logprobAt(data: Float32Array, offset: number, vocab: number, token: number): number {
  let max = -Infinity
  for (let k = 0; k < vocab; k++) max = Math.max(max, data[offset + k])
  let z = 0
  for (let k = 0; k < vocab; k++) z += Math.exp(data[offset + k] - max)
  return data[offset + token] - max - Math.log(z)
}

function argmaxAt(data: Float32Array, offset: number, vocab: number): number {
  let best = 0
  for (let k = 1; k < vocab; k++) if (data[offset + k] > data[offset + best]) best = k
  return best
}

/** Naive loglikelihood: per request, the backend's tokenisation, then one forward over (ctx + cont)[-(L+1):][:-1]. */
export async function naiveLoglikelihood(model: PreTrainedModel, codec: TextCodec, maxLength: number,
  reqs: readonly LoglikelihoodRequest[]): Promise<{ logprobs: number[]; tokens: number }> {
  const logprobs: number[] = []
  let tokens = 0
  for (const r of reqs) {
    const { context, continuation } = encodeLoglikelihoodPair(codec, r.context, r.continuation)
    const input = [...context, ...continuation].slice(-(maxLength + 1)).slice(0, -1)
    const { data, vocab } = await fullForward(model, input)
    let lp = 0
    continuation.forEach((t, i) => { lp += logprobAt(data, (input.length - continuation.length + i) * vocab, vocab, t) })
    logprobs.push(lp)
    tokens += input.length
  }
  return { logprobs, tokens }
}

/** Naive greedy generation: one row, a full re-forward per new token, the backend's stop rules. */
export async function naiveGenerate(model: PreTrainedModel, codec: TextCodec, maxLength: number, stopIds: ReadonlySet<number>,
  req: GenerateRequest): Promise<{ generated: number[]; tokens: number }> {
  const maxGen = req.gen.max_gen_toks
  const encoded = codec.encode(req.context)
  const seq = encoded.length === 0 ? [codec.prefixTokenId] : encoded.slice(-(maxLength - maxGen))
  const stops = req.gen.until.filter((s) => s !== '')
  const generated: number[] = []
  let tokens = 0
  while (generated.length < maxGen) {
    const { data, vocab } = await fullForward(model, seq)
    tokens += seq.length
    const next = argmaxAt(data, (seq.length - 1) * vocab, vocab)
    generated.push(next)
    seq.push(next)
    if (stopIds.has(next) || stops.some((s) => codec.decode(generated, false).includes(s))) break
  }
  return { generated, tokens }
}

/** One recorded session.run: its feeds' types and shapes, int64 values kept (ids, masks, positions). */
interface RecordedRun {
  /** the session that ran it (the model's, or the scoring graph's) */
  readonly session: Runnable
  /** true for a run of the model itself */
  readonly model: boolean
  /** the output names asked for, when the run named them */
  readonly fetches?: readonly string[]
  readonly feeds: { readonly name: string; readonly type: string; readonly dims: readonly number[]; readonly ints?: BigInt64Array }[]
}

type Runnable = { run(feeds: Record<string, unknown>, ...rest: unknown[]): Promise<Record<string, { dispose?: () => void }>> }
type OrtTensorLike = { type: string; dims: readonly number[]; data: unknown; constructor: new (type: string, data: unknown, dims: readonly number[]) => unknown }

/** A run of the model itself: it is fed input_ids (the scoring graph and other sessions are not). */
const isModelRun = (feeds: Record<string, unknown>) => 'input_ids' in feeds

/**
 * Records the feeds of every model session.run made while `record` runs (the prototype's run is wrapped, so
 * transformers.js's calls are seen as they are), then replays them through the same session at the same shapes,
 * float inputs zero-filled, timing session.run alone: the ceiling for what the harness can reach. The wrapper also
 * sums the seconds spent inside model runs at any time (`modelSeconds`), so a timed harness call can say how much of
 * its own wall time the model took, in the same run and under the same load.
 */
export function sessionRecorder(anySession: object) {
  const proto = Object.getPrototypeOf(anySession) as Runnable
  const original = proto.run
  let log: RecordedRun[] | undefined
  let seen: Runnable | undefined
  let tensorClass: OrtTensorLike['constructor'] | undefined
  let inside = 0
  proto.run = async function (this: Runnable, feeds: Record<string, unknown>, ...rest: unknown[]) {
    const model = isModelRun(feeds)
    if (log) {
      if (model) seen = this
      log.push({
        session: this,
        model,
        feeds: Object.entries(feeds).map(([name, v]) => {
          const t = v as OrtTensorLike
          tensorClass ??= t.constructor
          return { name, type: t.type, dims: [...t.dims], ints: t.type === 'int64' ? (t.data as BigInt64Array).slice() : undefined }
        }),
        fetches: Array.isArray(rest[0]) ? [...rest[0] as string[]] : undefined,
      })
    }
    if (!model) return original.call(this, feeds, ...rest)
    const t0 = performance.now()
    try {
      return await original.call(this, feeds, ...rest)
    } finally {
      inside += (performance.now() - t0) / 1000
    }
  }
  return {
    /** runs `fn` with recording on; returns its value and the recorded runs */
    async record<T>(fn: () => Promise<T>): Promise<{ value: T; runs: RecordedRun[] }> {
      log = []
      try {
        return { value: await fn(), runs: log }
      } finally {
        log = undefined
      }
    },
    /** seconds spent inside model session.run calls so far (all sessions of this onnxruntime) */
    modelSeconds: () => inside,
    /**
     * replays runs on the sessions that made them; seconds spent inside session.run: the model's runs, and the
     * scoring graph's (the log-softmax of the read positions, which the harness runs after each scored forward)
     */
    async replay(runs: readonly RecordedRun[]): Promise<{ model: number; scoring: number }> {
      if (!seen || !tensorClass) throw new Error('bench: nothing recorded to replay')
      const seconds = { model: 0, scoring: 0 }
      for (const r of runs) {
        const feeds: Record<string, unknown> = {}
        for (const f of r.feeds) {
          const size = f.dims.reduce((a, b) => a * b, 1)
          const data = f.ints ?? (f.type === 'float16' ? new Uint16Array(size) : new Float32Array(size))
          feeds[f.name] = new tensorClass(f.type, data, f.dims)
        }
        const t0 = performance.now()
        const out = await (r.fetches ? original.call(r.session, feeds, r.fetches) : original.call(r.session, feeds))
        seconds[r.model ? 'model' : 'scoring'] += (performance.now() - t0) / 1000
        for (const t of Object.values(out)) t.dispose?.()
      }
      return seconds
    },
    /** puts the original run back */
    restore() {
      proto.run = original
    },
  }
}

/** Input positions of recorded runs (batch × width of input_ids) and how many of them were real tokens (mask 1). */
export function paddingOf(runs: readonly RecordedRun[]): { fed: number; real: number } {
  let fed = 0
  let real = 0
  for (const r of runs) {
    if (!r.model) continue
    const ids = r.feeds.find((f) => f.name === 'input_ids')
    const mask = r.feeds.find((f) => f.name === 'attention_mask')
    if (!ids || !mask?.ints) continue
    const [b, w] = ids.dims
    const total = mask.dims[1]
    fed += b * w
    for (let i = 0; i < b; i++) for (let j = total - w; j < total; j++) real += Number(mask.ints[i * total + j])
  }
  return { fed, real }
}
