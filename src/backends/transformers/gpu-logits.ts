/**
 * WebGPU: the model's logits written into a GPU buffer evalz allocates (a pre-allocated `logits` fetch), so that the
 * scoring graph reads them where they are and a batch reads back O(B·K·slots) numbers, not the [B, K, V] block.
 *
 * transformers.js runs `session.run(feeds)` without fetches; while `around` runs, the session's own `run` is shadowed
 * by one that passes every output name (null: the session's preferred location, i.e. the KV cache stays on the GPU)
 * and the logits buffer. onnxruntime checks fetches with `instanceof` its own Tensor class, so the class is taken
 * from a tensor the session returned (`learn`), never imported: the app bundles more than one onnxruntime-common.
 */
import { env } from '@huggingface/transformers'
import type { Tensor } from '@huggingface/transformers'

/** GPUBufferUsage.STORAGE | COPY_SRC | COPY_DST (numbers: the backends layer does not assume WebGPU typings). */
const LOGITS_USAGE = 0x80 | 0x04 | 0x08

interface GpuBufferLike { destroy(): void }
interface GpuDeviceLike { createBuffer(d: { size: number; usage: number }): GpuBufferLike }
type OrtTensorClass = {
  fromGpuBuffer(buffer: GpuBufferLike, options: { dataType: string; dims: readonly number[]; dispose?: () => void }): unknown
}
type RunFn = (feeds: Record<string, unknown>, ...rest: unknown[]) => Promise<Record<string, unknown>>

/** What a plain forward taught: the onnxruntime Tensor class of the session, the logits' element type and width. */
interface Learned {
  readonly tensorClass: OrtTensorClass
  readonly dataType: 'float32' | 'float16'
  readonly vocab: number
}

/** Runs forwards with GPU-resident logits once a plain forward has shown how (see the file comment). */
export interface GpuLogits {
  /** records the session's Tensor class and the logits' type and width from a plain forward's logits */
  learn(logits: Tensor): void
  /**
   * Runs `forward` with the logits fetched into a fresh GPU buffer of [batch, positions, vocab]; undefined (and
   * `forward` not run) before `learn` or after a failure, so the caller runs the plain forward instead.
   */
  around<T>(batch: number, positions: number, forward: () => Promise<T>): Promise<T | undefined>
}

/** GPU logits for the model session `session` (an onnxruntime-web InferenceSession on WebGPU). */
export function gpuLogits(session: object): GpuLogits {
  const s = session as { run: RunFn; outputNames?: readonly string[] }
  let learned: Learned | undefined
  let failed = false
  return {
    learn(logits) {
      if (learned || failed) return
      const ort = (logits as unknown as { ort_tensor?: { constructor: unknown } }).ort_tensor
      const tensorClass = ort?.constructor as OrtTensorClass | undefined
      if (typeof tensorClass?.fromGpuBuffer !== 'function' || (logits.type !== 'float32' && logits.type !== 'float16')) {
        failed = true
        return
      }
      learned = { tensorClass, dataType: logits.type, vocab: logits.dims[2] }
    },
    async around(batch, positions, forward) {
      if (!learned || failed || !s.outputNames?.includes('logits')) return undefined
      const { tensorClass, dataType, vocab } = learned
      let buffer: GpuBufferLike
      let logits: unknown
      try {
        const device = (await (env.backends.onnx as { webgpu?: { device?: Promise<GpuDeviceLike> } }).webgpu?.device)
        if (!device) throw new Error('no WebGPU device')
        const bytes = batch * positions * vocab * (dataType === 'float16' ? 2 : 4)
        buffer = device.createBuffer({ size: Math.ceil(bytes / 16) * 16, usage: LOGITS_USAGE })
        logits = tensorClass.fromGpuBuffer(buffer, { dataType, dims: [batch, positions, vocab], dispose: () => buffer.destroy() })
      } catch {
        failed = true
        return undefined
      }
      const fetches: Record<string, unknown> = Object.fromEntries((s.outputNames ?? []).map((n) => [n, null]))
      fetches['logits'] = logits
      const inherited = Object.getPrototypeOf(s).run as RunFn
      s.run = (feeds) => inherited.call(s, feeds, fetches)
      try {
        return await forward()
      } catch {
        // a pre-allocated fetch this onnxruntime refuses: plain forwards from now on (the caller reruns this one)
        failed = true
        buffer.destroy()
        return undefined
      } finally {
        delete (s as { run?: RunFn }).run
      }
    },
  }
}
