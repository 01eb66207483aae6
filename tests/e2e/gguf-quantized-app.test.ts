/**
 * Quantised GGUF checkpoints dropped into the production build (issue 11): stories260K re-quantised to Q8_0 and
 * Q4_0 by the test GGUF writer, and a random Llama (rows of 256) in Q4_K with a Q6_K output head, each dropped through the model-files
 * input, converted by the worker straight into IndexedDB with its matrices kept quantised (MatMulNBits), and run on
 * two demo tasks on wasm and on WebGPU (SwiftShader): every logged loglikelihood equals the pure-TypeScript
 * reference forward on ggml's dequantised weights within 2e-3 relative. Fails on any page or console error.
 * Skipped when /usr/bin/chromium or ../shared's stories260K.gguf is absent.
 */
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { bytesSource, readGgufModel } from '../../src/backends/gguf/gguf-model.ts'
import type { GgufModel } from '../../src/backends/gguf/gguf-model.ts'
import { randomQuantLlama, rewriteGguf } from '../backends/gguf/fixtures/quantize-gguf.ts'
import { loggedRequests, worstRelative } from '../support/reference-loglikelihood.ts'
import { dropModel, startRun, storedModels, waitForRun } from './app-driver.ts'
import { CHROMIUM, ROOT, WEBGPU_ARGS, launchChromium, openPage, serveProductionApp } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'

const STORIES = resolve(ROOT, '../shared/models/stories260K/stories260K.gguf')
const MISSING = [CHROMIUM, STORIES].filter((p) => !existsSync(p))
const SKIP_NOTE = MISSING.length === 0 ? '' : ` (skipped: ${MISSING.join(' and ')} not found)`
/** A multiple-choice and a loglikelihood task whose data ships with the app. */
const TASKS = ['demo_capitals', 'demo_cloze']
/** Docs per task (SwiftShader is slow: keep it tiny). */
const LIMIT = 2
/** Largest |ll − reference| / max(1, |reference|) allowed (issue 11's acceptance bound). */
const REL_TOL = 2e-3

/** The checkpoints, each written by the test GGUF writer. */
const CHECKPOINTS: { name: string, make: (stories: Uint8Array) => Promise<Uint8Array> }[] = [
  { name: 'stories260K-Q8_0', make: (s) => rewriteGguf(s, (_n, dims) => (dims.length === 2 && dims[0]! % 32 === 0 ? 'Q8_0' : 'F32')) },
  { name: 'stories260K-Q4_0', make: (s) => rewriteGguf(s, (_n, dims) => (dims.length === 2 && dims[0]! % 32 === 0 ? 'Q4_0' : 'F32')) },
  { name: 'random-llama-Q4_K', make: (s) => randomQuantLlama(s, (n) => (n === 'output.weight' ? 'Q6_K' : 'Q4_K')) },
]

describe.skipIf(MISSING.length > 0)(`quantised GGUF files dropped into the production build${SKIP_NOTE}`, () => {
  let app: ProductionApp
  let dropDir: string
  let browser: Browser
  let page: Page
  const models = new Map<string, GgufModel>()
  const problems: string[] = []

  beforeAll(async () => {
    const stories = new Uint8Array(readFileSync(STORIES))
    dropDir = await mkdtemp(join(tmpdir(), 'evalz-e2e-quant-'))
    for (const c of CHECKPOINTS) {
      const bytes = await c.make(stories)
      // a webkitdirectory input takes folders only: each .gguf alone in one
      await mkdir(join(dropDir, c.name))
      await writeFile(join(dropDir, c.name, `${c.name}.gguf`), bytes)
      models.set(c.name, await readGgufModel(bytesSource(bytes)))
    }
    app = await serveProductionApp()
    browser = await launchChromium(WEBGPU_ARGS)
    ;({ page } = await openPage(browser, problems))
    await page.goto(app.server.url)
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    if (dropDir) await rm(dropDir, { recursive: true, force: true })
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  for (const c of CHECKPOINTS) {
    it(`${c.name}: converts kept quantised and matches the reference on wasm and WebGPU`, async () => {
      await dropModel(page, join(dropDir, c.name))
      const stored = await storedModel(page, c.name)
      expect(stored.paths).toEqual(expect.arrayContaining(['onnx/model.onnx', 'onnx/model_int8.onnx', 'onnx/model.onnx_data']))
      expect(stored.source).toContain('kept quantised')
      const model = models.get(c.name)!
      for (const device of ['wasm', 'webgpu'] as const) {
        const known = await startRun(page, { tasks: TASKS, limit: LIMIT, device })
        const run = await waitForRun(page, known, 240_000)
        expect(run.device?.device).toBe(device)
        const rows = loggedRequests(run.samplesJsonl, TASKS)
        expect(rows.length).toBe(LIMIT * 4 + LIMIT)
        const worst = worstRelative(model, rows)
        console.log(`${c.name} in the app on ${device}: max relative loglikelihood difference to the reference ${worst.toExponential(2)}`)
        expect(worst, `${c.name} on ${device}`).toBeLessThan(REL_TOL)
      }
    }, 600_000)
  }
})

/** The stored model named `name`: its file paths and config.json's evalz.source. */
async function storedModel(page: Page, name: string): Promise<{ paths: string[], source: string }> {
  const all = await storedModels(page)
  const m = all.find((x) => x.name === name)
  if (!m) throw new Error(`no stored model named ${name} (have ${all.map((x) => x.name).join(', ')})`)
  return { paths: m.paths, source: String(m.config.evalz?.source) }
}
