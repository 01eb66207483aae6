/**
 * `evalz report` in-process: html/md/json for an lm-eval output folder (model folder one level down) against an
 * evalz output folder, single-run reports, how runs are found, and the one-line usage errors.
 */
import { describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { reportCommand, reportUsage } from '../../src/cli/report-command.ts'
import { isHarnessError } from '../../src/core/errors.ts'

const FIX = join(import.meta.dirname, '../core/compare/fixtures')
const LM_OUT = join(FIX, 'lm-eval-out')
const EVALZ_OUT = join(FIX, 'evalz-out')

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'evalz-report-'))
}

async function usageError(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    if (isHarnessError(e) && e.code === 'USAGE') {
      expect(e.message).not.toContain('\n')
      return e.message
    }
    throw e
  }
  throw new Error('expected a USAGE error')
}

describe('reportCommand with two runs', () => {
  const dir = tmp()

  it('writes a self-contained HTML comparison', async () => {
    const out = await reportCommand({ runs: [LM_OUT, EVALZ_OUT], output: join(dir, 'cmp.html'), iterations: 1000 })
    expect(out).toBe(join(dir, 'cmp.html'))
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('<title>evalz comparison: my-org/pythia-160m-sft vs EleutherAI/pythia-160m</title>')
    expect(html).toContain('arc_easy · acc (none): 9 fixed, 3 broken')
    expect(html).not.toContain('<script')
  })

  it('writes Markdown and JSON with the requested seed and resamples', async () => {
    const md = readFileSync(await reportCommand({ runs: [LM_OUT, EVALZ_OUT], output: join(dir, 'sub/cmp.md'), seed: 3, iterations: 300 }), 'utf8')
    expect(md).toContain('95% CI: paired bootstrap, 300 resamples, seed 3.')
    expect(md).toMatch(/\| arc_easy \| acc \| none \| 40 \| 0\.4250 \| 0\.5750 \| \+0\.1500 \|/)
    const json = JSON.parse(readFileSync(await reportCommand({ runs: [LM_OUT, EVALZ_OUT], output: join(dir, 'cmp.json'), seed: 3, iterations: 300 }), 'utf8'))
    expect(json.bootstrap).toMatchObject({ seed: 3, iterations: 300 })
    expect(json.a.producer).toBe('lm-eval')
    expect(json.b.producer).toBe('evalz')
    expect(json.tasks.map((t: { task: string }) => t.task)).toEqual(['arc_easy', 'gsm8k'])
    // the Markdown and JSON agree on the interval they report
    const acc = json.tasks[0].metrics[0].interval
    expect(md).toContain(`[${acc.low === 0 ? '0.0000' : (acc.low > 0 ? '+' : '-') + Math.abs(acc.low).toFixed(4)}, +${acc.high.toFixed(4)}]`)
  })

  it('tells two runs of the same model apart and finds no change against itself', async () => {
    const json = JSON.parse(readFileSync(await reportCommand({ runs: [EVALZ_OUT, EVALZ_OUT], output: join(dir, 'self.json'), iterations: 50 }), 'utf8'))
    expect([json.a.label, json.b.label]).toEqual(['my-org/pythia-160m-sft [A]', 'my-org/pythia-160m-sft [B]'])
    for (const t of json.tasks) for (const m of t.metrics) expect([m.delta, m.binary.mcnemarP, m.verdict]).toEqual([0, 1, 'unclear'])
    expect(json.warnings).toEqual([])
  })
})

describe('reportCommand with one run', () => {
  const dir = tmp()

  it('reports a results file given directly, with its dated samples files', async () => {
    const results = join(LM_OUT, 'EleutherAI__pythia-160m/results_2025-03-14T09-26-53.589793.json')
    const html = readFileSync(await reportCommand({ runs: [results], output: join(dir, 'run.html') }), 'utf8')
    expect(html).toContain('<title>evalz report: EleutherAI/pythia-160m</title>')
    // samples logged per task (two filters for gsm8k) and distinct prompts among them
    expect(html).toContain('<td>arc_easy</td><td>multiple_choice</td><td>acc, acc_norm</td><td class="num">40</td><td class="num">40</td>')
    expect(html).toContain('<td>gsm8k</td><td>generate_until</td><td>exact_match</td><td class="num">32</td><td class="num">16</td>')
    const json = JSON.parse(readFileSync(await reportCommand({ runs: [results], output: join(dir, 'run.json') }), 'utf8'))
    expect(json.tasks.map((t: { samples: number }) => t.samples)).toEqual([40, 32])
  })

  it('reads a results file lm-eval named after --output_path (<name>_<date>.json)', async () => {
    const copy = join(tmp(), 'm')
    cpSync(join(LM_OUT, 'EleutherAI__pythia-160m'), copy, { recursive: true })
    cpSync(join(copy, 'results_2025-03-14T09-26-53.589793.json'), join(copy, 'myrun_2025-03-14T09-26-53.589793.json'))
    const json = JSON.parse(readFileSync(await reportCommand({ runs: [join(copy, 'myrun_2025-03-14T09-26-53.589793.json')], output: join(dir, 'named.json') }), 'utf8'))
    expect(json.tasks.map((t: { samples: number }) => t.samples)).toEqual([40, 32])
  })

  it('writes lm-eval\'s Markdown table for one run', async () => {
    const md = readFileSync(await reportCommand({ runs: [EVALZ_OUT], output: join(dir, 'run.md') }), 'utf8')
    expect(md).toContain('# evalz report: my-org/pythia-160m-sft')
    expect(md).toMatch(/\|arc_easy\s*\|\s*1\|none/)
  })

  it('takes the newest results file of a folder and only its own samples', async () => {
    const copy = join(tmp(), 'm')
    cpSync(join(LM_OUT, 'EleutherAI__pythia-160m'), copy, { recursive: true })
    const newer = '2025-04-01T00-00-00.000000'
    const results = JSON.parse(readFileSync(join(copy, 'results_2025-03-14T09-26-53.589793.json'), 'utf8'))
    results.results = { arc_easy: results.results.arc_easy }
    writeFileSync(join(copy, `results_${newer}.json`), JSON.stringify(results))
    const json = JSON.parse(readFileSync(await reportCommand({ runs: [copy], output: join(dir, 'newest.json') }), 'utf8'))
    expect(json.tasks.map((t: { task: string; samples: number | null }) => [t.task, t.samples])).toEqual([['arc_easy', null]])
  })
})

describe('reportCommand errors', () => {
  const dir = tmp()

  it('rejects a wrong number of runs, an unknown suffix and bad numbers', async () => {
    expect(await usageError(reportCommand({ runs: [], output: 'x.html' }))).toMatch(/takes 1 or 2 runs, got 0/)
    expect(await usageError(reportCommand({ runs: [EVALZ_OUT, EVALZ_OUT, EVALZ_OUT], output: 'x.html' }))).toMatch(/got 3/)
    expect(await usageError(reportCommand({ runs: [EVALZ_OUT], output: join(dir, 'x.pdf') }))).toContain("--output '")
    expect(await usageError(reportCommand({ runs: [EVALZ_OUT], output: 'x.html', iterations: 0 }))).toMatch(/--iterations must be/)
    expect(await usageError(reportCommand({ runs: [EVALZ_OUT], output: 'x.html', seed: -1 }))).toMatch(/--seed must be/)
  })

  it('names a missing run, an empty folder and a folder of several models', async () => {
    expect(await usageError(reportCommand({ runs: [join(dir, 'nope')], output: join(dir, 'x.html') }))).toMatch(/run '.*nope' not found/)
    const empty = join(dir, 'empty')
    mkdirSync(empty)
    expect(await usageError(reportCommand({ runs: [empty], output: join(dir, 'x.html') }))).toMatch(/no results\*\.json in/)
    const two = join(dir, 'two')
    cpSync(join(LM_OUT, 'EleutherAI__pythia-160m'), join(two, 'model-a'), { recursive: true })
    cpSync(EVALZ_OUT, join(two, 'model-b'), { recursive: true })
    expect(await usageError(reportCommand({ runs: [two], output: join(dir, 'x.html') }))).toContain('holds results of 2 models (model-a, model-b); pass one of those folders')
  })

  it('names the file when a results file is invalid', async () => {
    const bad = join(dir, 'bad')
    mkdirSync(bad)
    writeFileSync(join(bad, 'results.json'), '{"nope": 1}')
    await expect(reportCommand({ runs: [bad], output: join(dir, 'x.html') })).rejects.toThrow(/bad\/results\.json: results file has no "results" object/)
  })

  it('documents the command', () => {
    expect(reportUsage).toContain('evalz report RUN [RUN2] --output FILE')
  })
})
