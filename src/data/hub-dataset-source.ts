/**
 * Documents from the Hugging Face Hub: the Parquet conversion listed by `/api/datasets/{id}/parquet/{config}/{split}`,
 * each shard read with hyparquet over HTTP range requests, with the dataset-viewer `/rows` API as the fallback for
 * datasets that have no Parquet listing, and the repo's own data files (src/data/hub-raw-files.ts) after that. Only the given endpoints are contacted; a token goes in the
 * `Authorization: Bearer` header and never into a URL or a message.
 *
 * Values are made JSON-safe as src/data/parse-parquet.ts does: INT64 (BigInt) → number (outside ±2^53 is a
 * DATASET_PARSE_ERROR), lists → arrays, structs → objects, dates → ISO strings, missing → null.
 */
import { asyncBufferFromUrl, cachedAsyncBuffer, parquetMetadataAsync, parquetReadObjects } from 'hyparquet'
import type { FileMetaData } from 'hyparquet'
import { HarnessError } from '../core/errors.ts'
import type { Doc, DocSource, SplitRef } from '../core/source.ts'
import { DEFAULT_CONFIG } from './mirror-source.ts'
import { PARQUET_COMPRESSORS, checkCodecs, jsonSafe } from './parse-parquet.ts'
import { isRecord, parseError } from './records.ts'
import { formatOf, parseDataFile } from './data-file.ts'
import { rawSplitFiles, rawSplits } from './hub-raw-files.ts'
import type { TreeFile } from './hub-raw-files.ts'

/** Options of hubDatasetSource. */
export interface HubDatasetSourceOptions {
  /** Hub base URL, e.g. 'https://huggingface.co' (no trailing slash needed) */
  readonly endpoint: string
  /** dataset-viewer base URL, e.g. HF_VIEWER_ENDPOINT; undefined = no `/rows` or `/splits` fallback */
  readonly viewerEndpoint?: string
  /** Hugging Face access token, sent as `Authorization: Bearer …`; undefined = anonymous */
  readonly token?: string
  /** fetch to use (tests, proxies); default globalThis.fetch */
  readonly fetch?: typeof fetch
  /**
   * dataset revision the caller asked for, shown in `description`; the Parquet listing and the dataset-viewer
   * always serve the latest conversion (refs/convert/parquet), so it does not change what is read
   */
  readonly revision?: string
}

/** The public dataset-viewer's base URL. */
export const HF_VIEWER_ENDPOINT = 'https://datasets-server.huggingface.co'

/** Rows per dataset-viewer `/rows` page (the API's maximum). */
export const VIEWER_PAGE_ROWS = 100

/** A JSON response: the HTTP status and, when 2xx, the parsed body. */
interface JsonReply {
  /** HTTP status code */
  readonly status: number
  /** parsed body when the status is 2xx, else undefined */
  readonly body: unknown
}

/** A DocSource over the Hub's Parquet conversion (falling back to the dataset-viewer). */
export function hubDatasetSource(opts: HubDatasetSourceOptions): DocSource {
  const endpoint = opts.endpoint.replace(/\/+$/, '')
  const viewer = opts.viewerEndpoint?.replace(/\/+$/, '')
  const fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const headers: Record<string, string> = opts.token ? { Authorization: `Bearer ${opts.token}` } : {}
  const origins = new Set([new URL(endpoint).origin, ...(viewer ? [new URL(viewer).origin] : [])])
  /** dataset path → its repo tree (raw-file fallback) */
  const trees = new Map<string, Promise<TreeFile[] | undefined>>()

  /** fetch, refusing any URL outside the given endpoints. */
  async function guardedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    if (!origins.has(new URL(url).origin)) {
      throw new HarnessError('DATASET_NOT_FOUND', `refusing to fetch ${url}: outside ${[...origins].join(', ')}`, { url })
    }
    return fetchFn(input, init)
  }

  function repoUrl(path: string): string {
    return `${endpoint}/datasets/${path}`
  }

  function gated(path: string): HarnessError {
    return new HarnessError(
      'DATASET_NOT_FOUND',
      `dataset ${path} is gated or private: pass a Hugging Face token (HF_TOKEN or --hf-token) and accept its terms at ${repoUrl(path)}`,
      { path, url: repoUrl(path) },
    )
  }

  async function getJson(url: string, path: string): Promise<JsonReply> {
    let res: Response
    try {
      res = await guardedFetch(url, { headers })
    } catch (e) {
      if (e instanceof HarnessError) throw e
      throw new HarnessError('HUB_UNAVAILABLE', `could not reach ${url}: ${oneLine(e)}`, { url })
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel()
      throw gated(path)
    }
    if (res.status === 404) {
      await res.body?.cancel()
      return { status: 404, body: undefined }
    }
    if (!res.ok) {
      await res.body?.cancel()
      throw new HarnessError('HUB_UNAVAILABLE', `could not fetch ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
        url,
        status: res.status,
      })
    }
    try {
      return { status: res.status, body: await res.json() }
    } catch (e) {
      throw parseError(url, `not JSON (${oneLine(e)})`)
    }
  }

  function listingUrl(ref: SplitRef, withSplit: boolean): string {
    const base = `${endpoint}/api/datasets/${encodePath(ref.path)}/parquet/${encodeURIComponent(ref.name ?? DEFAULT_CONFIG)}`
    return withSplit ? `${base}/${encodeURIComponent(ref.split)}` : base
  }

  function viewerUrl(route: string, params: Record<string, string | number>): string {
    const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))
    return `${viewer}/${route}?${query}`
  }

  /** Split names of ref's config from the Parquet listing or `/splits`; undefined when neither knows it. */
  async function splitsOf(ref: SplitRef): Promise<string[] | undefined> {
    const listing = await getJson(listingUrl(ref, false), ref.path)
    if (listing.status !== 404) {
      if (!isRecord(listing.body)) throw parseError(listingUrl(ref, false), 'expected an object of split names')
      return Object.keys(listing.body)
    }
    if (viewer) {
      const url = viewerUrl('splits', { dataset: ref.path, config: ref.name ?? DEFAULT_CONFIG })
      const reply = await getJson(url, ref.path)
      if (reply.status !== 404) {
        const splits = isRecord(reply.body) ? reply.body.splits : undefined
        if (!Array.isArray(splits)) throw parseError(url, "expected { splits: [...] }")
        return splits.filter(isRecord).map((s) => String(s.split))
      }
    }
    const tree = await repoTree(ref.path)
    const raw = tree === undefined ? [] : rawSplits(tree, ref.name)
    return raw.length > 0 ? raw : undefined
  }

  /** The dataset repo's files at main (all pages), memoised; undefined when the repo has no tree. */
  function repoTree(path: string): Promise<TreeFile[] | undefined> {
    let p = trees.get(path)
    if (!p) {
      p = listTree(path)
      trees.set(path, p)
      p.catch(() => trees.delete(path))
    }
    return p
  }

  async function listTree(path: string): Promise<TreeFile[] | undefined> {
    const files: TreeFile[] = []
    let url: string | undefined = `${endpoint}/api/datasets/${encodePath(path)}/tree/main?recursive=true`
    for (let page = 0; url !== undefined && page < 100; page++) {
      const res: Response = await guardedFetch(url, { headers }).catch((e: unknown) => {
        throw new HarnessError('HUB_UNAVAILABLE', `could not reach ${url}: ${oneLine(e)}`, { url })
      })
      if (res.status === 401 || res.status === 403) {
        await res.body?.cancel()
        throw gated(path)
      }
      if (!res.ok) {
        await res.body?.cancel()
        return res.status === 404 ? undefined : files
      }
      const body: unknown = await res.json().catch(() => undefined)
      if (!Array.isArray(body)) throw parseError(url, 'expected a JSON array of tree entries')
      for (const e of body) if (isRecord(e) && e.type === 'file' && typeof e.path === 'string') files.push({ path: e.path, size: Number(e.size) || 0 })
      url = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1]
    }
    return files
  }

  /** The split from the repo's own data files (jsonl/json/csv/parquet), read whole; undefined when there are none. */
  async function loadFromRaw(ref: SplitRef): Promise<Doc[] | undefined> {
    const tree = await repoTree(ref.path)
    const files = tree === undefined ? [] : rawSplitFiles(tree, ref.name, ref.split)
    if (files.length === 0) return undefined
    const docs: Doc[] = []
    for (const f of files) {
      const url = `${repoUrl(ref.path)}/resolve/main/${f.path.split('/').map(encodeURIComponent).join('/')}`
      const res = await guardedFetch(url, { headers }).catch((e: unknown) => {
        throw new HarnessError('HUB_UNAVAILABLE', `could not reach ${url}: ${oneLine(e)}`, { url })
      })
      if (res.status === 401 || res.status === 403) throw gated(ref.path)
      if (!res.ok) throw new HarnessError('HUB_UNAVAILABLE', `could not fetch ${url}: HTTP ${res.status}`, { url, status: res.status })
      const bytes = new Uint8Array(await res.arrayBuffer())
      for (const d of await parseDataFile(bytes, formatOf(f.path)!, url)) docs.push(d)
    }
    return docs
  }

  async function missing(ref: SplitRef): Promise<HarnessError> {
    const config = ref.name ?? DEFAULT_CONFIG
    const detail = { path: ref.path, name: ref.name, split: ref.split }
    const splits = await splitsOf(ref)
    if (splits) {
      return new HarnessError(
        'DATASET_SPLIT_MISSING',
        `dataset ${ref.path} (config ${config}) has no split '${ref.split}'; it has: ${splits.join(', ') || '(none)'}`,
        { ...detail, splits },
      )
    }
    const all = await getJson(`${endpoint}/api/datasets/${encodePath(ref.path)}/parquet`, ref.path)
    if (all.status !== 404 && isRecord(all.body)) {
      const configs = Object.keys(all.body)
      return new HarnessError(
        'DATASET_NOT_FOUND',
        `dataset ${ref.path} has no config '${config}'; it has: ${configs.join(', ') || '(none)'}`,
        { ...detail, configs },
      )
    }
    return new HarnessError(
      'DATASET_NOT_FOUND',
      `dataset ${ref.path} (config ${config}, split ${ref.split}) was not found at ${endpoint}; check the name at ${repoUrl(ref.path)}`,
      detail,
    )
  }

  async function readShard(url: string, ref: SplitRef): Promise<Doc[]> {
    const shardFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      let res: Response
      try {
        res = await guardedFetch(input, init)
      } catch (e) {
        if (e instanceof HarnessError) throw e
        throw new HarnessError('HUB_UNAVAILABLE', `could not reach ${url}: ${oneLine(e)}`, { url })
      }
      // hyparquet retries a forbidden HEAD as a ranged GET; every other failure is ours to name
      if (res.ok || (res.status === 403 && init?.method === 'HEAD')) return res
      await res.body?.cancel()
      if (res.status === 401 || res.status === 403) throw gated(ref.path)
      const code = res.status === 404 ? 'DATASET_NOT_FOUND' : 'HUB_UNAVAILABLE'
      throw new HarnessError(code, `could not fetch Parquet shard ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
        url,
        status: res.status,
      })
    }
    let metadata: FileMetaData
    let rows: Record<string, unknown>[]
    try {
      const file = cachedAsyncBuffer(await asyncBufferFromUrl({ url, fetch: shardFetch, requestInit: { headers } }))
      metadata = await parquetMetadataAsync(file)
      checkCodecs(metadata, url, '')
      rows = await parquetReadObjects({ file, metadata, compressors: PARQUET_COMPRESSORS })
    } catch (e) {
      if (e instanceof HarnessError) throw e
      throw parseError(url, `Parquet decoding failed (${oneLine(e)})`)
    }
    return rows.map((row, i) => {
      const out: Doc = {}
      for (const [k, v] of Object.entries(row)) out[k] = jsonSafe(v, url, k, i)
      return out
    })
  }

  async function loadFromViewer(ref: SplitRef): Promise<Doc[] | undefined> {
    if (!viewer) return undefined
    const config = ref.name ?? DEFAULT_CONFIG
    const docs: Doc[] = []
    let total = Infinity
    for (let offset = 0; offset < total; offset += VIEWER_PAGE_ROWS) {
      const params = { dataset: ref.path, config, split: ref.split, offset, length: VIEWER_PAGE_ROWS }
      const url = viewerUrl('rows', params)
      const reply = await getJson(url, ref.path)
      if (reply.status === 404) return undefined
      const page = reply.body
      if (!isRecord(page) || !Array.isArray(page.rows) || typeof page.num_rows_total !== 'number') {
        throw parseError(url, 'expected { rows: [...], num_rows_total }')
      }
      if (page.partial === true) throw parseError(url, 'the dataset-viewer holds only part of this split (partial: true)')
      total = page.num_rows_total
      if (page.rows.length === 0 && offset < total) throw parseError(url, `no rows at offset ${offset} of ${total}`)
      for (const item of page.rows) {
        if (!isRecord(item) || typeof item.row_idx !== 'number' || !isRecord(item.row)) {
          throw parseError(url, 'expected rows of { row_idx, row }')
        }
        if (Array.isArray(item.truncated_cells) && item.truncated_cells.length > 0) {
          throw parseError(url, `row ${item.row_idx} has truncated cells (${item.truncated_cells.join(', ')})`)
        }
        if (item.row_idx < 0 || item.row_idx >= total || docs[item.row_idx] !== undefined) {
          throw parseError(url, `unexpected row_idx ${item.row_idx}`)
        }
        docs[item.row_idx] = item.row
      }
    }
    for (let i = 0; i < docs.length; i++) {
      if (docs[i] === undefined) throw parseError(viewer, `row ${i} of ${ref.path}/${config}/${ref.split} is missing`)
    }
    return docs
  }

  /** dataset path → its repo commit (from `/api/datasets/{id}`), memoised; undefined when the Hub does not say */
  const shas = new Map<string, Promise<string | undefined>>()
  async function repoSha(path: string): Promise<string | undefined> {
    const reply = await getJson(`${endpoint}/api/datasets/${encodePath(path)}`, path).catch(() => undefined)
    const sha = isRecord(reply?.body) ? reply.body.sha : undefined
    return typeof sha === 'string' && /^[0-9a-f]{40}$/.test(sha) ? sha : undefined
  }

  const revision = opts.revision === undefined ? '' : ` (revision ${opts.revision})`
  const description = `the Hugging Face Hub at ${endpoint}${revision}`
  return {
    description,
    async originOf(ref) {
      let p = shas.get(ref.path)
      if (!p) {
        p = repoSha(ref.path)
        shas.set(ref.path, p)
      }
      const sha = await p
      return { source: description, ...(sha ? { revision: sha } : {}) }
    },
    async hasSplit(ref) {
      const splits = await splitsOf(ref)
      return splits?.includes(ref.split) ?? false
    },
    async loadSplit(ref) {
      const url = listingUrl(ref, true)
      const listing = await getJson(url, ref.path)
      if (listing.status === 404) {
        const rows = (await loadFromViewer(ref)) ?? (await loadFromRaw(ref))
        if (rows) return rows
        throw await missing(ref)
      }
      const shards = listing.body
      if (!Array.isArray(shards) || !shards.every((s) => typeof s === 'string')) {
        throw parseError(url, 'expected a JSON array of shard URLs')
      }
      const docs: Doc[] = []
      for (const shard of shards as string[]) {
        const shardUrl = new URL(shard, `${endpoint}/`).href
        if (!origins.has(new URL(shardUrl).origin)) {
          throw parseError(url, `shard URL ${shardUrl} is outside ${endpoint}`)
        }
        for (const doc of await readShard(shardUrl, ref)) docs.push(doc)
      }
      return docs
    },
  }
}

/** 'owner/name' → each segment URL-encoded. */
function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}

function oneLine(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : ''
  return ((e instanceof Error ? e.message : String(e)) + cause).split('\n')[0]
}
