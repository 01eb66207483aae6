/**
 * The JSON files of a Hugging Face / transformers.js model folder for a Llama model with a byte-level BPE
 * tokenizer (SmolLM-style: GPT-2 pre-tokenizer, no BOS added, `<|endoftext|>` as bos/eos/unk/pad).
 */
import { llamaConfigToHf } from '../../src/backends/onnx/llama-config.ts'
import type { LlamaConfig } from '../../src/backends/onnx/llama-config.ts'
import type { ByteLevelBpe } from './bpe-trainer.ts'

/** Special tokens in id order: 0 = `<|endoftext|>` (bos/eos/unk/pad), 1 = `<|im_start|>`, 2 = `<|im_end|>`. */
export const SPECIAL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']

/** ChatML, as SmolLM-Instruct uses. */
export const CHATML_TEMPLATE = "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"

const BOS_EOS = SPECIAL_TOKENS[0]!

/** Pretty-printed JSON with a trailing newline (stable: key order is insertion order). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n'
}

/** config.json for transformers.js (fp32 weights). */
export function configJson(c: LlamaConfig, bpe: ByteLevelBpe): Record<string, unknown> {
  const id = bpe.vocab.get(BOS_EOS)!
  return {
    ...llamaConfigToHf(c),
    bos_token_id: id,
    eos_token_id: id,
    pad_token_id: id,
    initializer_range: 0.02,
    use_cache: true,
    torch_dtype: 'float32',
    'transformers.js_config': { dtype: 'fp32' },
  }
}

/** generation_config.json. */
export function generationConfigJson(bpe: ByteLevelBpe): Record<string, unknown> {
  const id = bpe.vocab.get(BOS_EOS)!
  return { bos_token_id: id, eos_token_id: id, pad_token_id: id }
}

function addedToken(content: string, id: number): Record<string, unknown> {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }
}

/** tokenizer.json (Hugging Face tokenizers format). */
export function tokenizerJson(bpe: ByteLevelBpe): Record<string, unknown> {
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: bpe.specialTokens.map((s) => addedToken(s, bpe.vocab.get(s)!)),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: null,
    decoder: { ...byteLevel, add_prefix_space: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(bpe.vocab),
      merges: bpe.merges.map(([a, b]) => `${a} ${b}`),
    },
  }
}

/** tokenizer_config.json. */
export function tokenizerConfigJson(bpe: ByteLevelBpe, modelMaxLength: number): Record<string, unknown> {
  const decoder: Record<string, unknown> = {}
  for (const s of bpe.specialTokens) {
    const { id: _id, ...rest } = addedToken(s, bpe.vocab.get(s)!)
    decoder[String(bpe.vocab.get(s))] = rest
  }
  return {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: bpe.specialTokens.filter((s) => s !== BOS_EOS),
    bos_token: BOS_EOS,
    chat_template: CHATML_TEMPLATE,
    clean_up_tokenization_spaces: false,
    eos_token: BOS_EOS,
    model_max_length: modelMaxLength,
    pad_token: BOS_EOS,
    padding_side: 'left',
    tokenizer_class: 'GPT2Tokenizer',
    unk_token: BOS_EOS,
    vocab_size: bpe.vocab.size,
  }
}
