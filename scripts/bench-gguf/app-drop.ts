/**
 * By-hand check of a large GGUF dropped into the web app (not part of npm test): builds the production app (or
 * serves --dist), opens it in headless Chromium, picks FILE through the model-folder input, waits until the worker
 * has converted and stored it (printing the progress line), then runs demo tasks on it. Prints the time to store,
 * the time to the first finished run and the peak resident memory of Chromium's processes (the sum of their RSS,
 * sampled every 0.5 s; shared pages count once per process, so it over-states).
 * Usage: node bin/run-ts.js scripts/bench-gguf/app-drop.ts FILE.gguf [--device wasm|webgpu] [--limit 2]
 *        [--tasks demo_capitals,demo_cloze] [--dist DIR] [--timeout-min 40]
 */
import { readFileSync, readdirSync } from 'node:fs'
import { link, mkdtemp, rm, stat, symlink } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { chromium } from 'playwright-core'
import { build } from 'vite'
import { startRun, storedModels, waitForRun } from '../../tests/e2e/app-driver.ts'
import { serveStatic } from '../../tests/e2e/static-server.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const CHROMIUM = process.env.EVALZ_CHROMIUM || '/usr/bin/chromium'
const ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    device: { type: 'string', default: 'wasm' }, limit: { type: 'string', default: '2' },
    tasks: { type: 'string', default: 'demo_capitals,demo_cloze' }, dist: { type: 'string' }, 'timeout-min': { type: 'string', default: '40' },
  },
})
const file = positionals[0]
if (!file) throw new Error('usage: app-drop.ts FILE.gguf [--device wasm|webgpu] [--limit N] [--tasks a,b] [--dist DIR]')
const device = values.device as 'wasm' | 'webgpu'
const timeoutMs = Number(values['timeout-min']) * 60_000

/** Sum of VmRSS (bytes) of every process descended from this one (Chromium and its children). */
function childrenRss(): number {
  const parent = new Map<number, number>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      parent.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]))
    } catch { /* gone */ }
  }
  const ours = (pid: number): boolean => {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) if (p === process.pid) return true
    return false
  }
  let total = 0
  for (const pid of parent.keys()) {
    if (!ours(pid)) continue
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
      if (m) total += Number(m[1]) * 1024
    } catch { /* gone */ }
  }
  return total
}

const gb = (b: number) => `${(b / 1e9).toFixed(2)} GB`
const size = (await stat(file)).size
const started = Date.now()
const since = () => `${((Date.now() - started) / 1000).toFixed(0)} s`
let dist = values.dist
if (!dist) {
  dist = await mkdtemp(join(tmpdir(), 'evalz-app-drop-dist-'))
  await build({ root: ROOT, configFile: join(ROOT, 'vite.config.ts'), logLevel: 'warn', clearScreen: false, build: { outDir: dist, emptyOutDir: true } })
  console.log(`built the app in ${since()}`)
}
const server = await serveStatic(dist)
const dropDir = await mkdtemp(join(tmpdir(), 'evalz-app-drop-'))
await mkdir1(dropDir, file)
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: device === 'webgpu' ? [...ARGS, '--enable-unsafe-webgpu'] : ARGS })
let peak = 0
let peakPhase = ''
let phase = 'load'
const sampler = setInterval(() => {
  const rss = childrenRss()
  if (rss > peak) [peak, peakPhase] = [rss, phase]
}, 500)
try {
  const page = await (await browser.newContext()).newPage()
  // bin/run-ts.js keeps function names with a __name helper that functions passed to page.evaluate carry along
  await page.addInitScript({ content: 'globalThis.__name = (f) => f' })
  page.on('pageerror', (e) => console.log(`pageerror: ${e.message}`))
  page.on('console', (m) => { if (m.type() === 'error') console.log(`console.error: ${m.text()}`) })
  await page.goto(server.url)
  const models = page.locator('[data-testid="model-list"] [data-model]')
  await models.first().waitFor({ timeout: 120_000 })
  const before = new Set((await storedModels(page)).map((m) => m.id))
  const t0 = Date.now()
  phase = 'convert'
  console.log(`dropping ${basename(file)} (${gb(size)}) at ${since()}`)
  await page.getByTestId('model-files').setInputFiles(dropDir)
  let last = 0
  for (;;) {
    const error = page.getByTestId('model-error')
    if (await error.count() > 0) throw new Error(`the drop failed after ${((Date.now() - t0) / 1000).toFixed(0)} s: ${await error.textContent()}`)
    const added = (await storedModels(page)).find((m) => !before.has(m.id))
    if (added && (await page.getByTestId('model-adding').count()) === 0) break
    if (Date.now() - last > 15_000) {
      last = Date.now()
      const status = page.getByTestId('model-adding')
      console.log(`  ${since()}: ${(await status.count()) > 0 ? (await status.textContent())?.replace(/\s+/g, ' ').trim() : '…'} (Chromium RSS ${gb(childrenRss())})`)
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`not stored after ${values['timeout-min']} min`)
    await new Promise((r) => setTimeout(r, 500))
  }
  const stored = (await storedModels(page)).find((m) => !before.has(m.id))!
  const storedS = (Date.now() - t0) / 1000
  console.log(`stored ${stored.id} (${stored.paths.join(', ')}) in ${storedS.toFixed(0)} s; peak Chromium RSS so far ${gb(peak)} = ${(peak / size).toFixed(2)}× the file`)
  await page.locator(`[data-testid="model-list"] [data-model="${stored.id}"] input[type=radio]`).check()
  phase = 'run'
  const t1 = Date.now()
  const known = await startRun(page, { tasks: values.tasks.split(','), limit: Number(values.limit), device })
  const run = await waitForRun(page, known, timeoutMs)
  const results = JSON.parse(run.resultsJson) as { results: Record<string, Record<string, unknown>> }
  console.log(`run on ${run.device?.device} done in ${((Date.now() - t1) / 1000).toFixed(0)} s (drop to first score ${((Date.now() - t0) / 1000).toFixed(0)} s)`)
  for (const [task, r] of Object.entries(results.results)) console.log(`  ${task}: ${JSON.stringify(r)}`)
  console.log(`peak Chromium RSS ${gb(peak)} = ${(peak / size).toFixed(2)}× the file (during ${peakPhase})`)
} finally {
  clearInterval(sampler)
  await browser.close()
  await server.close()
  await rm(dropDir, { recursive: true, force: true })
  if (!values.dist) await rm(dist, { recursive: true, force: true })
}

/** Puts FILE alone into `dir` (a hard link, else a symlink): the folder input takes folders only. */
async function mkdir1(dir: string, path: string): Promise<void> {
  const target = join(dir, basename(path))
  try {
    await link(resolve(path), target)
  } catch {
    await symlink(resolve(path), target)
  }
}
