/**
 * The worker's Hub calls (src/protocol/hub-api.ts) over IndexedDB (settings, stored models) and src/data's Hub
 * client: settings with the token kept in IndexedDB, a repo's weights variants, and downloads into storage.
 */
import { HarnessError } from '../src/core/errors.ts'
import { F16_DTYPES } from '../src/core/dtypes.ts'
import { chooseDtype, filesForDtype, formatSize, parseHubModelId, resolveHubModel } from '../src/data/hub-model.ts'
import type { HubModelInfo } from '../src/data/hub-model.ts'
import { hubModelClient } from '../src/data/hub-download.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { ensureHubModelInDb } from '../src/storage/hub-model-store.ts'
import { listModels } from '../src/storage/model-store.ts'
import { getHubSettings, hubEndpointOf, putHubSettings } from '../src/storage/settings-store.ts'
import type { Outcome } from '../src/protocol/eval-worker-api.ts'
import type { HubModelOption, HubSettings, HubWorkerApi } from '../src/protocol/hub-api.ts'
import { toWireError } from '../src/app/wire-error.ts'

/** What the Hub calls need besides the database. */
export interface HubServiceDeps {
  /** whether the adapter has shader-f16 (fp16 weights run only then) */
  shaderF16(): Promise<boolean>
  /** whether the browser believes it is online */
  online(): boolean
  /** bytes used and allowed for this origin (navigator.storage.estimate); undefined values when unknown */
  estimate(): Promise<{ usage?: number; quota?: number }>
}

/** The Hub half of the worker API. */
export function hubService(db: EvalzDb, deps: HubServiceDeps): HubWorkerApi {
  async function view(): Promise<HubSettings> {
    const s = await getHubSettings(db)
    return { endpoint: hubEndpointOf(s), hasToken: s.token !== undefined && s.token !== '' }
  }
  async function access(): Promise<{ endpoint: string; token: string | undefined }> {
    const s = await getHubSettings(db)
    return { endpoint: hubEndpointOf(s), token: s.token || undefined }
  }
  /** Refuses a download that cannot fit: bytes still to fetch vs the quota left (QUOTA_EXCEEDED, one line). */
  async function checkRoom(plan: { repo: string; dtype: string; bytes: number }): Promise<void> {
    const { usage, quota } = await deps.estimate()
    if (usage === undefined || quota === undefined) return
    const free = quota - usage
    if (plan.bytes > free) {
      throw new HarnessError('QUOTA_EXCEEDED', `${plan.repo} (${plan.dtype}) needs ${formatSize(plan.bytes)} but this browser allows ${formatSize(Math.max(0, free))} more for this site; delete stored models or datasets under “Stored in this browser”, or choose a smaller variant`, { needed: plan.bytes, free })
    }
  }

  return {
    getHubSettings: () => outcome(view),
    setHubSettings: (update) => outcome(async () => {
      const s = await getHubSettings(db)
      let endpoint = s.endpoint
      if (update.endpoint !== undefined) {
        endpoint = update.endpoint.trim().replace(/\/+$/, '')
        if (endpoint !== '' && !/^https?:\/\/[^/]+/.test(endpoint)) {
          throw new HarnessError('USAGE', `Hub endpoint '${update.endpoint}' is not an http(s) URL (e.g. https://huggingface.co); leave it empty for the default`)
        }
      }
      const token = update.token === undefined ? s.token : update.token === null || update.token.trim() === '' ? undefined : update.token.trim()
      await putHubSettings(db, { key: 'hub', endpoint, ...(token === undefined ? {} : { token }) })
      return view()
    }),
    resolveHubModel: (id) => outcome(async () => {
      const ref = parseHubModelId(id)
      if (!ref) throw new HarnessError('MODEL_NOT_FOUND', `'${id}' is not a Hub model id: type owner/name or owner/name@revision (e.g. HuggingFaceTB/SmolLM2-135M-Instruct)`, { model: id })
      const { endpoint, token } = await access()
      const info = await resolveHubModel({ endpoint, repo: ref.repo, revision: ref.revision, token, offlineHint: 'choose it under Model: stored models run offline' })
      const f16 = await deps.shaderF16()
      const recommended = chooseDtype(info, { device: 'wasm', shaderF16: f16 })
      const stored = (await listModels(db)).find((m) => m.hub?.repo === info.repo && m.hub.sha === info.sha)
      return { repo: info.repo, revision: info.revision, sha: info.sha, options: options(info, f16, recommended), ...(stored ? { storedId: stored.id } : {}) }
    }),
    downloadHubModel: (id, dtype, onProgress) => outcome(async () => {
      const { endpoint, token } = await access()
      return ensureHubModelInDb(db, {
        hub: hubModelClient,
        endpoint,
        id,
        dtype,
        device: 'wasm',
        shaderF16: await deps.shaderF16(),
        token,
        offline: !deps.online(),
        beforeDownload: checkRoom,
        onProgress: onProgress && ((p) => onProgress({ file: p.path, loaded: p.loaded, total: p.total, bytesPerSecond: p.bytesPerSecond, etaSeconds: p.etaSeconds })),
      })
    }),
  }
}

/** The repo's variants with their download sizes (config and tokenizer included), fp32 first. */
function options(info: HubModelInfo, f16: boolean, recommended: string): HubModelOption[] {
  return info.dtypes.map((d) => ({
    dtype: d.dtype,
    bytes: filesForDtype(info, d.dtype).reduce((n, f) => n + f.size, 0),
    usable: f16 || !F16_DTYPES.has(d.dtype),
    ...(f16 || !F16_DTYPES.has(d.dtype) ? {} : { reason: 'needs WebGPU with shader-f16' }),
    recommended: d.dtype === recommended,
  }))
}

/** Runs `fn` and turns a failure into a wire error. */
export async function outcome<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() }
  } catch (e) {
    return { ok: false, error: toWireError(e) }
  }
}
