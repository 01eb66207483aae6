import { describe, expect, it } from 'vitest'
import { hfModelConfig } from '../../../src/backends/safetensors/hf-model-config.ts'
import { harnessThrow as errorOf } from '../../rejection.ts'

/** config.json of HuggingFaceTB/SmolLM2-135M (as published). */
const SMOLLM2_135M = {
  architectures: ['LlamaForCausalLM'], attention_bias: false, attention_dropout: 0.0, bos_token_id: 0, eos_token_id: 0,
  hidden_act: 'silu', hidden_size: 576, initializer_range: 0.041666666666666664, intermediate_size: 1536, is_llama_config: true,
  max_position_embeddings: 8192, mlp_bias: false, model_type: 'llama', num_attention_heads: 9, num_hidden_layers: 30,
  num_key_value_heads: 3, pretraining_tp: 1, rms_norm_eps: 1e-05, rope_interleaved: false, rope_scaling: null,
  rope_theta: 100000, tie_word_embeddings: true, torch_dtype: 'bfloat16', transformers_version: '4.42.3', use_cache: true,
  vocab_size: 49152,
}

/** config.json of mistralai/Mistral-7B-v0.1 (as published). */
const MISTRAL_7B = {
  architectures: ['MistralForCausalLM'], bos_token_id: 1, eos_token_id: 2, hidden_act: 'silu', hidden_size: 4096,
  initializer_range: 0.02, intermediate_size: 14336, max_position_embeddings: 32768, model_type: 'mistral',
  num_attention_heads: 32, num_hidden_layers: 32, num_key_value_heads: 8, rms_norm_eps: 1e-05, rope_theta: 10000.0,
  sliding_window: 4096, tie_word_embeddings: false, torch_dtype: 'bfloat16', transformers_version: '4.34.0.dev0',
  use_cache: true, vocab_size: 32000,
}

/** config.json of Qwen/Qwen2.5-0.5B (as published). */
const QWEN25_05B = {
  architectures: ['Qwen2ForCausalLM'], attention_dropout: 0.0, bos_token_id: 151643, eos_token_id: 151643,
  hidden_act: 'silu', hidden_size: 896, initializer_range: 0.02, intermediate_size: 4864, max_position_embeddings: 32768,
  max_window_layers: 24, model_type: 'qwen2', num_attention_heads: 14, num_hidden_layers: 24, num_key_value_heads: 2,
  rms_norm_eps: 1e-06, rope_theta: 1000000.0, sliding_window: 32768, tie_word_embeddings: true, torch_dtype: 'bfloat16',
  transformers_version: '4.43.1', use_cache: true, use_mrope: false, use_sliding_window: false, vocab_size: 151936,
}


describe('config.json → LlamaConfig', () => {
  it('reads SmolLM2-135M: tied embeddings, rope_theta 100000, head_dim derived as 576 / 9', () => {
    expect(hfModelConfig(SMOLLM2_135M)).toEqual({
      modelType: 'llama',
      config: {
        vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKvHeads: 3, headDim: 64,
        ropeTheta: 100000, rmsNormEps: 1e-5, tieWordEmbeddings: true, maxPositionEmbeddings: 8192,
      },
      biasedLinears: [],
    })
  })

  it('reads Mistral-7B and records its sliding window', () => {
    expect(hfModelConfig(MISTRAL_7B)).toEqual({
      modelType: 'mistral',
      config: {
        vocabSize: 32000, hiddenSize: 4096, intermediateSize: 14336, numLayers: 32, numHeads: 32, numKvHeads: 8, headDim: 128,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 32768,
      },
      biasedLinears: [],
      slidingWindow: 4096,
    })
    expect(hfModelConfig({ ...MISTRAL_7B, sliding_window: null, head_dim: null }).slidingWindow).toBeUndefined()
  })

  it('reads Qwen2.5-0.5B: q/k/v biases, no sliding window while use_sliding_window is false', () => {
    expect(hfModelConfig(QWEN25_05B)).toEqual({
      modelType: 'qwen2',
      config: {
        vocabSize: 151936, hiddenSize: 896, intermediateSize: 4864, numLayers: 24, numHeads: 14, numKvHeads: 2, headDim: 64,
        ropeTheta: 1000000, rmsNormEps: 1e-6, tieWordEmbeddings: true, maxPositionEmbeddings: 32768,
      },
      biasedLinears: ['qProj', 'kProj', 'vProj'],
    })
    expect(hfModelConfig({ ...QWEN25_05B, use_sliding_window: true }).slidingWindow).toBe(32768)
  })

  it('gives llama biases from attention_bias and mlp_bias', () => {
    expect(hfModelConfig({ ...SMOLLM2_135M, attention_bias: true }).biasedLinears).toEqual(['qProj', 'kProj', 'vProj', 'oProj'])
    expect(hfModelConfig({ ...SMOLLM2_135M, mlp_bias: true }).biasedLinears).toEqual(['gateProj', 'upProj', 'downProj'])
  })

  it('refuses other model types in one line naming the type, the architecture and the supported ones', () => {
    const e = errorOf(() => hfModelConfig({ ...SMOLLM2_135M, model_type: 'gemma2', architectures: ['Gemma2ForCausalLM'] }))
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toBe('config.json: model_type "gemma2" (Gemma2ForCausalLM) is not supported; supported model types: llama, mistral, qwen2')
    expect(errorOf(() => hfModelConfig({ hidden_size: 8 })).message).toMatch(/model_type undefined is not supported/)
  })

  it('refuses other activations, rope scaling, bad windows and bad sizes', () => {
    expect(errorOf(() => hfModelConfig({ ...SMOLLM2_135M, hidden_act: 'gelu' })).message).toMatch(/hidden_act "gelu" is not supported/)
    expect(errorOf(() => hfModelConfig({ ...SMOLLM2_135M, rope_scaling: { rope_type: 'llama3', factor: 8 } })).message).toMatch(/rope_scaling .* is not supported/)
    expect(errorOf(() => hfModelConfig({ ...MISTRAL_7B, sliding_window: -1 })).message).toMatch(/sliding_window is -1; expected a positive integer or null/)
    expect(errorOf(() => hfModelConfig({ ...SMOLLM2_135M, num_key_value_heads: 2 })).message).toMatch(/num_key_value_heads 2 must divide num_attention_heads 9/)
  })
})
