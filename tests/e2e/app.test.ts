/**
 * The web app end to end: Vite dev server + Debian Chromium (playwright-core). Runs the app-served demo model on
 * wasm (the page stays responsive; results table, chance level, downloads, sample inspector, history), stores the
 * demo model folder through the file picker and runs it from IndexedDB with no request for model files, and runs
 * on WebGPU (SwiftShader). Fails on any page error or console error. Skipped when /usr/bin/chromium is absent
 * (install it with `apt-get install chromium`).
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'vite'
import type { ViteDevServer } from 'vite'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, WEBGPU_ARGS, launchChromium, openPage } from './production-app.ts'
import { showView, storedRuns } from './app-driver.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const DEMO_TASKS = ['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories']

describe.skipIf(!HAS_CHROMIUM)(`web app in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let server: ViteDevServer
  let browser: Browser
  let page: Page
  const problems: string[] = []
  const requests: string[] = []

  beforeAll(async () => {
    server = await createServer({
      root: ROOT, configFile: `${ROOT}vite.config.ts`, logLevel: 'error', clearScreen: false,
      // own pre-bundle cache, so a developer's running `npm start` is not disturbed
      cacheDir: `${ROOT}node_modules/.vite-e2e`,
      // no file watching: other edits in the tree must not reload the page mid-test
      server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null },
    })
    await server.listen()
    const address = server.httpServer?.address()
    if (!address || typeof address === 'string') throw new Error('vite did not report a port')
    browser = await launchChromium(WEBGPU_ARGS)
    ;({ page } = await openPage(browser, problems))
    page.on('request', (r) => requests.push(new URL(r.url()).pathname))
    page.on('dialog', (d) => void d.accept())
    await page.goto(`http://127.0.0.1:${address.port}/`)
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  afterEach(() => {
    expect(problems).toEqual([])
  })

  it('is cross-origin isolated and lists the demo tasks from the worker', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    const list = page.getByTestId('task-list')
    await list.locator('input[data-task="demo_capitals"]').waitFor()
    const names = await list.locator('input[data-task^="demo_"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task')))
    expect(names).toEqual(DEMO_TASKS)
    // the search narrows the list
    await page.getByTestId('task-search').fill('mmlu_anat')
    await expect.poll(() => list.locator('input[data-task]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task')))).toEqual(['mmlu_anatomy'])
    await page.getByTestId('task-search').fill('')
    await expect.poll(() => page.getByTestId('run').isEnabled()).toBe(true)
  })

  it('runs the demo on wasm, stays responsive, shows results, chance, downloads and the inspector', async () => {
    await page.getByTestId('device-select').selectOption('wasm')
    await page.getByTestId('limit').fill('3')
    await page.getByTestId('run').click()
    // While the run is in flight the page must answer at once and handle input.
    const latencies: number[] = []
    let typed = false
    await page.getByTestId('progress').waitFor()
    while (await page.getByTestId('cancel').count() > 0) {
      const t0 = Date.now()
      await page.evaluate(() => document.querySelector('ez-app')?.shadowRoot?.childElementCount)
      latencies.push(Date.now() - t0)
      if (!typed) {
        await page.getByTestId('task-search').fill('demo_c')
        await expect.poll(() => page.getByTestId('task-search').inputValue()).toBe('demo_c')
        await page.getByTestId('task-search').fill('')
        typed = true
      }
      await page.waitForTimeout(50)
    }
    expect(typed).toBe(true)
    // a main thread blocked by the engine answers late every time; one slow answer is the loaded machine's (CI runs
    // every e2e suite at once on two cores), so the median is held to a bound and single answers to a loose one
    const sorted = [...latencies].sort((a, b) => a - b)
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(500)
    expect(sorted[sorted.length - 1]).toBeLessThan(5000)

    expect(await page.getByTestId('error').count()).toBe(0)
    // every task's row, once the table has rendered them all
    await expect.poll(async () => {
      const shown = await resultRows(page)
      return DEMO_TASKS.filter((t) => !shown.some((r) => r[0] === t))
    }).toEqual([])
    const rows = await resultRows(page)
    for (const r of rows) expect(r[6]).toMatch(/^-?\d+\.\d{4}$/)
    // chance level beside the multiple-choice task (demo_capitals has 4 choices per doc)
    expect(rows.find((r) => r[0] === 'demo_capitals')?.[9]).toBe('0.2500')
    expect(rows.find((r) => r[0] === 'demo_cloze')?.[9]).toBe('')
    await expect.poll(() => page.getByTestId('results').getAttribute('data-device')).toBe('wasm')
    const text = await fetchDownload(page, 'download')
    expect(text).toContain('"limit": 3')
    expect(text).toContain('"device": "wasm"')
    const samples = await fetchDownload(page, 'download-samples_demo_capitals.jsonl')
    expect(samples.trim().split('\n')).toHaveLength(3)

    // the inspector: open it, then a sample: exact prompt and one row per choice
    await page.getByTestId('inspector').locator('summary').first().click()
    await page.getByTestId('inspector-task').selectOption('demo_capitals')
    const first = page.locator('[data-testid="sample"][data-task="demo_capitals"]').first()
    await first.locator('summary').click()
    await expect.poll(() => first.getByTestId('sample-prompt').textContent()).toMatch(/^Question: What is the capital of .+\?\nAnswer:$/)
    await expect.poll(() => first.getByTestId('sample-choices').locator('tbody tr').count()).toBe(4)
    const verdicts = await page.getByTestId('sample').evaluateAll((els) => els.map((e) => e.getAttribute('data-correct')))
    await page.getByTestId('inspector-verdict').selectOption('wrong')
    await expect.poll(() => page.getByTestId('sample').count()).toBe(verdicts.filter((v) => v === 'false').length)

    // the run is in the history
    await expect.poll(() => page.getByTestId('history').locator('tbody tr').count()).toBeGreaterThanOrEqual(1)
    await page.screenshot({ path: '/tmp/evalz-e2e-wasm.png', fullPage: true })
  }, 180_000)

  it('stores a dropped model folder and runs it from IndexedDB without fetching model files', async () => {
    await showView(page, 'run')
    await page.getByTestId('model-files').setInputFiles(`${ROOT}public/models/demo`)
    const stored = page.getByTestId('model-list').locator('[data-model^="demo-"]')
    await stored.waitFor({ timeout: 20_000 })
    await expect.poll(() => stored.locator('input[type=radio]').isChecked()).toBe(true)
    await expect.poll(() => stored.textContent()).toMatch(/sha256 [0-9a-f]{12}…/)
    await page.getByTestId('task-list').locator('input[data-task="demo"]').uncheck()
    await page.getByTestId('task-list').locator('input[data-task="demo_capitals"]').check()
    await page.getByTestId('limit').fill('2')
    requests.length = 0
    await runAndWait(page, 90_000)
    expect(requests.filter((p) => p.startsWith('/models/'))).toEqual([])
    const rows = await resultRows(page)
    expect(rows.map((r) => r[0]).filter(Boolean)).toEqual(['demo_capitals'])
    expect(await fetchDownload(page, 'download')).toContain('"model_args": "pretrained=demo,dtype=fp32"')
  }, 180_000)

  it('a dropped folder that fails to store leaves no model selected, and Run asks for one instead of running the previous', async () => {
    await showView(page, 'run')
    const bad = mkdtempSync(join(tmpdir(), 'evalz-bad-model-'))
    cpSync(`${ROOT}public/models/demo`, bad, { recursive: true })
    writeFileSync(join(bad, 'config.json'), '{bad')
    const list = page.getByTestId('model-list')
    await list.locator('input[type=radio]').first().waitFor()
    await expect.poll(() => list.locator('input[type=radio]:checked').count()).toBe(1)
    const picked = await list.locator('[data-model]:has(input[type=radio]:checked)').getAttribute('data-model')
    await page.getByTestId('model-files').setInputFiles(bad)
    await expect.poll(() => page.getByTestId('model-error').count(), { timeout: 30_000 }).toBe(1)
    await expect.poll(() => list.locator('input[type=radio]:checked').count()).toBe(0)
    const runs = (await storedRuns(page)).length
    await page.getByTestId('run').click()
    await expect.poll(() => page.getByTestId('error').textContent(), { timeout: 20_000 }).toMatch(/no model is selected/)
    expect((await storedRuns(page)).length).toBe(runs)
    // the user picks a model again: the later tests run with it
    await list.locator(`[data-model="${picked}"] input[type=radio]`).check()
    await expect.poll(() => list.locator('input[type=radio]:checked').count()).toBe(1)
  }, 120_000)

  it('adds an lm-eval YAML task in the editor and runs it', async () => {
    await showView(page, 'run')
    const yaml = [
      'task: my_capitals',
      'dataset_path: evalz/demo-capitals',
      'output_type: multiple_choice',
      'test_split: test',
      'doc_to_text: "Capital of {{country}}?"',
      'doc_to_choice: "{{choices}}"',
      'doc_to_target: answer',
      'metric_list:',
      '  - metric: acc',
    ].join('\n')
    await page.getByTestId('task-editor').locator('summary').click()
    await page.getByTestId('yaml-text').fill(yaml)
    await page.getByTestId('yaml-add').click()
    const added = page.getByTestId('task-list').locator('input[data-task="my_capitals"]')
    await added.waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('yaml-error').count()).toBe(0)
    for (const t of ['demo', 'demo_capitals']) {
      const box = page.getByTestId('task-list').locator(`input[data-task="${t}"]`)
      if (await box.isChecked()) await box.uncheck()
    }
    await added.check()
    await page.getByTestId('device-select').selectOption('wasm')
    await page.getByTestId('limit').fill('2')
    await runAndWait(page, 90_000)
    const rows = await resultRows(page)
    expect(rows.map((r) => r[0]).filter(Boolean)).toEqual(['my_capitals'])
    expect(await fetchDownload(page, 'download-samples_my_capitals.jsonl')).toContain('"arg_0": "Capital of ')
  }, 180_000)

  it('runs on WebGPU (SwiftShader) and reports the device', async () => {
    await showView(page, 'run')
    await page.getByTestId('device-select').selectOption('webgpu')
    await page.getByTestId('limit').fill('1')
    await runAndWait(page, 150_000)
    await expect.poll(() => page.getByTestId('results').getAttribute('data-device')).toBe('webgpu')
    await expect.poll(() => page.getByTestId('device').getAttribute('data-device')).toBe('webgpu')
    await expect.poll(() => page.getByTestId('device').textContent()).toMatch(/WebGPU/)
    expect(await fetchDownload(page, 'download')).toContain('"device": "webgpu"')
    await page.screenshot({ path: '/tmp/evalz-e2e-webgpu.png', fullPage: true })
  }, 240_000)
})

/** Clicks Run and waits until the results of that new run are shown (or an error). */
async function runAndWait(page: Page, timeout: number): Promise<void> {
  const results = page.getByTestId('results')
  const before = (await results.count()) > 0 ? await results.getAttribute('data-run') : null
  await page.getByTestId('run').click()
  await expect.poll(async () => {
    if ((await page.getByTestId('error').count()) > 0) return `error: ${await page.getByTestId('error').textContent()}`
    return (await results.count()) > 0 && (await results.getAttribute('data-run')) !== before ? 'new results' : 'waiting'
  }, { timeout, interval: 100 }).toBe('new results')
}

/** Cells of the results table, row by row (waits for the table). */
async function resultRows(page: Page): Promise<string[][]> {
  const table = page.getByTestId('results-table')
  await table.waitFor({ timeout: 60_000 })
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
}

/** The text behind a download link. */
async function fetchDownload(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text())
}
