/**
 * Weights that make a Llama behave like a smoothed bigram language model of a token corpus.
 *
 * The bigram distribution P(y | x) is the count table smoothed towards the unigram distribution
 * (a Dirichlet prior of `alpha` pseudo-counts per context). Its logits are then fitted by a rank-H
 * softmax model in the shape the network computes when its decoder layers are (nearly) the identity:
 * logits(x) = rmsnorm(embed[x]) · lm_headᵀ. The fit minimises the cross-entropy against P weighted by
 * how often each context occurs, with Adam in float64 from seeded random factors. Everything is
 * deterministic: fixed loop order, integer PRNG, and only IEEE-exact operations plus Math.exp.
 */
import { createRng } from './prng.ts'

/** Bigram counts of a corpus. */
export interface BigramCounts {
  /** number of token ids V */
  vocabSize: number
  /** row-major [V, V]: counts[x·V + y] = times token y follows token x */
  counts: Float64Array
  /** [V]: times token x occurs as a context (row sums of counts) */
  contextTotals: Float64Array
  /** total number of counted pairs */
  pairs: number
}

/** Options of the softmax factor fit. */
export interface BigramFitOptions {
  /** width of the factors (the model's hidden size) */
  hiddenSize: number
  /** Adam steps */
  steps: number
  /** initial Adam step size; it decays linearly to 0 over the steps */
  learningRate: number
  /** seed of the initial factors */
  seed: number
  /** weight of a context never seen in the corpus, in occurrences (so that it learns the unigram fallback) */
  unseenContextWeight: number
}

/** Fitted factors: logits(x) = (embed[x] / rms(embed[x])) · headᵀ. */
export interface BigramFactors {
  /** row-major [V, H], every row scaled to unit root-mean-square */
  embed: Float64Array
  /** row-major [V, H] */
  head: Float64Array
}

/**
 * Counts token pairs; each sequence is preceded by `startId` (the context lm-eval's rolling windows start
 * from). Document ends are not counted, so a model of these counts does not learn to stop.
 */
export function bigramCounts(sequences: readonly (readonly number[])[], vocabSize: number, startId: number): BigramCounts {
  const V = vocabSize
  const counts = new Float64Array(V * V)
  const contextTotals = new Float64Array(V)
  let pairs = 0
  for (const seq of sequences) {
    const ids = [startId, ...seq]
    for (let i = 0; i + 1 < ids.length; i++) {
      const x = ids[i]!
      const y = ids[i + 1]!
      if (!(x >= 0 && x < V && y >= 0 && y < V)) throw new RangeError(`token id ${x < 0 || x >= V ? x : y} is outside [0, ${V})`)
      counts[x * V + y]! += 1
      contextTotals[x]! += 1
      pairs++
    }
  }
  return { vocabSize: V, counts, contextTotals, pairs }
}

/** Add-one smoothed unigram distribution of the predicted tokens (column sums of the counts). */
export function unigramDistribution(b: BigramCounts): Float64Array {
  const V = b.vocabSize
  const u = new Float64Array(V).fill(1)
  for (let x = 0; x < V; x++) {
    for (let y = 0; y < V; y++) u[y]! += b.counts[x * V + y]!
  }
  const total = b.pairs + V
  for (let y = 0; y < V; y++) u[y]! /= total
  return u
}

/** Row-major [V, V] P(y | x) = (n(x, y) + alpha·u(y)) / (n(x) + alpha), u the smoothed unigram distribution. */
export function smoothedBigram(b: BigramCounts, alpha: number): Float64Array {
  const V = b.vocabSize
  const u = unigramDistribution(b)
  const p = new Float64Array(V * V)
  for (let x = 0; x < V; x++) {
    const denom = b.contextTotals[x]! + alpha
    for (let y = 0; y < V; y++) p[x * V + y] = (b.counts[x * V + y]! + alpha * u[y]!) / denom
  }
  return p
}

/** Mean negative log-probability (nats per token) of the counted pairs under row-major [V, V] probabilities. */
export function bigramCrossEntropy(b: BigramCounts, probs: Float64Array): number {
  let sum = 0
  for (let i = 0; i < b.counts.length; i++) {
    if (b.counts[i]! > 0) sum -= b.counts[i]! * Math.log(probs[i]!)
  }
  return sum / b.pairs
}

/** Writes the rows of a row-major [rows, width] matrix scaled to unit root-mean-square into `out`, their RMS into `norms`. */
function normalizeRows(m: Float64Array, width: number, out: Float64Array, norms: Float64Array): void {
  for (let r = 0; r < m.length / width; r++) {
    let ss = 0
    for (let j = 0; j < width; j++) ss += m[r * width + j]! ** 2
    const rms = Math.sqrt(ss / width) || 1
    norms[r] = rms
    for (let j = 0; j < width; j++) out[r * width + j] = m[r * width + j]! / rms
  }
}

/**
 * Fits factors whose softmax(rmsnorm(embed[x]) · headᵀ) approximates the rows of `target` (row-major [V, V]).
 * Tokens never seen in the corpus have identical target rows (as contexts) and identical target columns (as
 * predictions), so all of them share the embedding and the head row of the first one, and only the seen
 * tokens plus that one are fitted.
 */
export function fitBigramFactors(b: BigramCounts, target: Float64Array, options: BigramFitOptions): BigramFactors {
  const V = b.vocabSize
  const H = options.hiddenSize
  const rng = createRng(options.seed)
  const embed = Float64Array.from({ length: V * H }, () => rng.normal())
  const head = Float64Array.from({ length: V * H }, () => rng.normal() * 0.1)
  const contexts = representatives(b.contextTotals)
  const predicted = new Float64Array(V)
  for (let i = 0; i < b.counts.length; i++) predicted[i % V]! += b.counts[i]!
  const outputs = representatives(predicted)
  const weight = Float64Array.from(b.contextTotals, (n) => (n > 0 ? n : options.unseenContextWeight))
  const weightSum = contexts.ids.reduce((a, c) => a + weight[c]!, 0)

  const m1 = [new Float64Array(V * H), new Float64Array(V * H)]
  const m2 = [new Float64Array(V * H), new Float64Array(V * H)]
  const x = new Float64Array(V * H) // normalised embeddings
  const rms = new Float64Array(V)
  const row = new Float64Array(V)
  const gEmbed = new Float64Array(V * H)
  const gHead = new Float64Array(V * H)
  const gx = new Float64Array(H)
  for (let step = 0; step < options.steps; step++) {
    normalizeRows(embed, H, x, rms)
    gHead.fill(0)
    for (const c of contexts.ids) {
      const xo = c * H
      // softmax of this context's logits, then d(loss)/d(logits) = weight · (softmax − target) per column
      let max = -Infinity
      for (const y of outputs.ids) {
        const yo = y * H
        let acc = 0
        for (let h = 0; h < H; h++) acc += x[xo + h]! * head[yo + h]!
        row[y] = acc
        if (acc > max) max = acc
      }
      let sum = 0
      for (const y of outputs.ids) {
        row[y] = Math.exp(row[y]! - max)
        sum += outputs.multiplicity[y]! * row[y]!
      }
      const w = weight[c]! / weightSum
      gx.fill(0)
      for (const y of outputs.ids) {
        const g = w * outputs.multiplicity[y]! * (row[y]! / sum - target[c * V + y]!)
        const yo = y * H
        for (let h = 0; h < H; h++) {
          gHead[yo + h]! += g * x[xo + h]!
          gx[h]! += g * head[yo + h]!
        }
      }
      // back through x = e / rms(e): dx/de = (I − x xᵀ / H) / rms
      let dot = 0
      for (let h = 0; h < H; h++) dot += gx[h]! * x[xo + h]!
      for (let h = 0; h < H; h++) gEmbed[xo + h] = (gx[h]! - (x[xo + h]! * dot) / H) / rms[c]!
    }
    const lr = options.learningRate * (1 - step / options.steps)
    adamStep(embed, gEmbed, m1[0]!, m2[0]!, lr, step + 1)
    adamStep(head, gHead, m1[1]!, m2[1]!, lr, step + 1)
  }
  normalizeRows(embed, H, x, rms)
  shareUnseen(x, b.contextTotals, H)
  shareUnseen(head, predicted, H)
  return { embed: x, head }
}

/** The ids to fit (seen ones and the first unseen one) and how many ids each stands for. */
function representatives(seen: Float64Array): { ids: number[], multiplicity: Float64Array } {
  const ids: number[] = []
  const multiplicity = new Float64Array(seen.length)
  const first = seen.indexOf(0)
  for (let i = 0; i < seen.length; i++) {
    if (seen[i]! > 0 || i === first) ids.push(i)
    multiplicity[seen[i]! > 0 ? i : first] += 1
  }
  return { ids, multiplicity }
}

/** Copies the row of the first unseen id (the one that was fitted) to every other unseen id. */
function shareUnseen(m: Float64Array, seen: Float64Array, width: number): void {
  const first = seen.indexOf(0)
  if (first < 0) return
  const row = m.slice(first * width, first * width + width)
  for (let i = 0; i < seen.length; i++) if (seen[i] === 0) m.set(row, i * width)
}

/** One Adam update (beta1 0.9, beta2 0.999, eps 1e-8) of `p` with gradient `g` at step t ≥ 1. */
function adamStep(p: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lr: number, t: number): void {
  const c1 = 1 - 0.9 ** t
  const c2 = 1 - 0.999 ** t
  for (let j = 0; j < p.length; j++) {
    m[j] = 0.9 * m[j]! + 0.1 * g[j]!
    v[j] = 0.999 * v[j]! + 0.001 * g[j]! * g[j]!
    p[j]! -= (lr * (m[j]! / c1)) / (Math.sqrt(v[j]! / c2) + 1e-8)
  }
}

/** Row-major [V, V] softmax(rmsnorm(embed[x]) · headᵀ): the distribution the fitted factors predict. */
export function factorProbabilities(f: BigramFactors, vocabSize: number, hiddenSize: number): Float64Array {
  const V = vocabSize
  const H = hiddenSize
  const p = new Float64Array(V * V)
  for (let c = 0; c < V; c++) {
    let max = -Infinity
    for (let y = 0; y < V; y++) {
      let acc = 0
      for (let h = 0; h < H; h++) acc += f.embed[c * H + h]! * f.head[y * H + h]!
      p[c * V + y] = acc
      if (acc > max) max = acc
    }
    let sum = 0
    for (let y = 0; y < V; y++) sum += (p[c * V + y] = Math.exp(p[c * V + y]! - max))
    for (let y = 0; y < V; y++) p[c * V + y]! /= sum
  }
  return p
}
