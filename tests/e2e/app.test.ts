/**
 * The web app end to end: Vite dev server + Debian Chromium (playwright-core). Lists the catalogue, runs the demo
 * on wasm and on WebGPU (SwiftShader, a software adapter) and checks the results table. Fails on any page error or
 * console error. Skipped when /usr/bin/chromium is absent (install it with `apt-get install chromium`).
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createServer } from 'vite'
import type { ViteDevServer } from 'vite'
import { chromium } from 'playwright-core'
import type { Browser, Page } from 'playwright-core'

const CHROMIUM = '/usr/bin/chromium'
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const HAS_CHROMIUM = existsSync(CHROMIUM)
const DEMO_TASKS = ['demo_arith', 'demo_capitals', 'demo_cloze', 'demo_stories']
const ARGS = [
  '--no-sandbox', '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
]

describe.skipIf(!HAS_CHROMIUM)(`web app in Chromium${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let server: ViteDevServer
  let browser: Browser
  let page: Page
  const problems: string[] = []

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
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS })
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } })
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`) })
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`))
    await page.goto(`http://127.0.0.1:${address.port}/`)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.close()
  })

  afterEach(() => {
    expect(problems).toEqual([])
  })

  it('is cross-origin isolated and lists the demo tasks from the worker', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true)
    const demo = page.getByTestId('demo-tasks')
    await demo.locator('li').first().waitFor()
    const names = await demo.locator('[data-task]').evaluateAll((els) => els.map((e) => e.getAttribute('data-task')))
    expect(names).toEqual(DEMO_TASKS)
    await expect.poll(() => page.getByTestId('run').isEnabled()).toBe(true)
  })

  it('runs the demo on wasm and stays responsive meanwhile', async () => {
    await page.getByTestId('device-select').selectOption('wasm')
    await page.getByTestId('limit').fill('3')
    await page.getByTestId('run').click()
    // While the run is in flight the page must answer at once and handle clicks.
    const samples: { ms: number; running: boolean }[] = []
    let toggled = false
    for (;;) {
      const t0 = Date.now()
      const running = await page.evaluate(() => {
        const root = document.querySelector('ez-app')?.shadowRoot
        return !(root?.querySelector('[data-testid="cancel"]') as HTMLButtonElement | null)?.disabled
      })
      samples.push({ ms: Date.now() - t0, running })
      if (!running) break
      if (!toggled) {
        const details = page.getByTestId('all-tasks')
        await details.locator('summary').click()
        expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(true)
        await details.locator('summary').press('Enter')
        expect(await details.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false)
        toggled = true
      }
      await page.waitForTimeout(50)
    }
    expect(samples[0].running).toBe(true)
    expect(toggled).toBe(true)
    expect(Math.max(...samples.map((s) => s.ms))).toBeLessThan(1000)

    await expect.poll(() => page.getByTestId('error').count()).toBe(0)
    const rows = await resultRows(page)
    for (const task of DEMO_TASKS) expect(rows.some((r) => r[0] === task)).toBe(true)
    // every metric cell is a number printed with four decimals (lm-eval's %.4f)
    for (const r of rows) expect(r[6]).toMatch(/^-?\d+\.\d{4}$/)
    expect(await page.locator('ez-results-table').getAttribute('data-device')).toBe('wasm')
    const download = page.getByTestId('download')
    expect(await download.getAttribute('download')).toBe('results.json')
    const text = await download.evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text())
    expect(text).toContain('"limit": 3')
    expect(text).toContain('"device": "wasm"')
    await page.screenshot({ path: '/tmp/evalz-e2e-wasm.png', fullPage: true })
  })

  it('runs on WebGPU (SwiftShader) and reports the device', async () => {
    await page.getByTestId('device-select').selectOption('webgpu')
    await page.getByTestId('limit').fill('2')
    await page.getByTestId('run').click()
    await page.locator('ez-results-table[data-device="webgpu"]').waitFor({ timeout: 60_000 })
    const device = page.getByTestId('device')
    expect(await device.getAttribute('data-device')).toBe('webgpu')
    expect(await device.textContent()).toMatch(/WebGPU/)
    const rows = await resultRows(page)
    for (const task of DEMO_TASKS) expect(rows.some((r) => r[0] === task)).toBe(true)
    const text = await page.getByTestId('download').evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text())
    expect(text).toContain('"limit": 2')
    expect(text).toContain('"device": "webgpu"')
    await page.screenshot({ path: '/tmp/evalz-e2e-webgpu.png', fullPage: true })
  })
})

/** Cells of the results table, row by row (waits for the table). */
async function resultRows(page: Page): Promise<string[][]> {
  const table = page.getByTestId('results-table')
  await table.waitFor({ timeout: 60_000 })
  return table.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')))
}
