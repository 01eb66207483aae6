/**
 * Which device a run uses: 'auto' takes WebGPU when a hardware adapter exists and wasm otherwise — also when the only
 * adapter is a software one (SwiftShader, llvmpipe, WARP: `isFallbackAdapter` or a software architecture), which
 * runs slower than wasm's own CPU kernels. A forced device is honoured. Every report says why. The GPU object is
 * injected (the worker passes `navigator.gpu`), so the policy is testable without a browser.
 */
import type { WireError } from '../protocol/wire-error.ts'
import type { AdapterSummary, DeviceRequest, GpuLike, GpuProbe, LocalDeviceReport, RunDevice } from '../protocol/device.ts'

/** Architectures and descriptions of software WebGPU adapters (CPU rasterisers), lower case. */
const SOFTWARE_ADAPTERS: readonly string[] = ['swiftshader', 'llvmpipe', 'lavapipe', 'softpipe', 'microsoft basic render', 'warp']

/** True for an adapter that runs on the CPU: flagged as a fallback adapter, or named like a software rasteriser. */
export function isSoftwareAdapter(a: AdapterSummary): boolean {
  if (a.isFallbackAdapter) return true
  const text = `${a.architecture} ${a.description}`.toLowerCase()
  return SOFTWARE_ADAPTERS.some((name) => text.includes(name))
}

/** 'google swiftshader', or 'unnamed' when the browser hides vendor and architecture. */
export function adapterName(a: AdapterSummary): string {
  return [a.vendor, a.architecture].filter(Boolean).join(' ') || a.description || 'unnamed'
}

/** Asks `gpu` for an adapter (the same preference transformers.js uses); never throws. */
export async function probeGpu(gpu: GpuLike | undefined): Promise<GpuProbe> {
  if (!gpu) return { ok: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' }
  try {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' })
    if (!adapter) return { ok: false, reason: 'WebGPU is present but no adapter is available' }
    const info = adapter.info ?? {}
    return {
      ok: true,
      adapter: {
        vendor: info.vendor ?? '',
        architecture: info.architecture ?? '',
        description: info.description ?? '',
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
      },
    }
  } catch (e) {
    return { ok: false, reason: `requesting a WebGPU adapter failed: ${e instanceof Error ? e.message : String(e)}` }
  }
}

/** Decides the device; a forced 'webgpu' without an adapter is an error (never a silent fallback). */
export function chooseDevice(requested: DeviceRequest, probe: GpuProbe): LocalDeviceReport | WireError {
  if (requested === 'wasm') {
    return { requested, device: 'wasm', adapter: probe.ok ? probe.adapter : undefined, fellBack: false, reason: 'wasm was requested' }
  }
  if (requested === 'webgpu' && probe.ok) return { requested, device: 'webgpu', adapter: probe.adapter, fellBack: false, reason: undefined }
  if (probe.ok && isSoftwareAdapter(probe.adapter)) {
    const reason = `the WebGPU adapter (${adapterName(probe.adapter)}) is a software one that runs on the CPU, slower than WebAssembly`
    return { requested, device: 'wasm', adapter: probe.adapter, fellBack: false, reason }
  }
  if (probe.ok) {
    return { requested, device: 'webgpu', adapter: probe.adapter, fellBack: false, reason: `a hardware WebGPU adapter (${adapterName(probe.adapter)}) is present` }
  }
  if (requested === 'webgpu') {
    return { code: 'BACKEND_ERROR', message: `device 'webgpu' was requested but ${probe.reason}; use 'auto' or 'wasm'`, detail: { device: requested } }
  }
  return { requested, device: 'wasm', adapter: undefined, fellBack: true, reason: probe.reason }
}

/**
 * Runs `load` on the chosen device; when 'auto' picked WebGPU and loading there fails, loads again on wasm and
 * reports the fallback. Errors on a forced device, or on wasm, propagate.
 */
export async function loadOnDevice<T>(choice: LocalDeviceReport, load: (device: RunDevice) => Promise<T>): Promise<{ value: T; report: LocalDeviceReport }> {
  try {
    return { value: await load(choice.device), report: choice }
  } catch (e) {
    if (choice.requested !== 'auto' || choice.device !== 'webgpu' || isMissingModel(e)) throw e
    const reason = `loading the model on WebGPU failed: ${e instanceof Error ? e.message : String(e)}`
    return { value: await load('wasm'), report: { ...choice, device: 'wasm', fellBack: true, reason } }
  }
}

/** A missing model fails the same way on every device, so it is not retried. */
function isMissingModel(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'MODEL_NOT_FOUND'
}

/** True when `x` is a WireError rather than a DeviceReport. */
export function isWireError(x: LocalDeviceReport | WireError): x is WireError {
  return 'code' in x
}
