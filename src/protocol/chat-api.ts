/**
 * The chat half of the worker contract: one streamed reply at a time (evalz's seeded sampler over the same model
 * loading as a run), Stop, and the conversations kept in IndexedDB. Structured-clone safe; errors cross as data.
 */
import type { ChatTurn, PromptFormat } from '../core/chat/chat-prompt.ts'
import type { ChatModelRef, Conversation } from '../core/chat/conversation.ts'
import type { SamplingSettings } from '../core/sampling/sampling-settings.ts'
import type { StopReason } from '../core/sampling/generation-stream.ts'
import type { DeviceReport, DeviceRequest } from './device.ts'
import type { EvalWorkerApi, Outcome } from './eval-worker-api.ts'

/** One reply to make. */
export interface ChatReplyRequest {
  /** caller-chosen id, for stopChat */
  readonly replyId: string
  /** the model that answers */
  readonly model: ChatModelRef
  /** where it runs (as a run's device) */
  readonly device: DeviceRequest
  /** template or raw, template name, system prompt */
  readonly format: PromptFormat
  /** the conversation so far, ending with the turn to answer */
  readonly turns: readonly ChatTurn[]
  /** sampling, with the seed to use */
  readonly sampling: SamplingSettings
  /** stop strings */
  readonly until: readonly string[]
}

/** What the worker reports while a reply is made. */
export type ChatEvent =
  | { readonly type: 'load'; readonly file: string; readonly loaded: number; readonly total: number }
  /** the model is loaded and the prompt rendered; generation starts */
  | { readonly type: 'ready'; readonly device: DeviceReport; readonly prompt: string }
  /** a token was made; `text` is the reply so far */
  | { readonly type: 'token'; readonly count: number; readonly text: string }

/** A finished (or stopped) reply. */
export interface ChatReplyDone {
  /** the reply text (generate_until's post-processing) */
  readonly text: string
  readonly stopReason: StopReason
  /** the prompt text as sent to the tokenizer */
  readonly prompt: string
  /** prompt tokens fed */
  readonly promptTokens: number
  /** tokens made */
  readonly tokens: number
  /** milliseconds from the first forward pass to the last token */
  readonly ms: number
  /** 'webgpu' | 'wasm' | 'server' */
  readonly device: string
}

/** The chat methods of the worker. */
export interface ChatWorkerApi {
  /** makes one reply, streaming tokens to `onEvent` (a comlink proxy); never rejects for model errors */
  chatReply(req: ChatReplyRequest, onEvent: (e: ChatEvent) => void): Promise<Outcome<ChatReplyDone>>
  /** ends the reply `replyId` after its current step (it resolves with stopReason 'cancelled') */
  stopChat(replyId: string): void
  /** frees the model chat holds (a run calls it before loading its own) */
  releaseChatModel(): Promise<void>
  /** stored conversations, most recent first; `query` searches titles, model names and messages */
  listConversations(query?: string): Promise<Outcome<Conversation[]>>
  getConversation(id: string): Promise<Outcome<Conversation | null>>
  putConversation(c: Conversation): Promise<Outcome<null>>
  deleteConversation(id: string): Promise<Outcome<null>>
}

/** Everything the worker exposes: evaluation, storage, Hub and chat. */
export type AppWorkerApi = EvalWorkerApi & ChatWorkerApi
