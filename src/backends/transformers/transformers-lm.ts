/**
 * CausalLm over a transformers.js decoder model: left-padded forwards (position_ids come from the mask,
 * browser-stack.md §1.6), `num_logits_to_keep` when the graph has it, and a KV-cached decode session (§1.7).
 */
import { DynamicCache, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import { HarnessError } from '../../core/errors.ts'
import type { CausalLm, DecodeSession, DeviceScores, LogitsBlock, PrefixCache, TokenTargets } from './causal-lm.ts'
import { deviceScorer } from './device-scorer.ts'
import type { DeviceScorer } from './device-scorer.ts'
import { gpuLogits } from './gpu-logits.ts'

type Outputs = Record<string, Tensor>

/**
 * Devices whose onnxruntime runs the scoring graph (score-graph.ts): cpu in float64 (the JavaScript loop's numbers)
 * and WebGPU in float32 (torch's log_softmax precision) on GPU-resident logits. In headless Chromium the float64
 * graph did not load in onnxruntime-web's wasm build, so wasm keeps the JavaScript loop.
 */
const SCORED_DEVICES = new Set(['cpu', 'webgpu'])

/** Padded widths on WebGPU are multiples of this many positions. */
export const WEBGPU_PAD_MULTIPLE = 16

/** How causalLmFromModel scores. */
export interface CausalLmOptions {
  /** the model's device (cpu, wasm, webgpu) */
  readonly device?: string
  /** score requested tokens with the scoring graph on the model's onnxruntime (default true) */
  readonly scoreOnDevice?: boolean
  /** onnxruntime session options for the scoring graph (threads) */
  readonly sessionOptions?: Record<string, unknown>
}

/** Wraps a loaded decoder-only model; `padTokenId` fills left padding (masked out). */
export function causalLmFromModel(model: PreTrainedModel, padTokenId: number, vocabSize: number, options: CausalLmOptions = {}): CausalLm {
  const device = options.device ?? 'cpu'
  const session = model.sessions['model'] ?? model.sessions['decoder_model_merged']
  const inputNames: string[] = session?.inputNames ?? []
  const hasKeep = inputNames.includes('num_logits_to_keep')
  const hasCache = inputNames.some((n) => n.startsWith('past_'))
  // WebGPU compiles shaders per input shape: round padded widths so that few distinct shapes occur
  const padMultiple = device === 'webgpu' ? WEBGPU_PAD_MULTIPLE : 1
  // float64 normaliser where the device has it (the JavaScript path's numbers), float32 on WebGPU
  const scorer: DeviceScorer | undefined = session && options.scoreOnDevice !== false && SCORED_DEVICES.has(device)
    ? deviceScorer(session, [device], device === 'webgpu' ? 'float' : 'double', options.sessionOptions)
    : undefined

  /** Lends the logits (or, with targets and a scorer, their scores) to `use`, then frees them. */
  async function lend<T>(logits: Tensor, use: (b: LogitsBlock) => T, targets: TokenTargets | undefined): Promise<T> {
    if (targets && scorer) {
      let scored: DeviceScores | undefined
      try {
        scored = await scorer.score(logits, targets)
      } catch (e) {
        logits.dispose()
        throw new HarnessError('BACKEND_ERROR', `scoring the logits failed: ${errorText(e)}`, { cause: errorText(e) })
      }
      if (scored) {
        const [batch, rows, vocab] = logits.dims
        logits.dispose()
        return use({ scored, batch, rows, vocab })
      }
    }
    return lendLogits(logits.location === 'gpu-buffer' ? await downloaded(logits) : logits, use)
  }

  // WebGPU: logits into a GPU buffer the scoring graph reads in place (gpu-logits.ts)
  const gpu = scorer && device === 'webgpu' && session ? gpuLogits(session) : undefined

  /**
   * One forward. `scoredPositions` (the logits' positions) says the caller has targets for a scorer: on WebGPU the
   * logits then stay on the GPU.
   */
  async function run(feeds: Record<string, unknown>, scoredPositions?: number, logitsOnly = false): Promise<Outputs> {
    try {
      if (gpu && scoredPositions !== undefined) {
        const batch = (feeds['input_ids'] as Tensor).dims[0]
        const onGpu = await gpu.around(batch, scoredPositions, () => model.forward(feeds) as Promise<Outputs>)
        if (onGpu) return onGpu
      }
      if (logitsOnly && device === 'cpu' && session) return await fetchingLogitsOnly(session, () => model.forward(feeds) as Promise<Outputs>)
      const out = (await model.forward(feeds)) as Outputs
      if (out.logits) gpu?.learn(out.logits)
      return out
    } catch (e) {
      throw new HarnessError('BACKEND_ERROR', `transformers.js forward pass failed: ${errorText(e)}`, { cause: errorText(e) })
    }
  }

  function keepFeed(keep: number): Record<string, Tensor> {
    return hasKeep ? { num_logits_to_keep: new Tensor('int64', BigInt64Array.of(BigInt(keep)), []) } : {}
  }

  async function forwardRows<T>(rows: readonly (readonly number[])[], keep: number, use: (b: LogitsBlock) => T,
    targets?: TokenTargets, logitsOnly = false): Promise<{ value: T; past: Outputs; mask: BigInt64Array; width: number }> {
    const { ids, mask, width } = leftPad(rows, padTokenId, padMultiple)
    const b = rows.length
    const out = await run({
      input_ids: new Tensor('int64', ids, [b, width]),
      attention_mask: new Tensor('int64', mask, [b, width]),
      ...keepFeed(Math.min(keep, width)),
    }, targets && (hasKeep ? Math.min(keep, width) : width), logitsOnly)
    const past = presentToPast(out)
    const value = await lend(out.logits, use, targets)
    return { value, past, mask, width }
  }

  /**
   * Prefix KV caches are held on the CPU and copied per continuing row. On WebGPU the prefix pass's cache is read
   * back once and each suffix batch uploads its rows' copies (onnxruntime takes CPU inputs on any device); suffix
   * widths are rounded like every other width there, so shapes stay few.
   */
  const sharing: Pick<CausalLm, 'prefill' | 'forwardAfter'> = {
    async prefill(rows) {
      const r = await forwardRows(rows, 1, () => undefined)
      let past = r.past
      if (Object.values(past).some((t) => t.location === 'gpu-buffer')) past = await downloadedAll(past)
      if (Object.values(past).some((t) => !(t.location === undefined || t.location === 'cpu'))) {
        disposeAll(past)
        throw new HarnessError('BACKEND_ERROR', 'the KV cache is neither on the CPU nor in a GPU buffer; prefix sharing cannot copy it', { device })
      }
      return heldPrefix(past, r.mask, r.width, rows.length)
    },
    async forwardAfter(cache, from, rows, keep, use, targets) {
      const held = prefixes.get(cache)
      if (!held) throw new RangeError('prefix cache unknown or already disposed')
      const { ids, mask: suffixMask, width } = leftPad(rows, padTokenId, padMultiple)
      const b = rows.length
      const total = held.width + width
      const mask = new BigInt64Array(b * total)
      from.forEach((f, i) => {
        mask.set(held.mask.subarray(f * held.width, (f + 1) * held.width), i * total)
        mask.set(suffixMask.subarray(i * width, (i + 1) * width), i * total + held.width)
      })
      const past = gatherRows(held.past, from)
      let out: Outputs
      try {
        out = await run({
          input_ids: new Tensor('int64', ids, [b, width]),
          attention_mask: new Tensor('int64', mask, [b, total]),
          past_key_values: new DynamicCache(past),
          ...keepFeed(Math.min(keep, width)),
        }, targets && (hasKeep ? Math.min(keep, width) : width), true)
      } finally {
        disposeAll(past)
      }
      disposeAll(presentToPast(out))
      return lend(out.logits, use, targets)
    },
  }
  const prefixes = new WeakMap<PrefixCache, { past: Outputs; mask: BigInt64Array; width: number }>()
  function heldPrefix(past: Outputs, mask: BigInt64Array, width: number, rows: number): PrefixCache {
    const cache: PrefixCache = {
      rows,
      width,
      dispose() {
        const held = prefixes.get(cache)
        if (held) disposeAll(held.past)
        prefixes.delete(cache)
      },
    }
    prefixes.set(cache, { past, mask, width })
    return cache
  }

  return {
    vocabSize,
    keepsOnlyRequested: hasKeep,
    padMultiple,
    argmaxOnDevice: scorer !== undefined && device === 'webgpu',
    ...(hasCache ? sharing : {}),
    async forward(rows, keep, use, targets) {
      const r = await forwardRows(rows, keep, use, targets, true)
      disposeAll(r.past)
      return r.value
    },
    async startDecode(rows, use, targets) {
      const first = await forwardRows(rows, 1, use, targets)
      if (!hasCache) {
        disposeAll(first.past)
        return { session: recomputingSession(rows), value: first.value }
      }
      return { session: cachedSession(rows.length, first.past, first.mask, first.width), value: first.value }
    },
    async dispose() {
      await scorer?.dispose()
      await model.dispose()
    },
  }

  /** Decode session feeding one token per row against the KV cache. */
  function cachedSession(batch: number, past: Outputs, prefillMask: BigInt64Array, width: number): DecodeSession {
    let cache = past
    let mask = prefillMask
    let len = width
    return {
      async step(tokens, use, targets) {
        const next = new BigInt64Array(batch * (len + 1))
        for (let b = 0; b < batch; b++) {
          next.set(mask.subarray(b * len, (b + 1) * len), b * (len + 1))
          next[b * (len + 1) + len] = 1n
        }
        mask = next
        len += 1
        const out = await run({
          input_ids: new Tensor('int64', BigInt64Array.from(tokens, (t) => BigInt(t)), [batch, 1]),
          attention_mask: new Tensor('int64', mask, [batch, len]),
          past_key_values: new DynamicCache(cache),
          ...keepFeed(1),
        }, targets && 1)
        disposeAll(cache)
        cache = presentToPast(out)
        return lend(out.logits, use, targets)
      },
      async dispose() {
        disposeAll(cache)
        cache = {}
      },
    }
  }

  /** Decode session for graphs without a KV cache: re-runs the whole sequences each step. */
  function recomputingSession(prompts: readonly (readonly number[])[]): DecodeSession {
    const seqs = prompts.map((p) => [...p])
    return {
      async step(tokens, use, targets) {
        tokens.forEach((t, b) => seqs[b].push(t))
        const r = await forwardRows(seqs, 1, use, targets)
        disposeAll(r.past)
        return r.value
      },
      async dispose() {},
    }
  }
}

/**
 * Left-pads rows to the longest (rounded up to a multiple of `multiple`) with `padId` and a 0 attention mask.
 */
export function leftPad(rows: readonly (readonly number[])[], padId: number, multiple = 1): { ids: BigInt64Array; mask: BigInt64Array; width: number } {
  const width = paddedWidth(Math.max(1, ...rows.map((r) => r.length)), multiple)
  const ids = new BigInt64Array(rows.length * width).fill(BigInt(padId))
  const mask = new BigInt64Array(rows.length * width)
  rows.forEach((row, b) => {
    const start = b * width + width - row.length
    for (let i = 0; i < row.length; i++) {
      ids[start + i] = BigInt(row[i])
      mask[start + i] = 1n
    }
  })
  return { ids, mask, width }
}

/** `width` rounded up to a multiple of `multiple`. */
export function paddedWidth(width: number, multiple: number): number {
  return Math.ceil(width / multiple) * multiple
}

/** Per past tensor [rows, heads, positions, dim]: a new tensor whose row i is row from[i] of the original. */
export function gatherRows(past: Outputs, from: readonly number[]): Outputs {
  const out: Outputs = {}
  for (const [name, t] of Object.entries(past)) {
    const data = t.data as Float32Array
    const block = data.length / t.dims[0]
    const copy = new (data.constructor as Float32ArrayConstructor)(block * from.length)
    from.forEach((f, i) => copy.set(data.subarray(f * block, (f + 1) * block), i * block))
    out[name] = new Tensor(t.type as 'float32', copy, [from.length, ...t.dims.slice(1)])
  }
  return out
}

/** Renames present.* outputs to the past_* inputs of the next step (other outputs are left alone). */
function presentToPast(out: Outputs): Outputs {
  const past: Outputs = {}
  for (const name of Object.keys(out)) {
    if (!name.startsWith('present')) continue
    const renamed = name
      .replace('present_ssm', 'past_ssm')
      .replace('present_conv', 'past_conv')
      .replace('present_recurrent', 'past_recurrent')
      .replace('present', 'past_key_values')
    past[renamed] = out[name]
  }
  return past
}

/**
 * Runs `forward` with the session asked for its logits alone (onnxruntime-node's fetches): the KV cache a forward
 * that keeps nothing would return is not copied out of onnxruntime (30 layers × [batch, heads, length, dim] × 2).
 */
async function fetchingLogitsOnly(session: object, forward: () => Promise<Outputs>): Promise<Outputs> {
  const s = session as { run: (feeds: unknown, ...rest: unknown[]) => Promise<unknown>; outputNames?: readonly string[] }
  if (!s.outputNames?.includes('logits')) return forward()
  const inherited = Object.getPrototypeOf(s).run as typeof s.run
  s.run = (feeds) => inherited.call(s, feeds, ['logits'])
  try {
    return await forward()
  } finally {
    delete (s as { run?: unknown }).run
  }
}

/** A CPU copy of GPU-resident logits (the original is freed). */
async function downloaded(logits: Tensor): Promise<Tensor> {
  const ort = (logits as unknown as { ort_tensor: { getData(release?: boolean): Promise<Float32Array | Uint16Array> } }).ort_tensor
  const data = await ort.getData()
  const copy = new Tensor(logits.type as 'float32', data as Float32Array, logits.dims)
  logits.dispose()
  return copy
}

/** CPU copies of GPU-resident tensors (the originals are freed). */
async function downloadedAll(tensors: Outputs): Promise<Outputs> {
  const out: Outputs = {}
  const entries = Object.entries(tensors)
  for (let i = 0; i < entries.length; i++) {
    const [name, t] = entries[i]
    try {
      out[name] = t.location === 'gpu-buffer' ? await downloaded(t) : t
    } catch (e) {
      disposeAll(out)
      for (const [, rest] of entries.slice(i)) rest.dispose()
      throw e
    }
  }
  return out
}

/** Hands a float32 view of `logits` [batch, rows, vocab] to `use`, then frees it. */
function lendLogits<T>(logits: Tensor, use: (b: LogitsBlock) => T): T {
  const f32 = logits.type === 'float32' ? logits : logits.to('float32')
  try {
    const [batch, rows, vocab] = f32.dims
    return use({ data: f32.data as Float32Array, batch, rows, vocab })
  } finally {
    if (f32 !== logits) f32.dispose()
    logits.dispose()
  }
}

function disposeAll(tensors: Outputs): void {
  for (const t of Object.values(tensors)) t.dispose()
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
