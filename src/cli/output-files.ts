/** Writes results.json and samples_<task>.jsonl (Python json formatting, as lm-eval writes them). */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { EvalOutcome } from '../core/evaluator.ts'
import { pyJsonDumps } from '../core/python/json.ts'
import { samplesJsonl } from '../core/results/samples.ts'

/** Writes the outcome under `dir`; returns the paths written. */
export async function writeOutcome(dir: string, outcome: EvalOutcome, logSamples: boolean): Promise<string[]> {
  await mkdir(dir, { recursive: true })
  const written: string[] = []
  const resultsPath = join(dir, 'results.json')
  await writeFile(resultsPath, `${pyJsonDumps(outcome.results, { indent: 2 })}\n`)
  written.push(resultsPath)
  if (logSamples) {
    for (const [task, samples] of outcome.samples) {
      // task names from dataset entries contain '/' and ':'; the file name replaces them as lm-eval does model names
      const p = join(dir, `samples_${task.replace(/["<>:/|\\?*[\]]+/g, '__')}.jsonl`)
      await writeFile(p, samplesJsonl(samples))
      written.push(p)
    }
  }
  return written
}
