/**
 * Python hooks in the web app (production build, Chromium): the task folder of tests/cli/fixtures/python-hooks
 * (process_docs, process_results, a filter class, a metric and an aggregation function in utils.py) is added
 * through the folder picker, survives a reload, and its three tasks run end to end in the eval worker's Pyodide,
 * loaded from the app's own pyodide/ files (no other origin is asked). The docs, filtered answers, per-doc metrics
 * and results equal CPython's (golden.json, from gen_golden.py; and check_cpython.py re-runs the hooks on this run's
 * own files when python3 is there). Pyodide's files are then in the service worker's cache (served from it offline,
 * like the rest of the app). Fails on any page or console error. Skipped when /usr/bin/chromium is absent.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { CHROMIUM, CHROMIUM_ARGS, HAS_CHROMIUM, ROOT, launchChromium, openPage, serveProductionApp } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { showView, startRun, waitForRun } from './app-driver.ts'
import type { StoredRun } from './app-driver.ts'

const FOLDER = join(ROOT, 'tests/cli/fixtures/python-hooks/pyhooks')
const CHECK = join(ROOT, 'tests/cli/fixtures/python-hooks/check_cpython.py')
const GOLDEN = join(import.meta.dirname, 'fixtures/python-hooks/golden.json')
const TASKS = ['py_docs', 'py_results', 'py_filter']
const PYODIDE_FILES = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']

interface Golden {
  readonly limit: number
  readonly py_docs: { docs: unknown[]; acc: number[]; results: Record<string, number> }
  readonly py_results: { raw: string[]; per_doc: Record<string, number>[]; results: Record<string, number> }
  readonly py_filter: { raw: string[]; filtered: Record<string, string[]>; results: Record<string, number> }
}

interface Sample {
  readonly doc_id: number
  readonly doc: unknown
  readonly filter: string
  readonly resps: unknown[][]
  readonly filtered_resps: unknown[]
  readonly [metric: string]: unknown
}

function havePython(): boolean {
  try {
    execFileSync('python3', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function samplesOf(run: StoredRun, task: string, filter = 'none'): Sample[] {
  const text = run.samplesJsonl[task] ?? ''
  return text.trim().split('\n').map((l) => JSON.parse(l) as Sample).filter((s) => s.filter === filter).sort((a, b) => a.doc_id - b.doc_id)
}

describe.skipIf(!HAS_CHROMIUM)(`Python hooks in the app${HAS_CHROMIUM ? '' : ` (skipped: ${CHROMIUM} not found)`}`, () => {
  let app: ProductionApp
  let browser: Browser
  let context: BrowserContext
  let page: Page
  const problems: string[] = []
  const foreign: string[] = []

  beforeAll(async () => {
    app = await serveProductionApp()
    browser = await launchChromium(CHROMIUM_ARGS)
    // the app's worker may abort a fetch of the demo model's files that its cache already answers: not a problem
    ;({ context, page } = await openPage(browser, problems, { failedRequests: false }))
    page.on('dialog', (d) => void d.accept())
    context.on('request', (r) => { if (!r.url().startsWith(app.server.url) && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) foreign.push(r.url()) })
    await page.goto(app.server.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  it('a dropped task folder with utils.py runs its hooks in Pyodide, equal to CPython', async () => {
    const golden = JSON.parse(await readFile(GOLDEN, 'utf8')) as Golden
    await showView(page, 'run')
    await page.getByTestId('task-editor').locator('summary').click()
    await page.locator('ez-task-editor #yaml-folder').setInputFiles(FOLDER)
    const list = page.getByTestId('task-list')
    for (const t of TASKS) await list.locator(`input[data-task="${t}"]`).waitFor({ timeout: 30_000 })
    expect(await page.getByTestId('yaml-error').count()).toBe(0)

    // the folder (YAML and utils.py) is kept in IndexedDB: after a reload the tasks are there (and the service
    // worker controls the page and its worker: wait for it to be active first, its install precaches many MB)
    expect(await page.evaluate(async () => Boolean((await navigator.serviceWorker.ready).active))).toBe(true)
    await page.reload()
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null), { timeout: 60_000 }).toBe(true)
    await showView(page, 'run')
    for (const t of TASKS) await list.locator(`input[data-task="${t}"]`).waitFor({ timeout: 30_000 })

    const known = await startRun(page, { tasks: TASKS, limit: golden.limit, device: 'wasm' })
    const run = await waitForRun(page, known, 300_000)
    const results = (JSON.parse(run.resultsJson) as { results: Record<string, Record<string, unknown>> }).results

    const docs = samplesOf(run, 'py_docs')
    expect(docs.map((s) => s.doc)).toEqual(golden.py_docs.docs)
    expect(docs.map((s) => s.acc)).toEqual(golden.py_docs.acc)
    expect(results.py_docs['acc,none']).toBe(golden.py_docs.results['acc,none'])

    const res = samplesOf(run, 'py_results')
    // the model's own answers first (a difference there is the model's, not the hooks')
    expect(res.map((s) => s.resps[0][0])).toEqual(golden.py_results.raw)
    expect(res.map((s) => Object.fromEntries(Object.keys(golden.py_results.per_doc[0]).map((k) => [k, s[k]])))).toEqual(golden.py_results.per_doc)
    for (const [k, v] of Object.entries(golden.py_results.results)) expect(results.py_results[k], k).toBe(v)

    expect(samplesOf(run, 'py_filter', 'last-number').map((s) => s.resps[0][0])).toEqual(golden.py_filter.raw)
    for (const [name, kept] of Object.entries(golden.py_filter.filtered)) {
      expect(samplesOf(run, 'py_filter', name).map((s) => s.filtered_resps[0]), name).toEqual(kept)
    }
    for (const [k, v] of Object.entries(golden.py_filter.results)) expect(results.py_filter[k], k).toBe(v)

    if (havePython()) {
      const out = await mkdtemp(join(tmpdir(), 'evalz-e2e-pyhooks-'))
      try {
        await writeFile(join(out, 'results.json'), run.resultsJson)
        for (const t of TASKS) await writeFile(join(out, `samples_${t}.jsonl`), run.samplesJsonl[t])
        const check = spawnSync('python3', [CHECK, out, join(ROOT, 'public/datasets')], { encoding: 'utf8' })
        expect(check.stdout.trim(), check.stderr).toBe('ok')
      } finally {
        await rm(out, { recursive: true, force: true })
      }
    } else console.log('skipping the live CPython re-check of the app run: python3 is absent (golden.json still checked)')

    // nothing came from another origin (no CDN), and Pyodide's files are kept for offline use
    expect(foreign).toEqual([])
    const cachedPyodide = () => page.evaluate(async () => {
      const out: string[] = []
      for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) out.push(new URL(req.url).pathname)
      return out.filter((p) => p.startsWith('/pyodide/')).sort()
    })
    await expect.poll(cachedPyodide, { timeout: 30_000 }).toEqual(expect.arrayContaining(PYODIDE_FILES.map((f) => `/pyodide/${f}`)))
  }, 420_000)
})
