/**
 * `evalz export-task <task|group|tag> --to DIR`: writes the lm-eval YAML for it (one file per task, one per group,
 * members included) so that `lm_eval --include_path DIR --tasks <name>` runs the same task.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { ExportArgs } from './args.ts'
import { catalogueWithIncludePaths } from './include-path.ts'
import { planExport } from '../core/tasks/yaml/task-export.ts'

/** Writes the files and prints what was written (and the Python hooks the tasks import from lm-eval). */
export async function exportTaskCommand(args: ExportArgs, write: (text: string) => void): Promise<string[]> {
  const catalogue = await catalogueWithIncludePaths(args.includePath)
  const plan = planExport(catalogue, args.target)
  const root = resolve(args.to)
  const written: string[] = []
  for (const file of plan.files) {
    const path = join(root, ...file.path.split('/'))
    await mkdir(dirname(path), { recursive: true })
    await writeFile(path, file.text, 'utf8')
    written.push(path)
  }
  write(`evalz: wrote ${written.length} file(s) to ${root}\n`)
  for (const note of plan.notes) write(`evalz: note: ${note}\n`)
  write(`evalz: run it with: lm_eval --include_path ${args.to} --tasks ${args.target} ...\n`)
  return written
}
