/**
 * Model facts read from config.json / tokenizer_config.json the way lm-eval reads them (lm-eval.md §5.2).
 */

/** lm-eval's fallback when neither the config nor the tokenizer gives a length. */
export const DEFAULT_MAX_LENGTH = 2048

const SEQ_LEN_KEYS = ['n_positions', 'max_position_embeddings', 'n_ctx'] as const

// transformers' VERY_LARGE_INTEGER (int(1e30)), the "no limit" model_max_length; transformers.js uses Infinity.
const HUGE_MODEL_MAX_LENGTH = 1e30

/**
 * lm-eval's resolve_max_length without a user value: `text_config` then the top-level config
 * (n_positions, max_position_embeddings, n_ctx; first present), else the tokenizer's model_max_length
 * unless it is the "infinity" sentinel, else 2048.
 */
export function resolveMaxLength(config: Record<string, unknown>, tokenizerMaxLength: number | undefined): number {
  const textConfig = config['text_config']
  const sources = [textConfig, config].filter((c): c is Record<string, unknown> => c !== null && typeof c === 'object')
  for (const source of sources) {
    for (const key of SEQ_LEN_KEYS) {
      const v = source[key]
      if (typeof v === 'number' && Number.isFinite(v)) return v
    }
  }
  if (tokenizerMaxLength !== undefined && Number.isFinite(tokenizerMaxLength) && tokenizerMaxLength < HUGE_MODEL_MAX_LENGTH) {
    return tokenizerMaxLength
  }
  return DEFAULT_MAX_LENGTH
}

/** ONNX file-name suffix transformers.js uses for a dtype (browser-stack.md §1.2). */
export function onnxSuffix(dtype: string): string | undefined {
  const suffixes: Record<string, string> = {
    fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4', q4f16: '_q4f16', bnb4: '_bnb4',
  }
  return suffixes[dtype]
}

/** EOS ids that end generation: the tokenizer's plus the model's generation-config / config ones. */
export function eosTokenIds(tokenizerEos: number | undefined, ...configValues: unknown[]): Set<number> {
  const ids = new Set<number>()
  if (typeof tokenizerEos === 'number') ids.add(tokenizerEos)
  for (const v of configValues) {
    if (typeof v === 'number') ids.add(v)
    else if (Array.isArray(v)) for (const x of v) if (typeof x === 'number') ids.add(x)
  }
  return ids
}
