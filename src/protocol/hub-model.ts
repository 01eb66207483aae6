/**
 * The shapes of a model revision on the Hugging Face Hub (files, transformers.js dtypes, the resolved revision):
 * produced by src/data/hub-model.ts, kept by src/storage/hub-model-store.ts. Types only.
 */

/** One file of a revision, as the Hub lists it. */
export interface HubFile {
  /** path in the repo, '/'-separated, e.g. 'onnx/model_q4.onnx' */
  readonly path: string
  /** length in bytes */
  readonly size: number
  /** sha256 (64 lowercase hex) of the bytes, known for LFS files only */
  readonly sha256?: string
  /** the Hub's ETag of the file: the LFS sha256, else the git blob id */
  readonly etag?: string
}

/** The ONNX weights of one transformers.js dtype. */
export interface HubDtype {
  /** dtype name as transformers.js spells it: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4 */
  readonly dtype: string
  /** file suffix: '' for fp32, '_quantized' for q8, '_q4' for q4, … */
  readonly suffix: string
  /** paths: onnx/model{suffix}.onnx, then its external data chunks in order */
  readonly files: readonly string[]
  /** sum of those files' sizes, bytes */
  readonly bytes: number
}

/** A model revision resolved on the Hub. */
export interface HubModelInfo {
  /** 'owner/name' */
  readonly repo: string
  /** the revision asked for ('main', a tag, a branch or a sha) */
  readonly revision: string
  /** the commit it resolved to, 40 lowercase hex */
  readonly sha: string
  /** every file of the revision, sorted by path */
  readonly files: readonly HubFile[]
  /** the transformers.js dtypes with onnx/model{suffix}.onnx, in ONNX_DTYPES order */
  readonly dtypes: readonly HubDtype[]
  /** weight formats found, e.g. ['onnx', 'safetensors'] (onnx, gguf, safetensors, pytorch, tensorflow, flax, tflite, coreml) */
  readonly formats: readonly string[]
}
