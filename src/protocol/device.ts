/**
 * The device a run asks for and the one it got (the page, the worker and the CLI read these).
 */

/** What the user asked for. */
export type DeviceRequest = 'auto' | 'webgpu' | 'wasm'

/** What a run actually runs on (transformers.js device names). */
export type RunDevice = 'webgpu' | 'wasm'

/** A WebGPU adapter's identity (GPUAdapterInfo), as far as the browser reveals it. */
export interface AdapterSummary {
  /** e.g. 'google', 'nvidia'; '' when hidden */
  readonly vendor: string
  /** e.g. 'swiftshader', 'ampere'; '' when hidden */
  readonly architecture: string
  /** free text; '' when hidden */
  readonly description: string
  /** true for software/fallback adapters such as SwiftShader */
  readonly isFallbackAdapter: boolean
}

/** The device a run used and how it was chosen. */
export interface DeviceReport {
  /** what was asked */
  readonly requested: DeviceRequest
  /** what runs; 'server' = the model runs on an OpenAI-compatible server (only its tokenizer runs here) */
  readonly device: RunDevice | 'server'
  /** the WebGPU adapter found (also when the run fell back to wasm after a failed WebGPU load) */
  readonly adapter: AdapterSummary | undefined
  /** true when 'auto' wanted WebGPU but the run uses wasm (no usable adapter, or loading there failed) */
  readonly fellBack: boolean
  /** why this device: why WebGPU was not used, or why 'auto' took it; undefined only for a forced 'webgpu' */
  readonly reason: string | undefined
  /** onnxruntime-web wasm threads (wasm runs only; undefined when unknown or on WebGPU) */
  readonly threads?: number
}

/** The report of a run whose model runs here (chooseDevice's answer): WebGPU or wasm. */
export type LocalDeviceReport = DeviceReport & { readonly device: RunDevice }

/** The parts of GPUAdapter this module reads. */
export interface AdapterLike {
  readonly info?: Partial<AdapterSummary>
  /** older Chromium: isFallbackAdapter on the adapter itself */
  readonly isFallbackAdapter?: boolean
  /** optional WebGPU features, e.g. 'shader-f16' */
  readonly features?: { has(name: string): boolean }
}

/** The parts of GPU (navigator.gpu) this module calls. */
export interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'low-power' | 'high-performance' }): Promise<AdapterLike | null>
}

/** Result of probing WebGPU. */
export type GpuProbe =
  | { readonly ok: true; readonly adapter: AdapterSummary }
  | { readonly ok: false; readonly reason: string }
