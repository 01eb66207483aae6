/**
 * Per-doc scores of lm-eval multiple_choice tasks (`ConfigurableTask.process_results`,
 * `check_gold_index_error`) and TruthfulQA's mc2 (`tasks/truthfulqa/utils.py::process_results_mc2`).
 *
 * Not here: brier_score, f1, mcc and likelihood. lm-eval keeps only (gold, probabilities) or
 * (gold, pred) per doc for them and scores them corpus-wide in their aggregation functions.
 */

import { pyLen } from '../python/str.ts'
import { exp } from './libm.ts'

/** One multiple-choice doc's model outputs and gold answer. */
export interface MultipleChoiceInput {
  /** summed log-likelihood (nats) of each choice's continuation, in choice order */
  readonly lls: readonly number[]
  /** per choice: every continuation token was the greedy (argmax) token */
  readonly isGreedy: readonly boolean[]
  /** the raw choice strings (doc_to_choice), without the target delimiter */
  readonly choices: readonly string[]
  /** gold choice index, gold choice string, or a list of gold indices (multiple targets) */
  readonly gold: number | string | readonly number[]
  /** for acc_mutual_info: log-likelihood (nats) of each `delimiter + choice` given an empty context */
  readonly llsUnconditional?: readonly number[]
}

/** The per-doc metrics scoreMultipleChoice computes. */
export const MULTIPLE_CHOICE_METRICS: readonly string[] = ['acc', 'acc_norm', 'acc_bytes', 'acc_mutual_info', 'exact_match']

/** The sentinel lm-eval uses for a gold index outside the choices. */
const NO_GOLD = -100

const UTF8 = new TextEncoder()

/**
 * numpy argmax: index of the first maximum; a NaN counts as the maximum (first NaN wins).
 * Throws on an empty list like numpy.
 */
export function npArgmax(xs: ArrayLike<number>): number {
  if (xs.length === 0) throw new RangeError('argmax of an empty sequence')
  let best = 0
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number
    if (Number.isNaN(x)) return i
    if (x > (xs[best] as number)) best = i
  }
  return best
}

/**
 * lm-eval's gold normalisation: an index ≥ the number of choices (or a string not among the choices)
 * becomes −100; in a list each such index becomes −100. Negative indices other than −100 are kept.
 */
export function resolveGold(choices: readonly string[], gold: number | string | readonly number[]): number | number[] {
  if (typeof gold === 'string') {
    const i = choices.indexOf(gold)
    return i >= 0 ? i : NO_GOLD
  }
  if (typeof gold === 'number') return gold < choices.length ? gold : NO_GOLD
  return gold.map((i) => (i < choices.length ? i : NO_GOLD))
}

/** Python's `seq[i]` for a possibly negative i; undefined where Python raises IndexError. */
function pyAt<T>(seq: readonly T[], i: number): T | undefined {
  return seq[i < 0 ? seq.length + i : i]
}

/** Divide each ll by a per-choice length (numpy float division). */
function normalised(lls: readonly number[], lengths: readonly number[]): number[] {
  return lls.map((ll, i) => ll / (lengths[i] as number))
}

/**
 * Per-doc multiple-choice scores for the requested metric names (names this module does not compute
 * are skipped; see MULTIPLE_CHOICE_METRICS).
 * acc / acc_norm / acc_bytes / acc_mutual_info: 1 if argmax of lls (÷ code-point length, ÷ UTF-8 byte
 * length, − unconditional lls) is the gold index (with a list gold: is in it), else 0; an out-of-range
 * gold scores 0. exact_match: is_greedy[gold] as 0/1 (list gold: any; −100 → 0).
 * Deviations where lm-eval raises: a negative gold index past the start scores exact_match 0, and a
 * list gold with acc_mutual_info uses membership (numpy would compare element-wise and fail).
 */
export function scoreMultipleChoice(input: MultipleChoiceInput, metrics: readonly string[]): Record<string, number> {
  const { lls, isGreedy, choices } = input
  if (lls.length !== choices.length) {
    throw new RangeError(`multiple_choice needs one log-likelihood per choice: ${lls.length} lls, ${choices.length} choices`)
  }
  const gold = resolveGold(choices, input.gold)
  const hit = (pred: number): number => {
    if (typeof gold === 'number') return pred === gold ? 1 : 0
    return gold.includes(pred) ? 1 : 0
  }
  const out: Record<string, number> = {}
  for (const metric of metrics) {
    switch (metric) {
      case 'acc':
        out.acc = hit(npArgmax(lls))
        break
      case 'acc_norm':
        out.acc_norm = hit(npArgmax(normalised(lls, choices.map((c) => pyLen(c)))))
        break
      case 'acc_bytes':
        out.acc_bytes = hit(npArgmax(normalised(lls, choices.map((c) => UTF8.encode(c).length))))
        break
      case 'acc_mutual_info': {
        const uncond = input.llsUnconditional
        if (uncond === undefined || uncond.length !== lls.length) {
          throw new RangeError('acc_mutual_info needs one unconditional log-likelihood per choice')
        }
        out.acc_mutual_info = hit(npArgmax(lls.map((ll, i) => ll - (uncond[i] as number))))
        break
      }
      case 'exact_match': {
        const greedyAt = (i: number): number => (i !== NO_GOLD && pyAt(isGreedy, i) === true ? 1 : 0)
        out.exact_match = typeof gold === 'number' ? greedyAt(gold) : (gold.some((i) => greedyAt(i) === 1) ? 1 : 0)
        break
      }
      default:
        break
    }
  }
  return out
}

/**
 * TruthfulQA mc2 for one doc: p = exp(lls) (numpy, i.e. glibc exp), split at the first label 0
 * (true answers come first), acc = Σ p_true / (Σ p_true + Σ p_false), with each sum a plain
 * left-to-right sum as Python's sum() does over numpy scalars. Without a 0 label every choice is
 * true (lm-eval raises ValueError there). Average the per-doc values with summation 'naive'.
 */
export function mc2(lls: readonly number[], labels: readonly number[]): number {
  if (lls.length !== labels.length) {
    throw new RangeError(`mc2 needs one label per choice: ${lls.length} lls, ${labels.length} labels`)
  }
  const first0 = labels.indexOf(0)
  const split = first0 < 0 ? lls.length : first0
  const p = lls.map((ll) => exp(ll))
  let sumTrue = 0
  for (let i = 0; i < split; i++) sumTrue += p[i] as number
  let sumFalse = 0
  for (let i = split; i < p.length; i++) sumFalse += p[i] as number
  const denom = sumTrue + sumFalse
  let acc = 0
  for (let i = 0; i < split; i++) acc += (p[i] as number) / denom
  return acc
}
