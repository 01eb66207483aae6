/**
 * A run's samples must be that run's: a folder can hold samples files of an earlier run (written by another
 * tool, or by an older evalz), and comparing those would report "no clear change" for a different model.
 * The samples of a task are checked against its results entry: the number of docs (`n-samples.effective`)
 * and, when the results record one, `task_hashes[task]` (sha256 over doc_hash + prompt_hash + target_hash of
 * each logged sample, as lm-eval computes it).
 */
import { HarnessError } from '../errors.ts'
import { sha256Hex } from '../hash.ts'
import type { SampleData } from './sample-data.ts'

/** Throws DATASET_PARSE_ERROR (detail.task = task) when the samples do not belong to the results entry. */
export function checkSamplesMatch(task: string, samples: readonly SampleData[], effectiveDocs: number | undefined, taskHash: unknown): void {
  const fix = 'they are not the samples of this results file; pass the folder of one run, or rerun with --log-samples'
  const docs = new Set(samples.map(s => s.docId)).size
  if (effectiveDocs !== undefined && docs !== effectiveDocs) {
    throw new HarnessError('DATASET_PARSE_ERROR',
      `samples of task '${task}' cover ${docs} docs but the results file counts ${effectiveDocs} (n-samples.effective): ${fix}`,
      { task, docs, effectiveDocs })
  }
  if (typeof taskHash !== 'string' || samples.some(s => s.docHash === undefined || s.promptHash === undefined || s.targetHash === undefined)) return
  const hash = sha256Hex(samples.map(s => `${s.docHash}${s.promptHash}${s.targetHash}`).join(''))
  if (hash !== taskHash) {
    throw new HarnessError('DATASET_PARSE_ERROR',
      `samples of task '${task}' do not match the results file's task_hashes (${hash.slice(0, 12)}… vs ${taskHash.slice(0, 12)}…): ${fix}`,
      { task })
  }
}
