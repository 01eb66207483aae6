/**
 * Pins evalz's request construction to lm-eval's: for every case in fixtures/prompts/golden.json (made by
 * gen_prompts.py, an independent Python oracle over ../shared/hf-data), the logged arguments, target and the
 * three sample hashes must be byte-identical.
 */
import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { planTask } from '../../../src/core/tasks/task-plan.ts'
import { mirrorSource } from '../../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../../src/cli/node-file-access.ts'
import { sha256Hex } from '../../../src/core/hash.ts'
import { pyJsonDumps } from '../../../src/core/python/json.ts'
import { pyStr } from '../../../src/core/python/str.ts'

const ROOT = resolve(import.meta.dirname, '../../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const GOLDEN = resolve(ROOT, 'tests/core/fixtures/prompts/golden.json')

interface GoldenDoc { doc_id: number; arguments: unknown[][]; target: string; doc_hash: string; prompt_hash: string; target_hash: string }
interface GoldenCase { task: string; num_fewshot: number | null; seed: number; limit: number; dataset_name_override: string | null; effective_num_fewshot: number; docs: GoldenDoc[] }

const cases = (JSON.parse(readFileSync(GOLDEN, 'utf8')) as { cases: GoldenCase[] }).cases

describe.skipIf(!existsSync(HF_DATA))('prompts match lm-eval (golden, ../shared/hf-data)', () => {
  const catalogue = builtinCatalogue()
  const source = mirrorSource(nodeFileAccess(HF_DATA))
  it('has cases', () => expect(cases.length).toBeGreaterThan(15))
  for (const c of cases) {
    const name = `${c.task} ${c.num_fewshot ?? 'default'}-shot seed ${c.seed} limit ${c.limit}`
    it(name, async () => {
      const base = catalogue.tasks.get(c.task)
      expect(base, `task ${c.task} in the catalogue`).toBeDefined()
      const spec = c.dataset_name_override ? { ...base!, dataset_name: c.dataset_name_override } : base!
      const plan = await planTask(spec, source, { numFewshot: c.num_fewshot ?? undefined, limit: c.limit, fewshotSeed: c.seed })
      expect(plan.numFewshot).toBe(c.effective_num_fewshot)
      expect(plan.docs.length).toBe(c.docs.length)
      plan.docs.forEach((d, i) => {
        const g = c.docs[i]
        const args = d.requests.map(r => r.arguments.map(a => (typeof a === 'string' ? a : JSON.parse(pyJsonDumps(a)))))
        expect(args, `doc ${g.doc_id} arguments`).toEqual(g.arguments)
        expect(pyStr(d.target), `doc ${g.doc_id} target`).toBe(g.target)
        expect(sha256Hex(pyJsonDumps(d.doc, { indent: 2 })), `doc ${g.doc_id} doc_hash`).toBe(g.doc_hash)
        expect(sha256Hex(String(d.requests[0].arguments[0])), `doc ${g.doc_id} prompt_hash`).toBe(g.prompt_hash)
        expect(sha256Hex(pyStr(d.target)), `doc ${g.doc_id} target_hash`).toBe(g.target_hash)
      })
    })
  }
})

if (!existsSync(HF_DATA)) {
  describe('prompts match lm-eval', () => {
    it.skip(`skipped: ${HF_DATA} is absent (the golden prompts need ../shared/hf-data)`, () => {})
  })
}
