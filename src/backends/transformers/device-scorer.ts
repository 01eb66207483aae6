/**
 * Runs the scoring graph (score-graph.ts) on the onnxruntime and device of a loaded model: logits in (a CPU or
 * GPU tensor of the model's output), the targets' log-probabilities and each position's argmax out.
 */
import { Tensor } from '@huggingface/transformers'
import type { DeviceScores, TokenTargets } from './causal-lm.ts'
import { SCORE_IO, scoreGraphBytes } from './score-graph.ts'
import type { ScorePrecision } from './score-graph.ts'

/** The slice of an onnxruntime InferenceSession (common API of -node and -web) used here. */
interface OrtSessionLike {
  run(feeds: Record<string, unknown>): Promise<Record<string, { data: unknown; dims: readonly number[]; dispose?: () => void }>>
  release?(): Promise<void>
}

/** Creates sessions on the same onnxruntime as a model's session (its class's static create). */
type SessionFactory = (bytes: Uint8Array, options: Record<string, unknown>) => Promise<OrtSessionLike>

/**
 * The scoring graph runs on the calling thread: its work is small, and a second intra-op pool beside the model's
 * would spin against it for the same cores.
 */
const SCORER_OPTIONS = { intraOpNumThreads: 1, interOpNumThreads: 1 }

/** Scores logits tensors; `undefined` from `score` means "not available, read the logits instead". */
export interface DeviceScorer {
  /**
   * scores `logits` ([batch, positions, vocab]) for `targets`: per batch row its listed positions (the last one when
   * it lists none); the caller still owns and frees `logits`
   */
  score(logits: Tensor, targets: TokenTargets): Promise<DeviceScores | undefined>
  /** frees the sessions */
  dispose(): Promise<void>
}

/**
 * A scorer on the onnxruntime behind `modelSession` (its constructor's static `create`), with the model's execution
 * providers. If the scoring session cannot be created (an onnxruntime build without some operator), `score`
 * answers undefined from then on and the caller reads logits as before.
 */
export function deviceScorer(modelSession: object, executionProviders: readonly string[], precision: ScorePrecision,
  sessionOptions: Record<string, unknown> = {}): DeviceScorer {
  const ctor = modelSession.constructor as unknown as { create?: SessionFactory }
  const sessions = new Map<string, Promise<OrtSessionLike | undefined>>()
  const sessionFor = (type: 'float32' | 'float16') => {
    let s = sessions.get(type)
    if (!s) {
      const options = { ...sessionOptions, ...SCORER_OPTIONS, executionProviders: [...executionProviders] }
      s = (async () => {
        if (typeof (modelSession as { run?: unknown }).run !== 'function' || typeof ctor.create !== 'function') return undefined
        return await ctor.create(scoreGraphBytes(type, precision), options)
      })().catch(() => undefined)
      sessions.set(type, s)
    }
    return s
  }
  return {
    async score(logits, targets) {
      if (logits.type !== 'float32' && logits.type !== 'float16') return undefined
      const session = await sessionFor(logits.type)
      if (!session) return undefined
      const [batch, positions] = logits.dims
      // per batch row, its last max(1, targets) positions are scored (generation asks for the last one only)
      const first: number[] = []
      let n = 0
      for (let b = 0; b < batch; b++) {
        first.push(n)
        n += Math.min(positions, Math.max(1, targets[b]?.length ?? 0))
      }
      first.push(n)
      const slots = Math.max(1, ...targets.flatMap((row) => row.map((t) => t.length)))
      const rows = new BigInt64Array(n)
      const ids = new BigInt64Array(n * slots)
      for (let b = 0; b < batch; b++) {
        for (let back = 0; back < first[b + 1] - first[b]; back++) {
          rows[first[b] + back] = BigInt(b * positions + positions - 1 - back)
          targets[b]?.[back]?.forEach((t, s) => { ids[(first[b] + back) * slots + s] = BigInt(t) })
        }
      }
      const ort = (t: Tensor) => (t as unknown as { ort_tensor: unknown }).ort_tensor
      const feeds = {
        [SCORE_IO.logits]: ort(logits),
        [SCORE_IO.rows]: ort(new Tensor('int64', rows, [n])),
        [SCORE_IO.targets]: ort(new Tensor('int64', ids, [n, slots])),
      }
      const out = await session.run(feeds)
      const logprobs = Float64Array.from(out[SCORE_IO.logprobs].data as ArrayLike<number>)
      const argmax = out[SCORE_IO.argmax].data as BigInt64Array
      for (const t of Object.values(out)) t.dispose?.()
      const at = (b: number, fromEnd: number) => {
        const count = b >= 0 && b < batch ? first[b + 1] - first[b] : 0
        if (!(fromEnd >= 1 && fromEnd <= count)) {
          throw new RangeError(`position (${b}, -${fromEnd}) was not scored (row ${b} of ${batch} has ${count} scored positions)`)
        }
        return first[b] + fromEnd - 1
      }
      return {
        logprob(b, fromEnd, token) {
          const slot = targets[b]?.[fromEnd - 1]?.indexOf(token) ?? -1
          if (slot < 0) throw new RangeError(`token ${token} was not a target at (${b}, -${fromEnd})`)
          return logprobs[at(b, fromEnd) * slots + slot]
        },
        argmax: (b, fromEnd) => Number(argmax[at(b, fromEnd)]),
      }
    },
    async dispose() {
      for (const s of sessions.values()) await (await s)?.release?.()
      sessions.clear()
    },
  }
}
