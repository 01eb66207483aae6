import { describe, expect, it } from 'vitest'
import { HarnessError } from '../../src/core/errors.ts'
import { adapterName, chooseDevice, isSoftwareAdapter, isWireError, loadOnDevice, probeGpu } from '../../src/app/device.ts'
import type { AdapterLike, GpuLike, LocalDeviceReport, GpuProbe, RunDevice } from '../../src/protocol/device.ts'

const NVIDIA = { vendor: 'nvidia', architecture: 'ampere', description: '', isFallbackAdapter: false }
const SWIFTSHADER = { vendor: 'google', architecture: 'swiftshader', description: '', isFallbackAdapter: true }

function gpuWith(adapter: AdapterLike | null | Error): GpuLike {
  return {
    async requestAdapter() {
      if (adapter instanceof Error) throw adapter
      return adapter
    },
  }
}

describe('probeGpu', () => {
  it('reports a missing navigator.gpu', async () => {
    const p = await probeGpu(undefined)
    expect(p.ok).toBe(false)
    expect(!p.ok && p.reason).toMatch(/navigator\.gpu/)
  })

  it('reports a null adapter and a throwing requestAdapter', async () => {
    expect(await probeGpu(gpuWith(null))).toEqual({ ok: false, reason: 'WebGPU is present but no adapter is available' })
    const thrown = await probeGpu(gpuWith(new Error('lost')))
    expect(!thrown.ok && thrown.reason).toMatch(/lost/)
  })

  it('reads adapter info, with defaults for hidden fields', async () => {
    expect(await probeGpu(gpuWith({ info: { vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true } })))
      .toEqual({ ok: true, adapter: SWIFTSHADER })
    expect(await probeGpu(gpuWith({ isFallbackAdapter: false })))
      .toEqual({ ok: true, adapter: { vendor: '', architecture: '', description: '', isFallbackAdapter: false } })
  })
})

describe('chooseDevice', () => {
  const yes: GpuProbe = { ok: true, adapter: SWIFTSHADER }
  const no: GpuProbe = { ok: false, reason: 'no adapter' }

  it('auto uses WebGPU on a hardware adapter, else wasm with fellBack, and says why', () => {
    expect(chooseDevice('auto', { ok: true, adapter: NVIDIA })).toEqual({
      requested: 'auto', device: 'webgpu', adapter: NVIDIA, fellBack: false, reason: 'a hardware WebGPU adapter (nvidia ampere) is present',
    })
    expect(chooseDevice('auto', no)).toEqual({ requested: 'auto', device: 'wasm', adapter: undefined, fellBack: true, reason: 'no adapter' })
  })

  it('auto prefers wasm over a software adapter (SwiftShader), naming it', () => {
    expect(chooseDevice('auto', yes)).toEqual({
      requested: 'auto', device: 'wasm', adapter: SWIFTSHADER, fellBack: false,
      reason: 'the WebGPU adapter (google swiftshader) is a software one that runs on the CPU, slower than WebAssembly',
    })
    // older browsers hide isFallbackAdapter: the architecture or description still gives a software rasteriser away
    const llvmpipe = { vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)', isFallbackAdapter: false }
    expect(chooseDevice('auto', { ok: true, adapter: llvmpipe })).toMatchObject({ device: 'wasm', reason: expect.stringMatching(/^the WebGPU adapter \(mesa\) is a software one/) })
    expect(chooseDevice('auto', { ok: true, adapter: { ...SWIFTSHADER, isFallbackAdapter: false } })).toMatchObject({ device: 'wasm' })
    expect(isSoftwareAdapter(NVIDIA)).toBe(false)
    expect(adapterName({ vendor: '', architecture: '', description: '', isFallbackAdapter: false })).toBe('unnamed')
  })

  it('honours a forced choice', () => {
    expect(chooseDevice('wasm', yes)).toMatchObject({ device: 'wasm', fellBack: false, adapter: SWIFTSHADER })
    expect(chooseDevice('webgpu', yes)).toMatchObject({ device: 'webgpu', fellBack: false })
    const err = chooseDevice('webgpu', no)
    expect(isWireError(err)).toBe(true)
    expect(err).toMatchObject({ code: 'BACKEND_ERROR', detail: { device: 'webgpu' } })
    expect(isWireError(err) && err.message).toMatch(/'webgpu'.*no adapter.*'auto' or 'wasm'/)
  })
})

describe('loadOnDevice', () => {
  const autoGpu = chooseDevice('auto', { ok: true, adapter: NVIDIA }) as LocalDeviceReport

  it('falls back to wasm when auto picked WebGPU and loading there fails', async () => {
    const tried: RunDevice[] = []
    const out = await loadOnDevice(autoGpu, async (d) => {
      tried.push(d)
      if (d === 'webgpu') throw new Error('shader-f16 unsupported')
      return 'model'
    })
    expect(tried).toEqual(['webgpu', 'wasm'])
    expect(out.value).toBe('model')
    expect(out.report).toMatchObject({ requested: 'auto', device: 'wasm', fellBack: true, adapter: NVIDIA })
    expect(out.report.reason).toMatch(/shader-f16 unsupported/)
  })

  it('does not retry a forced device or a missing model', async () => {
    const forced = chooseDevice('webgpu', { ok: true, adapter: SWIFTSHADER }) as LocalDeviceReport
    await expect(loadOnDevice(forced, async () => { throw new Error('nope') })).rejects.toThrow('nope')
    let calls = 0
    const missing = loadOnDevice(autoGpu, async () => {
      calls++
      throw new HarnessError('MODEL_NOT_FOUND', 'model files missing for demo')
    })
    await expect(missing).rejects.toThrow('model files missing')
    expect(calls).toBe(1)
  })

  it('passes the choice through when loading works', async () => {
    expect(await loadOnDevice(autoGpu, async (d) => d)).toEqual({ value: 'webgpu', report: autoGpu })
  })
})
