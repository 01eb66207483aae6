/**
 * export-task's YAML loads back into the same TaskSpec for every built-in task (so lm-eval reads what evalz runs),
 * and arc_easy / mmlu_anatomy exported and re-loaded build the built-ins' exact prompts over ../shared/hf-data.
 */
import { describe, expect, it } from 'vitest'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { builtinCatalogue } from '../../../../src/core/catalogue.ts'
import { planTask } from '../../../../src/core/tasks/task-plan.ts'
import { loadTaskYaml } from '../../../../src/core/tasks/yaml/task-yaml-loader.ts'
import { planExport } from '../../../../src/core/tasks/yaml/task-export.ts'
import { taskToYaml, yamlQuote } from '../../../../src/core/tasks/yaml/task-yaml-writer.ts'
import { parseYaml } from '../../../../src/core/tasks/yaml/yaml-parse.ts'
import { mirrorSource } from '../../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../../src/cli/node-file-access.ts'
import { memoryReader } from './memory-reader.ts'

const HF_DATA = resolve(import.meta.dirname, '../../../../../shared/hf-data')

async function reload(name: string) {
  const plan = planExport(builtinCatalogue(), name)
  const files = Object.fromEntries(plan.files.map(f => [`/out/${f.path}`, f.text]))
  return { plan, loaded: await loadTaskYaml(memoryReader(files), ['/out'], { knownNames: builtinCatalogue().tasks.keys() }) }
}

describe('export-task YAML round trip', () => {
  const cat = builtinCatalogue()
  for (const spec of cat.tasks.values()) {
    it(`${spec.task} reloads to the same spec`, async () => {
      const { loaded } = await reload(spec.task)
      expect(loaded.tasks).toHaveLength(1)
      expect(loaded.tasks[0]).toEqual(spec)
    })
  }

  it('hellaswag goes into hellaswag/ with a utils.py importing lm-eval\'s process_docs', async () => {
    const { plan } = await reload('hellaswag')
    expect(plan.files.map(f => f.path).sort()).toEqual(['hellaswag/hellaswag.yaml', 'hellaswag/utils.py'])
    expect(plan.files.find(f => f.path.endsWith('.yaml'))!.text).toContain('process_docs: !function utils.process_docs\n')
    expect(plan.files.find(f => f.path.endsWith('.py'))!.text).toContain('from lm_eval.tasks.hellaswag.utils import process_docs')
  })

  it('the mmlu group exports its category groups and 57 subject tasks', async () => {
    const { plan, loaded } = await reload('mmlu')
    expect(plan.files.filter(f => f.path.startsWith('mmlu_') && f.path.endsWith('.yaml')).length).toBe(57 + 4)
    expect(loaded.groups.map(g => g.group).sort()).toEqual(['mmlu', 'mmlu_humanities', 'mmlu_other', 'mmlu_social_sciences', 'mmlu_stem'])
    const stem = loaded.groups.find(g => g.group === 'mmlu_stem')!
    expect(stem.task).toEqual(['mmlu_stem_tasks'])
    expect(stem.aggregate_metric_list).toEqual([{ metric: 'acc', aggregation: 'mean', weight_by_size: true, filter_list: ['none'] }])
  })

  it('quotes strings so PyYAML reads them back exactly', () => {
    const s = 'a\nb\t"c"\\d \u0085 \u2028 \u0007 \u00e9 \u{1F600} \u007f'
    expect(parseYaml(`k: ${yamlQuote(s)}`, 't')).toEqual(new Map([['k', s]]))
    const text = taskToYaml({ task: 't', dataset_path: 'd', output_type: 'generate_until', test_split: 'test', generation_kwargs: { temperature: 0, top_p: 1e-7 }, metadata: { version: 1 } }).text
    expect(text).toContain('temperature: 0.0\n')
    expect(text).toContain('top_p: 1.0e-07\n')
    expect(text).toContain('version: 1.0\n')
  })
})

describe.skipIf(!existsSync(HF_DATA))('exported arc_easy and mmlu_anatomy build the built-ins\' prompts (../shared/hf-data)', () => {
  const source = mirrorSource(nodeFileAccess(HF_DATA))
  for (const [task, shots] of [['arc_easy', 0], ['mmlu_anatomy', 5]] as const) {
    it(`${task} ${shots}-shot`, async () => {
      const { loaded } = await reload(task)
      const opts = { numFewshot: shots, limit: 10, fewshotSeed: 1234 }
      const a = await planTask(builtinCatalogue().tasks.get(task)!, source, opts)
      const b = await planTask(loaded.tasks[0], source, opts)
      expect(b.docs.map(d => d.requests.map(r => r.arguments))).toEqual(a.docs.map(d => d.requests.map(r => r.arguments)))
      expect(a.docs[0].requests[0].arguments[0]).toMatch(task === 'mmlu_anatomy' ? /^The following are multiple choice questions \(with answers\) about anatomy\.\n\n/ : /^Question: /)
    })
  }
})
if (!existsSync(HF_DATA)) {
  describe('exported tasks on hf-data', () => {
    it.skip(`skipped: ${HF_DATA} is absent`, () => {})
  })
}
