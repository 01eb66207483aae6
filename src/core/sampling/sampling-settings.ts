/**
 * Sampling settings of one generation (temperature, top-k, top-p, min-p, repetition penalty, seed, budget), their
 * defaults and their validation. Temperature 0 is greedy decoding: the evaluator's generate_until path.
 */
import { HarnessError } from '../errors.ts'

/** How the next token is chosen. */
export interface SamplingSettings {
  /** softmax temperature (≥ 0); 0 = greedy (first-max argmax, as generate_until) */
  readonly temperature: number
  /** nucleus: keep the most likely tokens whose probabilities sum to at least this (0 < p ≤ 1; 1 = off) */
  readonly topP: number
  /** keep the k most likely tokens (integer ≥ 0; 0 = off) */
  readonly topK: number
  /** drop tokens less likely than this fraction of the most likely one (0 ≤ p < 1; 0 = off) */
  readonly minP: number
  /** HF repetition penalty over prompt and reply tokens (> 0; 1 = off) */
  readonly repetitionPenalty: number
  /** CPython random.Random seed (integer ≥ 0); the same seed gives the same text */
  readonly seed: number
  /** new tokens at most (integer ≥ 1) */
  readonly maxNewTokens: number
}

/** llama.cpp's defaults, with a reply budget of 256 tokens and seed 0. */
export const DEFAULT_SAMPLING: SamplingSettings = {
  temperature: 0.8, topP: 0.95, topK: 40, minP: 0.05, repetitionPenalty: 1, seed: 0, maxNewTokens: 256,
}

/** Each invalid field as one phrase naming the value and the valid range; empty when all are valid. */
export function samplingProblems(s: SamplingSettings): string[] {
  const out: string[] = []
  const check = (ok: boolean, name: string, value: number, valid: string) => {
    if (!ok) out.push(`${name} ${value} is invalid (valid: ${valid})`)
  }
  check(Number.isFinite(s.temperature) && s.temperature >= 0, 'temperature', s.temperature, 'a number ≥ 0; 0 = greedy')
  check(s.topP > 0 && s.topP <= 1, 'top-p', s.topP, '0 < p ≤ 1; 1 = off')
  check(Number.isInteger(s.topK) && s.topK >= 0, 'top-k', s.topK, 'an integer ≥ 0; 0 = off')
  check(s.minP >= 0 && s.minP < 1, 'min-p', s.minP, '0 ≤ p < 1; 0 = off')
  check(Number.isFinite(s.repetitionPenalty) && s.repetitionPenalty > 0, 'repetition penalty', s.repetitionPenalty, 'a number > 0; 1 = off')
  check(Number.isSafeInteger(s.seed) && s.seed >= 0, 'seed', s.seed, 'an integer ≥ 0')
  check(Number.isInteger(s.maxNewTokens) && s.maxNewTokens >= 1, 'max new tokens', s.maxNewTokens, 'an integer ≥ 1')
  return out
}

/** Throws HarnessError('USAGE') naming every invalid field. */
export function checkSampling(s: SamplingSettings): void {
  const problems = samplingProblems(s)
  if (problems.length > 0) throw new HarnessError('USAGE', `sampling settings: ${problems.join('; ')}`, { problems })
}

/** True when the settings decode greedily (no random draws). */
export function isGreedy(s: Pick<SamplingSettings, 'temperature'>): boolean {
  return s.temperature === 0
}
