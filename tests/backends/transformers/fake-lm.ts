/**
 * A deterministic fake CausalLm for tests: the logits at a position depend only on the real (unpadded)
 * prefix up to it; padded positions are NaN so reading them poisons results.
 */
import type { CausalLm, DecodeSession, LogitsBlock } from '../../../src/backends/transformers/causal-lm.ts'

export const FAKE_VOCAB = 23

/** Logits after seeing `prefix` (float32). */
export function fakeLogits(prefix: readonly number[]): Float32Array {
  let h = 17
  for (const t of prefix) h = (h * 31 + t + 7) % 9973
  const out = new Float32Array(FAKE_VOCAB)
  for (let v = 0; v < FAKE_VOCAB; v++) out[v] = Math.sin((h + 1) * (v + 1) * 0.37) * 3 + (v === h % FAKE_VOCAB ? 2 : 0)
  return out
}

/** Float64 reference log-softmax of one token. */
export function refLogprob(prefix: readonly number[], token: number): { logprob: number; argmax: number } {
  const l = fakeLogits(prefix)
  let max = -Infinity
  let argmax = 0
  l.forEach((x, i) => { if (x > max) { max = x; argmax = i } })
  let s = 0
  l.forEach((x) => { s += Math.exp(x - max) })
  return { logprob: l[token] - max - Math.log(s), argmax }
}

export interface FakeLm extends CausalLm {
  /** widths (padded lengths) of every forward and decode step */
  readonly calls: { kind: 'forward' | 'prefill' | 'step'; batch: number; width: number; kept: number }[]
}

/** `honourKeep` false mimics a graph without num_logits_to_keep (all positions returned). */
export function fakeLm(honourKeep = true): FakeLm {
  const calls: FakeLm['calls'] = []
  function block(rows: readonly (readonly number[])[], keep: number): LogitsBlock {
    const width = Math.max(...rows.map((r) => r.length))
    const kept = honourKeep ? Math.min(keep, width) : width
    const data = new Float32Array(rows.length * kept * FAKE_VOCAB).fill(NaN)
    rows.forEach((row, b) => {
      const pad = width - row.length
      for (let j = 0; j < kept; j++) {
        const pos = width - kept + j
        if (pos < pad) continue
        data.set(fakeLogits(row.slice(0, pos - pad + 1)), (b * kept + j) * FAKE_VOCAB)
      }
    })
    return { data, batch: rows.length, rows: kept, vocab: FAKE_VOCAB }
  }
  return {
    calls,
    vocabSize: FAKE_VOCAB,
    keepsOnlyRequested: honourKeep,
    async forward(rows, keep, use) {
      const b = block(rows, keep)
      calls.push({ kind: 'forward', batch: rows.length, width: Math.max(...rows.map((r) => r.length)), kept: b.rows })
      return use(b)
    },
    async startDecode(rows, use) {
      calls.push({ kind: 'prefill', batch: rows.length, width: Math.max(...rows.map((r) => r.length)), kept: 1 })
      const seqs = rows.map((r) => [...r])
      const session: DecodeSession = {
        async step(tokens, use2) {
          calls.push({ kind: 'step', batch: tokens.length, width: 1, kept: 1 })
          tokens.forEach((t, b) => seqs[b].push(t))
          return use2(block(seqs, 1))
        },
        async dispose() {},
      }
      return { session, value: use(block(rows, 1)) }
    },
    async dispose() {},
  }
}
