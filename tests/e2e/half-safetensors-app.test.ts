/**
 * F16 and BF16 safetensors folders (and a F16 base with a LoRA adapter) dropped into the production build (issue
 * 11): converted by the worker straight into IndexedDB with their matrices kept in 16 bits (FLOAT16 initializers
 * widened by a Cast; BF16 shifted into float16's exact range), and run on two demo tasks on wasm (the BF16 one on
 * WebGPU/SwiftShader too): every logged loglikelihood equals the pure-TypeScript reference forward on the
 * checkpoint's values (for the adapter: the float32 merge) within 2e-3 relative, and the results record the
 * checkpoint and its stored weight dtype. Fails on any page or console error. Skipped when /usr/bin/chromium is absent.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import type { LlamaWeights } from '../../src/backends/onnx/llama-config.ts'
import { TINY, loraAdapter, tinyWeights, writeFiles } from '../backends/checkpoint/convert-files.ts'
import { halfFolder, roundedWeights, shrunkWeights } from '../backends/checkpoint/half-files.ts'
import { loggedRequests, worstRelative } from '../support/reference-loglikelihood.ts'
import { dropModel, startRun, storedModels, waitForRun } from './app-driver.ts'
import { CHROMIUM, WEBGPU_ARGS, launchChromium, openPage, serveProductionApp } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'

const SKIP_NOTE = existsSync(CHROMIUM) ? '' : ` (skipped: ${CHROMIUM} not found)`
const TASKS = ['demo_capitals', 'demo_cloze']
const LIMIT = 2
/** Largest |ll − reference| / max(1, |reference|) allowed (issue 11's acceptance bound). */
const REL_TOL = 2e-3

interface Checkpoint {
  /** folder dropped (and the stored model's name) */
  name: string
  /** evalz.weight_dtype the conversion records */
  weightDtype: string
  /** the weights the reference computes with */
  reference: LlamaWeights
  /** where it runs (SwiftShader is slow: WebGPU once, on the form that uses every op — Cast and Mul) */
  devices: ('wasm' | 'webgpu')[]
}

describe.skipIf(!existsSync(CHROMIUM))(`F16/BF16 safetensors folders dropped into the production build${SKIP_NOTE}`, () => {
  let app: ProductionApp
  let dropDir: string
  let browser: Browser
  let page: Page
  const problems: string[] = []
  const w = tinyWeights()
  const adapter = loraAdapter()
  const checkpoints: Checkpoint[] = [
    { name: 'tiny-f16', weightDtype: 'float16', reference: roundedWeights(w, 'F16'), devices: ['wasm'] },
    { name: 'tiny-f16+my-lora', weightDtype: 'float16', reference: adapter.merged(roundedWeights(w, 'F16')), devices: ['wasm'] },
    // shrunk matrices: stored as float16 of value·2^k, the 2^-k multiplied onto what they produce
    { name: 'tiny-bf16', weightDtype: 'float16', reference: roundedWeights(shrunkWeights(w), 'BF16'), devices: ['wasm', 'webgpu'] },
  ]

  beforeAll(async () => {
    dropDir = await mkdtemp(join(tmpdir(), 'evalz-e2e-half-'))
    writeFiles(join(dropDir, 'tiny-f16'), halfFolder(w, 'F16'))
    writeFiles(join(dropDir, 'tiny-bf16'), halfFolder(shrunkWeights(w), 'BF16'))
    // a base folder and an adapter folder dropped together
    writeFiles(join(dropDir, 'lora', 'tiny-f16'), halfFolder(w, 'F16'))
    writeFiles(join(dropDir, 'lora', 'my-lora'), adapter.files)
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

  for (const c of checkpoints) {
    it(`${c.name}: stored as ${c.weightDtype}, matches the reference on ${c.devices.join(' and ')}`, async () => {
      await dropModel(page, join(dropDir, c.name.includes('+') ? 'lora' : c.name))
      const all = await storedModels(page)
      const stored = all.find((m) => m.name === c.name)
      expect(stored, `stored models: ${all.map((m) => m.name).join(', ')}`).toBeDefined()
      expect(stored!.paths).toEqual(expect.arrayContaining(['onnx/model.onnx', 'onnx/model.onnx_data']))
      expect(stored!.config.evalz?.weight_dtype).toBe(c.weightDtype)
      for (const device of c.devices) {
        const known = await startRun(page, { tasks: TASKS, limit: LIMIT, device })
        const run = await waitForRun(page, known, 240_000)
        expect(run.device?.device).toBe(device)
        // the results name the checkpoint and how its weights were stored, as the CLI's do
        const origin = (JSON.parse(run.resultsJson) as { evalz: { model_origin: Record<string, unknown> } }).evalz.model_origin
        expect(origin).toMatchObject({ kind: 'checkpoint', format: 'safetensors', weight_dtype: c.weightDtype })
        const rows = loggedRequests(run.samplesJsonl, TASKS)
        expect(rows.length).toBe(LIMIT * 4 + LIMIT)
        const worst = worstRelative({ config: TINY, weights: c.reference }, rows)
        console.log(`${c.name} in the app on ${device}: max relative loglikelihood difference to the reference ${worst.toExponential(2)}`)
        expect(worst, `${c.name} on ${device}`).toBeLessThan(REL_TOL)
      }
    }, 600_000)
  }
})
