/**
 * ModelBackend over an OpenAI-compatible server, with lm-eval's `local-completions` request shapes
 * (tokenized_requests=True): evalz tokenises with the model's tokenizer, so contexts and continuations split as
 * in a local run, and sends token-id prompts.
 * - loglikelihood: POST /completions {prompt: [[ids]], echo: true, logprobs: 1, max_tokens: 1, temperature: 0};
 *   the prompt is (context + continuation)[-max_length:], the continuation's echoed log-probabilities are summed.
 * - loglikelihood_rolling: lm-eval's disjoint rolling windows with max_seq_len = max_length − 1, each scored so.
 * - generate_until: POST /completions {prompt: [[ids]], max_tokens: max_gen_toks, temperature, stop: until + EOS};
 *   the prompt is left-truncated to max_length − max_gen_toks.
 * `batchSize` prompts go in one request; requests run concurrently up to the client's limit.
 */
import type { BackendInfo, BatchOptions, BatchProgress, ChatMessage, ChatTemplateOptions, ModelBackend } from '../../core/backend.ts'
import { renderChatTemplate, selectChatTemplate } from '../transformers/chat-template.ts'
import type { ChatTokenizerLike } from '../transformers/chat-template.ts'
import { HarnessError } from '../../core/errors.ts'
import { checkBatchSize } from '../../core/backend.ts'
import type {
  GenerateRequest, GenerateResponse, LoglikelihoodRequest, LoglikelihoodResponse, RollingRequest, RollingResponse,
} from '../../core/requests.ts'
import { canonicalKey, chunk } from '../transformers/collator.ts'
import type { TokenPair } from '../transformers/collator.ts'
import { documentWindows } from '../transformers/rolling-windows.ts'
import { encodeLoglikelihoodPair, memoizedCodec } from '../transformers/tokenization.ts'
import type { TextCodec } from '../transformers/tokenization.ts'
import type { ApiClient } from './api-client.ts'
import { completionChoices, noPromptLogprobs, scorePromptPositions } from './completion-response.ts'
import type { PromptScore } from './completion-response.ts'

/** What the API backend needs. */
export interface ApiBackendOptions {
  /** the server */
  readonly client: ApiClient
  /** the served model name (`model` in every request) */
  readonly model: string
  /** the model's tokenizer with lm-eval's encode rules */
  readonly codec: TextCodec
  /** tokenizer EOS id; its decoded text is added to every `stop` list (lm-eval's handle_stop_sequences) */
  readonly eosTokenId: number | undefined
  /** reported as-is (name, version, device 'api', maxLength = the max_length used for truncation) */
  readonly info: BackendInfo
  /** `seed` sent with every request (lm-eval sends 1234) */
  readonly seed?: number
  /** the tokenizer's chat template, for --apply-chat-template (rendered here, sent as a completions prompt) */
  readonly chatTokenizer?: ChatTokenizerLike
}

/** One scoring prompt: token ids and the number of leading positions that are context. */
interface ScoringPrompt {
  /** token ids sent */
  readonly tokens: readonly number[]
  /** positions before the scored ones */
  readonly contextLength: number
}

/** lm-eval's batch_loglikelihood_requests: (ctx + cont)[-max_length:] and the context length left in it. */
export function scoringPrompt(pair: TokenPair, maxLength: number): ScoringPrompt {
  const whole = [...pair.context, ...pair.continuation]
  const cut = Math.max(0, whole.length - maxLength)
  return { tokens: whole.slice(cut), contextLength: pair.context.length - cut }
}

/** The ModelBackend. */
export function apiBackend(opts: ApiBackendOptions): ModelBackend {
  const { client, model, codec, info } = opts
  const maxLength = info.maxLength
  const seed = opts.seed ?? 1234
  const eosText = typeof opts.eosTokenId === 'number' ? codec.decode([opts.eosTokenId], false) : undefined
  const url = `${client.baseUrl}/completions`

  /** Scores prompts (deduplicated, `batchSize` per request, concurrently); answers in input order. */
  async function scorePrompts(
    prompts: readonly ScoringPrompt[],
    batchSize: number,
    signal: AbortSignal | undefined,
    onScored: (indices: readonly number[], score: PromptScore, tokens: number) => void,
  ): Promise<PromptScore[]> {
    const unique = new Map<string, number[]>()
    prompts.forEach((p, i) => {
      const key = `${p.contextLength}:${p.tokens.join(',')}`
      const same = unique.get(key)
      if (same) same.push(i)
      else unique.set(key, [i])
    })
    const results: PromptScore[] = new Array(prompts.length)
    const groups = [...unique.values()]
    await allOrNone(chunk(groups, batchSize), signal, async (part, signal) => {
      const body = {
        model, prompt: part.map(g => prompts[g[0]].tokens), temperature: 0, max_tokens: 1, logprobs: 1, echo: true, seed,
      }
      const choices = completionChoices(await client.postJson('/completions', body, signal), part.length, url)
      part.forEach((g, j) => {
        const p = prompts[g[0]]
        const score = scorePromptPositions(choices[j], p.tokens.length, p.contextLength)
        if (score === undefined) throw noPromptLogprobs(client.baseUrl, model)
        for (const i of g) results[i] = score
        onScored(g, score, p.tokens.length)
      })
    })
    return results
  }

  const tok = opts.chatTokenizer
  return {
    info,
    ...(tok && {
      chatTemplate: (name?: string) => selectChatTemplate(tok, name, info.model),
      applyChatTemplate: (messages: readonly ChatMessage[], o: ChatTemplateOptions) => renderChatTemplate(tok, messages, o, info.model),
    }),
    async loglikelihood(reqs: readonly LoglikelihoodRequest[], o: BatchOptions<LoglikelihoodResponse>): Promise<LoglikelihoodResponse[]> {
      checkBatchSize(o.batchSize)
      const memo = memoizedCodec(codec)
      const pairs = reqs.map(r => encodeLoglikelihoodPair(memo, r.context, r.continuation))
      const prompts = pairs.map((p, i) => {
        const prompt = scoringPrompt(p, maxLength)
        if (p.continuation.length === 0 || prompt.contextLength <= 0) {
          const why = p.continuation.length === 0
            ? 'the continuation encodes to zero tokens (a token spans the context/continuation boundary)'
            : `the continuation has ${p.continuation.length} tokens, more than max length ${maxLength} leaves after one context token`
          throw new HarnessError('BACKEND_ERROR', `loglikelihood request ${i} cannot be scored: ${why}`, { index: i, continuation: reqs[i].continuation })
        }
        return prompt
      })
      const respond = (s: PromptScore, i: number): LoglikelihoodResponse => ({
        logprob: s.logprob, isGreedy: s.isGreedy, contextTokens: pairs[i].context, continuationTokens: pairs[i].continuation,
      })
      const tracker = progressTracker(reqs.length, o.onProgress)
      const scores = await scorePrompts(prompts, o.batchSize, o.signal, (indices, s, tokens) => {
        for (const i of indices) o.onResult?.(i, respond(s, i))
        tracker.add(indices.length, tokens)
      })
      return scores.map(respond)
    },

    async loglikelihoodRolling(reqs: readonly RollingRequest[], o: BatchOptions<RollingResponse>): Promise<RollingResponse[]> {
      checkBatchSize(o.batchSize)
      const docs = reqs.map(r => codec.encode(r.text))
      const windows = docs.flatMap((tokens, doc) =>
        documentWindows(tokens, codec.prefixTokenId, maxLength - 1).map(w => ({ doc, prompt: { tokens: [...w.context, ...w.continuation], contextLength: w.context.length } })))
      const counts = docs.map(() => 0)
      for (const w of windows) counts[w.doc]++
      const left = [...counts]
      const sums = docs.map(() => 0)
      const tracker = progressTracker(reqs.length, o.onProgress)
      const finish = (d: number) => {
        o.onResult?.(d, { logprob: sums[d], tokens: docs[d], windows: counts[d] })
        tracker.add(1, 0)
      }
      docs.forEach((_, d) => left[d] === 0 && finish(d))
      await scorePrompts(windows.map(w => w.prompt), o.batchSize, o.signal, (indices, s, tokens) => {
        for (const i of indices) {
          const d = windows[i].doc
          sums[d] += s.logprob
          if (--left[d] === 0) finish(d)
        }
        tracker.add(0, tokens)
      })
      return docs.map((tokens, d) => ({ logprob: sums[d], tokens, windows: counts[d] }))
    },

    async generateUntil(reqs: readonly GenerateRequest[], o: BatchOptions<GenerateResponse>): Promise<GenerateResponse[]> {
      checkBatchSize(o.batchSize)
      const results: GenerateResponse[] = new Array(reqs.length)
      const tracker = progressTracker(reqs.length, o.onProgress)
      // lm-eval's Collator groups by identical generation kwargs; each group shares one request payload
      const groups = new Map<string, number[]>()
      reqs.forEach((r, i) => {
        const key = canonicalKey(r.gen)
        const g = groups.get(key)
        if (g) g.push(i)
        else groups.set(key, [i])
      })
      const jobs = [...groups.values()].flatMap(members => chunk(members, o.batchSize))
      await allOrNone(jobs, o.signal, async (part, signal) => {
        const { until, max_gen_toks: maxGen, do_sample: _sample, temperature, ...rest } = reqs[part[0]].gen
        const stop = [...until]
        if (eosText !== undefined && eosText !== '' && !stop.includes(eosText)) stop.push(eosText)
        const maxCtx = maxLength - maxGen
        if (!(maxCtx > 0)) {
          throw new HarnessError('BACKEND_ERROR', `max_gen_toks ${maxGen} leaves no room for a prompt within max length ${maxLength}`, { maxGenToks: maxGen, maxLength })
        }
        const prompts = part.map((i) => {
          const ids = codec.encode(reqs[i].context)
          return ids.length === 0 ? [codec.prefixTokenId] : ids.slice(-maxCtx)
        })
        const body = { ...rest, model, prompt: prompts, max_tokens: maxGen, temperature: temperature ?? 0, stop, seed }
        const choices = completionChoices(await client.postJson('/completions', body, signal), part.length, url)
        part.forEach((i, j) => {
          // servers apply `stop`; cutting again keeps a server that ignores it from changing the text
          let text = choices[j].text
          for (const s of stop) if (s !== '') text = text.split(s)[0]
          results[i] = { text, contextTokens: prompts[j], generatedTokens: [] }
          o.onResult?.(i, results[i])
        })
        tracker.add(part.length, prompts.reduce((n, p) => n + p.length, 0))
      })
      return results
    },

    async dispose() {
      // nothing held: the server keeps the model
    },
  }
}

/**
 * Asks the server whether it returns prompt log-probabilities (one tiny echo request); false for a server
 * that answers without them, e.g. llama-server. Other failures (unreachable, wrong model name) throw.
 */
export async function supportsPromptLogprobs(client: ApiClient, model: string, probe: readonly number[]): Promise<boolean> {
  const body = { model, prompt: [probe], temperature: 0, max_tokens: 1, logprobs: 1, echo: true }
  const choices = completionChoices(await client.postJson('/completions', body), 1, `${client.baseUrl}/completions`)
  return scorePromptPositions(choices[0], probe.length, 1) !== undefined
}

/** Runs every job concurrently; the first failure cancels the requests still in flight and is rethrown. */
async function allOrNone<T>(jobs: readonly T[], outer: AbortSignal | undefined, run: (job: T, signal: AbortSignal) => Promise<void>): Promise<void> {
  const stop = new AbortController()
  const signal = outer ? AbortSignal.any([outer, stop.signal]) : stop.signal
  await Promise.all(jobs.map(job => run(job, signal).catch((e: unknown) => {
    stop.abort()
    throw e
  })))
}

function progressTracker(total: number, onProgress: ((p: BatchProgress) => void) | undefined) {
  let done = 0
  let tokens = 0
  return {
    add(answered: number, fed: number) {
      done += answered
      tokens += fed
      onProgress?.({ done, total, tokens })
    },
  }
}

