/**
 * `evalz ls` lists suites, groups, tags and tasks; `evalz ls <name>` shows a task's config as lm-eval YAML and doc 0's
 * prompt when data is reachable (checked against the Python oracle's golden prompt), else its templates.
 */
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parse } from 'yaml'
import { builtinCatalogue } from '../../src/core/catalogue.ts'
import { lsCommand, lsTaskCommand } from '../../src/cli/ls-command.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import { failure } from '../rejection.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const MOCK = resolve(ROOT, 'tests/core/fixtures/mock-hf-data')
const GOLDEN = JSON.parse(readFileSync(resolve(MOCK, 'golden.json'), 'utf8')) as { cases: { task: string; docs: { arguments: string[][] }[] }[] }
const cat = builtinCatalogue()

describe('evalz ls', () => {
  it('lists suites first, then groups, tags and tasks, with their kinds', () => {
    const { entries } = JSON.parse(lsCommand(cat, true)) as { entries: { name: string; kind: string; members: string[] }[] }
    const kindOf = (n: string): string | undefined => entries.find(e => e.name === n)?.kind
    expect(entries.slice(0, 2).map(e => [e.name, e.kind])).toEqual([['leaderboard-v2', 'suite'], ['open-llm-leaderboard', 'suite']])
    expect([kindOf('mmlu'), kindOf('leaderboard_bbh'), kindOf('ai2_arc'), kindOf('leaderboard_gpqa_main')]).toEqual(['group', 'group', 'tag', 'task'])
    expect(entries.find(e => e.name === 'open-llm-leaderboard')!.members).toEqual(['arc_challenge', 'hellaswag', 'truthfulqa_mc2', 'mmlu', 'winogrande', 'gsm8k'])
    const kinds = entries.map(e => e.kind)
    expect(kinds.lastIndexOf('suite')).toBeLessThan(kinds.indexOf('group'))
    expect(kinds.lastIndexOf('tag')).toBeLessThan(kinds.indexOf('task'))
  })
  it('prints a table with a kind column', () => {
    const text = lsCommand(cat, false)
    expect(text.split('\n')[0]).toMatch(/^name\s+kind\s+dataset \/ members/)
    expect(text).toMatch(/\nopen-llm-leaderboard\s+suite\s+arc_challenge,hellaswag/)
  })
})

describe('evalz ls <name>', () => {
  it('shows a task config as lm-eval YAML with !function hooks', async () => {
    const text = await lsTaskCommand(cat, 'leaderboard_gpqa_main', { json: false, source: undefined })
    expect(text).toContain('process_docs: !function utils.process_docs')
    const yamlPart = text.split('\n# no example prompt')[0].replace(/^# task .*\n/, '').replace(/!function /g, '')
    expect(parse(yamlPart, { version: '1.1' })).toMatchObject({ task: 'leaderboard_gpqa_main', dataset_name: 'gpqa_main', num_fewshot: 0, validation_split: 'train' })
  })
  it('falls back to the templates when no data is given', async () => {
    const text = await lsTaskCommand(cat, 'leaderboard_mmlu_pro', { json: false, source: undefined })
    expect(text).toContain('# no example prompt: no data (pass --data-dir DIR to render doc 0)')
    expect(text).toContain('# templates (rendered per doc):\ndoc_to_text: !function utils.doc_to_text')
  })
  it('renders doc 0 with its shots when the data is reachable, as the Python oracle does', async () => {
    const source = mirrorSource(nodeFileAccess(MOCK))
    const text = await lsTaskCommand(cat, 'leaderboard_bbh_boolean_expressions', { json: false, source })
    const golden = GOLDEN.cases.find(c => c.task === 'leaderboard_bbh_boolean_expressions')!.docs[0].arguments
    expect(text).toContain("# example: doc 0 of split 'test', 3-shot")
    expect(text).toContain(`## request 0\ncontext:\n${golden[0][0]}\ncontinuation: ${JSON.stringify(golden[0][1])}\n`)
    expect(text).toContain(`## request 1\ncontext:\n${golden[1][0]}\ncontinuation: ${JSON.stringify(golden[1][1])}\n`)
  })
  it('says why there is no example when a split is missing', async () => {
    const source = mirrorSource(nodeFileAccess(MOCK))
    const text = await lsTaskCommand(cat, 'arc_easy', { json: false, source })
    expect(text).toMatch(/# no example prompt: 1 dataset split\(s\) missing .*arc_easy: eval split 'test' of allenai\/ai2_arc \(config ARC-Easy\)/)
  })
  it('gives JSON with --json', async () => {
    const source = mirrorSource(nodeFileAccess(MOCK))
    const out = JSON.parse(await lsTaskCommand(cat, 'leaderboard_musr_team_allocation', { json: true, source })) as {
      kind: string; config: { doc_to_text: unknown }; example: { split: string; requests: { arguments: string[] }[] }
    }
    const golden = GOLDEN.cases.find(c => c.task === 'leaderboard_musr_team_allocation')!.docs[0].arguments
    expect(out.kind).toBe('task')
    expect(out.config.doc_to_text).toEqual({ function: 'leaderboard/musr/utils.doc_to_text' })
    expect(out.example.split).toBe('team_allocation')
    expect(out.example.requests.map(r => r.arguments)).toEqual(golden)
  })
  it('shows a suite with its member overrides and the shots each leaf task gets', async () => {
    const text = await lsTaskCommand(cat, 'open-llm-leaderboard', { json: false, source: undefined })
    expect(text).toContain('  - task: "hellaswag"\n    fewshot_split: "train"\n    num_fewshot: 10\n')
    expect(text).toContain('# 62 task(s), with the shots the suite gives them:')
    expect(text).toContain('  arc_challenge  (25-shot, test)')
    expect(text).toContain('  mmlu_world_religions  (5-shot, test)')
  })
  it('rejects an unknown name with suggestions', async () => {
    const e = await failure(lsTaskCommand(cat, 'open-llm-leaderbord', { json: false, source: undefined }))
    expect(e.code).toBe('TASK_UNKNOWN')
    expect(e.message).toContain("'open-llm-leaderboard'")
  })
})
