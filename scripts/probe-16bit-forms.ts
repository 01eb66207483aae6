/**
 * Which 16-bit weight forms the pinned runtimes read (README, "16-bit checkpoints"): one-node graphs — Cast to
 * float32 from FLOAT16, BFLOAT16, INT16 and UINT16 initializers, and a float16 MatMul — run on onnxruntime-node (CPU)
 * and on onnxruntime-web's wasm EP (the webgpu build transformers.js loads, run in Node), with graph optimisation
 * off and on (on = constant folding at session creation). Prints one line per form and runtime.
 * Usage: node bin/run-ts.js scripts/probe-16bit-forms.ts
 */
import { createRequire } from 'node:module'
import { GraphBuilder, attr } from '../src/backends/onnx/graph-builder.ts'
import { encodeOnnxModel } from '../src/backends/onnx/onnx-proto.ts'

/** TensorProto data types probed. */
const TYPES = { FLOAT16: 10, BFLOAT16: 16, INT16: 5, UINT16: 4 } as const

/** The runtime interface both packages share (the part used here). */
interface Runtime {
  InferenceSession: { create(model: Uint8Array, opts: Record<string, unknown>): Promise<{ run(feeds: Record<string, never>): Promise<Record<string, { data: ArrayLike<number> }>> }> }
}

const require = createRequire(import.meta.url)
const node = require('onnxruntime-node') as Runtime
const webPath = require.resolve('onnxruntime-web').replace(/ort\.[^/]*$/, 'ort.webgpu.min.mjs')
const web = await import(webPath) as Runtime & { env: { wasm: { numThreads: number } } }
web.env.wasm.numThreads = 1

/** A graph whose output y is computed from constant 16-bit initializers only. */
function model(build: (g: GraphBuilder) => string, outType: number, dims = [2]): Uint8Array {
  const g = new GraphBuilder()
  g.output('y', outType, dims, g.op('Identity', [build(g)], {}, 'y'))
  return encodeOnnxModel({ irVersion: 8, opsets: [{ domain: '', version: 17 }], producerName: 'probe', producerVersion: '0', graph: g.build('probe') })
}

const half = (name: string, type: number) => ({ name, dataType: type, dims: [2], rawData: Uint8Array.from([0x80, 0x3f, 0x00, 0x40]) })
const forms: [string, Uint8Array][] = Object.entries(TYPES).map(([label, type]) => [
  `Cast ${label} → FLOAT`, model((g) => g.op('Cast', [g.initializer(half('x', type))], { to: attr.int(1) }), 1),
])
forms.push(['MatMul FLOAT16 × FLOAT16', model((g) => g.op('MatMul', [g.op('Unsqueeze', [g.initializer(half('a', 10)), g.int64([0])]), g.op('Unsqueeze', [g.initializer(half('b', 10)), g.int64([1])])]), 10, [1, 1])])

for (const [label, bytes] of forms) {
  for (const [runtime, ort, ep] of [['onnxruntime-node cpu', node, 'cpu'], ['onnxruntime-web wasm', web, 'wasm']] as const) {
    for (const level of ['disabled', 'all']) {
      let outcome: string
      try {
        const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: level, logSeverityLevel: 3 })
        outcome = `ok ${Array.from((await session.run({})).y!.data).join(', ')}`
      } catch (e) {
        outcome = `fails: ${String(e).split('\n')[0]!.slice(0, 110)}`
      }
      console.log(`${label.padEnd(26)} ${runtime.padEnd(22)} optimisation ${level.padEnd(8)} ${outcome}`)
    }
  }
}
