/** The device picker's choices, worded the same in the Run and Chat views. */
import type { DeviceRequest } from '../protocol/device.ts'

/** Each requestable device and its label. */
export const DEVICE_CHOICES: readonly { readonly value: DeviceRequest; readonly label: string }[] = [
  { value: 'auto', label: 'Auto (hardware GPU, else CPU)' },
  { value: 'webgpu', label: 'WebGPU' },
  { value: 'wasm', label: 'WebAssembly (CPU)' },
]
