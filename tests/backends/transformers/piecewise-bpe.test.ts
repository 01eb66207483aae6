import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PreTrainedTokenizer } from '@huggingface/transformers'
import { describe, expect, it } from 'vitest'
import { GgufMetadata, bytesSource, readGgufHeader } from '../../../src/backends/gguf/gguf-file.ts'
import { ggufTokenizerFiles } from '../../../src/backends/gguf/gguf-tokenizer.ts'
import { MIN_PIECE_CHARS, piecewiseTokenizer } from '../../../src/backends/transformers/piecewise-bpe.ts'
import { encodeLoglikelihoodPair, makeTextCodec } from '../../../src/backends/transformers/tokenization.ts'

const VOCABS = join(import.meta.dirname, '../../../../shared/models/llama.cpp-vocab')
const HAS_VOCABS = existsSync(VOCABS)
const SKIP_NOTE = HAS_VOCABS ? '' : ` (skipped: ${VOCABS} is absent)`

async function ggufVocab(name: string): Promise<PreTrainedTokenizer> {
  const bytes = new Uint8Array(readFileSync(join(VOCABS, `ggml-vocab-${name}.gguf`)))
  const files = ggufTokenizerFiles(new GgufMetadata((await readGgufHeader(bytesSource(bytes))).metadata), { modelMaxLength: 4096 })
  return new PreTrainedTokenizer(files.tokenizerJson, files.tokenizerConfig)
}

/** llama.cpp's tokenizer test inputs: spaces, tabs, newlines, accents, CJK, emoji, code. */
function vectors(name: string): string[] {
  return readFileSync(join(VOCABS, `ggml-vocab-${name}.gguf.inp`), 'utf8').split('\n__ggml_vocab_test__\n').filter((s) => s !== '')
}

/** Seeded long texts: the vectors and prompt-like lines joined by varied separators (few-shot prompts are such). */
function longTexts(parts: readonly string[], count: number): string[] {
  let seed = 11
  const rnd = (n: number) => {
    seed = (seed * 16807) % 2147483647
    return seed % n
  }
  const seps = [' ', '\n\n', '  ', '\t', '', ': ', '\nAnswer: ', ' <s> ', '\u3000', '🦙', 'é ']
  return Array.from({ length: count }, () => {
    let text = ''
    while (text.length < 1000 + rnd(3000)) text += parts[rnd(parts.length)] + seps[rnd(seps.length)]
    return text
  })
}

describe.skipIf(!HAS_VOCABS)(`piecewise BPE on whole-text BPE tokenizers${SKIP_NOTE}`, () => {
  for (const name of ['llama-spm', 'phi-3']) {
    it(`${name}: the same ids as the tokenizer's encode, with and without specials, and most texts cut`, async () => {
      const tok = await ggufVocab(name)
      const fast = piecewiseTokenizer(tok)
      const texts = [...vectors(name), ...longTexts(vectors(name), 14), 'x'.repeat(3 * MIN_PIECE_CHARS), ' '.repeat(300)]
      for (const text of texts) {
        for (const add_special_tokens of [true, false]) {
          expect(fast.encode(text, { add_special_tokens }), JSON.stringify(text.slice(0, 80))).toEqual(tok.encode(text, { add_special_tokens }))
        }
      }
      // long texts without an added token are cut; ' <s> ' separators send a text to the plain encode
      expect(fast.stats.piecewise).toBeGreaterThan(texts.length / 2)
      expect(fast.stats.plain).toBeGreaterThan(0)
    })
  }

  it('gives lm-eval\'s context/continuation split for long few-shot prompts', async () => {
    const tok = await ggufVocab('llama-spm')
    const plain = makeTextCodec(tok, { prefixTokenId: 1 })
    const fast = makeTextCodec(piecewiseTokenizer(tok), { prefixTokenId: 1 })
    const shots = longTexts(vectors('llama-spm'), 1)[0].replaceAll('<s>', '')
    for (const [ctx, cont] of [[`${shots}\nQuestion: why?\nAnswer:`, ' B'], [`${shots} the end `, 'ing words'], [shots, '🦙']]) {
      expect(encodeLoglikelihoodPair(fast, ctx, cont)).toEqual(encodeLoglikelihoodPair(plain, ctx, cont))
    }
  })
})

describe('piecewise BPE elsewhere', () => {
  it('takes the plain encode for a tokenizer with a pre-tokenizer (byte-level BPE) and for foreign tokenizers', async () => {
    const dir = join(import.meta.dirname, '../../../public/models/demo')
    const tok = new PreTrainedTokenizer(JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')),
      JSON.parse(readFileSync(join(dir, 'tokenizer_config.json'), 'utf8')))
    const fast = piecewiseTokenizer(tok)
    const text = 'The capital of France is Paris. '.repeat(20)
    expect(fast.encode(text, { add_special_tokens: true })).toEqual(tok.encode(text, { add_special_tokens: true }))
    expect(fast.stats).toEqual({ piecewise: 0, plain: 1 })
    const foreign = piecewiseTokenizer({ encode: (s) => [s.length], decode: () => '' })
    expect(foreign.encode('abc', { add_special_tokens: false })).toEqual([3])
  })
})
