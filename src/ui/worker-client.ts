/**
 * The page's handle on the evaluation worker: a lit reactive controller that starts the module worker when its
 * host connects, talks to it through comlink and terminates it when the host disconnects. Failed runs come back
 * as WireError data and are rethrown here as WorkerError (with `code` and `detail`).
 */
import * as Comlink from 'comlink'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { CatalogueEntry } from '../core/catalogue.ts'
import type { DatasetInfo, DatasetPlacement, ModelInfo, RunRecord, StorageUsage, UploadFile, UploadProgress } from '../protocol/eval-store.ts'
import type { CompareRequest, ImportRunInput, Outcome, RunLabels, RunResult, RunSuccess, RunSummary } from '../protocol/eval-worker-api.ts'
import type { RunComparison } from '../core/compare/run-compare.ts'
import type { HubDownloadProgress, HubModelSummary, HubSettings, HubSettingsUpdate } from '../protocol/hub-api.ts'
import type { RunRequest } from '../protocol/run-request.ts'
import type { AddedTaskYaml, TaskYamlFile, TaskYamlInfo } from '../protocol/task-yaml.ts'
import { fromWireError } from '../app/wire-error.ts'
import type { WorkerEvent } from '../protocol/worker-event.ts'
import type { AppWorkerApi, ChatEvent, ChatReplyDone, ChatReplyRequest } from '../protocol/chat-api.ts'
import type { Conversation } from '../core/chat/conversation.ts'

/** Owns one worker for the lifetime of its host element. */
export class EvalWorkerClient implements ReactiveController {
  private worker: Worker | undefined
  /** kept in a field for the worker's lifetime: a transient comlink proxy can be collected mid-call (comlink #692) */
  private api: Comlink.Remote<AppWorkerApi> | undefined
  /** rejects when the worker fails to start or crashes, so pending calls do not hang */
  private crashed: Promise<never> = new Promise(() => undefined)

  constructor(host: ReactiveControllerHost) {
    host.addController(this)
  }

  hostConnected(): void {
    this.connect()
  }

  hostDisconnected(): void {
    this.api?.[Comlink.releaseProxy]()
    this.worker?.terminate()
    this.api = undefined
    this.worker = undefined
  }

  /** The catalogue: built-ins plus tasks added from YAML. */
  async listTasks(): Promise<CatalogueEntry[]> {
    return this.call((api) => api.listTasks())
  }

  /** Loads task/group YAML files into the worker's catalogue; rejects with the loader's error (e.g. TASK_SPEC_INVALID). */
  async addTaskYaml(files: readonly TaskYamlFile[]): Promise<AddedTaskYaml> {
    return this.unwrap((api) => api.addTaskYaml(files) as Promise<Outcome<AddedTaskYaml>>)
  }

  async listTaskYaml(): Promise<TaskYamlInfo[]> {
    return this.unwrap((api) => api.listTaskYaml() as Promise<Outcome<TaskYamlInfo[]>>)
  }

  async removeTaskYaml(name: string): Promise<void> {
    await this.unwrap((api) => api.removeTaskYaml(name) as Promise<Outcome<null>>)
  }

  /** Runs an evaluation; resolves with the results, rejects with a WorkerError (code 'CANCELLED' when cancelled). */
  async run(spec: RunRequest, onEvent: (e: WorkerEvent) => void): Promise<RunSuccess> {
    // comlink's Remote type distributes Promise over the union; it is one Promise<RunResult>
    const result = await this.call((api) => api.run(spec, Comlink.proxy(onEvent)) as Promise<RunResult>)
    if (result.status === 'failed') throw fromWireError(result.error)
    return result
  }

  /** Asks the worker to stop a run between forward passes. */
  async cancel(runId: string): Promise<void> {
    await this.api?.cancel(runId)
  }

  /** Stores a dropped model folder (hashing in the worker); rejects with MODEL_INVALID naming what is missing. */
  async addModel(files: readonly UploadFile[], onProgress: (p: UploadProgress) => void): Promise<ModelInfo> {
    return this.unwrap((api) => api.addModel(files, Comlink.proxy(onProgress)) as Promise<Outcome<ModelInfo>>)
  }

  async listModels(): Promise<ModelInfo[]> {
    return this.unwrap((api) => api.listModels() as Promise<Outcome<ModelInfo[]>>)
  }

  async removeModel(id: string): Promise<void> {
    await this.unwrap((api) => api.removeModel(id) as Promise<Outcome<null>>)
  }

  async addDataset(name: string, files: readonly UploadFile[], placement?: DatasetPlacement): Promise<DatasetInfo> {
    return this.unwrap((api) => api.addDataset(name, files, placement) as Promise<Outcome<DatasetInfo>>)
  }

  async listDatasets(): Promise<DatasetInfo[]> {
    return this.unwrap((api) => api.listDatasets() as Promise<Outcome<DatasetInfo[]>>)
  }

  async removeDataset(id: string): Promise<void> {
    await this.unwrap((api) => api.removeDataset(id) as Promise<Outcome<null>>)
  }

  /** Stored runs, newest first, without their results texts. */
  async listRuns(): Promise<RunSummary[]> {
    return this.unwrap((api) => api.listRuns() as Promise<Outcome<RunSummary[]>>)
  }

  /** A stored run with its results and samples texts; undefined when it is gone. */
  async getRun(id: string): Promise<RunRecord | undefined> {
    return (await this.unwrap((api) => api.getRun(id) as Promise<Outcome<RunRecord | null>>)) ?? undefined
  }

  async deleteRun(id: string): Promise<void> {
    await this.unwrap((api) => api.deleteRun(id) as Promise<Outcome<null>>)
  }

  /** Marks an interrupted run that will not be resumed as cancelled. */
  async abandonRun(id: string): Promise<void> {
    await this.unwrap((api) => api.abandonRun(id) as Promise<Outcome<null>>)
  }

  /** Stores results (+ samples) files as an imported run; rejects with DATASET_PARSE_ERROR naming what is wrong. */
  async importRun(input: ImportRunInput): Promise<RunSummary> {
    return this.unwrap((api) => api.importRun(input) as Promise<Outcome<RunSummary>>)
  }

  /** Sets a stored run's tags and/or note; resolves with the updated summary. */
  /** Two stored runs compared doc by doc, computed in the worker. */
  async compareRuns(aId: string, bId: string, opts: CompareRequest): Promise<RunComparison> {
    return this.unwrap((api) => api.compareRuns(aId, bId, opts) as Promise<Outcome<RunComparison>>)
  }

  async setRunLabels(id: string, labels: RunLabels): Promise<RunSummary> {
    return this.unwrap((api) => api.setRunLabels(id, labels) as Promise<Outcome<RunSummary>>)
  }

  async getHubSettings(): Promise<HubSettings> {
    return this.unwrap((api) => api.getHubSettings() as Promise<Outcome<HubSettings>>)
  }

  /** Changes the Hub endpoint or token (the token stays in the worker's IndexedDB). */
  async setHubSettings(update: HubSettingsUpdate): Promise<HubSettings> {
    return this.unwrap((api) => api.setHubSettings(update) as Promise<Outcome<HubSettings>>)
  }

  /** What a Hub model repo offers; rejects with a one-line error (not found, gated, no ONNX weights). */
  async resolveHubModel(id: string): Promise<HubModelSummary> {
    return this.unwrap((api) => api.resolveHubModel(id) as Promise<Outcome<HubModelSummary>>)
  }

  /** Downloads one weights variant into storage (resuming a partial download); resolves with the stored model. */
  async downloadHubModel(id: string, dtype: string, onProgress: (p: HubDownloadProgress) => void): Promise<ModelInfo> {
    return this.unwrap((api) => api.downloadHubModel(id, dtype, Comlink.proxy(onProgress)) as Promise<Outcome<ModelInfo>>)
  }

  /** Deletes the chunks of unfinished Hub downloads. */
  async clearPartialDownloads(): Promise<void> {
    await this.unwrap((api) => api.clearPartialDownloads() as Promise<Outcome<null>>)
  }

  async storageUsage(): Promise<StorageUsage> {
    return this.unwrap((api) => api.storageUsage() as Promise<Outcome<StorageUsage>>)
  }

  /** One chat reply, streamed to `onEvent`; rejects with a WorkerError (a stopped reply resolves, stopReason 'cancelled'). */
  async chatReply(req: ChatReplyRequest, onEvent: (e: ChatEvent) => void): Promise<ChatReplyDone> {
    return this.unwrap((api) => api.chatReply(req, Comlink.proxy(onEvent)) as Promise<Outcome<ChatReplyDone>>)
  }

  /** Ends a chat reply after its current step. */
  async stopChat(replyId: string): Promise<void> {
    await this.api?.stopChat(replyId)
  }

  async listConversations(query = ''): Promise<Conversation[]> {
    return this.unwrap((api) => api.listConversations(query) as Promise<Outcome<Conversation[]>>)
  }

  async getConversation(id: string): Promise<Conversation | undefined> {
    return (await this.unwrap((api) => api.getConversation(id) as Promise<Outcome<Conversation | null>>)) ?? undefined
  }

  async putConversation(c: Conversation): Promise<void> {
    await this.unwrap((api) => api.putConversation(c) as Promise<Outcome<null>>)
  }

  async deleteConversation(id: string): Promise<void> {
    await this.unwrap((api) => api.deleteConversation(id) as Promise<Outcome<null>>)
  }

  private async unwrap<T>(fn: (api: Comlink.Remote<AppWorkerApi>) => Promise<Outcome<T>>): Promise<T> {
    const outcome = await this.call(fn)
    if (!outcome.ok) throw fromWireError(outcome.error)
    return outcome.value
  }

  private call<T>(fn: (api: Comlink.Remote<AppWorkerApi>) => Promise<T>): Promise<T> {
    const api = this.connect()
    return Promise.race([fn(api), this.crashed])
  }

  private connect(): Comlink.Remote<AppWorkerApi> {
    if (!this.api) {
      const worker = new Worker(new URL('../../workers/eval.worker.ts', import.meta.url), { type: 'module', name: 'evalz-eval' })
      this.crashed = new Promise<never>((_, reject) => {
        worker.addEventListener('error', (e) => {
          e.preventDefault()
          reject(fromWireError({ code: 'INTERNAL', message: `the evaluation worker failed: ${e.message || 'it could not start'}`, detail: undefined }))
          this.hostDisconnected()
        })
      })
      this.crashed.catch(() => undefined)
      this.worker = worker
      this.api = Comlink.wrap<AppWorkerApi>(worker)
    }
    return this.api
  }
}
