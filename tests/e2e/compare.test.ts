/**
 * Comparing runs in the production build (issue 7): demo_capitals run on wasm with the demo model folder (A) and
 * with ../shared/models/stories260K/stories260K.gguf (B, a different checkpoint), both dropped into the app; the compare
 * view's fixed / broken counts equal a recount from the two stored samples files, its McNemar p equals an exact
 * binomial computed here with big integers, a fixed doc opens side by side, the exports and a PNG download work.
 * Then run A's files, renamed and reshaped as lm-evaluation-harness writes them, are imported and compare with B
 * like A did; a bad file is refused in one line; tags and a note are set and searched; the charts draw. Fails on
 * any page or console error. Skipped when /usr/bin/chromium or ../shared is absent.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Locator, Page } from 'playwright-core'
import { dropModel, showView, startRun, storedRuns, waitForRun } from './app-driver.ts'
import type { StoredRun } from './app-driver.ts'
import { CHROMIUM, ROOT, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'

const GGUF = resolve(ROOT, '../shared/models/stories260K/stories260K.gguf')
const DEMO_DIR = join(ROOT, 'public/models/demo')
const MISSING = [CHROMIUM, GGUF].filter((p) => !existsSync(p))
const SKIP_NOTE = MISSING.length === 0 ? '' : ` (skipped: ${MISSING.join(' and ')} not found)`
const TASK = 'demo_capitals'
/** every doc of demo_capitals */
const LIMIT = 40
/** lm-eval's date suffix of the imported files */
const LM_DATE = '2025-06-01T10-20-30.123456'

/** A stored run with the fields this test reads beyond app-driver's. */
type Run = StoredRun & { readonly modelName: string; readonly tags?: string[]; readonly note?: string; readonly imported?: { producer: string } }

/** doc_id → acc of a samples file. */
function accByDoc(jsonl: string): Map<number, number> {
  const out = new Map<number, number>()
  for (const line of jsonl.split('\n')) {
    if (line.trim() === '') continue
    const s = JSON.parse(line) as { doc_id: number; acc: number }
    out.set(s.doc_id, s.acc)
  }
  return out
}

/** Fixed (A wrong → B right) and broken (A right → B wrong) docs over the docs both logged. */
function recount(a: string, b: string): { fixed: number[]; broken: number[]; n: number } {
  const va = accByDoc(a)
  const vb = accByDoc(b)
  const fixed: number[] = []
  const broken: number[] = []
  let n = 0
  for (const [id, x] of va) {
    const y = vb.get(id)
    if (y === undefined) continue
    n++
    if (x === 0 && y === 1) fixed.push(id)
    if (x === 1 && y === 0) broken.push(id)
  }
  return { fixed, broken, n }
}

/** Two-sided exact McNemar p by hand: min(1, 2·Σ_{i≤min(b,c)} C(b+c, i) / 2^(b+c)), exact big-integer sums. */
function mcnemarReference(b: number, c: number): number {
  const n = b + c
  if (n === 0) return 1
  let term = 1n
  let sum = 1n
  for (let i = 1; i <= Math.min(b, c); i++) {
    term = (term * BigInt(n - i + 1)) / BigInt(i)
    sum += term
  }
  // 2·sum / 2^n with 60 bits kept: exact enough for a double
  const scaled = (2n * sum * (1n << 60n)) / (1n << BigInt(n))
  return Math.min(1, Number(scaled) / 2 ** 60)
}

describe.skipIf(MISSING.length > 0)(`comparing runs in the production build${SKIP_NOTE}`, () => {
  let app: ProductionApp
  let work: string
  let browser: Browser
  let page: Page
  let runA: Run
  let runB: Run
  let first: { fixed: string; broken: string; p: string }
  /** the run imported from lm-eval's files */
  let importedId = ''
  const problems: string[] = []

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'evalz-e2e-compare-'))
    await mkdir(join(work, 'checkpoint'))
    await copyFile(GGUF, join(work, 'checkpoint', 'stories260K.gguf'))
    app = await serveProductionApp()
    browser = await launchChromium()
    ;({ page } = await openPage(browser, problems, { viewport: { width: 1280, height: 900 } }))
    await page.goto(app.server.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    if (work) await rm(work, { recursive: true, force: true })
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  it('runs demo_capitals with the demo model and with the dropped stories260K.gguf', async () => {
    // the demo model goes in as a dropped folder too (as in production.test.ts): both runs load from IndexedDB
    await dropModel(page, DEMO_DIR)
    let known = await startRun(page, { tasks: [TASK], limit: LIMIT, device: 'wasm' })
    runA = await waitForRun(page, known, 90_000) as Run
    await dropModel(page, join(work, 'checkpoint'))
    // dropModel ticks the list entry at the old count, but the list is newest first: pick stories260K by name
    await page.locator('[data-testid="model-list"] [data-model]').filter({ hasText: 'stories260K' }).locator('input[type=radio]').check()
    known = await startRun(page, { tasks: [TASK], limit: LIMIT, device: 'wasm' })
    runB = await waitForRun(page, known, 90_000) as Run
    expect([runA.modelName, runB.modelName]).toEqual(['demo', 'stories260K'])
    expect(accByDoc(runA.samplesJsonl[TASK]).size).toBe(LIMIT)
    expect(accByDoc(runB.samplesJsonl[TASK]).size).toBe(LIMIT)
  }, 240_000)

  it('shows fixed/broken counts equal to a recount and the McNemar p of an exact binomial', async () => {
    const row = await compare(page, runA.id, runB.id)
    const want = recount(runA.samplesJsonl[TASK], runB.samplesJsonl[TASK])
    expect(want.n).toBe(LIMIT)
    expect(want.fixed.length + want.broken.length, 'the two checkpoints disagree on some docs').toBeGreaterThan(0)
    await expect.poll(() => row.getAttribute('data-fixed')).toBe(String(want.fixed.length))
    await expect.poll(() => row.getAttribute('data-broken')).toBe(String(want.broken.length))
    first = { fixed: (await row.getAttribute('data-fixed'))!, broken: (await row.getAttribute('data-broken'))!, p: (await row.getAttribute('data-p'))! }
    await expect.poll(() => row.locator('td').nth(8).textContent()).toBe(`${want.fixed.length} / ${want.broken.length}`)
    const p = mcnemarReference(want.fixed.length, want.broken.length)
    expect(Math.abs(Number(first.p) - p)).toBeLessThanOrEqual(1e-12 * p)
    await expect.poll(() => row.getByTestId('mcnemar-p').textContent()).toBe(p >= 0.001 ? p.toFixed(4) : p.toExponential(0))
    // the lists under the table hold the same docs
    const flips = page.locator(`ez-compare-flips[data-task="${TASK}"][data-metric="acc"]`)
    await expect.poll(() => flips.getByTestId('flips-fixed').getAttribute('data-count')).toBe(String(want.fixed.length))
    await expect.poll(() => flips.getByTestId('flips-broken').getAttribute('data-count')).toBe(String(want.broken.length))
    const kind = want.fixed.length > 0 ? 'fixed' : 'broken'
    const wantDocs = kind === 'fixed' ? want.fixed : want.broken
    const docButtons = flips.getByTestId(`flips-${kind}`).locator('button[data-doc]')
    await expect.poll(() => docButtons.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-doc'))))).toEqual(wantDocs)
    // a doc opens side by side: one prompt, four choices with both runs' scores, both sides
    await flips.getByTestId(`flips-${kind}`).locator('summary').click()
    await docButtons.first().click()
    const side = flips.getByTestId('compare-sample')
    await side.waitFor()
    await expect.poll(async () => Number(await side.getAttribute('data-doc'))).toBe(wantDocs[0])
    await expect.poll(() => side.getByTestId('compare-sample-choices').locator('tbody tr').count()).toBe(4)
    await expect.poll(() => side.getByTestId('compare-side-A').textContent()).toContain(kind === 'fixed' ? '✗ wrong' : '✓ right')
    await expect.poll(() => side.getByTestId('compare-side-B').textContent()).toContain(kind === 'fixed' ? '✓ right' : '✗ wrong')
    // both runs' calibration, built when opened
    const calibration = page.getByTestId('compare-calibration')
    await calibration.locator('summary').click()
    await expect.poll(() => calibration.getByTestId('calibration').evaluateAll((els) => els.map((e) => e.getAttribute('data-docs')))).toEqual([String(LIMIT), String(LIMIT)])
  }, 60_000)

  it('exports the comparison as JSON, Markdown and HTML, and a chart as PNG', async () => {
    const json = JSON.parse(await blobText(page.getByTestId('export-json'))) as { format: string; tasks: { task: string; metrics: { metric: string; binary: { fixed: number; broken: number; mcnemarP: number } | null }[] }[] }
    expect(json.format).toBe('evalz-comparison')
    const acc = json.tasks.find((t) => t.task === TASK)!.metrics.find((m) => m.metric === 'acc')!.binary!
    expect([String(acc.fixed), String(acc.broken), String(acc.mcnemarP)]).toEqual([first.fixed, first.broken, first.p])
    expect(await blobText(page.getByTestId('export-md'))).toMatch(/^# evalz comparison: stories260K vs demo/)
    expect(await blobText(page.getByTestId('export-html'))).toMatch(/^<!doctype html>/)
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-testid="comparison"] > ez-chart-figure').getByTestId('chart-png').click(),
    ])
    expect(download.suggestedFilename()).toMatch(/\.png$/)
    const png = readFileSync(await download.path())
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
    expect(png.length).toBeGreaterThan(1000)
  }, 60_000)

  it('imports run A as lm-eval files and compares it with B as before; refuses a bad file in one line', async () => {
    await showView(page, 'compare')
    // lm-eval's layout: no evalz block, lm_eval_version; a changed n-shot and seed and one changed prompt_hash make
    // the config warnings show (the per-doc values, and so the statistics, stay those of run A)
    const results = JSON.parse(runA.resultsJson) as {
      evalz?: unknown; lm_eval_version?: string; 'n-shot': Record<string, number>; config: Record<string, unknown>
      task_hashes?: Record<string, string>
    }
    delete results.evalz
    results.lm_eval_version = '0.4.8'
    results['n-shot'][TASK] = 1
    results.config.fewshot_seed = 42
    const lines = runA.samplesJsonl[TASK].split('\n')
    const doc0 = JSON.parse(lines[0]) as { prompt_hash: string }
    lines[0] = JSON.stringify({ ...doc0, prompt_hash: 'f'.repeat(64) })
    const samples = lines.join('\n')
    // lm-eval's task hash is over the samples it wrote, so the changed prompt_hash changes it too
    const logged = lines.filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as Record<string, string>)
    const taskHash = createHash('sha256').update(logged.map((l) => l.doc_hash + l.prompt_hash + l.target_hash).join('')).digest('hex')
    results.task_hashes = { ...results.task_hashes, [TASK]: taskHash }
    const resultsPath = join(work, `results_${LM_DATE}.json`)
    const samplesPath = join(work, `samples_${TASK}_${LM_DATE}.jsonl`)
    await writeFile(resultsPath, JSON.stringify(results, null, 2))
    await writeFile(samplesPath, samples)
    const files = page.getByTestId('import-files')
    // a bad samples file: one line, nothing offered for import
    await writeFile(join(work, `samples_${TASK}.jsonl`), '{"doc_id": -1}\n')
    await files.setInputFiles([resultsPath, join(work, `samples_${TASK}.jsonl`)])
    const error = page.getByTestId('import-error')
    await error.waitFor()
    await expect.poll(() => error.textContent()).toMatch(/^DATASET_PARSE_ERROR samples_demo_capitals.jsonl: samples of task 'demo_capitals', line 1: doc_id is -1, expected a non-negative integer/)
    expect((await error.textContent())!.includes('\n')).toBe(false)
    await files.setInputFiles([resultsPath, samplesPath])
    await page.getByTestId('import-label').fill('demo via lm-eval')
    const before = (await storedRuns(page)).length
    await page.getByTestId('import-run').click()
    await page.getByTestId('import-done').waitFor()
    await expect.poll(async () => (await storedRuns(page)).length).toBe(before + 1)
    const runs = await storedRuns(page) as Run[]
    const imported = runs.find((r) => r.imported)!
    importedId = imported.id
    expect(imported.imported?.producer).toBe('lm-eval')
    expect(imported.samplesJsonl[TASK]).toBe(samples)
    await showView(page, 'history')
    await page.locator(`[data-testid="history"] tr[data-run="${imported.id}"] [data-testid="history-imported"]`).waitFor()
    // it opens in the results area like a run made here
    await page.locator(`[data-testid="history"] tr[data-run="${imported.id}"]`).getByTestId('history-open').click()
    await page.locator(`[data-testid="results"][data-run="${imported.id}"]`).waitFor()
    const row = await compare(page, imported.id, runB.id)
    await expect.poll(async () => ({ fixed: await row.getAttribute('data-fixed'), broken: await row.getAttribute('data-broken'), p: await row.getAttribute('data-p') })).toEqual(first)
    await expect.poll(() => page.locator('[data-testid="comparison"]').textContent()).toContain('lm-eval 0.4.8')
    const diff = page.getByTestId('compare-warnings').getByTestId('config-diff')
    await expect.poll(() => diff.locator('tbody tr').evaluateAll((els) => els.map((e) => [e.getAttribute('data-field'), ...[...e.querySelectorAll('td')].slice(2).map((td) => td.textContent)]))).toEqual([
      ['fewshot_seed', '42', '1234'], ['num_fewshot', '1', '0'], ['prompt_hash', `differs on 1 of ${LIMIT} matched docs`],
    ])
  }, 60_000)

  it('keeps tags and a note per run and finds runs by them', async () => {
    await showView(page, 'history')
    const row = page.locator(`[data-testid="history"] tr[data-run="${runB.id}"]`)
    await row.getByTestId('history-edit').click()
    await page.getByTestId('history-tags-input').fill('finetune, tiny ,finetune')
    await page.getByTestId('history-note-input').fill('stories260K converted from GGUF')
    await page.getByTestId('history-save').click()
    await expect.poll(async () => ((await storedRuns(page)) as Run[]).find((r) => r.id === runB.id)?.tags).toEqual(['finetune', 'tiny'])
    expect(((await storedRuns(page)) as Run[]).find((r) => r.id === runB.id)?.note).toBe('stories260K converted from GGUF')
    await expect.poll(() => row.getByTestId('history-tags').textContent()).toBe('finetunetiny')
    const search = page.getByTestId('history-search')
    const shown = page.locator('[data-testid="history"] tbody tr[data-run]')
    await search.fill('finetune')
    await expect.poll(() => shown.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')))).toEqual([runB.id])
    await expect.poll(() => page.getByTestId('history-count').textContent()).toBe('1 of 3 runs')
    await search.fill('converted gguf')
    await expect.poll(() => shown.evaluateAll((els) => els.map((e) => e.getAttribute('data-run')))).toEqual([runB.id])
    await search.fill('imported')
    await expect.poll(() => shown.count()).toBe(1)
    await expect.poll(() => page.getByTestId('history-count').textContent()).toBe('1 of 3 runs')
    await search.fill('')
    await expect.poll(() => shown.count()).toBe(3)
  }, 30_000)

  it('charts the task across runs and plots one run\'s calibration and choice probabilities', async () => {
    await showView(page, 'compare')
    await page.getByTestId('run-chart-task').selectOption(TASK)
    await expect.poll(() => page.getByTestId('run-chart-count').textContent()).toBe('3 runs')
    await expect.poll(() => page.locator('[data-testid="run-chart"] svg rect.bar').count()).toBe(3)
    await page.getByTestId('plot-run').selectOption(runB.id)
    const plot = page.getByTestId('run-plots').getByTestId('calibration')
    await plot.waitFor()
    await expect.poll(() => plot.getAttribute('data-docs')).toBe(String(LIMIT))
    await expect.poll(async () => Number(await plot.getAttribute('data-ece'))).toBeGreaterThanOrEqual(0)
    await expect.poll(() => plot.locator('svg rect.bar').count()).toBeGreaterThan(0)
    const choices = page.getByTestId('run-plots').getByTestId('choice-probabilities')
    await expect.poll(() => choices.locator('svg rect.bar').count()).toBe(4)
    // nothing sticks out sideways in a 400px window
    await page.setViewportSize({ width: 400, height: 800 })
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400)
  }, 30_000)

  it('stacks the comparison\'s tables as cards in a 400 px window, every cell named', async () => {
    await page.setViewportSize({ width: 400, height: 800 })
    try {
      const row = await compare(page, importedId, runB.id)
      const display = (l: Locator) => l.evaluate((e) => getComputedStyle(e).display)
      await expect.poll(() => display(row)).toBe('block')
      // no column is cut off: each cell shows, under its column's name
      const cells = row.locator('td')
      await expect.poll(() => cells.evaluateAll((tds) => tds.filter((td) => (td as HTMLElement).offsetHeight === 0).length)).toBe(0)
      expect(await cells.evaluateAll((tds) => tds.map((td) => td.getAttribute('data-label')))).toEqual([
        'Task', 'Metric', 'Filter', 'n', 'A', 'B', 'Δ (B−A)', '95% CI of Δ', 'fixed / broken', 'p (McNemar)', 'Verdict',
      ])
      // a card of the task's second metric names the task too
      const second = page.locator(`[data-testid="compare-table"] tr[data-task="${TASK}"]:not([data-metric="acc"])`).first()
      await expect.poll(() => second.locator('td[data-label="Task"]').innerText()).toBe(TASK)
      await expect.poll(() => display(page.getByTestId('config-diff').locator('tbody tr').first())).toBe('block')
      // the side-by-side doc's choices too
      const flips = page.locator(`ez-compare-flips[data-task="${TASK}"][data-metric="acc"]`)
      const kind = Number(first.fixed) > 0 ? 'fixed' : 'broken'
      const list = flips.getByTestId(`flips-${kind}`)
      // the list may still be open from before (the same element, compared again)
      if (!(await list.evaluate((d) => (d as HTMLDetailsElement).open))) await list.locator('summary').click()
      await list.locator('button[data-doc]').first().click()
      await expect.poll(() => display(flips.getByTestId('compare-sample-choices').locator('tbody tr').first())).toBe('block')
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400)
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 })
    }
  }, 180_000) // a loaded CI machine took over a minute here once
})

/** Picks A and B in the compare view, compares, and returns the acc row of the task. */
async function compare(page: Page, a: string, b: string): Promise<Locator> {
  await showView(page, 'compare')
  await page.getByTestId('compare-a').selectOption(a)
  await page.getByTestId('compare-b').selectOption(b)
  await page.getByTestId('compare-run').click()
  const shown = page.locator(`[data-testid="comparison"][data-a="${a}"][data-b="${b}"]`)
  await shown.waitFor({ timeout: 30_000 })
  return shown.locator(`[data-testid="compare-table"] tr[data-task="${TASK}"][data-metric="acc"]`)
}

/** Text behind an export link (its blob URL), fetched in the page. */
async function blobText(link: Locator): Promise<string> {
  return link.evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text())
}
