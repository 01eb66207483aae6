/**
 * `evalz run --model stories260K-Q4_0.gguf --compute exact|int8` (stories260K re-quantised to Q4_0 by the test GGUF
 * writer, kept quantised by the converter): every logged loglikelihood of the exact run equals the plain-TypeScript
 * reference forward on ggml's dequantised weights (2e-3 relative), the int8 run stays close, and results.json
 * records which arithmetic ran. Skipped when ../shared is absent.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesSource, readGgufModel } from '../../src/backends/gguf/gguf-model.ts'
import type { GgufModel } from '../../src/backends/gguf/gguf-model.ts'
import { rewriteGguf } from '../backends/gguf/fixtures/quantize-gguf.ts'
import { loggedRequests, referenceLl } from '../support/reference-loglikelihood.ts'
import { runEvalz } from './evalz-process.ts'
import type { EvalzResult } from './evalz-process.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const GGUF = resolve(ROOT, '../shared/models/stories260K/stories260K.gguf')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const PRESENT = existsSync(GGUF) && existsSync(HF_DATA)
const SKIP_NOTE = PRESENT ? '' : ` (skipped: ${existsSync(GGUF) ? HF_DATA : GGUF} is absent)`
const TASKS = ['lambada_openai', 'arc_easy']
const LIMIT = 4

/** Each logged request's loglikelihood and its token ids. */
function requests(run: EvalzResult) {
  return loggedRequests(run.samplesJsonl, TASKS)
}

describe.skipIf(!PRESENT)(`evalz run on a Q4_0 GGUF kept quantised, --compute exact and int8${SKIP_NOTE}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'evalz-q4-'))
  const file = join(dir, 'stories260K-Q4_0.gguf')
  let exact: EvalzResult
  let int8: EvalzResult
  let model: GgufModel

  beforeAll(async () => {
    const q4 = await rewriteGguf(new Uint8Array(readFileSync(GGUF)), (_n, dims) => (dims.length === 2 && dims[0]! % 32 === 0 ? 'Q4_0' : 'F32'))
    writeFileSync(file, q4)
    model = await readGgufModel(bytesSource(q4))
    exact = await runEvalz(ROOT, { model: file, tasks: TASKS, dataDir: HF_DATA, limit: LIMIT })
    int8 = await runEvalz(ROOT, { model: file, tasks: TASKS, dataDir: HF_DATA, limit: LIMIT, extraArgs: ['--compute', 'int8'] })
  }, 120_000)

  afterAll(async () => {
    await exact?.dispose()
    await int8?.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('records the arithmetic in results.json (evalz.compute) and the int8 graph in model_args', () => {
    const a = JSON.parse(exact.resultsJson) as { config: { model_args: string }, evalz: Record<string, unknown> }
    const b = JSON.parse(int8.resultsJson) as { config: { model_args: string }, evalz: Record<string, unknown> }
    expect(a.evalz.compute).toBe('exact')
    expect(b.evalz.compute).toBe('int8')
    expect(a.config.model_args).toContain('dtype=fp32')
    expect(b.config.model_args).toContain('dtype=int8')
    expect(String((a.evalz.model_origin as { description: string }).description)).toContain('kept quantised')
  })

  it('exact: every loglikelihood equals the reference forward on the dequantised weights within 2e-3 relative', () => {
    const rows = requests(exact)
    expect(rows.length).toBe(LIMIT * 5)
    let worst = 0
    let worstInt8 = 0
    const int8Rows = requests(int8)
    rows.forEach((r, i) => {
      const ref = referenceLl(model, r.context, r.continuation)
      worst = Math.max(worst, Math.abs(r.ll - ref) / Math.max(1, Math.abs(ref)))
      worstInt8 = Math.max(worstInt8, Math.abs(int8Rows[i]!.ll - ref) / Math.max(1, Math.abs(ref)))
    })
    console.log(`Q4_0 stories260K via the CLI: max relative loglikelihood difference to the reference: exact ${worst.toExponential(2)}, int8 ${worstInt8.toExponential(2)}`)
    expect(worst).toBeLessThan(2e-3)
    expect(worstInt8).toBeLessThan(5e-2)
  })
})
