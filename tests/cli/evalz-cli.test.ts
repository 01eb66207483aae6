/**
 * The evalz command end to end, as a user runs it (a child process of bin/evalz.js): exit codes, one-line errors,
 * the demo, files written, metrics recomputed from the samples by an independent Python script, and batch-size
 * invariance on real benchmark rows.
 */
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '../..')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0

function evalz(...args: string[]): { code: number; stdout: string; stderr: string } {
  // an empty cache of its own: nothing from ~/.cache/evalz, nothing written there
  const env = { ...process.env, EVALZ_CACHE: mkdtempSync(join(tmpdir(), 'evalz-cache-')) }
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/evalz.js'), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 240_000, env })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

function recompute(dir: string): { checked: number; problems: string[] } {
  const r = spawnSync('python3', [join(ROOT, 'tests/cli/fixtures/recompute.py'), dir], { encoding: 'utf8' })
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { checked: number; problems: string[] }
}

function samples(dir: string, task: string): Record<string, unknown>[] {
  return readFileSync(join(dir, `samples_${task}.jsonl`), 'utf8').trim().split('\n').map(l => JSON.parse(l) as Record<string, unknown>)
}

describe('usage and errors', () => {
  it('prints help and exits 0', () => {
    const r = evalz('--help')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('evalz run --model')
  })
  it('exits 2 with one line for a missing --model', () => {
    const r = evalz('run', '--tasks', 'arc_easy')
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toContain('--model')
  })
  it('suggests close names for an unknown task', () => {
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'hellaswg')
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/unknown task 'hellaswg': did you mean 'hellaswag'/)
  })
  it('says a task is available in lm-evaluation-harness', () => {
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'bigbench')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('is in lm-evaluation-harness but not in evalz')
  })
  it('accepts lm-eval spellings and rejects unknown options with the valid ones', () => {
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'demo', '--num_fewshots', '2')
    expect(r.code).toBe(2)
    expect(r.stderr).toContain("unknown option '--num_fewshots'")
    expect(r.stderr).toContain('--num-fewshot')
  })
  it('fails in one line, without a stack, when a task needs the Hub and the run is offline', () => {
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'arc_easy', '--limit', '1', '--offline')
    expect(r.code).toBe(1)
    expect(r.stderr).toContain("arc_easy: eval split 'test' of allenai/ai2_arc (config ARC-Easy)")
    expect(r.stderr).toContain('run once with the network on to cache them')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
  it('report: compares two result folders into a self-contained HTML file; a third run is a usage error', () => {
    const fixtures = join(ROOT, 'tests/core/compare/fixtures')
    const out = join(mkdtempSync(join(tmpdir(), 'evalz-report-')), 'cmp.html')
    const r = evalz('report', join(fixtures, 'lm-eval-out'), join(fixtures, 'evalz-out'), '--output', out)
    expect(r.code, r.stderr).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toMatch(/^<!doctype html>/i)
    expect(html).toContain('McNemar')
    expect(html).not.toMatch(/<script[\s>]/i)
    const bad = evalz('report', 'a', 'b', 'c', '--output', out)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('one run or two')
  })
  it('lists tasks and groups as JSON', () => {
    const r = evalz('ls', '--json')
    expect(r.code).toBe(0)
    const { entries, problems } = JSON.parse(r.stdout) as { entries: { name: string; kind: string; dataset?: string; metrics: string[] }[]; problems: unknown[] }
    expect(problems).toEqual([])
    expect(entries.filter(e => e.name.startsWith('mmlu_') && e.kind === 'task')).toHaveLength(57)
    expect(entries.find(e => e.name === 'mmlu')?.kind).toBe('group')
    expect(entries.find(e => e.name === 'gsm8k')).toMatchObject({ dataset: 'openai/gsm8k', metrics: ['exact_match'] })
  })
})

describe('the demo', () => {
  it('prints the table and writes results and samples that recompute exactly', () => {
    const out = mkdtempSync(join(tmpdir(), 'evalz-demo-'))
    const r = evalz('run', '--model', 'public/models/demo', '--tasks', 'demo', '--data-dir', 'public/datasets', '--output', out, '--log_samples', '--bootstrap-iters', '2000')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/\|\s*Tasks\s*\|Version\|/)
    for (const t of ['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories']) expect(r.stdout).toContain(t)
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as Record<string, Record<string, unknown>>
    expect(Object.keys(results.results)).toEqual(['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories'])
    expect(results['n-samples'].demo_capitals).toEqual({ original: 40, effective: 40 })
    if (HAS_PYTHON) {
      const report = recompute(out)
      expect(report.problems).toEqual([])
      expect(report.checked).toBeGreaterThanOrEqual(9)
    }
  })
})

describe.skipIf(!existsSync(HF_DATA))('real benchmark rows (../shared/hf-data)', () => {
  it('batch sizes 1 and 8 agree within 1e-4 per log-likelihood, and metrics recompute from samples', () => {
    const tasks = 'arc_easy,lambada_openai,truthfulqa_mc2,mmlu_stem,gsm8k'
    const runs = [1, 8].map(bs => {
      const out = mkdtempSync(join(tmpdir(), `evalz-bs${bs}-`))
      const r = evalz('run', '--model', 'public/models/demo', '--tasks', tasks, '--data-dir', HF_DATA, '--limit', '3', '--batch-size', String(bs), '--output', out, '--log-samples', '--bootstrap-iters', '1000')
      expect(r.code, r.stderr).toBe(0)
      return out
    })
    for (const task of ['arc_easy', 'lambada_openai', 'truthfulqa_mc2', 'mmlu_anatomy']) {
      const [a, b] = runs.map(dir => samples(dir, task))
      expect(a.length).toBe(b.length)
      a.forEach((s, i) => {
        const la = (s.resps as string[][][]).map(r => Number(r[0][0]))
        const lb = (b[i].resps as string[][][]).map(r => Number(r[0][0]))
        la.forEach((x, j) => expect(Math.abs(x - lb[j]), `${task} doc ${String(s.doc_id)} request ${j}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(x))))
      })
    }
    if (HAS_PYTHON) {
      const report = recompute(runs[1])
      expect(report.problems).toEqual([])
      expect(report.checked).toBeGreaterThan(20)
    }
    const results = JSON.parse(readFileSync(join(runs[1], 'results.json'), 'utf8')) as Record<string, Record<string, Record<string, unknown>>>
    expect(results.groups.mmlu_stem['sample_count']).toEqual({ 'acc,none': 57 })
    expect(Object.keys(results.results.gsm8k)).toContain('exact_match,flexible-extract')
  })
})
