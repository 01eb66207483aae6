/**
 * The worker's document source: datasets stored in this browser (dropped, or fetched from the Hub before) and the
 * app's own /datasets/ mirror first; then, online, the Hugging Face Hub, whose splits are stored in IndexedDB as
 * they are read, so the next run needs no network.
 */
import type { DocSource } from '../src/core/source.ts'
import { cachedSource } from '../src/data/cached-source.ts'
import { configHintSource } from '../src/data/config-hint-source.ts'
import type { DatasetCache } from '../src/data/cached-source.ts'
import type { FileAccess } from '../src/data/file-access.ts'
import { HF_VIEWER_ENDPOINT, hubDatasetSource } from '../src/data/hub-dataset-source.ts'
import { DEFAULT_CONFIG, mirrorSource } from '../src/data/mirror-source.ts'
import { addDatasetFiles, storedDatasetFiles } from '../src/storage/dataset-store.ts'
import type { EvalzDb } from '../src/storage/db.ts'
import { DEFAULT_HUB_ENDPOINT } from '../src/storage/settings-store.ts'
import { layeredFileAccess } from './layered-files.ts'

/** Where a run's documents may come from. */
export interface BrowserSourceOptions {
  /** the open database; undefined = nothing is stored (private modes) */
  readonly db: EvalzDb | undefined
  /** the app's /datasets/ mirror */
  readonly appData: FileAccess
  /** the Hub to fetch from, or undefined when offline */
  readonly hub: { readonly endpoint: string; readonly token: string | undefined } | undefined
}

/** The document source for one run. */
export function browserDocSource(opts: BrowserSourceOptions): DocSource {
  const { db, appData } = opts
  const local = db ? layeredFileAccess([storedDatasetFiles(db), appData]) : appData
  const cache: DatasetCache = {
    description: 'datasets stored in this browser',
    source: mirrorSource(local),
    async save(ref, jsonl) {
      if (!db) return
      const config = ref.name ?? DEFAULT_CONFIG
      const blob = new Blob([jsonl], { type: 'application/x-ndjson' })
      await addDatasetFiles(db, ref.path, [{ path: `${config}/${ref.split}.jsonl`, blob }], { config })
    },
  }
  const hub = opts.hub
  const remote = hub === undefined ? undefined : hubDatasetSource({
    endpoint: hub.endpoint,
    viewerEndpoint: hub.endpoint === DEFAULT_HUB_ENDPOINT ? HF_VIEWER_ENDPOINT : undefined,
    token: hub.token,
  })
  const source = cachedSource({ cache, remote, offlineReason: 'this browser is offline' })
  // a dataset dropped under another config than the task's: say so, rather than the Hub's answer
  const hinted = db ? configHintSource(source, storedDatasetFiles(db), 'set Config in the Data panel to the one the task wants and drop the file again') : source
  return { ...hinted, zeroShotHint: 'set Shots to 0' }
}
