/**
 * The app's views on the production build: each route (`#/run`, `#/results`, `#/history`, `#/compare`, `#/chat`,
 * `#/storage`) shows its view and only it; the navigation links switch views by keyboard alone and move the focus
 * into the view; Back returns to the view before; at 400 px and in dark mode nothing sticks out sideways.
 * Fails on any page or console error.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, launchChromium, openPage, serveProductionApp } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'

const VIEWS = ['run', 'results', 'history', 'compare', 'chat', 'storage'] as const

describe.skipIf(!HAS_CHROMIUM)(`views and routes${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let app: ProductionApp
  let browser: Browser
  let page: Page
  const problems: string[] = []

  beforeAll(async () => {
    app = await serveProductionApp()
    browser = await launchChromium()
    ;({ page } = await openPage(browser, problems))
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  /** The views shown (not hidden), by name. */
  const shownViews = (p: Page) => p.locator('[data-testid^="view-"]:visible')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')?.slice('view-'.length)))

  it('shows one view per route, the run view by default', async () => {
    await page.goto(app.server.url)
    await page.getByTestId('task-list').waitFor()
    await expect.poll(() => shownViews(page)).toEqual(['run'])
    for (const view of VIEWS) {
      await page.goto(`${app.server.url}#/${view}`)
      await expect.poll(() => shownViews(page)).toEqual([view])
      await expect.poll(() => page.getByTestId(`nav-${view}`).getAttribute('aria-current')).toBe('page')
    }
    await page.goto(`${app.server.url}#/no-such-view`)
    await expect.poll(() => shownViews(page)).toEqual(['run'])
  })

  it('switches views with the keyboard alone, focus lands in the view, Back returns', async () => {
    await page.goto(`${app.server.url}#/run`)
    await page.getByTestId('task-list').waitFor()
    await page.getByTestId('nav-run').focus()
    // Tab to the History link, Enter follows it
    for (let i = 0; i < 2; i++) await page.keyboard.press('Tab')
    await expect.poll(() => page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.getAttribute('data-testid'))).toBe('nav-history')
    await page.keyboard.press('Enter')
    await expect.poll(() => shownViews(page)).toEqual(['history'])
    await expect.poll(() => page.evaluate(() => document.activeElement?.shadowRoot?.activeElement?.id)).toBe('view-history-h')
    await page.goBack()
    await expect.poll(() => shownViews(page)).toEqual(['run'])
  })

  it('has nothing sticking out sideways at 400 px, light and dark', async () => {
    await page.setViewportSize({ width: 400, height: 800 })
    try {
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme })
        for (const view of VIEWS) {
          await page.goto(`${app.server.url}#/${view}`)
          await expect.poll(() => shownViews(page)).toEqual([view])
          await expect.poll(() => page.evaluate(() => document.documentElement.scrollWidth), { message: `${view} (${scheme})` }).toBeLessThanOrEqual(400)
        }
      }
    } finally {
      await page.emulateMedia({ colorScheme: 'light' })
      await page.setViewportSize({ width: 1280, height: 800 })
    }
  })
})
