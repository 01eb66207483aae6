/**
 * A deterministic fake CausalLm for tests: the logits at a position depend only on the real (unpadded)
 * prefix up to it; padded positions are NaN so reading them poisons results.
 */
import type { CausalLm, DecodeSession, LogitsBlock, PrefixCache } from '../../../src/backends/transformers/causal-lm.ts'

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
  readonly calls: { kind: 'forward' | 'prefill' | 'step' | 'prefix' | 'after'; batch: number; width: number; kept: number }[]
  /** prefix caches not yet disposed */
  readonly liveCaches: () => number
}

/**
 * `honourKeep` false mimics a graph without num_logits_to_keep (all positions returned); `prefixes` adds
 * prefill/forwardAfter (the cache holds the prefix tokens; a suffix row's logits are those of prefix + suffix).
 */
export function fakeLm(honourKeep = true, prefixes = false): FakeLm {
  let live = 0
  const calls: FakeLm['calls'] = []
  function block(rows: readonly (readonly number[])[], keep: number): LogitsBlock & { data: Float32Array } {
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
  const caches = new WeakMap<PrefixCache, (readonly number[])[]>()
  const sharing: Pick<CausalLm, 'prefill' | 'forwardAfter'> = {
    async prefill(rows) {
      const width = Math.max(...rows.map((r) => r.length))
      calls.push({ kind: 'prefix', batch: rows.length, width, kept: 0 })
      live += 1
      let open = true
      const cache: PrefixCache = { rows: rows.length, width, dispose: () => { if (open) live -= 1; open = false } }
      caches.set(cache, rows.map((r) => [...r]))
      return cache
    },
    async forwardAfter(cache, from, rows, keep, use) {
      const held = caches.get(cache)
      if (!held) throw new Error('unknown prefix cache')
      if (from.length !== rows.length || from.some((f) => !(f >= 0 && f < held.length))) throw new Error(`bad prefix rows ${from}`)
      const whole = rows.map((r, i) => [...held[from[i]], ...r])
      const width = Math.max(...rows.map((r) => r.length))
      const kept = honourKeep ? Math.min(keep, width) : width
      const full = block(whole, keep)
      // the real model returns positions of the suffix part only: re-slice to the suffix width
      const data = new Float32Array(rows.length * kept * FAKE_VOCAB).fill(NaN)
      rows.forEach((r, b) => {
        for (let j = 1; j <= Math.min(kept, r.length); j++) {
          const src = (b * full.rows + full.rows - j) * FAKE_VOCAB
          data.set(full.data.subarray(src, src + FAKE_VOCAB), (b * kept + kept - j) * FAKE_VOCAB)
        }
      })
      calls.push({ kind: 'after', batch: rows.length, width, kept })
      return use({ data, batch: rows.length, rows: kept, vocab: FAKE_VOCAB })
    },
  }
  return {
    calls,
    liveCaches: () => live,
    ...(prefixes ? sharing : {}),
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
