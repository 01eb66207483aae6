/**
 * The served model's tokenizer, loaded locally with transformers.js (a folder with tokenizer.json and
 * tokenizer_config.json, or a Hub id when remote loading is configured), with lm-eval's encode rules.
 */
import { AutoTokenizer } from '@huggingface/transformers'
import { HarnessError } from '../../core/errors.ts'
import { makeTextCodec } from '../transformers/tokenization.ts'
import type { TextCodec, TokenizerLike } from '../transformers/tokenization.ts'
import type { ChatTokenizerLike } from '../transformers/chat-template.ts'

/** A loaded tokenizer with what results record about it. */
export interface ApiTokenizer {
  /** lm-eval's encode/decode rules over it */
  readonly codec: TextCodec
  /** [token, id] pairs as lm-eval records them */
  readonly bosToken: readonly [string, number] | undefined
  readonly eosToken: readonly [string, number] | undefined
  readonly padToken: readonly [string, number] | undefined
  /** tokenizer EOS id */
  readonly eosTokenId: number | undefined
  /** tokenizer_config's model_max_length when it is a real limit */
  readonly modelMaxLength: number | undefined
  /** the tokenizer, for chat templates */
  readonly chatTokenizer: ChatTokenizerLike
}

/** Loads the tokenizer `id` (an absolute folder path in Node, or a Hub id / served id). */
export async function loadApiTokenizer(id: string): Promise<ApiTokenizer> {
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>
  try {
    tokenizer = await AutoTokenizer.from_pretrained(id)
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e)
    throw new HarnessError('MODEL_NOT_FOUND', `could not load tokenizer ${id} (a folder with tokenizer.json and tokenizer_config.json, or a Hub id owner/name): ${text.split('\n')[0]}`, { tokenizer: id })
  }
  const prefixTokenId = tokenizer.bos_token_id ?? tokenizer.eos_token_id
  if (typeof prefixTokenId !== 'number') {
    throw new HarnessError('MODEL_INVALID', `tokenizer ${id} has neither a BOS nor an EOS token, so empty contexts cannot be scored`, { tokenizer: id })
  }
  const hasOwnPad = (tokenizer.config as Record<string, unknown>)['pad_token'] != null
  const pair = (t: string | null | undefined, i: number | null | undefined) => (typeof t === 'string' && typeof i === 'number' ? [t, i] as const : undefined)
  const maxLen = tokenizer.model_max_length as number | undefined
  return {
    codec: makeTextCodec(tokenizer as unknown as TokenizerLike, { prefixTokenId }),
    bosToken: pair(tokenizer.bos_token, tokenizer.bos_token_id),
    eosToken: pair(tokenizer.eos_token, tokenizer.eos_token_id),
    padToken: hasOwnPad
      ? pair(tokenizer.pad_token, tokenizer.pad_token_id)
      : pair(tokenizer.unk_token, tokenizer.unk_token_id) ?? pair(tokenizer.eos_token, tokenizer.eos_token_id),
    eosTokenId: tokenizer.eos_token_id ?? undefined,
    modelMaxLength: typeof maxLen === 'number' && maxLen > 0 && maxLen < 1e9 ? maxLen : undefined,
    chatTokenizer: tokenizer as unknown as ChatTokenizerLike,
  }
}
