/**
 * `evalz export-task <task|group|tag> --to DIR`: writes the lm-eval YAML for it (one file per task, one per group,
 * members included) so that `lm_eval --include_path DIR --tasks <name>` runs the same task.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { ExportArgs } from './args.ts'
import { catalogueWithIncludePaths } from './include-path.ts'
import { planExport } from '../core/tasks/yaml/task-export.ts'
import { leafTasks, resolveSelection } from '../core/tasks/registry.ts'
import { pythonModulesOf } from '../core/tasks/python-modules.ts'

/** Writes the files and prints what was written (and the Python hooks the tasks import from lm-eval). */
export async function exportTaskCommand(args: ExportArgs, write: (text: string) => void): Promise<string[]> {
  const catalogue = await catalogueWithIncludePaths(args.includePath)
  // the task folders' own Python modules are copied with the YAML
  const modules = new Map<string, string>()
  for (const path of pythonModulesOf(leafTasks(resolveSelection(catalogue, [args.target]))).keys()) modules.set(path, await readFile(path, 'utf8'))
  const plan = planExport(catalogue, args.target, modules)
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
