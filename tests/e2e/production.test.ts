/**
 * The production build end to end: the run's shared `vite build` (tests/e2e/global-setup.ts), served by a tiny
 * static server with COOP/COEP (tests/e2e/static-server.ts), driven in Debian Chromium (playwright-core). Drops public/models/demo in through
 * the model-files input, runs two demo tasks on WebGPU (SwiftShader) and on wasm and compares every request's
 * log-likelihood with the Node CLI's (within 1e-3) and the accuracies (identical); reloads in the middle of a run
 * and checks it resumes from the stored responses; takes the docs/screenshots only when EVALZ_SCREENSHOTS=1
 * (`npm run screenshots`). Fails on any page or console error.
 * Skipped when /usr/bin/chromium is absent (install it with `apt-get install chromium`).
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { compareRuns, requestCount, runCli } from './cli-reference.ts'
import type { RunFiles } from './cli-reference.ts'
import { CHROMIUM, HAS_CHROMIUM, ROOT, WEBGPU_ARGS, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { dropModel, startRun, storedResponses, waitForRun } from './app-driver.ts'

const MODEL_DIR = join(ROOT, 'public/models/demo')
/** docs/screenshots, rewritten only when EVALZ_SCREENSHOTS=1 (`npm run screenshots`); other runs take none. */
const SHOTS = process.env.EVALZ_SCREENSHOTS === '1' ? join(ROOT, 'docs/screenshots') : undefined
/** The two tasks compared with the CLI: one multiple-choice, one loglikelihood task. */
const TASKS = ['demo_capitals', 'demo_cloze']
/** Docs per task on WebGPU and wasm (SwiftShader is slow: keep it tiny). */
const LIMIT = 3
/** The run that is reloaded halfway: every demo task, all docs (234 requests of three kinds). */
const RELOAD_TASKS = ['demo_capitals', 'demo_cloze', 'demo_stories', 'demo_arith']
const RELOAD_LIMIT = 40
/** Per-request log-likelihood tolerance against the CLI. */
const TOL = 1e-3
const VIEWPORT = { width: 1280, height: 800 }

describe.skipIf(!HAS_CHROMIUM)(`production build in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let app: ProductionApp
  let browser: Browser
  let page: Page
  let cliSmall: RunFiles
  let cliReload: RunFiles
  const problems: string[] = []

  beforeAll(async () => {
    // the CLI references run while Vite builds (both are mostly single-threaded)
    const cli = Promise.all([runCli(ROOT, { tasks: TASKS, limit: LIMIT }), runCli(ROOT, { tasks: RELOAD_TASKS, limit: RELOAD_LIMIT })])
    cli.catch(() => undefined) // awaited below; a failing build must not leave it unhandled
    app = await serveProductionApp()
    ;[cliSmall, cliReload] = await cli
    browser = await launchChromium(WEBGPU_ARGS)
    ;({ page } = await openPage(browser, problems))
    await page.goto(app.server.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  it('serves the build cross-origin isolated, with content types and real 404s', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    const index = await fetch(app.server.url)
    expect(index.headers.get('content-type')).toMatch(/^text\/html/)
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin')
    expect(index.headers.get('cross-origin-embedder-policy')).toBe('require-corp')
    expect(index.headers.get('content-length')).toBe(String((await index.arrayBuffer()).byteLength))
    const assets = await readdir(join(app.outDir, 'assets'))
    const wasm = assets.find((f) => f.endsWith('.wasm'))
    const js = assets.find((f) => f.endsWith('.js') || f.endsWith('.mjs'))
    expect(wasm, 'the build carries onnxruntime\'s wasm (no CDN)').toBeDefined()
    expect((await fetch(`${app.server.url}assets/${wasm}`)).headers.get('content-type')).toBe('application/wasm')
    expect((await fetch(`${app.server.url}assets/${js}`)).headers.get('content-type')).toMatch(/^text\/javascript/)
    expect((await fetch(`${app.server.url}models/demo/no-such-file.json`)).status).toBe(404)
    expect((await fetch(`${app.server.url}no-such-page`)).status).toBe(404)
  })

  it('the CLI reference has the requests the browser runs are compared on', () => {
    expect(compareRuns(cliSmall, cliSmall, TASKS, TOL)).toEqual([])
    // the comparison sees a log-likelihood off by 2e-3 and a flipped accuracy
    const lines = cliSmall.samplesJsonl.demo_capitals.split('\n')
    const first = JSON.parse(lines[0]) as { resps: string[][][]; acc: number }
    first.resps[0][0][0] = String(Number(first.resps[0][0][0]) + 2e-3)
    first.acc = 1 - first.acc
    const bent = { ...cliSmall, samplesJsonl: { ...cliSmall.samplesJsonl, demo_capitals: [JSON.stringify(first), ...lines.slice(1)].join('\n') } }
    expect(compareRuns(bent, cliSmall, TASKS, TOL)).toEqual([
      expect.stringMatching(/^demo_capitals doc 0 request 0: ll /), expect.stringMatching(/^demo_capitals doc 0: acc /),
    ])
    expect(requestCount(cliSmall)).toBe(LIMIT * 4 + LIMIT)
    // demo_capitals has 40 docs (4 choices each), demo_cloze 32, demo_stories 12, demo_arith 30
    expect(requestCount(cliReload)).toBe(40 * 4 + 32 + 12 + 30)
  })

  it('takes a dropped model folder and lists the tasks', async () => {
    await dropModel(page, MODEL_DIR)
    await shot(page, 'model-and-tasks.png')
  })

  it('runs two tasks on wasm with the CLI\'s numbers, and downloads the stored files', async () => {
    const known = await startRun(page, { tasks: TASKS, limit: LIMIT, device: 'wasm' })
    const run = await waitForRun(page, known, 180_000)
    expect(run.device?.device).toBe('wasm')
    expect(compareRuns(run, cliSmall, TASKS, TOL)).toEqual([])
    await page.locator('[data-testid="results"][data-device="wasm"]').waitFor()
    // the download links carry exactly the stored (CLI-format) texts
    expect(await downloadText(page, 'download')).toBe(run.resultsJson)
    for (const task of TASKS) expect(await downloadText(page, `download-samples_${task}.jsonl`)).toBe(run.samplesJsonl[task])
  }, 240_000)

  it('runs two tasks on WebGPU (SwiftShader) with the CLI\'s numbers', async () => {
    const known = await startRun(page, { tasks: TASKS, limit: LIMIT, device: 'webgpu' })
    await expect.poll(() => requestsDone(page), { timeout: 120_000, interval: 50 }).toBeGreaterThan(0)
    await page.getByTestId('progress').evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await shot(page, 'run-progress.png')
    const run = await waitForRun(page, known, 180_000)
    expect(run.device?.device).toBe('webgpu')
    expect(compareRuns(run, cliSmall, TASKS, TOL)).toEqual([])
    await page.locator('[data-testid="results"][data-device="webgpu"]').waitFor()
  }, 360_000)

  it('shows results, samples, a narrow window and dark mode (docs/screenshots)', async () => {
    const results = page.getByTestId('results')
    await results.evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await shot(page, 'results.png')
    await page.getByTestId('inspector').locator('summary').first().click()
    const sample = page.getByTestId('sample').first()
    await sample.locator('summary').first().click()
    await sample.getByTestId('sample-prompt').waitFor()
    await page.getByTestId('inspector').evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await shot(page, 'sample-inspector.png')
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'dark.png')
    await page.emulateMedia({ colorScheme: 'light' })
    await page.setViewportSize({ width: 400, height: 800 })
    await page.evaluate(() => window.scrollTo(0, 0))
    await shot(page, 'narrow.png')
    await results.evaluate((e) => e.scrollIntoView({ block: 'start' }))
    await shot(page, 'narrow-results.png')
    // nothing sticks out sideways at 400px
    await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(400)
    await page.setViewportSize(VIEWPORT)
  })

  it('resumes a run interrupted by a reload without recomputing finished requests', async () => {
    // a fresh profile: the response cache must hold only this run's answers
    const fresh = await openPage(browser, problems)
    try {
      const p = fresh.page
      await p.goto(app.server.url)
      await dropModel(p, MODEL_DIR)
      const total = requestCount(cliReload)
      const known = await startRun(p, { tasks: RELOAD_TASKS, limit: RELOAD_LIMIT, device: 'wasm', batchSize: 1 })
      // reload once the progress view shows some finished requests, while the run is still going
      let doneBefore = 0
      await expect.poll(async () => (doneBefore = await requestsDone(p)), { timeout: 120_000, interval: 10 }).toBeGreaterThanOrEqual(10)
      await p.reload()
      // the page's worker died with the reload: what is stored now is what the interrupted run had kept
      const stored = await storedResponses(p)
      expect(doneBefore, 'the reload came before the run ended').toBeLessThan(total)
      // every request the progress view counted as finished is stored: progress is reported after the write commits
      expect(stored, `${doneBefore} requests were shown as finished before the reload`).toBeGreaterThanOrEqual(doneBefore)
      // the app offers the interrupted run for resume
      await p.getByTestId('resume').click()
      const run = await waitForRun(p, known, 180_000)
      expect(run.cachedRequests).toBeGreaterThanOrEqual(stored)
      expect(run.cachedRequests).toBeLessThan(total)
      await p.getByTestId('cached').waitFor({ timeout: 30_000 })
      expect(compareRuns(run, cliReload, RELOAD_TASKS, TOL)).toEqual([])
    } finally {
      await fresh.context.close()
    }
  }, 360_000)
})

/** Text behind a download link (its blob URL), fetched in the page. */
async function downloadText(page: Page, testId: string): Promise<string> {
  return page.getByTestId(testId).evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text())
}

/** Requests done so far, from the progress view's 'done/total' (0 before it shows). */
async function requestsDone(page: Page): Promise<number> {
  const el = page.getByTestId('requests')
  if (await el.count() === 0) return 0
  return Number((await el.first().textContent())?.split('/')[0].replace(/\D/g, '') ?? 0)
}

/** Saves the page as docs/screenshots/`name` when screenshots were asked for (EVALZ_SCREENSHOTS=1). */
async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS !== undefined) await page.screenshot({ path: join(SHOTS, name) })
}
