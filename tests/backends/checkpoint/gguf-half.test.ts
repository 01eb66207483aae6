/**
 * F16 and BF16 matrices of a GGUF stay float16 (a FLOAT16 initializer widened by a Cast; BF16 shifted into float16's
 * exact range): stories260K rewritten all-F16, all-BF16, and with Q8_0 matrices beside an F16 embedding and ffn_down,
 * converts with the float32 model's loglikelihoods.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import { convertCheckpoint } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import { readGgufModel } from '../../../src/backends/gguf/gguf-model.ts'
import { DataType, readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { bytesSource } from '../../../src/backends/safetensors/byte-source.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { rewriteGguf } from '../gguf/fixtures/quantize-gguf.ts'
import type { QType } from '../gguf/fixtures/quantize-gguf.ts'
import { memorySink, writeFiles } from './convert-files.ts'

const STORIES = resolve('../shared/models/stories260K/stories260K.gguf')
const HAVE_STORIES = existsSync(STORIES)
const SKIP_NOTE = HAVE_STORIES ? '' : ` (skipped: ${STORIES} is absent)`
const IDS = [[1, 403, 30, 291, 68, 260, 299, 7, 411, 40, 509, 16], [1, 22, 77, 300, 12, 9, 401, 3, 100, 0, 511, 42]]

const tmp = mkdtempSync(join(tmpdir(), 'evalz-gguf-half-'))
const models: PreTrainedModel[] = []
beforeAll(() => configureTransformers({ allowRemote: false, logLevel: 'error' }))
afterAll(async () => {
  for (const m of models) await m.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

/** Per row, the log-probability of each next token. */
async function tokenLogProbs(model: PreTrainedModel | Float32Array | Float64Array, vocab: number): Promise<number[]> {
  const n = IDS[0]!.length
  const logits = model instanceof Float32Array || model instanceof Float64Array ? model : ((await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(IDS.flat(), BigInt), [IDS.length, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(IDS.length * n).fill(1n), [IDS.length, n]),
  })).logits as Tensor).data as Float32Array
  return IDS.flatMap((row, b) => row.slice(1).map((next, t) => {
    const o = (b * n + t) * vocab
    let max = -Infinity
    for (let v = 0; v < vocab; v++) max = Math.max(max, logits[o + v]!)
    let sum = 0
    for (let v = 0; v < vocab; v++) sum += Math.exp(logits[o + v]! - max)
    return logits[o + next]! - max - Math.log(sum)
  }))
}

describe.skipIf(!HAVE_STORIES)(`GGUF F16/BF16 matrices kept float16${SKIP_NOTE}`, () => {
  const cases: { label: string, storage: (name: string, dims: number[]) => QType, weightDtype: string, graphs: string[] }[] = [
    { label: 'all F16', storage: (_n, dims) => (dims.length === 2 ? 'F16' : 'F32'), weightDtype: 'float16', graphs: ['onnx/model.onnx'] },
    { label: 'all BF16', storage: (_n, dims) => (dims.length === 2 ? 'BF16' : 'F32'), weightDtype: 'float16', graphs: ['onnx/model.onnx'] },
    {
      label: 'Q8_0 with an F16 embedding and ffn_down',
      storage: (n, dims) => (dims.length !== 2 ? 'F32' : n === 'token_embd.weight' || dims[0]! % 32 !== 0 ? 'F16' : 'Q8_0'),
      weightDtype: 'matmulnbits+float16',
      graphs: ['onnx/model.onnx', 'onnx/model_int8.onnx'],
    },
  ]
  for (const c of cases) {
    it(`${c.label}: FLOAT16 initializers, loglikelihoods of the reference forward on the GGUF's values`, async () => {
      const gguf = await rewriteGguf(new Uint8Array(readFileSync(STORIES)), c.storage)
      const { sink, files } = memorySink()
      const result = await convertCheckpoint({ source: { format: 'gguf', file: bytesSource(gguf), name: 'stories.gguf' }, identity: { format: 'gguf', base_sha256: 'c'.repeat(64) } }, sink)
      const config = JSON.parse(new TextDecoder().decode(files.get('config.json')))
      expect(config.evalz.weight_dtype).toBe(c.weightDtype)
      expect(result.description).toContain(`${c.label.includes('BF16') ? 'BF16' : 'F16'} as float16`)
      expect(result.files.filter((p) => p.endsWith('.onnx'))).toEqual(c.graphs)
      const types = new Map(readOnnxModel(files.get('onnx/model.onnx')!).initializers.map((t) => [t.name, t.dataType]))
      expect(types.get('model.embed_tokens.weight')).toBe(DataType.FLOAT16)
      expect(types.get('model.layers.0.mlp.down_proj.weight')).toBe(DataType.FLOAT16)
      const dir = join(tmp, c.label.replace(/\W+/g, '-'))
      writeFiles(dir, files)
      const model = await AutoModelForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'fp32' })
      models.push(model)
      const reference = await readGgufModel(bytesSource(gguf))
      const vocab = reference.config.vocabSize
      const ref = await tokenLogProbs(llamaForward(reference.config, reference.weights, { inputIds: IDS }).logits, vocab)
      const got = await tokenLogProbs(model, vocab)
      const worst = got.reduce((m, x, i) => Math.max(m, Math.abs(x - ref[i]!) / Math.max(1, Math.abs(ref[i]!))), 0)
      console.log(`${c.label}: max relative log-prob difference to the reference ${worst.toExponential(2)}`)
      expect(worst).toBeLessThan(1e-5)
    })
  }
})
