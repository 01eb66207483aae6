/**
 * evalz's side of the prompt oracle (lm_eval_requests.py): the requests evalz plans for tasks of a task tree over
 * a Hub-mirror folder, first N docs, default shots, seed 1234, written as {task: {requests: [[doc_id, idx, ...args]]}}.
 *
 *   node bin/run-ts.js scripts/task-tree/evalz_requests.ts TREE DATA N OUT.json [task1 task2 ...]
 *
 * Without task names: every task of TREE whose dataset folder exists in DATA (DATA/<path>/<name or default>/),
 * and their names are also written to OUT.json.names (one per line) for lm_eval_requests.py `@OUT.json.names`.
 */
import { existsSync, writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { catalogueWithIncludePaths } from '../../src/cli/include-path.ts'
import { preparePythonHooks } from '../../src/cli/python-hooks.ts'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { leafTasks, resolveSelection } from '../../src/core/tasks/registry.ts'
import { planTask } from '../../src/core/tasks/task-plan.ts'
import { isHarnessError } from '../../src/core/errors.ts'

const [tree, data, limit, out, ...given] = process.argv.slice(2)
const catalogue = await catalogueWithIncludePaths([tree])
const names = given.length > 0 ? given : [...catalogue.tasks.values()]
  .filter(t => existsSync(resolve(data, t.dataset_path, t.dataset_name ?? 'default')))
  .map(t => t.task)
if (given.length === 0) writeFileSync(`${out}.names`, `${names.join('\n')}\n`)
const source = mirrorSource(nodeFileAccess(resolve(data)))
const result: Record<string, unknown> = {}
const specs = names.flatMap(n => {
  try {
    return leafTasks(resolveSelection(catalogue, [n]))
  } catch (e) {
    result[n] = { error: (e as Error).message }
    return []
  }
})
await preparePythonHooks(specs, t => process.stderr.write(t)).catch((e: unknown) => process.stderr.write(`evalz: ${(e as Error).message}\n`))
for (const spec of specs) {
  try {
    const plan = await planTask(spec, source, { limit: Number(limit), fewshotSeed: 1234 })
    result[spec.task] = { requests: plan.docs.flatMap(d => d.requests.map(r => [d.docId, r.idx, ...r.arguments])) }
  } catch (e) {
    result[spec.task] = { error: isHarnessError(e) ? `${e.code}: ${e.message}` : String(e) }
  }
}
writeFileSync(out, JSON.stringify(result))
