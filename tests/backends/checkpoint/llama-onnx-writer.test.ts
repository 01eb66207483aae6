import { describe, expect, it } from 'vitest'
import { chunkName, transposed, writeLlamaOnnx } from '../../../src/backends/checkpoint/llama-onnx-writer.ts'
import type { LlamaOnnxWriteOptions } from '../../../src/backends/checkpoint/llama-onnx-writer.ts'
import type { LlamaConfig, LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { encodeLlamaOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import { readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { readProtoFields } from '../../../src/backends/onnx/protobuf.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'

const SMALL: LlamaConfig = {
  vocabSize: 37, hiddenSize: 16, intermediateSize: 24, numLayers: 2, numHeads: 4, numKvHeads: 2, headDim: 4,
  ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 64,
}

function withBiases(c: LlamaConfig, w: LlamaWeights): LlamaWeights {
  const copy = structuredClone(w)
  copy.layers.forEach((l, i) => {
    l.qProj.bias = Float32Array.from({ length: c.numHeads * c.headDim }, (_, k) => Math.sin(k + i))
    l.vProj.bias = Float32Array.from({ length: c.numKvHeads * c.headDim }, (_, k) => Math.cos(k + i))
    l.downProj.bias = Float32Array.from({ length: c.hiddenSize }, (_, k) => k / 10)
  })
  return copy
}

/** Runs the writer into memory: path → concatenated bytes, plus the order of sink calls' paths. */
async function written(c: LlamaConfig, w: LlamaWeights, opts: LlamaOnnxWriteOptions) {
  const files = new Map<string, Uint8Array[]>()
  const result = await writeLlamaOnnx(c, w, async (path, part) => {
    files.set(path, [...(files.get(path) ?? []), part.slice()])
  }, opts)
  const joined = new Map([...files].map(([p, parts]) => {
    const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0))
    let at = 0
    for (const x of parts) { out.set(x, at); at += x.length }
    return [p, out]
  }))
  return { result, files: joined }
}

/** External-data references of a model's initializers: name → { location, offset, length }. */
function externalRefs(model: Uint8Array): Map<string, { location: string, offset: number, length: number }> {
  const refs = new Map<string, { location: string, offset: number, length: number }>()
  const graph = readProtoFields(model).find((f) => f.field === 7)!.bytes!
  for (const f of readProtoFields(graph)) {
    if (f.field !== 5) continue
    const t = readProtoFields(f.bytes!)
    const entries = Object.fromEntries(t.filter((x) => x.field === 13).map((x) => {
      const kv = readProtoFields(x.bytes!)
      const text = (n: number) => new TextDecoder().decode(kv.find((y) => y.field === n)!.bytes)
      return [text(1), text(2)]
    }))
    if (entries.location === undefined) continue
    const name = new TextDecoder().decode(t.find((x) => x.field === 8)!.bytes)
    expect(t.find((x) => x.field === 14)?.varint).toBe(1n) // data_location EXTERNAL
    refs.set(name, { location: entries.location, offset: Number(entries.offset), length: Number(entries.length) })
  }
  return refs
}

describe('writeLlamaOnnx inline', () => {
  const cases: [string, LlamaConfig, LlamaWeights][] = [
    ['untied', SMALL, randomLlamaWeights(SMALL, 3, 0.3)],
    ['tied', { ...SMALL, tieWordEmbeddings: true }, randomLlamaWeights({ ...SMALL, tieWordEmbeddings: true }, 4, 0.3)],
    ['biased', SMALL, withBiases(SMALL, randomLlamaWeights(SMALL, 5, 0.3))],
  ]
  for (const [label, c, w] of cases) {
    it(`streams exactly the bytes encodeLlamaOnnx writes (${label})`, async () => {
      const { result, files } = await written(c, w, { externalData: 'never' })
      expect([...files.keys()]).toEqual(['onnx/model.onnx'])
      expect(result).toMatchObject({ files: ['onnx/model.onnx'], externalChunks: 0, warnings: [] })
      expect(Buffer.from(files.get('onnx/model.onnx')!).equals(Buffer.from(encodeLlamaOnnx(c, w)))).toBe(true)
    })
  }

  it('releases each weight after writing it when asked, leaving the inputs intact otherwise', async () => {
    const w = randomLlamaWeights(SMALL, 6, 0.3)
    const before = structuredClone(w)
    await written(SMALL, w, { externalData: 'never' })
    expect(w).toEqual(before)
    const ticks: string[] = []
    await written(SMALL, w, { externalData: 'never', releaseWeights: true, onTensor: (p) => ticks.push(`${p.done}/${p.total}`) })
    expect(w.embedTokens.length + w.norm.length + w.lmHead!.length + w.layers[1]!.downProj.weight.length).toBe(0)
    expect(ticks.at(-1)).toBe(`${3 + 2 * 9}/${3 + 2 * 9}`)
  })
})

describe('writeLlamaOnnx external data', () => {
  const w = withBiases(SMALL, randomLlamaWeights(SMALL, 7, 0.3))
  const inline = readOnnxModel(encodeLlamaOnnx(SMALL, w))
  const inlineRaw = new Map(inline.initializers.map((t) => [t.name, t.rawData]))

  it('puts every weight in onnx/model.onnx_data at aligned offsets, bytes equal to the inline model\'s', async () => {
    const { result, files } = await written(SMALL, w, { externalData: 'always' })
    expect(result.files).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data'])
    expect(result.externalChunks).toBe(1)
    const refs = externalRefs(files.get('onnx/model.onnx')!)
    const data = files.get('onnx/model.onnx_data')!
    expect(refs.size).toBe(3 + 2 * (2 + 7 + 3)) // embed, lm_head, norm; per layer 2 norms, 7 linears, 3 biases
    expect(refs.size + inline.initializers.filter((t) => t.name.startsWith('const_')).length).toBe(inline.initializers.length)
    for (const [name, ref] of refs) {
      expect(ref.location).toBe('model.onnx_data')
      expect(ref.offset % 64).toBe(0)
      expect(Buffer.from(data.subarray(ref.offset, ref.offset + ref.length)).equals(Buffer.from(inlineRaw.get(name)!)), name).toBe(true)
    }
    const summary = readOnnxModel(files.get('onnx/model.onnx')!)
    expect(summary.inputs).toEqual(inline.inputs)
    expect(summary.outputs).toEqual(inline.outputs)
    expect(summary.opTypes).toEqual(inline.opTypes)
  })

  it('splits weights over model.onnx_data, _1, _2 … without exceeding the chunk size', async () => {
    const maxChunkBytes = 4096
    const { result, files } = await written(SMALL, w, { externalData: 'always', maxChunkBytes })
    expect(result.externalChunks).toBeGreaterThan(2)
    expect(result.files.slice(1)).toEqual(Array.from({ length: result.externalChunks }, (_, i) => `onnx/${chunkName(i)}`))
    expect(chunkName(2)).toBe('model.onnx_data_2')
    const refs = externalRefs(files.get('onnx/model.onnx')!)
    for (const [name, ref] of refs) {
      const chunk = files.get(`onnx/${ref.location}`)!
      expect(chunk.length).toBeLessThanOrEqual(maxChunkBytes)
      expect(Buffer.from(chunk.subarray(ref.offset, ref.offset + ref.length)).equals(Buffer.from(inlineRaw.get(name)!)), name).toBe(true)
    }
    expect(result.warnings).toEqual([])
  })

  it('gives a tensor larger than the chunk size a chunk of its own and says so', async () => {
    const { result } = await written(SMALL, w, { externalData: 'always', maxChunkBytes: 1024 })
    expect(result.warnings.some((x) => x.startsWith('model.embed_tokens.weight is 2368 bytes, more than the 1024-byte chunk limit'))).toBe(true)
  })

  it('chooses inline weights below the threshold in auto mode', async () => {
    const { result } = await written(SMALL, w, {})
    expect(result.externalChunks).toBe(0)
  })
})

describe('transposed', () => {
  it('transposes non-square matrices larger than one tile', () => {
    const rows = 70
    const cols = 131
    const a = Float32Array.from({ length: rows * cols }, (_, i) => i)
    const t = transposed(a, rows, cols)
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) if (t[c * rows + r] !== a[r * cols + c]) throw new Error(`at ${r},${c}`)
    expect(t.length).toBe(a.length)
  })
})
