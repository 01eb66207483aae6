/**
 * ModelBackend over transformers.js: lm-eval's HFLM rules (lm-eval.md §5) on ONNX decoder models.
 */
import { AutoModelForCausalLM, AutoTokenizer, ModelFileNotFoundError } from '@huggingface/transformers'
import type { BackendInfo, BatchOptions, BatchProgress, ModelBackend } from '../../core/backend.ts'
import { HarnessError } from '../../core/errors.ts'
import { checkBatchSize } from '../../core/backend.ts'
import type {
  GenerateRequest, GenerateResponse, LoglikelihoodRequest, LoglikelihoodResponse, RollingRequest, RollingResponse,
} from '../../core/requests.ts'
import { canonicalKey, chunk, planGenerationBatches } from './collator.ts'
import type { TokenPair } from './collator.ts'
import type { CausalLm } from './causal-lm.ts'
import { yieldToEventLoop } from './causal-lm.ts'
import { finishGeneratedText, generateGreedy } from './generation.ts'
import { modelSourceSettings, transformersVersion } from './init.ts'
import { scoreTokenPairs, unscorableReason } from './loglikelihood.ts'
import type { PairScore } from './loglikelihood.ts'
import { eosTokenIds, onnxSuffix, resolveMaxLength } from './model-limits.ts'
import { localModelDir, openLocalFile, runningInNode, stoppingLingeringReads } from './node-files.ts'
import { countOnnxParameters } from './onnx-params.ts'
import { documentWindows } from './rolling-windows.ts'
import { encodeLoglikelihoodPair, encodeTail, makeTextCodec, memoizedCodec } from './tokenization.ts'
import type { TextCodec } from './tokenization.ts'
import { causalLmFromModel } from './transformers-lm.ts'
import { piecewiseTokenizer } from './piecewise-bpe.ts'
import { renderChatTemplate, selectChatTemplate } from './chat-template.ts'
import type { ChatTokenizerLike } from './chat-template.ts'
import { endOfTurnIds, streamGeneration } from './stream-generation.ts'

type ModelDtype = NonNullable<Parameters<typeof AutoModelForCausalLM.from_pretrained>[1]>['dtype']

/** How to load a model with transformers.js. */
export interface TransformersBackendOptions {
  /** a local directory (Node: path; browser: id served via customCache) or a Hub id */
  readonly model: string
  /** separate tokenizer directory or id (defaults to `model`) */
  readonly tokenizer?: string
  /** execution device */
  readonly device: 'cpu' | 'wasm' | 'webgpu'
  /** weights dtype, selects onnx/model{suffix}.onnx (default 'fp32') */
  readonly dtype?: string
  /** maximum sequence length in tokens (default: from the config, §5.2) */
  readonly maxLength?: number
  /** undefined = tokenizer default specials (lm-eval ≥ 0.4.10); true/false forces add_special_tokens */
  readonly addBosToken?: boolean
  /** token for empty contexts and the first rolling window (default bos, else eos) */
  readonly prefixTokenId?: number
  /** sha256 (hex) of the weights, computed by the caller, reported in info */
  readonly modelSha256?: string
  /** run shared context prefixes once and score continuations from their KV cache (default true) */
  readonly sharePrefixes?: boolean
  /** onnxruntime intra-op threads (Node); undefined = onnxruntime's default (all cores) */
  readonly threads?: number
  /**
   * compute the requested tokens' log-softmax and the argmax in a small graph on the model's onnxruntime
   * (score-graph.ts) instead of JavaScript loops over the logits (default true; same numbers on cpu and wasm)
   */
  readonly scoreOnDevice?: boolean
  /** file download/read progress in bytes */
  readonly onLoadProgress?: (p: { file: string; loaded: number; total: number }) => void
}

/** Loads tokenizer and model and returns the backend. Call configureTransformers first. */
export async function loadTransformersBackend(opts: TransformersBackendOptions): Promise<ModelBackend> {
  return makeBackend(await loadTransformersParts(opts))
}

/** Loads tokenizer and model and returns the parts a backend (or `evalz serve`) is made of. */
export async function loadTransformersParts(opts: TransformersBackendOptions): Promise<BackendParts> {
  const dtype = opts.dtype ?? 'fp32'
  const modelId = await resolveSource(opts.model, 'model')
  const tokenizerId = opts.tokenizer === undefined ? modelId : await resolveSource(opts.tokenizer, 'tokenizer')
  const progress_callback = (p: { status: string; file?: string; loaded?: number; total?: number }) => {
    if (p.status === 'progress' && p.file !== undefined) opts.onLoadProgress?.({ file: p.file, loaded: p.loaded ?? 0, total: p.total ?? 0 })
  }
  const tokenizer = await loadPart(tokenizerId, 'tokenizer', () => AutoTokenizer.from_pretrained(tokenizerId, { progress_callback }))
  const model = await loadPart(modelId, 'model', () =>
    AutoModelForCausalLM.from_pretrained(modelId, {
      device: opts.device, dtype: dtype as ModelDtype, progress_callback,
      ...(opts.threads === undefined ? {} : { session_options: threadOptions(opts.threads) }),
    }))

  const config = model.config as unknown as Record<string, unknown>
  const maxLength = opts.maxLength ?? resolveMaxLength(config, tokenizer.model_max_length as number | undefined)
  const prefixTokenId = opts.prefixTokenId ?? tokenizer.bos_token_id ?? tokenizer.eos_token_id
  if (typeof prefixTokenId !== 'number') {
    throw new HarnessError('MODEL_INVALID', `tokenizer ${tokenizerId} has neither a BOS nor an EOS token; pass a prefix token id`, { tokenizer: tokenizerId })
  }
  // lm-eval's configure_pad_token: the tokenizer's pad, else unk, else eos (transformers.js falls back to eos only)
  const hasOwnPad = (tokenizer.config as Record<string, unknown>)['pad_token'] != null
  const padToken = hasOwnPad
    ? tokenPair(tokenizer.pad_token, tokenizer.pad_token_id)
    : tokenPair(tokenizer.unk_token, tokenizer.unk_token_id) ?? tokenPair(tokenizer.eos_token, tokenizer.eos_token_id)
  const padTokenId = padToken?.[1] ?? 0
  const vocabSize = Number((config['text_config'] as Record<string, unknown> | undefined)?.['vocab_size'] ?? config['vocab_size'] ?? 0)
  const lm = causalLmFromModel(model, padTokenId, vocabSize, {
    device: opts.device, scoreOnDevice: opts.scoreOnDevice, sessionOptions: threadOptions(opts.threads),
  })
  // whole-text BPE tokenizers (Llama-2 style) encode long prompts piecewise, exactly (piecewise-bpe.ts)
  const codec = makeTextCodec(piecewiseTokenizer(tokenizer), { addBosToken: opts.addBosToken, prefixTokenId })
  const info: BackendInfo = {
    name: 'transformers.js',
    version: transformersVersion(),
    model: opts.model,
    modelSha256: opts.modelSha256,
    numParameters: await countParameters(modelId, dtype),
    device: opts.device,
    dtype,
    maxLength,
    bosToken: tokenPair(tokenizer.bos_token, tokenizer.bos_token_id),
    eosToken: tokenPair(tokenizer.eos_token, tokenizer.eos_token_id),
    padToken,
    prefixTokenId,
  }
  const generationConfig = model.generation_config as unknown as Record<string, unknown> | null
  const stopIds = eosTokenIds(tokenizer.eos_token_id, generationConfig?.['eos_token_id'] ?? config['eos_token_id'])
  return {
    info, lm, codec, eosTokenId: tokenizer.eos_token_id, stopIds, padTokenId, chatTokenizer: tokenizer as unknown as ChatTokenizerLike,
    endOfTurnIds: endOfTurnIds(tokenizer), sharePrefixes: opts.sharePrefixes,
  }
}

/** onnxruntime session options for `threads` intra-op threads (none when undefined). */
function threadOptions(threads: number | undefined): Record<string, unknown> {
  return threads === undefined ? {} : { intraOpNumThreads: threads, interOpNumThreads: 1 }
}

/** What makeBackend assembles. */
export interface BackendParts {
  /** reported as-is */
  readonly info: BackendInfo
  /** the model */
  readonly lm: CausalLm
  /** tokenizer with lm-eval's encode rules */
  readonly codec: TextCodec
  /** tokenizer EOS id; its decoded text is appended to every `until` */
  readonly eosTokenId: number | undefined
  /** ids that end a generated row */
  readonly stopIds: ReadonlySet<number>
  /** id used for left padding and for rows that stopped */
  readonly padTokenId: number
  /** tokenizer whose chat template renders chat prompts; undefined = no chat support */
  readonly chatTokenizer?: ChatTokenizerLike
  /** special-token ids that end a chat turn (stream-generation.ts); default none */
  readonly endOfTurnIds?: ReadonlySet<number>
  /** share context prefixes through the KV cache when the model can (default true) */
  readonly sharePrefixes?: boolean
}

/** The ModelBackend over a CausalLm and a codec (exported for tests with other models). */
export function makeBackend({
  info, lm, codec, eosTokenId, stopIds, padTokenId, chatTokenizer, endOfTurnIds: eot, sharePrefixes,
}: BackendParts): ModelBackend {
  const maxLength = info.maxLength
  const eosText = typeof eosTokenId === 'number' ? codec.decode([eosTokenId], false) : undefined
  const chat = chatTokenizer && {
    chatTemplate: (name?: string) => selectChatTemplate(chatTokenizer, name, info.model),
    applyChatTemplate: (messages: Parameters<typeof renderChatTemplate>[1], opts: Parameters<typeof renderChatTemplate>[2]) =>
      renderChatTemplate(chatTokenizer, messages, opts, info.model),
  }
  return {
    info,
    ...chat,
    streamGenerate: (req, opts) =>
      streamGeneration({ lm, codec, stopIds, eosText, endOfTurnIds: eot ?? new Set(), maxLength }, req, opts),
    async loglikelihood(reqs: readonly LoglikelihoodRequest[], opts: BatchOptions): Promise<LoglikelihoodResponse[]> {
      checkBatchSize(opts.batchSize)
      const memo = memoizedCodec(codec)
      const pairs = reqs.map((r) => encodeLoglikelihoodPair(memo, r.context, r.continuation, maxLength))
      pairs.forEach((p, i) => checkScorable(p, maxLength, i, reqs[i]))
      const tracker = progressTracker(reqs.length, opts.onProgress)
      const respond = (s: PairScore, i: number): LoglikelihoodResponse => ({
        logprob: s.logprob, isGreedy: s.isGreedy, contextTokens: pairs[i].context, continuationTokens: pairs[i].continuation,
      })
      const scores = await scoreTokenPairs(lm, pairs, maxLength, {
        batchSize: opts.batchSize, signal: opts.signal, onForward: tracker.add, sharePrefixes,
        onScored: opts.onResult && ((i, s) => opts.onResult!(i, respond(s, i))),
      })
      return scores.map(respond)
    },

    async loglikelihoodRolling(reqs: readonly RollingRequest[], opts: BatchOptions): Promise<RollingResponse[]> {
      checkBatchSize(opts.batchSize)
      const docs = reqs.map((r) => codec.encode(r.text))
      const windows = docs.flatMap((tokens, doc) =>
        documentWindows(tokens, codec.prefixTokenId, maxLength).map((w) => ({ doc, pair: w as TokenPair })))
      const lastWindow = new Map<number, number>()
      windows.forEach((w, i) => lastWindow.set(w.doc, i))
      const sums = docs.map(() => 0)
      const counts = docs.map(() => 0)
      const tracker = progressTracker(reqs.length, opts.onProgress)
      let docsDone = docs.filter((_, d) => !lastWindow.has(d)).length
      let seen = 0
      // lm-eval scores each run of batch_size windows (across documents, in order) as one call
      for (const part of chunk(windows, opts.batchSize)) {
        const scores = await scoreTokenPairs(lm, part.map((w) => w.pair), maxLength, {
          batchSize: part.length, signal: opts.signal, onForward: (_, t) => tracker.add(0, t),
        })
        scores.forEach((s, j) => {
          const d = part[j].doc
          sums[d] += s.logprob
          counts[d] += 1
          if (lastWindow.get(d) === seen + j) {
            docsDone += 1
            opts.onResult?.(d, { logprob: sums[d], tokens: docs[d], windows: counts[d] })
          }
        })
        seen += part.length
        if (docsDone > tracker.done) tracker.add(docsDone - tracker.done, 0)
        if (opts.onResult) await yieldToEventLoop()
      }
      if (tracker.done < docs.length) tracker.add(docs.length - tracker.done, 0)
      return docs.map((tokens, d) => ({ logprob: sums[d], tokens, windows: counts[d] }))
    },

    async generateUntil(reqs: readonly GenerateRequest[], opts: BatchOptions): Promise<GenerateResponse[]> {
      checkBatchSize(opts.batchSize)
      // a context far longer than the window is tokenised from its tail (only its last maxLength tokens are fed)
      const encoded = reqs.map((r) => encodeTail(codec.encode, r.context, maxLength).tokens)
      const plan = planGenerationBatches(
        reqs.map((r, i) => ({ tokenCount: encoded[i].length, context: r.context, genKey: canonicalKey(r.gen) })),
        opts.batchSize,
      )
      const results: GenerateResponse[] = new Array(reqs.length)
      const tracker = progressTracker(reqs.length, opts.onProgress)
      for (const batch of plan) {
        const gen = reqs[batch[0]].gen
        const until = [...gen.until]
        if (eosText !== undefined && !until.includes(eosText)) until.push(eosText)
        const maxNew = gen.max_gen_toks
        const maxCtx = maxLength - maxNew
        if (!(maxCtx > 0)) {
          throw new HarnessError('BACKEND_ERROR', `max_gen_toks ${maxNew} leaves no room for a prompt within max length ${maxLength}`, {
            maxGenToks: maxNew, maxLength,
          })
        }
        // An empty prompt cannot be fed to the model; it gets the prefix token (lm-eval would fail).
        const prompts = batch.map((i) => (encoded[i].length === 0 ? [codec.prefixTokenId] : encoded[i].slice(-maxCtx)))
        const generated = await generateGreedy(lm, codec, { prompts, until, maxNewTokens: maxNew }, {
          eosTokenIds: stopIds,
          padTokenId,
          signal: opts.signal,
          onForward: (t) => tracker.add(0, t),
        })
        batch.forEach((i, j) => {
          results[i] = { text: finishGeneratedText(codec, generated[j], until), contextTokens: prompts[j], generatedTokens: generated[j] }
          opts.onResult?.(i, results[i])
        })
        tracker.add(batch.length, 0)
        if (opts.onResult) await yieldToEventLoop()
      }
      return results
    },

    async dispose() {
      await lm.dispose()
    },
  }
}

/** Counts answered requests and fed tokens of one call and reports them after each forward. */
function progressTracker(total: number, onProgress: ((p: BatchProgress) => void) | undefined) {
  const t = {
    done: 0,
    tokens: 0,
    /** adds answered requests and fed tokens, then reports */
    add(answered: number, fed: number) {
      t.done += answered
      t.tokens += fed
      onProgress?.({ done: t.done, total, tokens: t.tokens })
    },
  }
  return t
}


function checkScorable(pair: TokenPair, maxLength: number, index: number, req: LoglikelihoodRequest): void {
  const why = unscorableReason(pair, maxLength)
  if (why) {
    throw new HarnessError('BACKEND_ERROR', `loglikelihood request ${index} cannot be scored: ${why}`, {
      index, context: req.context.slice(-200), continuation: req.continuation,
    })
  }
}

function tokenPair(token: string | undefined | null, id: number | undefined | null): readonly [string, number] | undefined {
  return typeof token === 'string' && typeof id === 'number' ? [token, id] : undefined
}

/**
 * Node: a local directory (relative to the working directory, else under the configured local model
 * path) becomes an absolute path (the recipe in init.ts); anything else is a Hub id, which needs remote
 * access. Browsers pass ids through (served by the custom cache, local model path or Hub).
 */
async function resolveSource(source: string, what: string): Promise<string> {
  if (!runningInNode()) return source
  const settings = modelSourceSettings()
  const dir = (await localModelDir(source)) ?? (await localModelDir(`${settings.localModelPath.replace(/[\\/]+$/, '')}/${source}`))
  if (dir !== undefined) return dir
  if (!settings.allowRemote) {
    throw new HarnessError('MODEL_NOT_FOUND', `${what} ${source} is not a local directory and Hub downloads are off; pass an existing model directory`, {
      [what]: source,
    })
  }
  return source
}

async function loadPart<T>(id: string, what: string, load: () => Promise<T>): Promise<T> {
  try {
    return await stoppingLingeringReads([await localModelDir(id), modelSourceSettings().cacheDir], load)
  } catch (e) {
    const text = e instanceof Error ? e.message : String(e)
    if (e instanceof ModelFileNotFoundError || /not found|no such file|ENOENT|Could not locate/i.test(text)) {
      throw new HarnessError('MODEL_NOT_FOUND', `${what} files missing for ${id}: ${text}`, { [what]: id })
    }
    if (/Unsupported device|not support/i.test(text)) throw new HarnessError('USAGE', `cannot load ${what} ${id}: ${text}`, { [what]: id })
    if (/webgpu|adapter|execution provider|backend/i.test(text)) {
      throw new HarnessError('BACKEND_ERROR', `the runtime could not start for ${what} ${id}: ${text}`, { [what]: id })
    }
    throw new HarnessError('MODEL_INVALID', `could not load ${what} ${id}: ${text}`, { [what]: id })
  }
}

/** Float initializer elements of a local fp32/fp16 ONNX file, else undefined. */
async function countParameters(modelId: string, dtype: string): Promise<number | undefined> {
  const suffix = onnxSuffix(dtype)
  if (suffix === undefined || (dtype !== 'fp32' && dtype !== 'fp16')) return undefined
  const file = await openLocalFile(`${modelId}/onnx/model${suffix}.onnx`)
  if (!file) return undefined
  try {
    return await countOnnxParameters(file)
  } catch {
    return undefined
  } finally {
    await file.close()
  }
}
