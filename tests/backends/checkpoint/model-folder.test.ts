import { describe, expect, it } from 'vitest'
import { CONVERTER_VERSION, specialTokenIds, writeModelFolder } from '../../../src/backends/checkpoint/model-folder.ts'
import type { ModelFolderInput } from '../../../src/backends/checkpoint/model-folder.ts'
import type { LlamaConfig } from '../../../src/backends/onnx/llama-config.ts'
import { randomLlamaWeights } from '../../../scripts/demo-model/build.ts'
import { memorySink } from './convert-files.ts'

const C: LlamaConfig = {
  vocabSize: 6, hiddenSize: 8, intermediateSize: 12, numLayers: 1, numHeads: 2, numKvHeads: 1, headDim: 4,
  ropeTheta: 10000, rmsNormEps: 1e-6, tieWordEmbeddings: true, maxPositionEmbeddings: 32,
}
const BPE = { model: { type: 'BPE', vocab: { '<s>': 0, '</s>': 1, a: 2, b: 3, c: 4, '<pad>': 5 } }, added_tokens: [{ id: 1, content: '</s>' }] }

function input(over: Partial<ModelFolderInput> = {}): ModelFolderInput {
  return {
    config: C, weights: randomLlamaWeights(C, 1), tokenizerJson: BPE, tokenizerConfig: { bos_token: '<s>', eos_token: { content: '</s>' } },
    identity: { format: 'gguf', base_sha256: 'f'.repeat(64) }, name: 'toy', description: 'toy.gguf: gguf llama', ...over,
  }
}

async function folderJson(inp: ModelFolderInput) {
  const { sink, files } = memorySink()
  const result = await writeModelFolder(inp, sink)
  const json = (p: string) => JSON.parse(new TextDecoder().decode(files.get(p)))
  return { result, files, config: json('config.json'), generation: json('generation_config.json') }
}

describe('specialTokenIds', () => {
  it('looks tokenizer_config tokens (strings or AddedToken objects) up in added tokens and the vocab', () => {
    expect(specialTokenIds(BPE, { bos_token: '<s>', eos_token: { content: '</s>', special: true }, pad_token: '<none>' })).toEqual({ bos: 0, eos: 1, pad: null })
  })

  it('prefers config.json ids, keeps a list of several eos ids', () => {
    expect(specialTokenIds(BPE, { bos_token: '<s>', eos_token: '</s>' }, { bos_token_id: 4, eos_token_id: [1, 5], pad_token_id: 5 })).toEqual({ bos: 4, eos: [1, 5], pad: 5 })
    expect(specialTokenIds(BPE, { eos_token: '</s>' }, { eos_token_id: [3] })).toEqual({ bos: null, eos: 3, pad: null })
  })

  it('reads a Unigram vocab ([piece, score] list) by position', () => {
    const unigram = { model: { type: 'Unigram', vocab: [['<unk>', 0], ['<s>', 0], ['</s>', 0]] } }
    expect(specialTokenIds(unigram, { bos_token: '<s>', eos_token: '</s>' })).toEqual({ bos: 1, eos: 2, pad: null })
  })
})

describe('writeModelFolder', () => {
  it('writes config.json for transformers.js with the identity, and a generation config from the special ids', async () => {
    const { result, config, generation, files } = await folderJson(input())
    expect(result.files).toEqual(['onnx/model.onnx', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'])
    expect(config).toMatchObject({
      _name_or_path: 'toy', architectures: ['LlamaForCausalLM'], model_type: 'llama', tie_word_embeddings: true,
      attention_bias: false, mlp_bias: false, bos_token_id: 0, eos_token_id: 1, pad_token_id: null,
      'transformers.js_config': { dtype: 'fp32' },
      evalz: { format: 'gguf', base_sha256: 'f'.repeat(64), source: 'toy.gguf: gguf llama', converter_version: CONVERTER_VERSION },
    })
    expect(generation).toEqual({ bos_token_id: 0, eos_token_id: 1 })
    expect(JSON.parse(new TextDecoder().decode(files.get('tokenizer.json')))).toEqual(BPE)
  })

  it('keeps a given generation config and flags biases', async () => {
    const w = randomLlamaWeights(C, 2)
    w.layers[0]!.kProj.bias = new Float32Array(4)
    const { config, generation } = await folderJson(input({ weights: w, generationConfig: { max_new_tokens: 9 } }))
    expect(generation).toEqual({ max_new_tokens: 9 })
    expect([config.attention_bias, config.mlp_bias]).toEqual([true, false])
  })
})
