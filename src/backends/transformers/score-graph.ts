/**
 * The scoring graph: a small ONNX model run right after a forward pass, on the same onnxruntime and device, so
 * that a batch reads back the log-probabilities of the requested tokens and each read position's argmax, O(B·K·M)
 * numbers, instead of the [B, K, V] logits block; positions nobody reads (a shorter continuation's, padding) are
 * skipped by a Gather before the normaliser — and the log-softmax runs in onnxruntime's vectorised kernels
 * instead of a JavaScript loop over the vocabulary.
 *
 * Numerics: `logprob = (x[t] − max) − log Σ exp(x − max)`, the formula of token-scores.ts. In 'double' the
 * logits are widened to float64 first, so the result equals scoreToken's up to the order of the sum (~1e-13);
 * in 'float' (WebGPU has no float64) it is computed in float32 as torch's log_softmax is (~1e-6 per token).
 * ArgMax keeps the first maximum (select_last_index 0), torch.argmax's tie rule.
 */
import { GraphBuilder, attr } from '../onnx/graph-builder.ts'
import { DataType, encodeOnnxModel } from '../onnx/onnx-proto.ts'

/** Graph input names and output names. */
export const SCORE_IO = {
  /** logits [batch, positions, vocab] (float32 or float16) */
  logits: 'logits',
  /** the scored positions [n] int64: flat indices b·positions + p into the logits' first two axes */
  rows: 'rows',
  /** token ids to score [n, slots] int64, per scored position (unused slots any valid id) */
  targets: 'targets',
  /** log-probabilities of the targets [n, slots] (float64 or float32) */
  logprobs: 'logprobs',
  /** first-max argmax of each scored position [n] int64 */
  argmax: 'argmax',
} as const

/** Which precision the normaliser is computed in. */
export type ScorePrecision = 'double' | 'float'

/** ONNX bytes of the scoring graph for logits of `logitsType` ('float32' | 'float16'). */
export function scoreGraphBytes(logitsType: 'float32' | 'float16', precision: ScorePrecision): Uint8Array {
  const g = new GraphBuilder()
  const inType = logitsType === 'float16' ? DataType.FLOAT16 : DataType.FLOAT
  const compute = precision === 'double' ? DataType.DOUBLE : DataType.FLOAT
  const logits = g.input(SCORE_IO.logits, inType, ['batch', 'positions', 'vocab'])
  const rows = g.input(SCORE_IO.rows, DataType.INT64, ['n'])
  const targets = g.input(SCORE_IO.targets, DataType.INT64, ['n', 'slots'])
  // only the positions that are read: [batch·positions, vocab] → [n, vocab] (rows of padding or unread
  // positions are never normalised)
  const picked = g.op('Gather', [g.op('Flatten', [logits], { axis: attr.int(2) }), rows], { axis: attr.int(0) })
  const x = inType === compute ? picked : g.op('Cast', [picked], { to: attr.int(compute) })
  const max = g.op('ReduceMax', [x], { axes: attr.ints([-1]), keepdims: attr.int(1) })
  const shifted = g.op('Sub', [x, max])
  const sum = g.op('ReduceSum', [g.op('Exp', [shifted]), g.int64([-1])], { keepdims: attr.int(1) })
  const chosen = g.op('GatherElements', [shifted, targets], { axis: attr.int(1) })
  const logprobs = g.op('Sub', [chosen, g.op('Log', [sum])])
  g.output(SCORE_IO.logprobs, compute, ['n', 'slots'], logprobs)
  const argmax = g.op('ArgMax', [picked], { axis: attr.int(-1), keepdims: attr.int(0), select_last_index: attr.int(0) })
  g.output(SCORE_IO.argmax, DataType.INT64, ['n'], argmax)
  return encodeOnnxModel({
    irVersion: 8,
    opsets: [{ domain: '', version: 17 }],
    producerName: 'evalz',
    producerVersion: '1',
    graph: g.build('evalz_score'),
  })
}
