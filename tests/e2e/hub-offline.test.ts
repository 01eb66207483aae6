/**
 * Issue 5's app acceptance, on the production build in Debian Chromium: set the Hub endpoint (a mock Hub on another
 * origin) and a token in the app, look up a Hub model id, download it (stored in IndexedDB; the connection drops
 * halfway through the weights and the download resumes with a Range request), run arc_easy (its
 * dataset fetched from the Hub's Parquet files and stored); then go offline (network off, mock stopped), reload —
 * the service worker serves the app — and run again from storage: the same numbers. The token appears in no URL
 * the mock saw with it, and in nothing the app stored or offers for download.
 * ARC-Easy comes from ../shared/hf-data (skipped with a message when it is absent).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, ROOT, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { showView, startRun, waitForRun } from './app-driver.ts'
import type { StoredRun } from './app-driver.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const HF_DATA = join(ROOT, '../shared/hf-data')
const READY = HAS_CHROMIUM && existsSync(join(HF_DATA, 'allenai/ai2_arc/ARC-Easy/test.jsonl'))
const WHY = HAS_CHROMIUM ? `${HF_DATA} has no ARC-Easy` : `${CHROMIUM} not found`
const TOKEN = 'hf_appTokenNeverWritten777'

/** Per-sample [doc_id, resps, acc] of a stored run's arc_easy samples. */
function answers(run: StoredRun): unknown[] {
  return run.samplesJsonl.arc_easy.trim().split('\n').map((l) => {
    const s = JSON.parse(l) as { doc_id: number; resps: unknown; acc: number }
    return [s.doc_id, s.resps, s.acc]
  })
}

describe.skipIf(!READY)(`Hub model and dataset in the app, then offline${READY ? '' : ` (skipped: ${WHY})`}`, () => {
  let app: ProductionApp
  let hub: MockHub
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    app = await serveProductionApp()
    hub = await startMockHub({
      models: { 'evalz/demo': { dir: join(ROOT, 'public/models/demo') } },
      datasets: { 'allenai/ai2_arc': { hfDataDir: HF_DATA } },
      token: TOKEN,
    })
    browser = await launchChromium()
    // failed requests are not problems here: the test drops a connection and goes offline on purpose
    ;({ context, page } = await openPage(browser, problems, { failedRequests: false }))
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await hub?.close()
  })

  it('downloads a Hub model, runs, then runs again offline after a reload with the same numbers', async () => {
    await page.goto(app.server.url)
    // the service worker has precached the app (shell, worker, ORT's wasm) once it is active
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active))).toBe(true)

    await page.getByTestId('hub-settings').locator('summary').click()
    await page.getByTestId('hub-endpoint').fill(hub.url)
    await page.getByTestId('hub-endpoint').press('Tab')
    await page.getByTestId('hub-token').fill(TOKEN)
    await page.getByTestId('hub-token').press('Tab')
    await page.getByTestId('hub-token-forget').waitFor()

    await page.getByTestId('hub-model-id').fill('evalz/demo')
    await page.getByTestId('hub-look-up').click()
    await page.getByTestId('hub-options').waitFor()
    await expect.poll(() => page.getByTestId('hub-options').textContent()).toContain('fp32')
    // the connection drops halfway through the weights: the download resumes from where it stopped
    hub.fault({ path: /\/evalz\/demo\/resolve\/[^/]+\/onnx\/model\.onnx$/, mode: 'drop-mid-file' })
    await page.getByTestId('hub-download').click()
    await page.getByTestId('hub-notice').waitFor({ timeout: 30_000 })
    const hubErrors = page.getByTestId('hub-error')
    expect(await hubErrors.count(), await hubErrors.allTextContents().then((t) => t.join('; '))).toBe(0)

    const weights = hub.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/onnx/model.onnx'))
    expect(weights.length).toBeGreaterThanOrEqual(2)
    // evalz resumes with an open range; Chromium's HTTP cache may instead complete its partial entry with a closed one
    expect(weights.at(-1)?.range).toMatch(/^bytes=[1-9]\d*-(\d+)?$/)

    const known = await startRun(page, { tasks: ['arc_easy'], limit: 5, device: 'wasm' })
    const online = await waitForRun(page, known, 180_000)
    expect(answers(online)).toHaveLength(5)
    const results = JSON.parse(online.resultsJson) as { config: { model_sha: string }; evalz: { model_origin: { kind: string; repo: string } } }
    expect(results.evalz.model_origin).toMatchObject({ kind: 'hub', repo: 'evalz/demo' })
    expect(results.config.model_sha).toMatch(/^[0-9a-f]{40}$/)

    // the storage view lists what the run stored: the Hub model and the dataset it fetched, with last use
    await showView(page, 'storage')
    const storedModel = page.locator('[data-testid="stored-model"][data-id^="evalz/demo@"]')
    await storedModel.waitFor()
    await expect.poll(() => storedModel.textContent()).not.toContain('never')
    await page.locator('[data-testid="stored-dataset"]', { hasText: 'allenai/ai2_arc' }).waitFor()

    // the network goes away: the browser is offline and the Hub is gone
    await context.setOffline(true)
    await hub.close()
    await page.reload()
    await showView(page, 'run')
    const stored = page.locator('[data-testid="model-list"] [data-model^="evalz/demo@"] input[type=radio]')
    await stored.waitFor({ timeout: 30_000 })
    await stored.check()
    const again = await startRun(page, { tasks: ['arc_easy'], limit: 5, device: 'wasm' })
    const offline = await waitForRun(page, new Set([...again]), 180_000)
    expect(offline.id).not.toBe(online.id)
    expect(answers(offline)).toEqual(answers(online))
    await context.setOffline(false)

    // the token went in headers only, and is nowhere the app stored or offers for download
    expect(hub.requests.some((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true)
    expect(hub.requests.every((r) => !r.path.includes(TOKEN))).toBe(true)
    for (const run of [online, offline]) expect(JSON.stringify(run)).not.toContain(TOKEN)
    expect(await page.locator('body').evaluate((b) => b.innerHTML)).not.toContain(TOKEN)
    expect(problems).toEqual([])
  }, 480_000)
})
