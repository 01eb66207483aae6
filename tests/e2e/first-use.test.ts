/**
 * The app as a first-time user meets it (issue 18), on the production build in Chromium with SwiftShader's software
 * WebGPU adapter: Auto runs on wasm and says why; no running interval of a proportion leaves [0, 1]; the inspector
 * shows a generation's raw output; the form (docs per task, the chosen model), added YAML tasks and the last shown
 * run survive a reload; a custom task whose dataset was dropped under another config says so, and runs once the
 * Data panel renames the stored config to the task's; keyboard only, page load to a finished demo run takes ≤ 15 key
 * presses. Fails on any page or console error. Skipped when /usr/bin/chromium is absent.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, ROOT, WEBGPU_ARGS, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { dropModel, showView, startRun, storedForm, storedRuns, waitForRun } from './app-driver.ts'

const MODEL_DIR = join(ROOT, 'public/models/demo')

/** A custom task on ARC-Easy's layout, and three rows in the Hub's ai2_arc schema. */
const ARC_YAML = `task: my_arc_easy
dataset_path: allenai/ai2_arc
dataset_name: ARC-Easy
output_type: multiple_choice
test_split: test
doc_to_text: "Question: {{question}}\\nAnswer:"
doc_to_choice: "{{choices.text}}"
doc_to_target: "{{choices.label.index(answerKey)}}"
`
const ARC_ROWS = [
  { id: 'q1', question: 'What is the capital of France?', choices: { text: ['Paris', 'Rome', 'Oslo'], label: ['A', 'B', 'C'] }, answerKey: 'A' },
  { id: 'q2', question: 'What is the capital of Italy?', choices: { text: ['Paris', 'Rome', 'Oslo'], label: ['A', 'B', 'C'] }, answerKey: 'B' },
  { id: 'q3', question: 'What is the capital of Norway?', choices: { text: ['Paris', 'Rome', 'Oslo'], label: ['A', 'B', 'C'] }, answerKey: 'C' },
]
const MISMATCH = "local allenai/ai2_arc has config 'default'; the task wants 'ARC-Easy'"

describe.skipIf(!HAS_CHROMIUM)(`first use of the production build${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let app: ProductionApp
  let browser: Browser
  let page: Page
  let dataDir: string
  const problems: string[] = []

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'evalz-first-use-'))
    await writeFile(join(dataDir, 'test.jsonl'), ARC_ROWS.map((r) => JSON.stringify(r)).join('\n') + '\n')
    app = await serveProductionApp()
    browser = await launchChromium(WEBGPU_ARGS)
    // the custom task's first run asks the Hub for ARC-Easy (no network here): its failed request is expected
    ;({ page } = await openPage(browser, problems, { failedRequests: false }))
    page.on('dialog', (d) => void d.accept())
    await page.goto(app.server.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  it('keyboard only: page load to a finished demo run in at most 15 key presses', async () => {
    // page and console errors count; aborted fetches of the app-served demo model (the page's cache may cancel one
    // it already holds) do not
    const fresh = await openPage(browser, problems, { failedRequests: false })
    try {
      const p = fresh.page
      await p.goto(app.server.url)
      await p.locator('[data-testid="task-list"] input[data-task="demo"]').waitFor()
      let presses = 0
      const press = async (key: string) => { presses++; await p.keyboard.press(key) }
      const tabTo = async (what: string, id: string) => {
        for (let i = 0; i < 12 && (await focused(p)) !== id; i++) await press('Tab')
        await expect.poll(() => focused(p), { message: `Tab reaches ${what}` }).toBe(id)
      }
      await press('Tab')
      await expect.poll(() => focused(p)).toBe('skip-link')
      await press('Enter')
      await expect.poll(() => focused(p)).toBe('task-search')
      // the catalogue is one tab stop: arrow keys move inside it, Space ticks
      await press('Tab')
      await expect.poll(() => focused(p)).toBe('task:demo')
      await p.keyboard.press('ArrowDown')
      await expect.poll(() => focused(p)).toBe('task:demo_arith')
      await p.keyboard.press('ArrowUp')
      await expect.poll(() => focused(p)).toBe('task:demo')
      await tabTo('docs per task', 'limit')
      expect(presses, 'Tab from the catalogue goes on to the settings at once').toBe(5)
      await press('1')
      await tabTo('Run', 'run')
      await press('Enter')
      // focus follows the run: Cancel now, the results when it ends
      await expect.poll(() => focused(p)).toBe('cancel')
      await p.getByTestId('results').waitFor({ timeout: 240_000 })
      await expect.poll(() => focused(p), { timeout: 60_000 }).toBe('view-results-h')
      expect(presses).toBeLessThanOrEqual(15)
      await expect.poll(() => p.getByTestId('device').getAttribute('data-device')).toBe('wasm')
    } finally {
      await fresh.context.close()
    }
  }, 300_000)

  it('Auto runs on wasm over SwiftShader and says why; running intervals stay inside [0, 1]', async () => {
    const known = await startRun(page, { tasks: ['demo_arith', 'demo_capitals'], limit: 3, device: 'auto' })
    // a status line follows the running evaluation wherever the page is scrolled
    await page.getByTestId('status-line').waitFor()
    // and the settings are locked until it ends
    await expect.poll(() => page.locator('[data-testid="task-list"] input[data-task="demo"]').isDisabled()).toBe(true)
    await expect.poll(() => page.getByTestId('limit').isDisabled()).toBe(true)
    // every running interval shown while the run goes, sampled until it ends
    const intervals: [number, number][] = []
    const sample = async () => intervals.push(...await page.getByTestId('running-interval').evaluateAll((els) =>
      els.map((e) => [Number(e.getAttribute('data-low')), Number(e.getAttribute('data-high'))] as [number, number])))
    while ((await storedRuns(page)).some((r) => !known.has(r.id) && r.status === 'running') || await page.getByTestId('cancel').count() > 0) {
      await sample()
      await page.waitForTimeout(50)
    }
    const run = await waitForRun(page, known, 150_000)
    await sample()
    expect(run.device?.device).toBe('wasm')
    await expect.poll(() => page.getByTestId('device-reason').textContent()).toMatch(/Auto chose it: the WebGPU adapter \(google swiftshader\) is a software one/)
    expect(intervals.length).toBeGreaterThan(0)
    for (const [lo, hi] of intervals) {
      expect(lo).toBeGreaterThanOrEqual(0)
      expect(hi).toBeLessThanOrEqual(1)
      expect(hi).toBeGreaterThan(lo)
    }
  }, 240_000)

  it('shows a generation\'s raw output next to its filtered answer', async () => {
    await page.getByTestId('inspector').locator('summary').first().click()
    await page.getByTestId('inspector-task').selectOption('demo_arith')
    // the list re-renders for the chosen task on a later update: take its first sample once it shows
    const first = page.locator('[data-testid="sample"][data-task="demo_arith"]').first()
    await first.locator('summary').click()
    await expect.poll(async () => (await first.getByTestId('sample-output').textContent())?.length ?? 0).toBeGreaterThan(0)
    await expect.poll(() => first.getByTestId('sample-answer').count()).toBe(1)
  })

  it('names a dataset dropped under another config, and runs once the Data panel sets the config', async () => {
    await showView(page, 'run')
    await page.getByTestId('task-editor').locator('summary').click()
    await page.getByTestId('yaml-text').fill(ARC_YAML)
    await page.getByTestId('yaml-add').click()
    await page.locator('[data-testid="task-list"] [data-task="my_arc_easy"]').waitFor()
    // the data, dropped as one file without a config
    const data = page.locator('ez-data-panel')
    await data.locator('summary').click()
    await data.locator('#ds-name').fill('allenai/ai2_arc')
    await data.locator('#ds-split').fill('test')
    await data.locator('#ds-file').setInputFiles(join(dataDir, 'test.jsonl'))
    await data.getByTestId('dataset-files').filter({ hasText: 'default/test.jsonl' }).waitFor()
    const status = page.locator('[data-testid="task-list"] .item', { has: page.locator('[data-task="my_arc_easy"]') }).getByTestId('data-status')
    await expect.poll(() => status.textContent()).toBe(MISMATCH)
    // the run says the same, not a Hub error
    const known = await startRun(page, { tasks: ['my_arc_easy'], limit: 3, device: 'wasm' })
    await expect(waitForRun(page, known, 150_000)).rejects.toThrow(`DATASET_CONFIG_MISMATCH ${MISMATCH}`)
    await expect.poll(() => page.getByTestId('error').textContent()).toContain(MISMATCH)
    // no empty progress card is left behind by the failed run
    await expect.poll(() => page.locator('ez-run-progress').count()).toBe(0)
    // the history shows why the run failed, not only in a tooltip
    await expect.poll(() => page.getByTestId('history-reason').first().textContent()).toContain(MISMATCH)
    // the stored config renamed to the task's in the Data panel: present, and it runs
    const stored = data.locator('[data-testid="stored-dataset-item"][data-name="allenai/ai2_arc"]')
    await stored.getByTestId('dataset-rename-to').fill('ARC-Easy')
    await stored.getByTestId('dataset-rename-apply').click()
    await expect.poll(() => stored.getByTestId('dataset-files').textContent()).toMatch(/^ARC-Easy\/test\.jsonl · /)
    await expect.poll(() => status.getAttribute('data-state')).toBe('present')
    const again = await startRun(page, { tasks: ['my_arc_easy'], limit: 3, device: 'wasm' })
    const run = await waitForRun(page, again, 150_000)
    expect(run.resultsJson).toContain('"my_arc_easy"')
  }, 420_000)

  it('keeps the chosen model, docs per task, added tasks and the last shown run across a reload', async () => {
    await dropModel(page, MODEL_DIR)
    const chosen = await page.locator('[data-testid="model-list"] input[type=radio]:checked').evaluate((e) => e.closest('[data-model]')?.getAttribute('data-model'))
    expect(chosen).not.toBe('demo')
    await page.getByTestId('limit').fill('7')
    const shownRun = await page.getByTestId('results').getAttribute('data-run')
    // the page state store writes asynchronously: reload once it holds the form as left
    await expect.poll(async () => { const f = await storedForm(page); return [f?.limit, f?.modelId] }).toEqual(['7', chosen])
    await page.reload()
    await expect.poll(() => page.getByTestId('limit').inputValue()).toBe('7')
    await expect.poll(() => page.locator('[data-testid="model-list"] input[type=radio]:checked')
      .evaluate((e) => e.closest('[data-model]')?.getAttribute('data-model'))).toBe(chosen)
    await page.locator('[data-testid="task-list"] [data-task="my_arc_easy"]').waitFor()
    await expect.poll(() => page.locator('[data-testid="task-list"] [data-task="my_arc_easy"]').isChecked()).toBe(true)
    await expect.poll(() => page.getByTestId('results').getAttribute('data-run')).toBe(shownRun)
  }, 60_000)

  it('the guide speaks the app\'s language and its suggested sets tick the tasks', async () => {
    const guide = page.getByTestId('guide')
    await guide.locator('summary').click()
    // the guide renders on the details' toggle event, which fires after the click resolves
    await guide.getByTestId('guide-tick').first().waitFor({ timeout: 15_000 })
    const text = await guide.textContent() ?? ''
    expect(text).not.toMatch(/--(limit|num-fewshot|offline|save-task|include-path|tasks)\b/)
    expect(text).toContain('Docs per task')
    await guide.getByTestId('guide-tick').first().click()
    await expect.poll(() => page.getByTestId('chosen').textContent()).toBe('Selected: arc_easy, arc_challenge, piqa, winogrande, boolq, lambada_openai')
  })

  it('stacks the history and storage rows as cards in a 400 px window', async () => {
    await page.setViewportSize({ width: 400, height: 800 })
    try {
      await showView(page, 'history')
      const row = page.getByTestId('history').locator('tbody tr[data-run]').first()
      await row.scrollIntoViewIfNeeded()
      await expect.poll(() => row.evaluate((e) => getComputedStyle(e).display)).toBe('block')
      await expect.poll(() => row.getByTestId('history-delete').isVisible()).toBe(true)
      await showView(page, 'storage')
      const stored = page.getByTestId('storage-table').locator('tbody tr').first()
      await expect.poll(() => stored.evaluate((e) => getComputedStyle(e).display)).toBe('block')
      await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400)
      if (process.env.EVALZ_SCREENSHOTS) await page.screenshot({ path: join(tmpdir(), 'evalz-first-use-400.png'), fullPage: true })
    } finally {
      await page.setViewportSize({ width: 1280, height: 800 })
    }
  })

  it('deletes a run with undo', async () => {
    await showView(page, 'history')
    const rows = page.getByTestId('history').locator('tbody tr[data-run]')
    const before = await rows.count()
    const id = await rows.first().getAttribute('data-run')
    await rows.first().getByTestId('history-delete').click()
    await expect.poll(() => rows.count()).toBe(before - 1)
    await page.getByTestId('undo').click()
    await expect.poll(() => rows.count()).toBe(before)
    await expect.poll(() => rows.first().getAttribute('data-run')).toBe(id)
    expect((await storedRuns(page)).some((r) => r.id === id)).toBe(true)
  })
})

/** What has keyboard focus, through shadow roots: its data-testid, 'task:<name>' for a catalogue entry, else its id or tag. */
async function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    let el: Element | null = document.activeElement
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement
    if (!el) return 'none'
    const task = el.getAttribute('data-task')
    return task !== null ? `task:${task}` : el.getAttribute('data-testid') ?? (el.id || el.tagName.toLowerCase())
  })
}
