/**
 * K-quant matrices stored with ggml's packed scale parts (float16 d per 256 weights, one byte of sub-block scale per
 * block): the graph's d·sc subgraph, run by onnxruntime-node unoptimised (computed by the ops) and at the level
 * evalz's sessions use ('all', folded into a constant when the session is created), gives MatMulNBits exactly ggml's
 * dequantised weights, and the optimised model keeps no trace of the subgraph.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as ort from 'onnxruntime-node'
import { afterAll, describe, expect, it } from 'vitest'
import { dequantize } from '../../../src/backends/gguf/gguf-dequant.ts'
import { ggmlToNBits, nbitsForm, splitNibbles, unpackScales } from '../../../src/backends/gguf/gguf-nbits.ts'
import type { NBitsMatrix } from '../../../src/backends/gguf/gguf-nbits.ts'
import { GraphBuilder } from '../../../src/backends/onnx/graph-builder.ts'
import { MS_DOMAIN, matMulNBits, nbitsInitializerNames } from '../../../src/backends/onnx/nbits-graph.ts'
import type { NBitsSpec } from '../../../src/backends/onnx/nbits-graph.ts'
import { DataType, encodeOnnxModel, readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { QTYPES, randomBlocks } from '../gguf/fixtures/quantize-gguf.ts'

const ROWS = 6
const COLS = 512
const tmp = mkdtempSync(join(tmpdir(), 'evalz-nbits-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** x [1, K, K] → x · Wᵀ as a one-matrix model whose initializers hold `m`'s stored parts (packed scales). */
function identityModel(m: NBitsMatrix, type: 'Q4_K' | 'Q6_K'): Uint8Array {
  const form = nbitsForm(QTYPES[type].id)!
  const spec: NBitsSpec = { rows: m.rows, cols: m.cols, bits: m.bits, blockSize: m.blockSize, mins: !!m.mins, packed: form.packed! }
  const g = new GraphBuilder()
  const x = g.input('x', DataType.FLOAT, [1, m.cols, m.cols])
  g.output('y', DataType.FLOAT, [1, m.cols, m.rows], matMulNBits(g, x, 'w', spec, 0))
  const n = nbitsInitializerNames('w', spec)
  const p = m.packed!
  const halves = m.bits === 8 ? splitNibbles(m.codes) : undefined
  const data = new Map<string, Uint8Array>([[n.codes, halves ? halves.low : m.codes], [n.d!, new Uint8Array(p.d.buffer)], [n.sc!, p.sc]])
  if (halves) data.set(n.codesHigh!, halves.high)
  if (m.mins) {
    const kb = m.cols / m.blockSize
    data.set(n.mins!, new Uint8Array(Float32Array.from({ length: kb * m.rows }, (_, i) => m.mins![(i % m.rows) * kb + Math.floor(i / m.rows)]!).buffer))
  }
  const graph = g.build('nbits')
  graph.initializers = graph.initializers.map((t) => (data.has(t.name) ? { ...t, rawData: data.get(t.name)! } : t))
  return encodeOnnxModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }, { domain: MS_DOMAIN, version: 1 }], producerName: 'test', producerVersion: '0', graph })
}

/** The weights MatMulNBits computes with: x = I gives Wᵀ. */
async function weightsOf(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(model, options)
  const eye = new Float32Array(COLS * COLS)
  for (let i = 0; i < COLS; i++) eye[i * COLS + i] = 1
  const y = (await session.run({ x: new ort.Tensor('float32', eye, [1, COLS, COLS]) })).y!.data as Float32Array
  await session.release()
  const w = new Float32Array(ROWS * COLS)
  for (let k = 0; k < COLS; k++) for (let r = 0; r < ROWS; r++) w[r * COLS + k] = y[k * ROWS + r]!
  return w
}

describe('K-quant scales stored as ggml parts, computed in the graph', () => {
  for (const type of ['Q4_K', 'Q6_K'] as const) {
    it(`${type}: the packed parts give bit for bit the float32 scales, and MatMulNBits ggml's weights (folded or not)`, async () => {
      const bytes = randomBlocks(type, ROWS * COLS, 99 + QTYPES[type].id, 0.01)
      const m = ggmlToNBits(QTYPES[type].id, bytes, ROWS, COLS, type)
      expect(Array.from(unpackScales(m.packed!, type === 'Q6_K'))).toEqual(Array.from(m.scales))
      const ref = dequantize(QTYPES[type].id, bytes, ROWS * COLS, type)
      const model = identityModel(m, type)
      expect(readOnnxModel(model).initializers.map((t) => t.dataType)).toContain(DataType.FLOAT16)
      const optimized = join(tmp, `${type}.onnx`)
      const plain = await weightsOf(model, { graphOptimizationLevel: 'disabled' })
      const folded = await weightsOf(model, { graphOptimizationLevel: 'all', optimizedModelFilePath: optimized })
      const scale = ref.reduce((a, v) => Math.max(a, Math.abs(v)), 0)
      expect(scale).toBeGreaterThan(0)
      for (const got of [plain, folded]) {
        // a wrong scale part moves a whole sub-block by far more than one float rounding
        const worst = ref.reduce((a, v, i) => Math.max(a, Math.abs(got[i]! - v)), 0)
        expect(worst).toBeLessThanOrEqual(scale * 2 ** -20)
      }
      // folded at session creation: no Cast of the parts is left to run on every forward pass
      const after = readOnnxModel(new Uint8Array(readFileSync(optimized))).opTypes
      expect(after).toContain('MatMulNBits')
      expect(after).not.toContain('Cast')
    })
  }
})
