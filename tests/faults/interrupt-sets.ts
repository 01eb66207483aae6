/** Two complete run file sets (results.json and its samples) that the interruption faults write and check. */
import type { RunFileSet } from '../../src/cli/output-files.ts'

function runSet(tag: string, tasks: number): RunFileSet {
  return {
    results: `{"results": {"tag": "${tag}", "tasks": ${tasks}}, "padding": "${tag.repeat(200_000)}"}\n`,
    samples: Array.from({ length: tasks }, (_, i) => [`samples_t${i}.jsonl`, `{"tag": "${tag}", "doc_id": ${i}, "pad": "${'x'.repeat(300_000)}"}\n`] as const),
  }
}

/** Set A has three tasks' samples, set B one: a mix of the two is visible. */
export const RUN_SETS: readonly RunFileSet[] = [runSet('A', 3), runSet('B', 1)]
