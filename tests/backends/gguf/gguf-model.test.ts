import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PreTrainedTokenizer } from '@huggingface/transformers'
import * as ort from 'onnxruntime-node'
import { beforeAll, describe, expect, it } from 'vitest'
import { encodeLlamaOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import type { LlamaConfig } from '../../../src/backends/onnx/llama-config.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { bytesSource, readGgufModel } from '../../../src/backends/gguf/gguf-model.ts'
import type { GgufModel } from '../../../src/backends/gguf/gguf-model.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { meta } from './fixtures/gguf-writer.ts'
import { llamaGguf } from './fixtures/llama-gguf.ts'

const STORIES = join(import.meta.dirname, '../../../../shared/models/stories260K')
const HAS_STORIES = existsSync(join(STORIES, 'stories260K.gguf'))
const SKIP_NOTE = HAS_STORIES ? '' : ` (skipped: ${STORIES}/stories260K.gguf is absent)`

/** What greedy-from-bos.json holds (see ../shared/models/SOURCES.md). */
interface Golden {
  prompt_ids: number[]
  generated_ids: number[]
  generated_text: string
  first_step_logits_top5: [number, number][]
  teacher_forced_logprobs_first32: number[]
  teacher_forced_logprob_sum_first32: number
}

function logSoftmax(row: ArrayLike<number>): number[] {
  let max = -Infinity
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!)
  let sum = 0
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i]! - max)
  const lse = max + Math.log(sum)
  return Array.from(row, (v) => v - lse)
}

function argmax(row: ArrayLike<number>): number {
  let best = 0
  for (let i = 1; i < row.length; i++) if (row[i]! > row[best]!) best = i
  return best
}

describe.skipIf(!HAS_STORIES)(`stories260K.gguf against greedy-from-bos.json${SKIP_NOTE}`, () => {
  let model: GgufModel
  let golden: Golden
  beforeAll(async () => {
    model = await readGgufModel(bytesSource(new Uint8Array(readFileSync(join(STORIES, 'stories260K.gguf')))))
    golden = JSON.parse(readFileSync(join(STORIES, 'greedy-from-bos.json'), 'utf8')) as Golden
  })

  it('converts the header: llama, 5 layers, GQA 8/4, 512 tokens, explicit output head', () => {
    expect(model.architecture).toBe('llama')
    expect(model.config).toEqual({
      vocabSize: 512, hiddenSize: 64, intermediateSize: 172, numLayers: 5, numHeads: 8, numKvHeads: 4, headDim: 8,
      ropeTheta: 10000, rmsNormEps: Math.fround(1e-5), tieWordEmbeddings: false, maxPositionEmbeddings: 2048,
    })
    expect(model.summary).toEqual({ name: 'llama', version: 3, metadataKeys: 19, tensorCount: 48, parameterCount: 292800, tensorTypes: { F32: 48 }, tensorBytes: 1171200 })
    expect(model.configJson).toMatchObject({ model_type: 'llama', bos_token_id: 1, eos_token_id: 2, vocab_size: 512 })
  })

  it('reference forward: first-step top-5 logits within 1e-3', () => {
    const out = llamaForward(model.config, model.weights, { inputIds: [golden.prompt_ids] })
    const top = Array.from(out.logits, (v, i) => [i, v] as [number, number]).sort((a, b) => b[1] - a[1]).slice(0, 5)
    expect(top.map(([i]) => i)).toEqual(golden.first_step_logits_top5.map(([i]) => i))
    top.forEach(([, v], k) => expect(Math.abs(v - golden.first_step_logits_top5[k]![1])).toBeLessThanOrEqual(1e-3))
  })

  it('reference forward: teacher-forced log-probs of the first 32 generated tokens within 1e-3', () => {
    const ids = [...golden.prompt_ids, ...golden.generated_ids.slice(0, 31)]
    const out = llamaForward(model.config, model.weights, { inputIds: [ids] })
    const V = model.config.vocabSize
    const logprobs = golden.generated_ids.slice(0, 32).map((next, s) => logSoftmax(out.logits.subarray(s * V, (s + 1) * V))[next]!)
    logprobs.forEach((lp, s) => expect(Math.abs(lp - golden.teacher_forced_logprobs_first32[s]!)).toBeLessThanOrEqual(1e-3))
    expect(Math.abs(logprobs.reduce((a, b) => a + b, 0) - golden.teacher_forced_logprob_sum_first32)).toBeLessThanOrEqual(1e-3)
  })

  it('reference forward: greedy decoding with the KV cache reproduces all 256 generated ids', () => {
    let out = llamaForward(model.config, model.weights, { inputIds: [golden.prompt_ids] })
    const generated: number[] = []
    while (generated.length < golden.generated_ids.length) {
      const V = model.config.vocabSize
      const next = argmax(out.logits.subarray(out.logits.length - V))
      generated.push(next)
      out = llamaForward(model.config, model.weights, { inputIds: [[next]], past: out.present })
    }
    expect(generated).toEqual(golden.generated_ids)
  })

  it('ONNX graph under onnxruntime-node: same first-step logits', async () => {
    const session = await ort.InferenceSession.create(encodeLlamaOnnx(model.config, model.weights))
    const c: LlamaConfig = model.config
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from([1n]), [1, 1]),
      attention_mask: new ort.Tensor('int64', BigInt64Array.from([1n]), [1, 1]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from([0n]), [1, 1]),
      num_logits_to_keep: new ort.Tensor('int64', BigInt64Array.from([1n]), []),
    }
    for (let i = 0; i < c.numLayers; i++) {
      for (const kind of ['key', 'value']) feeds[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [1, c.numKvHeads, 0, c.headDim])
    }
    const logits = (await session.run(feeds)).logits!.data as Float32Array
    expect(logits.length).toBe(512)
    for (const [id, value] of golden.first_step_logits_top5) expect(Math.abs(logits[id]! - value)).toBeLessThanOrEqual(1e-3)
    const ref = llamaForward(c, model.weights, { inputIds: [[1]] }).logits
    let maxDiff = 0
    for (let i = 0; i < 512; i++) maxDiff = Math.max(maxDiff, Math.abs(logits[i]! - ref[i]!))
    expect(maxDiff).toBeLessThan(1e-4)
  })

  it('converted tokenizer: decodes the greedy ids to the golden text and encodes the prompt words to the known ids', () => {
    const tok = new PreTrainedTokenizer(model.tokenizer.tokenizerJson, model.tokenizer.tokenizerConfig)
    expect(tok.decode([...golden.prompt_ids, ...golden.generated_ids], { skip_special_tokens: true })).toBe(golden.generated_text)
    expect(tok.encode('Once upon a time')).toEqual([1, 403, 407, 261, 378])
    expect(tok.encode(' Lily', { add_special_tokens: false }).at(-1)).toBe(317)
    expect(model.tokenizer.tokenizerConfig).toMatchObject({ bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', add_bos_token: true, model_max_length: 2048 })
  })
})

describe('readGgufModel on a synthetic checkpoint', () => {
  const c: LlamaConfig = {
    vocabSize: 270, hiddenSize: 16, intermediateSize: 32, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 8,
    ropeTheta: 10000, rmsNormEps: Math.fround(1e-6), tieWordEmbeddings: true, maxPositionEmbeddings: 64,
  }
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
  const tokens = ['<unk>', '<s>', '</s>', ...bytes, '▁', 'h', 'i', 'hi', '▁hi', '▁h', 'x', 'y', 'z', 'w', 'v']
  const tokenizerMeta = {
    'tokenizer.ggml.model': meta.str('llama'),
    'tokenizer.ggml.tokens': meta.strs(tokens),
    'tokenizer.ggml.scores': meta.f32s(tokens.map((_t, i) => (i < 259 ? 0 : -i))),
    'tokenizer.ggml.token_type': meta.i32s(tokens.map((_, i) => (i === 0 ? 2 : i < 3 ? 3 : i < 259 ? 6 : 1))),
    'tokenizer.ggml.bos_token_id': meta.u32(1),
    'tokenizer.ggml.eos_token_id': meta.u32(2),
    'tokenizer.chat_template': meta.str('{{ messages[0].content }}'),
  }

  it('returns config, weights, tokenizer files, config.json and summary, reporting progress', async () => {
    const w = randomLlamaWeights(c, 2, 0.1)
    const file = llamaGguf(c, w, { metadata: tokenizerMeta, storage: { 'blk.0.ffn_down.weight': 'F16' } })
    const progress: number[] = []
    const m = await readGgufModel(bytesSource(file.bytes), { onProgress: (p) => progress.push(p.done) })
    expect(m.architecture).toBe('llama')
    expect(m.config).toEqual(c)
    expect(m.weights.embedTokens).toEqual(w.embedTokens)
    expect(progress).toEqual(Array.from({ length: 11 }, (_, i) => i + 1))
    expect(m.summary).toMatchObject({ name: 'synthetic', tensorCount: 11, tensorTypes: { F32: 10, F16: 1 } })
    expect(m.configJson).toMatchObject({ tie_word_embeddings: true, bos_token_id: 1, eos_token_id: 2, pad_token_id: 2, attention_bias: false })
    const tok = new PreTrainedTokenizer(m.tokenizer.tokenizerJson, m.tokenizer.tokenizerConfig)
    expect(tok.encode('hi hi')).toEqual([1, 263, 263])
    expect(m.tokenizer.tokenizerConfig.chat_template).toBe('{{ messages[0].content }}')
  })

  it('checks the tokenizer before reading any weight', async () => {
    const file = llamaGguf(c, randomLlamaWeights(c, 2, 0.1), { metadata: { ...tokenizerMeta, 'tokenizer.ggml.model': meta.str('rwkv') } })
    let tensorReads = 0
    const src = { size: file.bytes.length, read: async (offset: number, length: number) => { if (offset > 0) tensorReads++; return file.bytes.subarray(offset, offset + length) } }
    await expect(readGgufModel(src)).rejects.toMatchObject({ code: 'MODEL_INVALID', message: 'gguf: tokenizer.ggml.model "rwkv" is not supported; supported: llama, gpt2' })
    expect(tensorReads).toBe(0)
  })
})
