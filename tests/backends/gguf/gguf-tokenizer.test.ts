import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PreTrainedTokenizer } from '@huggingface/transformers'
import { describe, expect, it } from 'vitest'
import { isHarnessError } from '../../../src/core/errors.ts'
import { GgufMetadata, bytesSource, readGgufHeader } from '../../../src/backends/gguf/gguf-file.ts'
import type { GgufValue } from '../../../src/backends/gguf/gguf-file.ts'
import { SUPPORTED_PRE_TOKENIZERS, ggufTokenizerFiles } from '../../../src/backends/gguf/gguf-tokenizer.ts'
import type { GgufTokenizerFiles } from '../../../src/backends/gguf/gguf-tokenizer.ts'

const VOCABS = join(import.meta.dirname, '../../../../shared/models/llama.cpp-vocab')
const HAS_VOCABS = existsSync(VOCABS)
const SKIP_NOTE = HAS_VOCABS ? '' : ` (skipped: ${VOCABS} is absent)`

function load(files: GgufTokenizerFiles): PreTrainedTokenizer {
  return new PreTrainedTokenizer(files.tokenizerJson, files.tokenizerConfig)
}

async function vocabMetadata(name: string): Promise<Map<string, GgufValue>> {
  const bytes = new Uint8Array(readFileSync(join(VOCABS, `ggml-vocab-${name}.gguf`)))
  return (await readGgufHeader(bytesSource(bytes))).metadata
}

function failure(f: () => unknown): { code: string, message: string } {
  try {
    f()
  } catch (e) {
    if (isHarnessError(e)) return { code: e.code, message: e.message }
    throw e
  }
  throw new Error('expected a HarnessError')
}

describe.skipIf(!HAS_VOCABS)(`llama.cpp test-tokenizer-0 vectors${SKIP_NOTE}`, () => {
  // llama.cpp tokenises these without BOS/EOS (add_special false, parse_special false)
  for (const name of ['llama-spm', 'phi-3', 'gpt-2']) {
    it(`${name}: every case of ggml-vocab-${name}.gguf.inp encodes to its .out line`, async () => {
      const tok = load(ggufTokenizerFiles(new GgufMetadata(await vocabMetadata(name))))
      const inputs = readFileSync(join(VOCABS, `ggml-vocab-${name}.gguf.inp`), 'utf8').split('\n__ggml_vocab_test__\n')
      const outputs = readFileSync(join(VOCABS, `ggml-vocab-${name}.gguf.out`), 'utf8').split('\n')
      expect(inputs.pop()).toBe('') // the file ends with a separator
      expect(outputs.pop()).toBe('')
      expect(inputs.length).toBe(46)
      expect(outputs.length).toBe(46)
      const mismatches: string[] = []
      inputs.forEach((text, i) => {
        const want = outputs[i]!.trim() === '' ? [] : outputs[i]!.trim().split(/\s+/).map(Number)
        const got = tok.encode(text, { add_special_tokens: false })
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`#${i} ${JSON.stringify(text)}: want ${want.join(' ')}, got ${got.join(' ')}`)
      })
      expect(mismatches).toEqual([])
    })
  }

  it('llama-spm: BOS on by default, decoding round-trips text with byte fallback', async () => {
    const files = ggufTokenizerFiles(new GgufMetadata(await vocabMetadata('llama-spm')), { modelMaxLength: 4096 })
    expect(files.tokenizerConfig).toMatchObject({ add_bos_token: true, add_eos_token: false, bos_token: '<s>', eos_token: '</s>', unk_token: '<unk>', model_max_length: 4096, tokenizer_class: 'LlamaTokenizer' })
    const tok = load(files)
    const text = 'Hello world 🦙 нещо\n\tcode()'
    const ids = tok.encode(text)
    expect(ids[0]).toBe(1)
    expect(tok.decode(ids, { skip_special_tokens: true })).toBe(text)
  })

  it('phi-3: keeps the chat template; Phi-3 chat tokens strip the whitespace after them', async () => {
    const files = ggufTokenizerFiles(new GgufMetadata(await vocabMetadata('phi-3')))
    expect(files.tokenizerConfig.chat_template).toContain("'<|user|>'")
    expect(files.tokenizerConfig.eos_token).toBe('<|endoftext|>')
    expect(files.tokenizerConfig.pad_token).toBe('<|endoftext|>')
    const tok = load(files)
    const ids = tok.encode('<|user|>\nHi<|end|>\n<|assistant|>', { add_special_tokens: false })
    expect(ids).toEqual([32010, ...tok.encode('Hi', { add_special_tokens: false }), 32007, 32001])
  })

  it('gpt-2: no BOS, byte-level round trip, <|endoftext|> is special', async () => {
    const files = ggufTokenizerFiles(new GgufMetadata(await vocabMetadata('gpt-2')))
    expect(files.tokenizerConfig).toMatchObject({ add_bos_token: false, bos_token: '<|endoftext|>', eos_token: '<|endoftext|>', clean_up_tokenization_spaces: true, tokenizer_class: 'GPT2Tokenizer' })
    const tok = load(files)
    expect(tok.encode('Hello world')).toEqual([15496, 995])
    expect(tok.encode('a<|endoftext|>b')).toEqual([64, 50256, 65])
    expect(tok.decode(tok.encode('  spaced\n\ttabs 🦙'))).toBe('  spaced\n\ttabs 🦙')
  })

  it('gpt2 pre-tokenizers: llama3 splits digits in threes, qwen2/smollm one by one, contractions case-insensitively', async () => {
    const base = await vocabMetadata('gpt-2')
    const tokenize = (pre: string, text: string) => {
      const md = new Map(base)
      md.set('tokenizer.ggml.pre', pre)
      return load(ggufTokenizerFiles(new GgufMetadata(md))).tokenize(text)
    }
    expect(tokenize('gpt-2', '333333')).toEqual(['3333', '33'])
    expect(tokenize('llama-bpe', '333333')).toEqual(['333', '333'])
    expect(tokenize('qwen2', ' 12')).toEqual(['Ġ', '1', '2'])
    expect(tokenize('smollm', ' 12')).toEqual(['Ġ', '1', '2'])
    // qwen2 normalises to NFC: e + combining acute becomes é
    expect(tokenize('qwen2', 'e\u0301')).toEqual(tokenize('qwen2', '\u00e9'))
    expect(tokenize('gpt-2', 'e\u0301')).not.toEqual(tokenize('gpt-2', '\u00e9'))
    const md = new Map(base)
    md.set('tokenizer.ggml.pre', 'llama-bpe')
    const llama3 = ggufTokenizerFiles(new GgufMetadata(md))
    expect(llama3.tokenizerConfig.add_bos_token).toBe(true)
    expect((llama3.tokenizerJson.model as { ignore_merges: boolean }).ignore_merges).toBe(true)
    const split = load(llama3) as unknown as { _tokenizer: { pre_tokenizer: (s: string) => string[] } }
    expect(split._tokenizer.pre_tokenizer("I'M you'RE")).toEqual(['I', "'M", 'Ġyou', "'RE"])
  })
})

/** A tiny SentencePiece vocab: specials, the 256 byte pieces, then pieces with chosen scores. */
function spmMetadata(pieces: [string, number][], extra: Record<string, GgufValue> = {}): GgufMetadata {
  const bytes = Array.from({ length: 256 }, (_, b) => `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
  const tokens = ['<unk>', '<s>', '</s>', ...bytes, ...pieces.map(([p]) => p), '<|user|>', '<tag>']
  const types = [2, 3, 3, ...bytes.map(() => 6), ...pieces.map(() => 1), 3, 4]
  const scores = [0, 0, 0, ...bytes.map(() => 0), ...pieces.map(([, s]) => s), 0, 0]
  return new GgufMetadata(new Map<string, GgufValue>(Object.entries({
    'general.architecture': 'llama',
    'tokenizer.ggml.model': 'llama',
    'tokenizer.ggml.tokens': tokens,
    'tokenizer.ggml.token_type': types,
    'tokenizer.ggml.scores': scores,
    'tokenizer.ggml.bos_token_id': 1,
    'tokenizer.ggml.eos_token_id': 2,
    'tokenizer.ggml.unknown_token_id': 0,
    ...extra,
  })))
}

const P = 259 // id of the first non-byte piece
const PIECES: [string, number][] = [
  ['▁', -1], ['a', -2], ['b', -3], ['c', -4],
  // "bc" outranks "ab" although it comes later: merges follow the score of the merged piece
  ['ab', -20], ['bc', -10], ['▁a', -30], ['abc', -5], ['▁abc', -40],
]

describe('SentencePiece (tokenizer.ggml.model = llama) conversion', () => {
  it('derives merges from the vocab ranked by the merged piece\'s score', () => {
    const files = ggufTokenizerFiles(spmMetadata(PIECES))
    const model = files.tokenizerJson.model as { merges: [string, string][], byte_fallback: boolean, unk_token: string }
    expect(model.merges).toEqual([['a', 'bc'], ['ab', 'c'], ['b', 'c'], ['a', 'b'], ['▁', 'a'], ['▁', 'abc'], ['▁a', 'bc']])
    expect(model.byte_fallback).toBe(true)
    expect(model.unk_token).toBe('<unk>')
    const tok = load(files)
    // ▁ a b c: bc (−10) merges before ab (−20) and ▁a (−30); then a+bc → abc (−5); then ▁+abc → ▁abc
    expect(tok.encode('abc', { add_special_tokens: false })).toEqual([P + 8])
    // ▁ a b: ab merges; "▁ab" is no piece
    expect(tok.encode('ab', { add_special_tokens: false })).toEqual([P + 0, P + 4])
    // "d" has no piece: byte fallback to <0x64>
    expect(tok.encode('abd', { add_special_tokens: false })).toEqual([P + 0, P + 4, 3 + 0x64])
  })

  it('adds BOS, prefixes a space after control tokens, matches user-defined tokens verbatim, and decodes back', () => {
    const tok = load(ggufTokenizerFiles(spmMetadata(PIECES)))
    expect(tok.encode('abc')).toEqual([1, P + 8])
    expect(tok.encode('<|user|>abc', { add_special_tokens: false })).toEqual([P + 9, P + 8])
    expect(tok.encode('c<tag>c', { add_special_tokens: false })).toEqual([P + 0, P + 3, P + 10, P + 0, P + 3])
    expect(tok.decode([1, P + 8, P + 0, 3 + 0xc3, 3 + 0xa9], { skip_special_tokens: true })).toBe('abc é')
    expect(tok.decode([P + 8, P + 10, P + 9])).toBe('abc<tag><|user|>')
  })

  it('follows add_space_prefix false and add_bos_token false', () => {
    const files = ggufTokenizerFiles(spmMetadata(PIECES, { 'tokenizer.ggml.add_space_prefix': false, 'tokenizer.ggml.add_bos_token': false }))
    expect(files.tokenizerJson.normalizer).toEqual({ type: 'Replace', pattern: { String: ' ' }, content: '▁' })
    expect(files.tokenizerConfig.add_bos_token).toBe(false)
    const tok = load(files)
    expect(tok.encode('abc')).toEqual([P + 7])
    expect(tok.encode(' abc')).toEqual([P + 8])
    expect(tok.decode([P + 8])).toBe(' abc')
  })

  it('writes tokenizer_config.json fields: special tokens, added_tokens_decoder, chat template', () => {
    const files = ggufTokenizerFiles(spmMetadata(PIECES, { 'tokenizer.chat_template': '{{ bos_token }}{{ messages[0].content }}' }), { modelMaxLength: 512 })
    expect(files.tokenizerConfig).toEqual({
      add_bos_token: true,
      add_eos_token: false,
      added_tokens_decoder: {
        0: { content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        1: { content: '<s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        2: { content: '</s>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        [P + 9]: { content: '<|user|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
        [P + 10]: { content: '<tag>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: false },
      },
      bos_token: '<s>',
      eos_token: '</s>',
      unk_token: '<unk>',
      clean_up_tokenization_spaces: false,
      legacy: true,
      add_prefix_space: true,
      model_max_length: 512,
      padding_side: 'left',
      tokenizer_class: 'LlamaTokenizer',
      chat_template: '{{ bos_token }}{{ messages[0].content }}',
    })
    const tok = load(files)
    expect(tok.apply_chat_template([{ role: 'user', content: 'hi' }], { tokenize: false })).toBe('<s>hi')
  })

  it('rejects unsupported tokenizers and inconsistent metadata with one-line MODEL_INVALID errors', () => {
    const withKeys = (extra: Record<string, GgufValue>) => spmMetadata(PIECES, extra)
    expect(failure(() => ggufTokenizerFiles(withKeys({ 'tokenizer.ggml.model': 'bert' })))).toEqual({
      code: 'MODEL_INVALID', message: 'gguf: tokenizer.ggml.model "bert" is not supported; supported: llama, gpt2',
    })
    expect(failure(() => ggufTokenizerFiles(withKeys({ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'deepseek-llm' }))).message)
      .toBe(`gguf: tokenizer.ggml.pre "deepseek-llm" is not supported; supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')}`)
    expect(failure(() => ggufTokenizerFiles(withKeys({ 'tokenizer.ggml.model': 'gpt2', 'tokenizer.ggml.pre': 'gpt-2' }))).message)
      .toBe('gguf: tokenizer.ggml.merges is missing; a gpt2 tokenizer needs its merges (re-convert the model)')
    expect(failure(() => ggufTokenizerFiles(withKeys({ 'tokenizer.ggml.scores': [0, 1] }))).message)
      .toBe(`gguf: tokenizer.ggml.scores has 2 entries for ${P + 11} tokens; a llama (SentencePiece) tokenizer needs one score per token`)
    expect(failure(() => ggufTokenizerFiles(withKeys({ 'tokenizer.ggml.token_type': [1] }))).message)
      .toBe(`gguf: tokenizer.ggml.token_type has 1 entries for ${P + 11} tokens`)
  })
})
