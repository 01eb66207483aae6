/**
 * Issue 7's share-link acceptance on the production build in Debian Chromium: run the demo eval, create a link,
 * open it in a fresh browser profile — the results show at once, marked not yet verified — and spot-check 10
 * samples: identical hashes and predictions. A link whose recorded results were tampered with makes the spot-check
 * report the mismatch. Opening a link starts nothing by itself. A link to a dropped model waits until the same
 * weights (sha256) are dropped on the recipient's side.
 */
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, ROOT, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { dropModel, showView, startRun, storedRuns, waitForRun } from './app-driver.ts'
import { decodeSharePayload, sharePayloadText, shareLinkFor } from '../../src/app/share-link.ts'
import type { SharePayload } from '../../src/core/share/share-payload.ts'

const TASKS = ['demo_capitals', 'demo_arith']

describe.skipIf(!HAS_CHROMIUM)(`share links${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let app: ProductionApp
  let browser: Browser
  let link = ''
  const problems: string[] = []

  async function freshPage(): Promise<Page> {
    return (await openPage(browser, problems, { viewport: { width: 1280, height: 900 }, failedRequests: false })).page
  }

  beforeAll(async () => {
    app = await serveProductionApp()
    browser = await launchChromium()
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  it('creates a link for a finished run', async () => {
    const page = await freshPage()
    await page.goto(app.server.url)
    const known = await startRun(page, { tasks: TASKS, limit: 8, device: 'wasm' })
    await waitForRun(page, known, 180_000)
    await page.getByTestId('share-create').click()
    // the link is made (compressed) asynchronously: read it once it shows
    await expect.poll(() => page.getByTestId('share-url').inputValue(), { timeout: 60_000 }).toMatch(/#share=./)
    link = await page.getByTestId('share-url').inputValue()
    expect(link.startsWith(`${app.server.url}#share=`)).toBe(true)
    await expect.poll(async () => Number((await page.getByTestId('share-length').textContent())?.replace(/\D/g, ''))).toBe(link.length)
    await page.context().close()
  }, 300_000)

  it('opens in a fresh profile with the results, unverified, and a spot-check of 10 reproduces them', async () => {
    const page = await freshPage()
    await page.goto(link)
    await page.getByTestId('shared-results').waitFor()
    await expect.poll(() => page.getByTestId('unverified').textContent()).toContain('not yet verified')
    await expect.poll(() => page.getByTestId('shared-results').textContent()).toContain('demo_capitals')
    // nothing ran by itself
    expect(await storedRuns(page)).toEqual([])
    await page.getByTestId('spot-count').fill('10')
    await page.getByTestId('spot-check').click()
    await expect.poll(() => page.getByTestId('spot-report').textContent(), { timeout: 120_000 }).toBe('reproduced: 10/10 identical')
    await page.context().close()
    expect(problems).toEqual([])
  }, 300_000)

  it('reports the mismatch when the link\'s recorded results were tampered with', async () => {
    const payload = await decodeSharePayload(sharePayloadText(link)!)
    const tampered = flipPredictions(payload)
    const bad = await shareLinkFor(app.server.url, tampered)
    const page = await freshPage()
    await page.goto(bad.url)
    await page.locator('[data-testid="spot-count"], [data-testid="error"]').first().waitFor()
    expect(await page.getByTestId('error').count(), await page.getByTestId('error').first().innerText().catch(() => '')).toBe(0)
    await page.getByTestId('spot-count').fill('10')
    await page.getByTestId('spot-check').click()
    // every pick whose task records a prediction or correctness differs (rolling-perplexity docs record neither)
    await expect.poll(() => page.getByTestId('spot-report').textContent(), { timeout: 120_000 }).toMatch(/^reproduced: \d\/10 identical; differ: /)
    expect(await page.getByTestId('spot-report').textContent()).not.toMatch(/^reproduced: 10\/10/)
    await expect.poll(() => page.getByTestId('spot-mismatches').locator('li').count()).toBeGreaterThan(0)
    await page.context().close()
    expect(problems).toEqual([])
  }, 300_000)
  it('a link to a dropped model asks for it, and runs once the same weights (sha256) are dropped', async () => {
    const sharer = await freshPage()
    await sharer.goto(app.server.url)
    await dropModel(sharer, join(ROOT, 'public/models/demo'))
    const known = await startRun(sharer, { tasks: ['demo_capitals'], limit: 6, device: 'wasm' })
    await waitForRun(sharer, known, 180_000)
    await sharer.getByTestId('share-create').click()
    await expect.poll(() => sharer.getByTestId('share-url').inputValue(), { timeout: 60_000 }).toMatch(/#share=./)
    const local = await sharer.getByTestId('share-url').inputValue()
    expect((await decodeSharePayload(sharePayloadText(local)!)).model.kind).toBe('local')
    await sharer.context().close()

    const page = await freshPage()
    await page.goto(local)
    await page.getByTestId('shared-need-file').waitFor()
    await expect.poll(() => page.getByTestId('spot-check').isDisabled()).toBe(true)
    await dropModel(page, join(ROOT, 'public/models/demo'))
    await showView(page, 'results')
    await page.getByTestId('spot-count').fill('3')
    await page.getByTestId('spot-check').click()
    await expect.poll(() => page.getByTestId('spot-report').textContent(), { timeout: 120_000 }).toBe('reproduced: 3/3 identical')
    await page.context().close()
    expect(problems).toEqual([])
  }, 300_000)
})

/** Every recorded prediction changed and correctness flipped (0 ↔ 1): each sample now disagrees with a re-run. */
function flipPredictions(p: SharePayload): SharePayload {
  const changed = (kind: string, v: unknown): unknown =>
    kind === 'generate_until' ? 'f'.repeat(16) : kind === 'loglikelihood_rolling' ? v : v === 0 ? 1 : 0
  const samples = Object.fromEntries(Object.entries(p.samples ?? {}).map(([task, track]) => [task, {
    ...track,
    filters: Object.fromEntries(Object.entries(track.filters).map(([f, rows]) => [f, rows.map((r) =>
      r.length === 4 ? [r[0], r[1], changed(track.kind, r[2]), r[3] === 1 ? 0 : 1] : [r[0], r[1], changed(track.kind, r[2])])])),
  }]))
  return { ...p, samples } as unknown as SharePayload
}
