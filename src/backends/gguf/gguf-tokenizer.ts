/**
 * Converts the tokenizer embedded in GGUF metadata into Hugging Face `tokenizer.json` and
 * `tokenizer_config.json` objects, shaped like the files Hugging Face's converters write for the same
 * tokenizers, so transformers.js tokenises as llama.cpp does.
 *
 * - `tokenizer.ggml.model = 'llama'` (SentencePiece BPE): vocab and scores become a BPE model with byte
 *   fallback whose merges are derived from the vocab, ranked by the score of the merged piece (highest
 *   first), which is the order SentencePiece applies them in.
 * - `tokenizer.ggml.model = 'gpt2'` (byte-level BPE): vocab and merges as stored, with the pre-tokenizer
 *   named by `tokenizer.ggml.pre`.
 */
import { HarnessError } from '../../core/errors.ts'
import type { GgufMetadata } from './gguf-file.ts'

/** tokenizer.json and tokenizer_config.json for one GGUF tokenizer. */
export interface GgufTokenizerFiles {
  /** Hugging Face tokenizers `tokenizer.json` object */
  tokenizerJson: Record<string, unknown>
  /** `tokenizer_config.json` object (special tokens, add_bos_token, chat_template) */
  tokenizerConfig: Record<string, unknown>
}

/** Options for `ggufTokenizerFiles`. */
export interface GgufTokenizerOptions {
  /** model_max_length to write, in tokens; omitted when undefined */
  modelMaxLength?: number
}

/** GGUF token types (llama.cpp `llama_token_type`). */
const TOKEN = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const

/** Values of `tokenizer.ggml.model` this module converts. */
export const SUPPORTED_TOKENIZER_MODELS = ['llama', 'gpt2']

const SPACE = '\u2581'
const LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
const QWEN2_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/** How one family of `tokenizer.ggml.pre` values pre-tokenises, and llama.cpp's defaults for it. */
interface PreTokenizerFamily {
  /** `tokenizer.ggml.pre` values in the family */
  names: string[]
  /** tokenizer.json normalizer */
  normalizer: Record<string, unknown> | null
  /** tokenizer.json pre_tokenizer */
  preTokenizer: Record<string, unknown>
  /** BPE ignore_merges (a word that is a whole token is not split) */
  ignoreMerges: boolean
  /** add BOS when the GGUF does not say */
  addBos: boolean
  /** clean_up_tokenization_spaces */
  cleanSpaces: boolean
  /** tokenizer_class for transformers.js */
  tokenizerClass: string
}

const byteLevel = (useRegex: boolean) => ({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex })
const split = (regex: string) => ({ type: 'Split', pattern: { Regex: regex }, behavior: 'Isolated', invert: false })
const sequence = (...preTokenizers: Record<string, unknown>[]) => ({ type: 'Sequence', pretokenizers: preTokenizers })

const PRE_FAMILIES: PreTokenizerFamily[] = [
  { names: ['default', 'gpt-2', 'phi-2', 'mpt', 'olmo'], normalizer: null, preTokenizer: byteLevel(true), ignoreMerges: false, addBos: false, cleanSpaces: true, tokenizerClass: 'GPT2Tokenizer' },
  { names: ['llama3', 'llama-v3', 'llama-bpe', 'falcon3'], normalizer: null, preTokenizer: sequence(split(LLAMA3_REGEX), byteLevel(false)), ignoreMerges: true, addBos: true, cleanSpaces: true, tokenizerClass: 'PreTrainedTokenizerFast' },
  { names: ['smaug-bpe', 'dbrx'], normalizer: null, preTokenizer: sequence(split(LLAMA3_REGEX), byteLevel(false)), ignoreMerges: false, addBos: false, cleanSpaces: true, tokenizerClass: 'PreTrainedTokenizerFast' },
  { names: ['qwen2', 'deepseek-r1-qwen', 'stablelm2', 'megrez'], normalizer: { type: 'NFC' }, preTokenizer: sequence(split(QWEN2_REGEX), byteLevel(false)), ignoreMerges: false, addBos: false, cleanSpaces: false, tokenizerClass: 'Qwen2Tokenizer' },
  { names: ['smollm', 'starcoder', 'refact', 'codeshell'], normalizer: null, preTokenizer: sequence(split('\\p{N}'), byteLevel(true)), ignoreMerges: false, addBos: false, cleanSpaces: true, tokenizerClass: 'GPT2Tokenizer' },
]

/** Values of `tokenizer.ggml.pre` this module converts (gpt2 model). */
export const SUPPORTED_PRE_TOKENIZERS = PRE_FAMILIES.flatMap((f) => f.names)

function invalid(message: string, detail: Record<string, unknown>): HarnessError {
  return new HarnessError('MODEL_INVALID', message, detail)
}

/** Builds tokenizer.json and tokenizer_config.json from GGUF tokenizer metadata. */
export function ggufTokenizerFiles(meta: GgufMetadata, options: GgufTokenizerOptions = {}): GgufTokenizerFiles {
  const model = meta.optionalString('tokenizer.ggml.model')
  if (model !== 'llama' && model !== 'gpt2') {
    throw invalid(`gguf: tokenizer.ggml.model ${JSON.stringify(model ?? null)} is not supported; supported: ${SUPPORTED_TOKENIZER_MODELS.join(', ')}`, { model: model ?? null, supported: SUPPORTED_TOKENIZER_MODELS })
  }
  // llama.cpp names empty pieces "[EMPTY_i]"
  const tokens = meta.strings('tokenizer.ggml.tokens').map((t, i) => (t === '' ? `[EMPTY_${i}]` : t))
  const types = meta.optionalNumbers('tokenizer.ggml.token_type') ?? tokens.map(() => TOKEN.NORMAL)
  if (types.length !== tokens.length) {
    throw invalid(`gguf: tokenizer.ggml.token_type has ${types.length} entries for ${tokens.length} tokens`, { tokens: tokens.length, types: types.length })
  }
  const id = (key: string, fallback: number | undefined): number | undefined => {
    const v = meta.optionalNumber(key) ?? fallback
    return v !== undefined && Number.isInteger(v) && v >= 0 && v < tokens.length ? v : undefined
  }
  const spm = model === 'llama'
  const family = spm ? undefined : preFamily(meta.optionalString('tokenizer.ggml.pre') ?? 'default')
  const bos = id('tokenizer.ggml.bos_token_id', spm ? 1 : undefined)
  const eos = id('tokenizer.ggml.eos_token_id', spm ? 2 : undefined)
  const unk = id('tokenizer.ggml.unknown_token_id', spm ? 0 : undefined)
  const pad = id('tokenizer.ggml.padding_token_id', undefined)
  const addBos = meta.boolean('tokenizer.ggml.add_bos_token', spm ? true : family!.addBos) && bos !== undefined
  const addEos = meta.boolean('tokenizer.ggml.add_eos_token', false) && eos !== undefined
  const addSpacePrefix = spm && meta.boolean('tokenizer.ggml.add_space_prefix', true)

  const vocab: Record<string, number> = Object.create(null) as Record<string, number>
  tokens.forEach((t, i) => { vocab[t] = i })

  const rstripAll = spm && /phi-?3/i.test(meta.optionalString('general.name') ?? '')
  const added = addedTokens(tokens, types, unk, rstripAll)
  const merges = spm ? spmMerges(tokens, types, meta, vocab) : bpeMerges(meta)

  const tokenizerJson: Record<string, unknown> = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: spm ? spmNormalizer(addSpacePrefix) : family!.normalizer,
    pre_tokenizer: spm ? null : family!.preTokenizer,
    post_processor: postProcessor(tokens, addBos ? bos : undefined, addEos ? eos : undefined, !spm),
    decoder: spm ? spmDecoder(addSpacePrefix) : { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: unk !== undefined ? tokens[unk] : null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: spm,
      byte_fallback: spm && types.includes(TOKEN.BYTE),
      ignore_merges: family?.ignoreMerges ?? false,
      vocab,
      merges,
    },
  }

  const decoderEntries: Record<string, unknown> = {}
  for (const { id: tid, ...rest } of added) decoderEntries[String(tid)] = rest
  const tokenizerConfig: Record<string, unknown> = {
    add_bos_token: addBos,
    add_eos_token: addEos,
    added_tokens_decoder: decoderEntries,
    bos_token: bos !== undefined ? tokens[bos] : null,
    eos_token: eos !== undefined ? tokens[eos] : null,
    unk_token: unk !== undefined ? tokens[unk] : null,
    ...(pad !== undefined ? { pad_token: tokens[pad] } : {}),
    clean_up_tokenization_spaces: spm ? false : family!.cleanSpaces,
    ...(spm ? { legacy: true, add_prefix_space: addSpacePrefix } : {}),
    ...(options.modelMaxLength !== undefined ? { model_max_length: options.modelMaxLength } : {}),
    padding_side: 'left',
    tokenizer_class: spm ? 'LlamaTokenizer' : family!.tokenizerClass,
  }
  const chatTemplate = meta.optionalString('tokenizer.chat_template')
  if (chatTemplate !== undefined) tokenizerConfig.chat_template = chatTemplate
  return { tokenizerJson, tokenizerConfig }
}

function preFamily(pre: string): PreTokenizerFamily {
  const family = PRE_FAMILIES.find((f) => f.names.includes(pre))
  if (!family) {
    throw invalid(`gguf: tokenizer.ggml.pre ${JSON.stringify(pre)} is not supported; supported: ${SUPPORTED_PRE_TOKENIZERS.join(', ')}`, { pre, supported: SUPPORTED_PRE_TOKENIZERS })
  }
  return family
}

/** Added tokens: control tokens and the unknown token (special), user-defined tokens (matched verbatim, not special). */
function addedTokens(tokens: string[], types: number[], unk: number | undefined, rstripAll: boolean): { id: number, content: string, single_word: boolean, lstrip: boolean, rstrip: boolean, normalized: boolean, special: boolean }[] {
  const out = []
  for (let i = 0; i < tokens.length; i++) {
    const t = types[i]
    if (t !== TOKEN.CONTROL && t !== TOKEN.USER_DEFINED && i !== unk) continue
    const special = t !== TOKEN.USER_DEFINED
    // llama.cpp (and Hugging Face's Phi-3 files) strip whitespace after Phi-3's chat tokens
    const rstrip = rstripAll && (special || tokens[i] === '</s>') && !['<unk>', '<s>', '<|endoftext|>'].includes(tokens[i]!)
    out.push({ id: i, content: tokens[i]!, single_word: false, lstrip: false, rstrip, normalized: false, special })
  }
  return out
}

/** Legacy Llama normalizer: prepend ▁ (when add_space_prefix) and turn spaces into ▁. */
function spmNormalizer(addSpacePrefix: boolean): Record<string, unknown> {
  const replace = { type: 'Replace', pattern: { String: ' ' }, content: SPACE }
  return addSpacePrefix
    ? { type: 'Sequence', normalizers: [{ type: 'Prepend', prepend: SPACE }, replace] }
    : replace
}

function spmDecoder(addSpacePrefix: boolean): Record<string, unknown> {
  const decoders: Record<string, unknown>[] = [
    { type: 'Replace', pattern: { String: SPACE }, content: ' ' },
    { type: 'ByteFallback' },
    { type: 'Fuse' },
  ]
  if (addSpacePrefix) decoders.push({ type: 'Strip', content: ' ', start: 1, stop: 0 })
  return { type: 'Sequence', decoders }
}

/** TemplateProcessing adding BOS/EOS when the model asks for them; ByteLevel (ids unchanged) or none otherwise. */
function postProcessor(tokens: string[], bos: number | undefined, eos: number | undefined, byteLevelModel: boolean): Record<string, unknown> | null {
  if (bos === undefined && eos === undefined) {
    return byteLevelModel ? { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true } : null
  }
  const special = (i: number, typeId: number) => ({ SpecialToken: { id: tokens[i], type_id: typeId } })
  const seq = (name: string, typeId: number) => ({ Sequence: { id: name, type_id: typeId } })
  const wrap = (name: string, typeId: number) => [
    ...(bos !== undefined ? [special(bos, typeId)] : []),
    seq(name, typeId),
    ...(eos !== undefined ? [special(eos, typeId)] : []),
  ]
  const specialTokens: Record<string, unknown> = {}
  for (const i of [bos, eos]) if (i !== undefined) specialTokens[tokens[i]!] = { id: tokens[i], ids: [i], tokens: [tokens[i]] }
  return { type: 'TemplateProcessing', single: wrap('A', 0), pair: [...wrap('A', 0), ...wrap('B', 1)], special_tokens: specialTokens }
}

/** Stored byte-level merges ("left right", split at the first space after the first character) as pairs. */
function bpeMerges(meta: GgufMetadata): [string, string][] {
  if (!meta.has('tokenizer.ggml.merges')) {
    throw invalid('gguf: tokenizer.ggml.merges is missing; a gpt2 tokenizer needs its merges (re-convert the model)', { key: 'tokenizer.ggml.merges' })
  }
  return meta.strings('tokenizer.ggml.merges').map((m, i) => {
    const at = m.indexOf(' ', 1)
    if (at < 0) throw invalid(`gguf: tokenizer.ggml.merges[${i}] ${JSON.stringify(m)} has no space; expected "left right"`, { index: i, merge: m })
    return [m.slice(0, at), m.slice(at + 1)]
  })
}

/**
 * SentencePiece-BPE merges derived from the vocab: every split of a piece into two pieces that are both in
 * the vocab is a merge, ranked by the merged piece's score (highest first), ties by the merged piece's id and
 * then the ids of its halves. Byte pieces are never merge results.
 */
function spmMerges(tokens: string[], types: number[], meta: GgufMetadata, vocab: Record<string, number>): [string, string][] {
  const scores = meta.optionalNumbers('tokenizer.ggml.scores')
  if (!scores || scores.length !== tokens.length) {
    throw invalid(`gguf: tokenizer.ggml.scores has ${scores?.length ?? 'no'} entries for ${tokens.length} tokens; a llama (SentencePiece) tokenizer needs one score per token`, { tokens: tokens.length, scores: scores?.length ?? null })
  }
  const candidates: { left: number, right: number, merged: number }[] = []
  tokens.forEach((piece, merged) => {
    if (types[merged] === TOKEN.BYTE) return
    const chars = Array.from(piece)
    let left = ''
    for (let k = 1; k < chars.length; k++) {
      left += chars[k - 1]
      const l = vocab[left]
      if (l === undefined) continue
      const r = vocab[piece.slice(left.length)]
      if (r !== undefined) candidates.push({ left: l, right: r, merged })
    }
  })
  candidates.sort((a, b) => (scores[b.merged]! - scores[a.merged]!) || (a.merged - b.merged) || (a.left - b.left) || (a.right - b.right))
  return candidates.map((c) => [tokens[c.left]!, tokens[c.right]!])
}
