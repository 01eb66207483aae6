/** The two fixture runs of fixtures/gen_runs.py, parsed (shared by the compare and report tests). */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseRun, type RunData } from '../../../src/core/compare/run-data.ts'

/** fixtures folder */
export const FIXTURES = join(import.meta.dirname, 'fixtures')
/** the lm-eval run's date suffix */
export const LM_DATE = '2025-03-14T09-26-53.589793'
/** the lm-eval run's model folder */
export const LM_DIR = join(FIXTURES, 'lm-eval-out/EleutherAI__pythia-160m')
/** the evalz run's folder */
export const EVALZ_DIR = join(FIXTURES, 'evalz-out')

/** A file's text. */
export function read(p: string): string {
  return readFileSync(p, 'utf8')
}

/** Run A: EleutherAI/pythia-160m by lm-eval. */
export function lmEvalRun(): RunData {
  return parseRun(read(join(LM_DIR, `results_${LM_DATE}.json`)), {
    arc_easy: read(join(LM_DIR, `samples_arc_easy_${LM_DATE}.jsonl`)),
    gsm8k: read(join(LM_DIR, `samples_gsm8k_${LM_DATE}.jsonl`)),
  })
}

/** Run B: my-org/pythia-160m-sft by evalz. */
export function evalzRun(): RunData {
  return parseRun(read(join(EVALZ_DIR, 'results.json')), {
    arc_easy: read(join(EVALZ_DIR, 'samples_arc_easy.jsonl')),
    gsm8k: read(join(EVALZ_DIR, 'samples_gsm8k.jsonl')),
  })
}
