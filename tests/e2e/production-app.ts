/**
 * What the browser e2e tests share: Debian Chromium (path, flags, whether it is installed, launching it), the
 * production build (built once per run by tests/e2e/global-setup.ts, served by tests/e2e/static-server.ts) and a
 * fresh browser profile whose page errors, console errors and (optionally) failed requests land in a test's
 * `problems`.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { inject } from 'vitest'
import { chromium } from 'playwright-core'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { serveStatic } from './static-server.ts'
import type { StaticServer } from './static-server.ts'

/** The production build, served. */
export interface ProductionApp {
  /** the temp folder `vite build` wrote, shared by every suite of the run (absolute path; read it, never write) */
  readonly outDir: string
  /** the static server over outDir */
  readonly server: StaticServer
  /** stops the server (the build stays for the other suites; global-setup.ts deletes it) */
  close(): Promise<void>
}

/** Options of openPage. */
export interface PageOptions {
  /** window size in CSS pixels; default 1280×800 */
  readonly viewport?: { readonly width: number; readonly height: number }
  /** whether a failed request (network error, aborted load) is a problem too; default true */
  readonly failedRequests?: boolean
}

/** A fresh browser context (own IndexedDB and service workers; downloads accepted, as by default) and its page. */
export interface OpenedPage {
  /** the context: close it to drop the profile */
  readonly context: BrowserContext
  /** the page */
  readonly page: Page
}

/** Debian's Chromium (`apt-get install chromium`), driven through playwright-core; EVALZ_CHROMIUM names another. */
export const CHROMIUM = process.env.EVALZ_CHROMIUM || '/usr/bin/chromium'
/** Whether CHROMIUM is installed; the browser tests skip with a message without it. */
export const HAS_CHROMIUM = existsSync(CHROMIUM)
/** The repository root (absolute, no trailing separator). */
export const ROOT = resolve(import.meta.dirname, '../..')
/** Chromium flags: no sandbox (containers) and no background traffic of the browser's own. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
]
/** CHROMIUM_ARGS with WebGPU on, on SwiftShader (software, so it runs without a GPU). */
export const WEBGPU_ARGS: readonly string[] = [...CHROMIUM_ARGS, '--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']
/** openPage's window size when none is given, CSS pixels. */
const VIEWPORT = { width: 1280, height: 800 }

/** Headless CHROMIUM with these flags (CHROMIUM_ARGS by default). */
export function launchChromium(args: readonly string[] = CHROMIUM_ARGS): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...args] })
}

/**
 * The run's one production build (tests/e2e/global-setup.ts) behind a new static server on 127.0.0.1: each suite
 * gets its own origin (own service worker and storage) over the same files.
 */
export async function serveProductionApp(): Promise<ProductionApp> {
  const outDir = inject('productionDist')
  if (!outDir) throw new Error('e2e: no production build was provided; run the browser suites through `vitest --project e2e`')
  const server = await serveStatic(outDir)
  return { outDir, server, close: () => server.close() }
}

/** A fresh browser context whose page errors, console errors and (unless turned off) failed requests go to `problems`. */
export async function openPage(browser: Browser, problems: string[], opts: PageOptions = {}): Promise<OpenedPage> {
  const context = await browser.newContext({ viewport: opts.viewport ?? VIEWPORT })
  const page = await context.newPage()
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console.error: ${m.text()}`) })
  if (opts.failedRequests ?? true) {
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`))
  }
  return { context, page }
}
