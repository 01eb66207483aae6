/**
 * sacrebleu's corpus BLEU, chrF and TER with the defaults lm-eval's `bleu`, `chrf` and `ter` aggregations use
 * (`sacrebleu.corpus_bleu/corpus_chrf/corpus_ter(preds, refs)`; sacrebleu 2.x): BLEU with the 13a tokenizer and
 * 'exp' smoothing, chrF with character order 6, β 2, whitespace removed and sacrebleu's effective-order averaging,
 * TER with the tercom tokenizer (lower-cased, whitespace normalised) and its shift heuristics (beam 25, shifts of at
 * most 10 words within 50 positions, 1000 candidates). Each segment becomes sufficient statistics once
 * (segment*Stats) and a corpus score is computed from their sums, so a bootstrap resample only re-sums them.
 * Scores are on sacrebleu's 0–100 scale. Strings are handled in code points, split on Python's whitespace.
 */
import { codePoints, pyLower, pyRstrip, pySplit } from '../python/str.ts'
import { exp } from './libm.ts'

/** One segment: the hypothesis and its references (lm-eval passes one). */
export interface Segment {
  readonly hyp: string
  readonly refs: readonly string[]
}

const MAX_NGRAM_ORDER = 4

/** sacrebleu's 13a tokenizer (mteval-v13a): the text tokenised and joined by single spaces. */
export function tokenize13a(text: string): string {
  let line = text.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ')
  if (line.includes('&')) line = line.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>')
  line = ` ${line} `
  line = line.replace(/([{-~[-`\x20-&(-+:-@/])/gu, ' $1 ')
  line = line.replace(/([^0-9])([.,])/gu, '$1 $2 ')
  line = line.replace(/([.,])([^0-9])/gu, ' $1 $2')
  line = line.replace(/([0-9])(-)/gu, '$1 $2 ')
  return pySplit(line).join(' ')
}

/** Word n-gram counts (orders 1–4) of a tokenised line, and its token count. */
function wordNgrams(line: string): { counts: Map<string, number>; length: number } {
  const tokens = pySplit(line)
  const counts = new Map<string, number>()
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    for (let i = 0; i + n <= tokens.length; i++) {
      const key = tokens.slice(i, i + n).join(' ')
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
  }
  return { counts, length: tokens.length }
}

/** BLEU statistics of a segment: [hyp_len, ref_len, correct_1..4, total_1..4]. */
export function bleuSegmentStats(seg: Segment): number[] {
  const pre = (s: string) => tokenize13a(pyRstrip(s))
  let refMax: Map<string, number> | undefined
  const refLens: number[] = []
  for (const ref of seg.refs) {
    const { counts, length } = wordNgrams(pre(ref))
    refLens.push(length)
    if (refMax === undefined) refMax = counts
    else for (const [k, c] of counts) refMax.set(k, Math.max(refMax.get(k) ?? 0, c))
  }
  const hyp = wordNgrams(pre(seg.hyp))
  let closestDiff = -1
  let refLen = -1
  for (const len of refLens) {
    const diff = Math.abs(hyp.length - len)
    if (closestDiff === -1 || diff < closestDiff) {
      closestDiff = diff
      refLen = len
    } else if (diff === closestDiff && len < refLen) refLen = len
  }
  const correct = new Array<number>(MAX_NGRAM_ORDER).fill(0)
  const total = new Array<number>(MAX_NGRAM_ORDER).fill(0)
  for (const [key, count] of hyp.counts) {
    const n = key.split(' ').length - 1
    total[n] += count
    const r = refMax?.get(key)
    if (r !== undefined) correct[n] += Math.min(count, r)
  }
  return [hyp.length, refLen, ...correct, ...total]
}

/** Python's sum() of floats (Neumaier-compensated, CPython ≥ 3.12). */
function pySumFloats(xs: readonly number[]): number {
  let s = 0
  let c = 0
  for (const x of xs) {
    const t = s + x
    c += Math.abs(s) >= Math.abs(x) ? (s - t) + x : (x - t) + s
    s = t
  }
  return c !== 0 && Number.isFinite(c) ? s + c : s
}

/** Corpus BLEU from summed segment statistics (sacrebleu compute_bleu, smooth_method 'exp'). */
export function bleuScore(stats: readonly number[]): number {
  const [sysLen, refLen] = stats
  const correct = stats.slice(2, 2 + MAX_NGRAM_ORDER)
  const total = stats.slice(2 + MAX_NGRAM_ORDER)
  const bp = sysLen < refLen ? (sysLen > 0 ? exp(1 - refLen / sysLen) : 0) : 1
  if (!correct.some(c => c !== 0)) return 0
  const precisions = new Array<number>(MAX_NGRAM_ORDER).fill(0)
  let smooth = 1
  for (let n = 1; n <= MAX_NGRAM_ORDER; n++) {
    if (total[n - 1] === 0) break
    if (correct[n - 1] === 0) {
      smooth *= 2
      precisions[n - 1] = 100 / (smooth * total[n - 1])
    } else precisions[n - 1] = (100 * correct[n - 1]) / total[n - 1]
  }
  const logs = precisions.map(p => (p === 0 ? -9999999999 : Math.log(p)))
  return bp * exp(pySumFloats(logs) / MAX_NGRAM_ORDER)
}

const CHRF_ORDER = 6

/** Character n-gram counts (orders 1–6) of a line with its whitespace removed. */
function charNgrams(line: string): Map<string, number>[] {
  const cps = codePoints(pySplit(line).join(''))
  const out: Map<string, number>[] = []
  for (let n = 1; n <= CHRF_ORDER; n++) {
    const counts = new Map<string, number>()
    for (let i = 0; i + n <= cps.length; i++) {
      const key = cps.slice(i, i + n).join('')
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    out.push(counts)
  }
  return out
}

/** chrF F-score (sacrebleu _compute_f_score without eps smoothing) of [hyp, ref, match] × order statistics. */
export function chrfScore(stats: readonly number[], beta = 2): number {
  const factor = beta ** 2
  let avgPrec = 0
  let avgRec = 0
  let order = 0
  for (let i = 0; i < stats.length / 3; i++) {
    const [nHyp, nRef, nMatch] = stats.slice(3 * i, 3 * i + 3)
    if (nHyp > 0 && nRef > 0) {
      avgPrec += nMatch / nHyp
      avgRec += nMatch / nRef
      order += 1
    }
  }
  if (order === 0) avgPrec = avgRec = 0
  else {
    avgPrec /= order
    avgRec /= order
  }
  if (avgPrec + avgRec === 0) return 0
  let score = (1 + factor) * avgPrec * avgRec
  score /= factor * avgPrec + avgRec
  return 100 * score
}

/** chrF statistics of a segment: for the best-scoring reference, [hyp, ref, match] per character order. */
export function chrfSegmentStats(seg: Segment, beta = 2): number[] {
  const hyp = charNgrams(seg.hyp)
  let best: number[] = []
  let bestF = -1
  for (const ref of seg.refs) {
    const refNgrams = charNgrams(ref)
    const stats: number[] = []
    hyp.forEach((h, i) => {
      const r = refNgrams[i]
      let match = 0
      let count = 0
      for (const [k, c] of h) {
        count += c
        const rc = r.get(k)
        if (rc !== undefined) match += Math.min(c, rc)
      }
      let refCount = 0
      for (const c of r.values()) refCount += c
      stats.push(r.size > 0 ? count : 0, refCount, match)
    })
    const f = chrfScore(stats, beta)
    if (f > bestF) {
      bestF = f
      best = stats
    }
  }
  return best
}

/** sacrebleu's tercom tokenizer with its defaults: lower-cased, whitespace runs made single spaces. */
function tercomTokenize(text: string): string[] {
  const s = pyRstrip(text)
  return s === '' ? [] : pySplit(pyLower(s))
}

/** TER statistics of a segment: [fewest edits over the references, mean reference length]. */
export function terSegmentStats(seg: Segment): number[] {
  const hyp = tercomTokenize(seg.hyp)
  let best = 1e16
  let lengths = 0
  for (const ref of seg.refs) {
    const [edits, len] = translationEditRate(hyp, tercomTokenize(ref))
    lengths += len
    if (edits < best) best = edits
  }
  return [best, lengths / seg.refs.length]
}

/** Corpus TER (0–100) from summed [edits, reference length]. */
export function terScore(stats: readonly number[]): number {
  const [edits, refLength] = stats
  const score = refLength > 0 ? edits / refLength : edits > 0 ? 1 : 0
  return 100 * score
}

const MAX_SHIFT_SIZE = 10
const MAX_SHIFT_DIST = 50
const BEAM_WIDTH = 25
const MAX_SHIFT_CANDIDATES = 1000

type Op = 'i' | 'd' | ' ' | 's' | 'x'

/** tercom's edit count for `hyp` against `ref` (shifts plus the beam edit distance), and the reference length. */
export function translationEditRate(hyp: readonly string[], ref: readonly string[]): [number, number] {
  if (ref.length === 0) return [hyp.length, 0]
  let shifts = 0
  let input = hyp
  let checked = 0
  for (;;) {
    const shifted = bestShift(input, ref, checked)
    checked = shifted.checked
    if (checked >= MAX_SHIFT_CANDIDATES) break
    if (shifted.delta <= 0) break
    shifts += 1
    input = shifted.words
  }
  return [shifts + editDistance(input, ref).cost, ref.length]
}

/** Beam-limited Levenshtein distance of hyp → ref (tercom's costs and preferences) and its operation trace. */
function editDistance(hyp: readonly string[], ref: readonly string[]): { cost: number; trace: Op[] } {
  const nH = hyp.length
  const nR = ref.length
  const cost: Float64Array[] = []
  const ops: Op[][] = []
  cost.push(Float64Array.from({ length: nR + 1 }, (_, j) => j))
  ops.push(Array.from({ length: nR + 1 }, () => 'i' as Op))
  for (let i = 1; i <= nH; i++) {
    cost.push(new Float64Array(nR + 1).fill(Infinity))
    ops.push(new Array<Op>(nR + 1).fill('x'))
  }
  const ratio = nH > 0 ? nR / nH : 1
  const beam = BEAM_WIDTH < ratio / 2 ? Math.ceil(ratio / 2 + BEAM_WIDTH) : BEAM_WIDTH
  for (let i = 1; i <= nH; i++) {
    const diag = Math.floor(i * ratio)
    const minJ = Math.max(0, diag - beam)
    const maxJ = i === nH ? nR + 1 : Math.min(nR + 1, diag + beam)
    for (let j = minJ; j < maxJ; j++) {
      if (j === 0) {
        cost[i][0] = cost[i - 1][0] + 1
        ops[i][0] = 'd'
        continue
      }
      const same = hyp[i - 1] === ref[j - 1]
      const candidates: [number, Op][] = [[cost[i - 1][j - 1] + (same ? 0 : 1), same ? ' ' : 's'], [cost[i - 1][j] + 1, 'd'], [cost[i][j - 1] + 1, 'i']]
      for (const [c, op] of candidates) {
        if (cost[i][j] > c) {
          cost[i][j] = c
          ops[i][j] = op
        }
      }
    }
  }
  const trace: Op[] = []
  let i = nH
  let j = nR
  while (i > 0 || j > 0) {
    const op = ops[i][j]
    trace.push(op)
    if (op === 's' || op === ' ') {
      i -= 1
      j -= 1
    } else if (op === 'i') j -= 1
    else if (op === 'd') i -= 1
    else throw new Error('TER: the edit-distance beam left a cell unset')
  }
  return { cost: cost[nH][nR], trace: trace.reverse() }
}

/** Python list-of-str comparison (code point order): negative, 0 or positive. */
function compareWords(a: readonly string[], b: readonly string[]): number {
  for (let k = 0; k < Math.min(a.length, b.length); k++) {
    if (a[k] === b[k]) continue
    const x = codePoints(a[k])
    const y = codePoints(b[k])
    for (let m = 0; m < Math.min(x.length, y.length); m++) {
      if (x[m] !== y[m]) return (x[m].codePointAt(0) ?? 0) - (y[m].codePointAt(0) ?? 0)
    }
    return x.length - y.length
  }
  return a.length - b.length
}

/** The shift that lowers the edit distance most (tercom's ranking), as sacrebleu's lib_ter._shift. */
function bestShift(words: readonly string[], ref: readonly string[], checkedBefore: number): { delta: number; words: readonly string[]; checked: number } {
  const pre = editDistance(words, ref)
  // alignment of ref → hyp: the trace read with insertions and deletions swapped
  const align = new Map<number, number>()
  const refErr: number[] = []
  const hypErr: number[] = []
  let ph = -1
  let pr = -1
  for (const op of pre.trace) {
    if (op === ' ' || op === 's') {
      ph += 1
      pr += 1
      align.set(pr, ph)
      hypErr.push(op === 's' ? 1 : 0)
      refErr.push(op === 's' ? 1 : 0)
    } else if (op === 'd') {
      ph += 1
      hypErr.push(1)
    } else {
      pr += 1
      align.set(pr, ph)
      refErr.push(1)
    }
  }
  let checked = checkedBefore
  let best: { delta: number; length: number; startH: number; idx: number; words: readonly string[] } | undefined
  const better = (c: NonNullable<typeof best>, b: NonNullable<typeof best>): boolean =>
    c.delta !== b.delta ? c.delta > b.delta : c.length !== b.length ? c.length > b.length : c.startH !== b.startH ? c.startH < b.startH
      : c.idx !== b.idx ? c.idx < b.idx : compareWords(c.words, b.words) > 0
  const sum = (xs: readonly number[], from: number, len: number) => xs.slice(from, from + len).reduce((s, x) => s + x, 0)
  outer: for (let startH = 0; startH < words.length; startH++) {
    for (let startR = 0; startR < ref.length; startR++) {
      if (Math.abs(startR - startH) > MAX_SHIFT_DIST) continue
      let length = 0
      while (words[startH + length] === ref[startR + length] && length < MAX_SHIFT_SIZE) {
        length += 1
        // one candidate (startH, startR, length)
        if (sum(hypErr, startH, length) !== 0 && sum(refErr, startR, length) !== 0) {
          const target = align.get(startR) as number
          if (!(startH <= target && target < startH + length)) {
            let prevIdx = -1
            for (let offset = -1; offset < length; offset++) {
              let idx: number
              if (startR + offset === -1) idx = 0
              else if (align.has(startR + offset)) idx = (align.get(startR + offset) as number) + 1
              else break
              if (idx === prevIdx) continue
              prevIdx = idx
              const shifted = performShift(words, startH, length, idx)
              const candidate = { delta: pre.cost - editDistance(shifted, ref).cost, length, startH, idx, words: shifted }
              checked += 1
              if (best === undefined || better(candidate, best)) best = candidate
            }
            if (checked >= MAX_SHIFT_CANDIDATES) break outer
          }
        }
        if (words.length === startH + length || ref.length === startR + length) break
      }
    }
  }
  return best === undefined ? { delta: 0, words, checked } : { delta: best.delta, words: best.words, checked }
}

/** `words` with words[start:start+length] moved to before position `target`. */
function performShift(words: readonly string[], start: number, length: number, target: number): string[] {
  const moved = words.slice(start, start + length)
  if (target < start) return [...words.slice(0, target), ...moved, ...words.slice(target, start), ...words.slice(start + length)]
  if (target > start + length) return [...words.slice(0, start), ...words.slice(start + length, target), ...moved, ...words.slice(target)]
  return [...words.slice(0, start), ...words.slice(start + length, length + target), ...moved, ...words.slice(length + target)]
}
