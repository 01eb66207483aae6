import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer, Tensor, env } from '@huggingface/transformers'
import type { PreTrainedModel, PreTrainedTokenizer } from '@huggingface/transformers'
import { beforeAll, describe, expect, it } from 'vitest'
import { llamaConfigFromHf } from '../../../src/backends/onnx/llama-config.ts'
import { llamaWeightsFromOnnx } from '../../../src/backends/onnx/llama-graph.ts'
import { readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { ByteLevelBpeCodec } from '../../../scripts/demo-model/bpe-trainer.ts'
import { demoDatasetFiles } from '../../../scripts/demo-model/demo-datasets.ts'

// An absolute path (or any id that is not a valid Hub repo id, e.g. 'public/models/demo' relative to the
// cwd) is read from the file system as-is; env.localModelPath is only prefixed to Hub-style ids.
const DEMO = join(import.meta.dirname, '../../../public/models/demo')

const SAMPLES = [
  'Hello world',
  'The capital of France is Paris.',
  'Question: What is 3 plus 4?\nAnswer: 7',
  '  leading spaces,\ttabs\r\nand   runs of spaces  ',
  'Ünïcödé: naïve café, Straße, Ελληνικά, русский, 中文字符, 日本語のテキスト, 한국어',
  'emoji 👩‍👩‍👧‍👦 🇫🇷 ✓ and symbols ∑∫√ ≤ ≥ — “quotes” ‘single’ …',
  'control \u0000\u0001\u007f chars and combining e\u0301 and RTL שלום مرحبا',
  '<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n',
  'text<|endoftext|>more text',
  "it's we're they've I'll he'd 12345 3.14159 1,000,000",
]

let tok: PreTrainedTokenizer
let model: PreTrainedModel
let codec: ByteLevelBpeCodec

beforeAll(async () => {
  env.allowRemoteModels = false
  tok = await AutoTokenizer.from_pretrained(DEMO)
  model = await AutoModelForCausalLM.from_pretrained(DEMO)
  const json = JSON.parse(readFileSync(join(DEMO, 'tokenizer.json'), 'utf8')) as {
    model: { vocab: Record<string, number>, merges: string[] }
    added_tokens: { content: string }[]
  }
  codec = new ByteLevelBpeCodec({
    vocab: new Map(Object.entries(json.model.vocab)),
    merges: json.model.merges.map((m) => m.split(' ') as [string, string]),
    specialTokens: json.added_tokens.map((t) => t.content),
  })
})

describe('demo tokenizer in transformers.js', () => {
  it('has the special tokens at ids 0, 1, 2 and left padding', () => {
    expect(tok.convert_tokens_to_ids(['<|endoftext|>', '<|im_start|>', '<|im_end|>'])).toEqual([0, 1, 2])
    expect([tok.bos_token_id, tok.eos_token_id, tok.pad_token_id, tok.unk_token_id]).toEqual([0, 0, 0, 0])
    expect(tok.padding_side).toBe('left')
    expect(tok.encode('a')).toHaveLength(1) // no BOS/EOS added
  })

  it('round-trips arbitrary Unicode and matches the trainer\'s own encoder', () => {
    const texts = [...SAMPLES, ...demoDatasetFiles().flatMap((f) => f.rows.map((r) => JSON.stringify(r)))]
    for (const text of texts) {
      const ids = tok.encode(text)
      expect(ids, text).toEqual(codec.encode(text))
      expect(tok.decode(ids), text).toBe(text)
      expect(codec.decode(ids)).toBe(text)
    }
  })

  it('covers every byte value', () => {
    const allBytes = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).join('')
    expect(tok.decode(tok.encode(allBytes))).toBe(allBytes)
    for (const ch of ['\u00e9', '\u4e2d', '\u{1F600}', '\uFFFD']) expect(tok.decode(tok.encode(ch))).toBe(ch)
  })

  it('renders the ChatML chat template', () => {
    const text = tok.apply_chat_template([{ role: 'user', content: 'Hi' }], { add_generation_prompt: true, tokenize: false })
    expect(text).toBe('<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n')
  })
})

describe('demo model in transformers.js', () => {
  it('exposes num_logits_to_keep; a plain call returns logits for every position', async () => {
    expect(model.sessions.model!.inputNames).toContain('num_logits_to_keep')
    tok.padding_side = 'left'
    const enc = tok(['The cat sat on the mat', 'Hello'], { padding: true })
    const out = await model(enc)
    const [B, S] = enc.input_ids.dims as number[]
    expect(out.logits.dims).toEqual([B, S, 512])
    // same logits as the reference forward pass on weights read from the .onnx file
    const config = llamaConfigFromHf(JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8')))
    const weights = llamaWeightsFromOnnx(config, readOnnxModel(new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))).initializers)
    const ref = llamaForward(config, weights, { inputIds: enc.input_ids.tolist().map((r: bigint[]) => r.map(Number)), attentionMask: enc.attention_mask.tolist().map((r: bigint[]) => r.map(Number)) })
    const got = out.logits.data as Float32Array
    let max = 0
    for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - ref.logits[i]!))
    expect(max).toBeLessThanOrEqual(1e-4)

    const last2 = await model({ ...enc, num_logits_to_keep: new Tensor('int64', [2n], []) })
    expect(last2.logits.dims).toEqual([B, 2, 512])
    const want: number[] = []
    for (let b = 0; b < B; b++) want.push(...got.subarray((b * S + S - 2) * 512, (b * S + S) * 512))
    const kept = last2.logits.data as Float32Array
    expect(kept.length).toBe(want.length)
    for (let i = 0; i < want.length; i++) expect(Math.abs(kept[i]! - want[i]!)).toBeLessThanOrEqual(1e-6)
  })

  it('a manual 2-token step on the cache returned by generate matches the reference full forward', async () => {
    const config = llamaConfigFromHf(JSON.parse(readFileSync(join(DEMO, 'config.json'), 'utf8')))
    const weights = llamaWeightsFromOnnx(config, readOnnxModel(new Uint8Array(readFileSync(join(DEMO, 'onnx/model.onnx')))).initializers)
    tok.padding_side = 'left'
    const batch = tok(['Fish swim in the', 'A week has seven'], { padding: true })
    const gen = await model.generate({ ...batch, max_new_tokens: 3, do_sample: false, return_dict_in_generate: true }) as unknown as {
      sequences: Tensor
      past_key_values: { get_seq_length(): number }
    }
    const seqs = (gen.sequences.tolist() as bigint[][]).map((r) => r.map(Number))
    const mask = (batch.attention_mask.tolist() as bigint[][]).map((r) => [...r.map(Number), 1, 1, 1])
    const T = seqs[0]!.length
    expect(gen.past_key_values.get_seq_length()).toBe(T - 1)
    // feed the last generated token plus an arbitrary one, so positions and the in-chunk causal mask matter
    const extra = [123, 321]
    const stepIds = seqs.map((r, b) => [r[T - 1]!, extra[b]!])
    const fullIds = seqs.map((r, b) => [...r, extra[b]!])
    const fullMask = mask.map((r) => [...r, 1])
    const step = await model({
      input_ids: new Tensor('int64', BigInt64Array.from(stepIds.flat().map(BigInt)), [2, 2]),
      attention_mask: new Tensor('int64', BigInt64Array.from(fullMask.flat().map(BigInt)), [2, T + 1]),
      past_key_values: gen.past_key_values,
    })
    expect(step.logits.dims).toEqual([2, 2, 512])
    const ref = llamaForward(config, weights, { inputIds: fullIds, attentionMask: fullMask })
    const got = step.logits.data as Float32Array
    for (let b = 0; b < 2; b++) {
      for (let s = 0; s < 2; s++) {
        for (let v = 0; v < 512; v++) {
          const want = ref.logits[(b * (T + 1) + T - 1 + s) * 512 + v]!
          expect(Math.abs(got[(b * 2 + s) * 512 + v]! - want)).toBeLessThanOrEqual(1e-4)
        }
      }
    }
  })

  it('greedy generate equals a naive argmax loop over full forwards (single and left-padded batch)', async () => {
    const prompts = ['The capital of France is', 'Question: What is 3 plus 4?\nAnswer:', '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n']
    const steps = 6
    const naive = async (ids: number[]) => {
      const seq = [...ids]
      for (let i = 0; i < steps; i++) {
        const input = new Tensor('int64', BigInt64Array.from(seq.map(BigInt)), [1, seq.length])
        const { logits } = await model({ input_ids: input, attention_mask: new Tensor('int64', new BigInt64Array(seq.length).fill(1n), [1, seq.length]) })
        const V = logits.dims[2] as number
        const last = (logits.data as Float32Array).subarray((seq.length - 1) * V, seq.length * V)
        let best = 0
        for (let v = 1; v < V; v++) if (last[v]! > last[best]!) best = v
        seq.push(best)
        if (best === tok.eos_token_id) break
      }
      return seq.slice(ids.length)
    }
    const expected: number[][] = []
    for (const p of prompts) {
      const enc = tok(p)
      const out = await model.generate({ ...enc, max_new_tokens: steps, do_sample: false }) as Tensor
      const ids = (out.tolist()[0] as bigint[]).map(Number)
      const promptIds = tok.encode(p)
      expect(ids.slice(0, promptIds.length)).toEqual(promptIds)
      const want = await naive(promptIds)
      expect(ids.slice(promptIds.length)).toEqual(want)
      expected.push(want)
    }
    tok.padding_side = 'left'
    const batch = tok(prompts, { padding: true })
    const out = await model.generate({ ...batch, max_new_tokens: steps, do_sample: false }) as Tensor
    const S = batch.input_ids.dims[1] as number
    const rowsOut = (out.tolist() as bigint[][]).map((r) => r.map(Number).slice(S))
    rowsOut.forEach((row, i) => expect(row.slice(0, expected[i]!.length)).toEqual(expected[i]))
  })
})
