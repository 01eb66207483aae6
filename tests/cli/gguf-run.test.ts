/**
 * Issue 6's acceptance on a real checkpoint: `evalz run --model stories260K.gguf --tasks
 * lambada_openai,arc_easy,hellaswag --data-dir ../shared/hf-data --limit 12 --log-samples` (a child process with a
 * cache of its own), then every logged request recomputed independently of evalz's scoring path: the context and
 * continuation tokenised by lm-eval's rules (lm-eval.md §5.1, written out here) with transformers.js's tokenizer
 * built from the GGUF's vocabulary, scored by the plain-TypeScript reference forward (float64 sums over the
 * float32 weights; no ONNX, no ORT), log-softmax over the whole vocabulary. Skipped when ../shared is absent.
 */
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { PreTrainedTokenizer } from '@huggingface/transformers'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bytesSource, readGgufModel } from '../../src/backends/gguf/gguf-model.ts'
import type { GgufModel } from '../../src/backends/gguf/gguf-model.ts'
import { llamaForward } from '../../src/backends/reference/llama-forward.ts'
import type { LlamaKvCache } from '../../src/backends/reference/llama-forward.ts'
import { parseSamples } from '../e2e/cli-reference.ts'
import { runEvalz } from './evalz-process.ts'
import type { EvalzResult } from './evalz-process.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const GGUF = resolve(ROOT, '../shared/models/stories260K/stories260K.gguf')
const HF_DATA = resolve(ROOT, '../shared/hf-data')
const PRESENT = existsSync(GGUF) && existsSync(HF_DATA)
const SKIP_NOTE = PRESENT ? '' : ` (skipped: ${existsSync(GGUF) ? HF_DATA : GGUF} is absent)`
/** sha256 of stories260K.gguf as ../shared/models/SOURCES.md lists it */
const GGUF_SHA256 = '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d'
const TASKS = ['lambada_openai', 'arc_easy', 'hellaswag']
const LIMIT = 12
/** relative log-likelihood tolerance: |Δll| ≤ REL·max(1, |ll|) */
const REL = 2e-3

/** One logged request: its strings, what evalz answered and the token ids it logged. */
interface LoggedRequest {
  /** '<task> doc <id> request <i>' */
  where: string
  /** arg_0 */
  context: string
  /** arg_1 */
  continuation: string
  /** resps[i][0][0] */
  ll: number
  /** resps[i][0][1] */
  isGreedy: boolean
  /** evalz_tokens[i], when logged */
  tokens?: { context: number[], continuation: number[] }
}

/** What the reference says about one request. */
interface Recomputed {
  /** sum of the continuation tokens' log-probabilities */
  ll: number
  /** every continuation token is the argmax (first maximum on ties) */
  isGreedy: boolean
  /** token ids */
  context: number[]
  /** token ids */
  continuation: number[]
}

// Python str.isspace() characters, for lm-eval's ctx.rstrip()
const PY_WHITESPACE = /[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/

describe.skipIf(!PRESENT)(`evalz run --model stories260K.gguf against an independent float32 forward${SKIP_NOTE}`, () => {
  let run: EvalzResult
  let model: GgufModel
  let tok: PreTrainedTokenizer
  let maxLength: number
  const pastByContext = new Map<string, LlamaKvCache>()

  beforeAll(async () => {
    run = await runEvalz(ROOT, { model: GGUF, tasks: TASKS, dataDir: HF_DATA, limit: LIMIT })
    model = await readGgufModel(bytesSource(new Uint8Array(readFileSync(GGUF))))
    tok = new PreTrainedTokenizer(model.tokenizer.tokenizerJson, model.tokenizer.tokenizerConfig)
    maxLength = (JSON.parse(run.resultsJson) as { max_length: number }).max_length
  }, 60_000)

  afterAll(async () => {
    await run?.dispose()
  })

  it('records the checkpoint it converted: kind, format and the sha256 of the .gguf file', () => {
    const results = JSON.parse(run.resultsJson) as { evalz: { model_origin: Record<string, unknown> } }
    const fileSha = createHash('sha256').update(readFileSync(GGUF)).digest('hex')
    expect(fileSha).toBe(GGUF_SHA256)
    expect(results.evalz.model_origin).toMatchObject({ kind: 'checkpoint', format: 'gguf', base_sha256: fileSha, weight_dtype: 'float32' })
    expect(results.evalz.model_origin.adapter_sha256).toBeUndefined()
    expect(maxLength).toBe(2048)
  })

  it('logs every request: 12 lambada, 4 choices × 12 arc_easy, 4 endings × 12 hellaswag', () => {
    const requests = TASKS.map((t) => loggedRequests(run, t).length)
    expect(requests).toEqual([LIMIT, 4 * LIMIT, 4 * LIMIT])
  })

  it('agrees with the reference on every log-likelihood (2e-3 relative), is_greedy and token ids', () => {
    const problems: string[] = []
    let checked = 0
    let worst = 0
    for (const task of TASKS) {
      for (const r of loggedRequests(run, task)) {
        const ref = recompute(r.context, r.continuation)
        checked++
        if (r.tokens && (!sameIds(r.tokens.context, ref.context) || !sameIds(r.tokens.continuation, ref.continuation))) {
          problems.push(`${r.where}: evalz tokens ${JSON.stringify(r.tokens)} vs ${JSON.stringify({ context: ref.context, continuation: ref.continuation })}`)
        }
        const rel = Math.abs(r.ll - ref.ll) / Math.max(1, Math.abs(ref.ll))
        worst = Math.max(worst, rel)
        if (!(rel <= REL)) problems.push(`${r.where}: ll ${r.ll} vs reference ${ref.ll}`)
        if (r.isGreedy !== ref.isGreedy) problems.push(`${r.where}: is_greedy ${r.isGreedy} vs reference ${ref.isGreedy}`)
      }
    }
    expect(problems).toEqual([])
    expect(checked).toBe(LIMIT * 9)
    // the comparison is far from its tolerance: float32 ORT against float64 sums differ in the last digits
    expect(worst).toBeLessThan(REL / 10)
  }, 60_000)

  it('the reference tells contexts apart and finds a greedy continuation greedy', () => {
    const [a, b] = loggedRequests(run, 'lambada_openai')
    const own = recompute(a!.context, a!.continuation)
    const swapped = recompute(b!.context, a!.continuation)
    expect(Math.abs(own.ll - swapped.ll)).toBeGreaterThan(REL * Math.max(1, Math.abs(own.ll)))
    expect(own.isGreedy).toBe(false)
    // the model's own next word after the context (greedy tokens up to the next word boundary) is greedy
    const ids = encode(a!.context)
    const word: number[] = []
    for (let i = 0; i < 6; i++) {
      const next = greedyNext([...ids, ...word])
      if (word.length > 0 && tok.decode([next], { skip_special_tokens: false }).startsWith(' ')) break
      word.push(next)
    }
    const text = tok.decode([...ids, ...word], { skip_special_tokens: true }).slice(tok.decode(ids, { skip_special_tokens: true }).length)
    const greedy = recompute(a!.context, text)
    expect(greedy.continuation).toEqual(word)
    expect(greedy.isGreedy).toBe(true)
  })

  /** The reference forward's KV cache after `ids`, computed once per distinct id list. */
  function contextCache(ids: readonly number[]): LlamaKvCache {
    const key = ids.join(',')
    let cache = pastByContext.get(key)
    if (cache === undefined) {
      cache = llamaForward(model.config, model.weights, { inputIds: [[...ids]], numLogitsToKeep: 1 }).present
      pastByContext.set(key, cache)
    }
    return cache
  }

  /** lm-eval's tok_encode: the tokenizer's own specials, none when the text starts with the decoded prefix token. */
  function encode(text: string): number[] {
    const prefix = tok.decode([prefixTokenId()], { skip_special_tokens: false })
    return tok.encode(text, { add_special_tokens: !(prefix !== '' && text.startsWith(prefix)) })
  }

  /** lm-eval's prefix_token_id: bos, else eos. */
  function prefixTokenId(): number {
    return tok.bos_token_id ?? tok.eos_token_id
  }

  /** lm-eval's _encode_pair plus the empty-context rule (§5.1). */
  function encodePair(context: string, continuation: string): { context: number[], continuation: number[] } {
    if (context === '') {
      const cont = tok.encode(continuation, { add_special_tokens: false })
      if (cont[0] === prefixTokenId()) return { context: cont.slice(0, 1), continuation: cont.slice(1) }
      return { context: [prefixTokenId()], continuation: cont }
    }
    const moved = PY_WHITESPACE.exec(context)?.[0] ?? ''
    const ctx = context.slice(0, context.length - moved.length)
    const whole = encode(ctx + moved + continuation)
    const ctxIds = encode(ctx)
    return { context: ctxIds, continuation: whole.slice(ctxIds.length) }
  }

  /** The reference's argmax next token after `ids`. */
  function greedyNext(ids: readonly number[]): number {
    const { logits } = llamaForward(model.config, model.weights, { inputIds: [[...ids]], numLogitsToKeep: 1 })
    let best = 0
    for (let v = 1; v < logits.length; v++) if (logits[v]! > logits[best]!) best = v
    return best
  }

  /** Scores one request like lm-eval's _loglikelihood_tokens (§5.2) with the reference forward. */
  function recompute(context: string, continuation: string): Recomputed {
    const pair = encodePair(context, continuation)
    const all = [...pair.context, ...pair.continuation]
    const n = pair.continuation.length
    const { logits, dims } = all.length <= maxLength + 1 && pair.context.length > 1
      // the context's keys and values once per distinct context (the choices of a question share it)
      ? llamaForward(model.config, model.weights, { inputIds: [all.slice(pair.context.length - 1, -1)], past: contextCache(pair.context.slice(0, -1)) })
      : llamaForward(model.config, model.weights, { inputIds: [all.slice(-(maxLength + 1)).slice(0, -1)], numLogitsToKeep: n })
    const vocab = dims[2]
    let ll = 0
    let isGreedy = true
    for (let i = 0; i < n; i++) {
      const row = logits.subarray(i * vocab, (i + 1) * vocab)
      let max = -Infinity
      let argmax = 0
      for (let v = 0; v < vocab; v++) {
        if (row[v]! > max) {
          max = row[v]!
          argmax = v
        }
      }
      let sum = 0
      for (let v = 0; v < vocab; v++) sum += Math.exp(row[v]! - max)
      const target = pair.continuation[i]!
      ll += row[target]! - max - Math.log(sum)
      if (argmax !== target) isGreedy = false
    }
    return { ll, isGreedy, context: pair.context, continuation: pair.continuation }
  }
})

/** Every request of a task's samples file, in doc and argument order. */
function loggedRequests(run: EvalzResult, task: string): LoggedRequest[] {
  const out: LoggedRequest[] = []
  for (const s of parseSamples(run.samplesJsonl[task]!)) {
    const line = s as unknown as {
      doc_id: number
      arguments: Record<string, { arg_0: string, arg_1: string }>
      resps: [string, string][][]
      evalz_tokens?: { context: number[], continuation: number[] }[]
    }
    line.resps.forEach((resp, i) => {
      const args = line.arguments[`gen_args_${i}`]!
      const [ll, greedy] = resp[0]!
      out.push({
        where: `${task} doc ${line.doc_id} request ${i}`,
        context: args.arg_0,
        continuation: args.arg_1,
        ll: Number(ll),
        isGreedy: greedy === 'True',
        ...(line.evalz_tokens?.[i] ? { tokens: line.evalz_tokens[i] } : {}),
      })
    })
  }
  return out
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}
