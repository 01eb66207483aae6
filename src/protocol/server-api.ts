/**
 * The worker's calls for a model on an OpenAI-compatible server ("Model → Server"): its settings (base URL,
 * served model name, which local tokenizer to use, an API key) and a check of what it serves. The key goes in
 * and never comes back out: the page only learns whether one is stored.
 */
import type { ChatMessage } from '../core/backend.ts'
import type { Outcome } from './eval-worker-api.ts'

/** Where the tokenizer of a served model comes from: the app's bundled models or this browser's stored ones. */
export type TokenizerSource = 'app' | 'stored'

/** A served model as a run names it (RunRequest.server). */
export interface ServerModelRef {
  /** base URL ending in /v1, e.g. 'http://127.0.0.1:8000/v1' */
  readonly url: string
  /** the model folder (app) or stored model id whose tokenizer evalz uses */
  readonly tokenizer: string
  /** where `tokenizer` lives */
  readonly tokenizerSource: TokenizerSource
}

/** The server settings as the page sees them. */
export interface ServerSettings extends ServerModelRef {
  /** the served model name ('' = not set) */
  readonly model: string
  /** whether a key is stored (its value never leaves the worker) */
  readonly hasKey: boolean
}

/** A change to the server settings; fields left out stay as they are. */
export interface ServerSettingsUpdate {
  readonly url?: string
  readonly model?: string
  readonly tokenizer?: string
  readonly tokenizerSource?: TokenizerSource
  /** new key; '' or null = forget the stored one */
  readonly key?: string | null
}

/** What GET /v1/models said. */
export interface ServerCheck {
  /** the served models */
  readonly models: readonly { readonly id: string; readonly ownedBy?: string; readonly maxModelLen?: number }[]
}

/** The server half of the worker API. */
export interface ServerWorkerApi {
  /** the stored settings (defaults when none) */
  getServerSettings(): Promise<Outcome<ServerSettings>>
  /** stores a change (the URL is checked) and returns the new settings */
  setServerSettings(update: ServerSettingsUpdate): Promise<Outcome<ServerSettings>>
  /** asks the stored server what it serves (with the stored key) */
  checkServer(): Promise<Outcome<ServerCheck>>
}

/** One chat request. */
export interface ChatStreamRequest {
  /** served model name */
  readonly model: string
  /** the conversation so far */
  readonly messages: readonly ChatMessage[]
  /** new tokens at most; undefined = the server's default */
  readonly maxTokens?: number
  /** sampling temperature; undefined = the server's default (evalz serve: greedy only) */
  readonly temperature?: number
  /** nucleus sampling; undefined = the server's default */
  readonly topP?: number
  /** seed for servers that sample */
  readonly seed?: number
  /** stop strings */
  readonly stop?: readonly string[]
}

/** The finished reply. */
export interface ChatStreamResult {
  /** the whole reply text */
  readonly text: string
  /** the server's finish_reason ('stop', 'length'), or undefined when the stream ended without one */
  readonly finishReason: string | undefined
}

/** A chat request to the server at `url` (the worker adds the stored key). */
export interface ServerChatRequest extends ChatStreamRequest {
  /** the server's base URL (ending in /v1) */
  readonly url: string
}
