/**
 * Settings kept in IndexedDB ('settings' store, one record per key). The Hub settings hold the access token:
 * it stays in this origin's IndexedDB and is read only by the worker, which sends it in `Authorization` headers.
 */
import type { EvalzDb } from './db.ts'

/** The Hugging Face Hub settings. */
export interface HubSettingsRecord {
  /** record key */
  readonly key: 'hub'
  /** Hub base URL without a trailing slash; '' = the default (https://huggingface.co) */
  readonly endpoint: string
  /** access token for gated and private repos; absent = anonymous */
  readonly token?: string
}

/** The default Hub. */
export const DEFAULT_HUB_ENDPOINT = 'https://huggingface.co'

/** The stored Hub settings (defaults when none are stored). */
export async function getHubSettings(db: EvalzDb): Promise<HubSettingsRecord> {
  const s = await db.get('settings', 'hub')
  return s?.key === 'hub' ? s : { key: 'hub', endpoint: '' }
}

/** Stores the Hub settings. */
export async function putHubSettings(db: EvalzDb, settings: HubSettingsRecord): Promise<void> {
  await db.put('settings', settings)
}

/** The endpoint to use: the stored one, else the default. */
export function hubEndpointOf(settings: HubSettingsRecord): string {
  return (settings.endpoint || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '')
}

/** The "Model → Server" settings; the key stays in this origin's IndexedDB and is read only by the worker. */
export interface ServerSettingsRecord {
  /** record key */
  readonly key: 'server'
  /** base URL ending in /v1; '' = not set */
  readonly url: string
  /** served model name */
  readonly model: string
  /** app model folder or stored model id whose tokenizer is used */
  readonly tokenizer: string
  /** where `tokenizer` lives */
  readonly tokenizerSource: 'app' | 'stored'
  /** bearer key; absent = none */
  readonly apiKey?: string
}

/** The stored server settings (defaults when none are stored). */
export async function getServerSettings(db: EvalzDb): Promise<ServerSettingsRecord> {
  const s = await db.get('settings', 'server')
  return s?.key === 'server' ? s : { key: 'server', url: '', model: '', tokenizer: 'demo', tokenizerSource: 'app' }
}

/** Stores the server settings. */
export async function putServerSettings(db: EvalzDb, settings: ServerSettingsRecord): Promise<void> {
  await db.put('settings', settings)
}
