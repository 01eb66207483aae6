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
  return (await db.get('settings', 'hub')) ?? { key: 'hub', endpoint: '' }
}

/** Stores the Hub settings. */
export async function putHubSettings(db: EvalzDb, settings: HubSettingsRecord): Promise<void> {
  await db.put('settings', settings)
}

/** The endpoint to use: the stored one, else the default. */
export function hubEndpointOf(settings: HubSettingsRecord): string {
  return (settings.endpoint || DEFAULT_HUB_ENDPOINT).replace(/\/+$/, '')
}
