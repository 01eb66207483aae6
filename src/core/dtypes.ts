/**
 * The weight variants of a transformers.js model folder: each dtype's `onnx/model{suffix}.onnx` file
 * (browser-stack.md §1.2), and the ones WebGPU runs only with `shader-f16`.
 */

/** A weights variant. */
export interface OnnxDtype {
  /** transformers.js dtype name, e.g. 'q8' */
  readonly dtype: string
  /** file-name suffix after 'model', e.g. '_quantized' */
  readonly suffix: string
}

/** The dtypes evalz knows, in listing order. */
export const ONNX_DTYPES: readonly OnnxDtype[] = [
  { dtype: 'fp32', suffix: '' },
  { dtype: 'fp16', suffix: '_fp16' },
  { dtype: 'q8', suffix: '_quantized' },
  { dtype: 'int8', suffix: '_int8' },
  { dtype: 'uint8', suffix: '_uint8' },
  { dtype: 'q4', suffix: '_q4' },
  { dtype: 'q4f16', suffix: '_q4f16' },
  { dtype: 'bnb4', suffix: '_bnb4' },
]

/** dtypes whose weights need a WebGPU adapter with `shader-f16`. */
export const F16_DTYPES: ReadonlySet<string> = new Set(['fp16', 'q4f16'])

/** The file suffix of a dtype; undefined for an unknown name. */
export function suffixOfDtype(dtype: string): string | undefined {
  return ONNX_DTYPES.find(d => d.dtype === dtype)?.suffix
}
