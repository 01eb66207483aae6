/**
 * The worker's Hugging Face Hub calls, as the page sees them: settings (endpoint, token), what a model repo
 * offers, and downloading one weights variant into this browser's storage. The token goes in and never comes
 * back out: the page only learns whether one is stored.
 */
import type { ModelInfo } from './eval-store.ts'
import type { Outcome } from './eval-worker-api.ts'

/** The Hub settings as the page sees them. */
export interface HubSettings {
  /** Hub base URL, e.g. 'https://huggingface.co' */
  readonly endpoint: string
  /** whether a token is stored (its value never leaves the worker) */
  readonly hasToken: boolean
}

/** A change to the Hub settings; fields left out stay as they are. */
export interface HubSettingsUpdate {
  /** new Hub base URL; '' = the default */
  readonly endpoint?: string
  /** new token; '' or null = forget the stored one */
  readonly token?: string | null
}

/** One weights variant a repo offers. */
export interface HubModelOption {
  /** transformers.js dtype name: fp32, fp16, q8, q4, q4f16, … */
  readonly dtype: string
  /** bytes to download for this variant, config and tokenizer files included */
  readonly bytes: number
  /** false when this browser cannot run it (fp16 needs WebGPU's shader-f16) */
  readonly usable: boolean
  /** why it is not usable, when it is not */
  readonly reason?: string
  /** the variant evalz picks by default */
  readonly recommended: boolean
}

/** What a model repo offers at a revision. */
export interface HubModelSummary {
  /** 'owner/name' */
  readonly repo: string
  /** the revision asked for, e.g. 'main' */
  readonly revision: string
  /** the commit it resolved to (40 hex chars) */
  readonly sha: string
  /** weights variants, fp32 first */
  readonly options: readonly HubModelOption[]
  /** the stored model for this commit, when one is stored already */
  readonly storedId?: string
}

/** Progress of a model download, all files together. */
export interface HubDownloadProgress {
  /** file being downloaded, e.g. 'onnx/model.onnx' */
  readonly file: string
  /** bytes downloaded (or found stored) so far, all files */
  readonly loaded: number
  /** bytes in all files */
  readonly total: number
  /** recent download speed, bytes per second */
  readonly bytesPerSecond: number
  /** estimated seconds left; undefined while unknown */
  readonly etaSeconds: number | undefined
}

/** The Hub part of the worker API. */
export interface HubWorkerApi {
  getHubSettings(): Promise<Outcome<HubSettings>>
  setHubSettings(update: HubSettingsUpdate): Promise<Outcome<HubSettings>>
  /** the repo's weights variants ('owner/name' or 'owner/name@revision') */
  resolveHubModel(id: string): Promise<Outcome<HubModelSummary>>
  /** downloads (resuming a partial download) one variant into storage; it is then a stored model */
  downloadHubModel(id: string, dtype: string, onProgress?: (p: HubDownloadProgress) => void): Promise<Outcome<ModelInfo>>
}
