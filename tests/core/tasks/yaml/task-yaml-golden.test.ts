/**
 * lm-eval task YAML written the way users write it (tests/core/fixtures/yaml-tasks/tasks: include chains, a
 * template without the .yaml suffix, a duplicate name, dict and list doc_to_choice, custom delimiters, first_n,
 * few-shot from the evaluated split, generate_until with filters, a group with overrides and an inline subgroup,
 * tags) must give the request arguments gen_golden.py (PyYAML + gen_prompts.py) computed, byte for byte.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { builtinCatalogue } from '../../../../src/core/catalogue.ts'
import { leafTasks, resolveSelection } from '../../../../src/core/tasks/registry.ts'
import { planTask } from '../../../../src/core/tasks/task-plan.ts'
import { loadTaskYaml } from '../../../../src/core/tasks/yaml/task-yaml-loader.ts'
import { catalogueWithYaml } from '../../../../src/core/tasks/yaml/yaml-catalogue.ts'
import { mirrorSource } from '../../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../../src/cli/node-file-access.ts'
import { nodeYamlReader } from '../../../../src/cli/include-path.ts'
import { pyJsonDumps } from '../../../../src/core/python/json.ts'
import { pyStr } from '../../../../src/core/python/str.ts'

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/yaml-tasks')

interface GoldenDoc { doc_id: number; arguments: unknown[][]; target: string }
interface GoldenCase { selection: string; task: string; num_fewshot: number | null; seed: number; effective_num_fewshot: number; docs: GoldenDoc[] }
const golden = JSON.parse(readFileSync(resolve(FIXTURES, 'golden.json'), 'utf8')) as { tags: Record<string, string[]>; cases: GoldenCase[] }

async function catalogue() {
  const base = builtinCatalogue()
  const loaded = await loadTaskYaml(nodeYamlReader(), [`${FIXTURES}/tasks`], { knownNames: base.tasks.keys() })
  return { loaded, cat: catalogueWithYaml(base, loaded) }
}

describe('lm-eval YAML tasks produce lm-eval requests (golden from gen_golden.py)', async () => {
  const { loaded, cat } = await catalogue()
  const source = mirrorSource(nodeFileAccess(`${FIXTURES}/data`))

  it('indexes the tasks, groups and tags lm-eval would', () => {
    expect(loaded.tasks.map(t => t.task).sort()).toEqual(['arith_gen', 'quiz_first_n', 'quiz_mc', 'reviews_dict', 'reviews_list'])
    expect(loaded.groups.map(g => g.group).sort()).toEqual(['local_suite', 'local_suite::local_inner'])
    for (const [tag, names] of Object.entries(golden.tags)) expect(cat.tags.get(tag), tag).toEqual(names)
  })

  const selections = [...new Set(golden.cases.map(c => `${c.selection}|${c.num_fewshot}|${c.seed}`))]
  for (const key of selections) {
    const cases = golden.cases.filter(c => `${c.selection}|${c.num_fewshot}|${c.seed}` === key)
    const { selection, num_fewshot: numFewshot, seed } = cases[0]
    it(`${selection} (--num_fewshot ${numFewshot ?? 'default'}, seed ${seed})`, async () => {
      const leaves = leafTasks(resolveSelection(cat, [selection]))
      expect(leaves.map(l => l.task)).toEqual(cases.map(c => c.task))
      for (const [i, spec] of leaves.entries()) {
        const c = cases[i]
        const plan = await planTask(spec, source, { numFewshot: numFewshot ?? undefined, fewshotSeed: seed })
        expect(plan.numFewshot, `${c.task} shots`).toBe(c.effective_num_fewshot)
        expect(plan.docs.length).toBe(c.docs.length)
        plan.docs.forEach((d, j) => {
          const g = c.docs[j]
          const args = d.requests.map(r => r.arguments.map(a => (typeof a === 'string' ? a : JSON.parse(pyJsonDumps(a)))))
          expect(args, `${c.task} doc ${g.doc_id} arguments`).toEqual(g.arguments)
          expect(pyStr(d.target), `${c.task} doc ${g.doc_id} target`).toBe(g.target)
        })
      }
    })
  }
})
