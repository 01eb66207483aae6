/**
 * The suites through the CLI, as a child process: the pre-flight stops before the model loads (marker: a model
 * folder whose ONNX file is garbage, so any load fails), and the mock mirror runs both suites end to end.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const MOCK = 'tests/core/fixtures/mock-hf-data'

function evalz(...args: string[]): { code: number; stdout: string; stderr: string; ms: number } {
  const t0 = Date.now()
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/evalz.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t0 }
}

/** The demo model's folder with its weights replaced by garbage: loading it always fails. */
function unloadableModel(): string {
  const dir = mkdtempSync(join(tmpdir(), 'evalz-broken-model-'))
  mkdirSync(join(dir, 'onnx'))
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json']) copyFileSync(join(ROOT, 'public/models/demo', f), join(dir, f))
  writeFileSync(join(dir, 'onnx/model.onnx'), 'not an onnx model')
  return dir
}

describe.skipIf(!existsSync(HF_DATA))('pre-flight against ../shared/hf-data', () => {
  const model = unloadableModel()
  it('a run that gets past the pre-flight does load the model (the marker works)', () => {
    const r = evalz('run', '--model', model, '--tasks', 'arc_challenge', '--data-dir', HF_DATA, '--limit', '1', '--num-fewshot', '0')
    expect(r.code).toBe(1)
    expect(r.stderr).not.toContain('split')
  })
  it('stops the open-llm-leaderboard before the model loads, naming every missing few-shot split in one line', () => {
    const r = evalz('run', '--model', model, '--tasks', 'open-llm-leaderboard', '--data-dir', HF_DATA, '--limit', '2')
    expect(r.code).toBe(1)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^evalz: error: 3 dataset split\(s\) missing/)
    expect(lines[0]).toContain("arc_challenge: few-shot split 'train' of allenai/ai2_arc (config ARC-Challenge)")
    expect(lines[0]).toContain("hellaswag: few-shot split 'train' of Rowan/hellaswag")
    expect(lines[0]).toContain("winogrande: few-shot split 'train' of allenai/winogrande (config winogrande_xl)")
    expect(r.stdout).toBe('')
  })
})

function row(table: string, metric: string): string[] {
  const line = table.split('\n').find(l => l.split('|').map(c => c.trim())[5] === metric)
  expect(line, `a '${metric}' row`).toBeDefined()
  return line!.split('|').map(c => c.trim())
}

describe('suites end to end on the mock mirror with the demo model', () => {
  it('open-llm-leaderboard: leaderboard shots, and the printed average = mean of the six headline metrics ×100', () => {
    const out = mkdtempSync(join(tmpdir(), 'evalz-oll-'))
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'open-llm-leaderboard', '--data-dir', MOCK, '--limit', '2', '--output', out)
    expect(r.code, r.stderr).toBe(0)
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, Record<string, Record<string, number>>>
    const v = (task: string, key: string): number => res.results[task][key]
    expect(res['n-shot']).toMatchObject({ arc_challenge: 25, hellaswag: 10, truthfulqa_mc2: 0, winogrande: 5, gsm8k: 5, mmlu_anatomy: 5 })
    expect(res.configs.hellaswag).toMatchObject({ fewshot_split: 'train' })
    const subjects = Object.keys(res.results).filter(k => k.startsWith('mmlu_') && !['mmlu_stem', 'mmlu_other', 'mmlu_social_sciences', 'mmlu_humanities'].includes(k))
    expect(subjects).toHaveLength(57)
    const macro = subjects.reduce((a, s) => a + v(s, 'acc,none'), 0) / 57
    const headline = [v('arc_challenge', 'acc_norm,none'), v('hellaswag', 'acc_norm,none'), v('truthfulqa_mc2', 'acc,none'), macro, v('winogrande', 'acc,none'), v('gsm8k', 'exact_match,strict-match')]
    const expected = headline.reduce((a, b) => a + b, 0) / 6 * 100
    const suite = res.groups['open-llm-leaderboard']
    expect(suite['average,none']).toBeCloseTo(expected, 10)
    headline[3] = v('mmlu', 'acc,none')
    expect(suite['average_mmlu_micro,none']).toBeCloseTo(headline.reduce((a, b) => a + b, 0) / 6 * 100, 10)
    expect(row(r.stdout, 'average')[7]).toBe(expected.toFixed(4))
    expect(row(r.stdout, 'average')[1]).toBe('open-llm-leaderboard')
  })
  it('leaderboard-v2: bbh, gpqa, mmlu_pro and musr with their group scores', () => {
    const out = mkdtempSync(join(tmpdir(), 'evalz-v2-'))
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'leaderboard-v2', '--data-dir', MOCK, '--limit', '1', '--output', out)
    expect(r.code, r.stderr).toBe(0)
    const res = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>
    expect(Object.keys(res.groups).sort()).toEqual(['leaderboard_bbh', 'leaderboard_gpqa', 'leaderboard_musr'])
    expect(res.groups.leaderboard_bbh.sample_count).toEqual({ 'acc_norm,none': 24 })
    expect(res['n-shot']).toMatchObject({ leaderboard_bbh_snarks: 3, leaderboard_mmlu_pro: 5, leaderboard_gpqa_main: 0, leaderboard_musr_team_allocation: 0 })
    expect(res.group_subtasks['leaderboard-v2']).toEqual(['leaderboard_mmlu_pro', 'leaderboard_bbh', 'leaderboard_gpqa', 'leaderboard_musr'])
  })
})
