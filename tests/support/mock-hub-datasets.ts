/**
 * Test support for tests/support/mock-hub.ts: dataset repos read from a Hub-mirror folder
 * (`<hfDataDir>/<id>/<config>/<split>.jsonl`), their Parquet conversion (listing, `{n}.parquet` redirect,
 * `refs/convert/parquet` files) and the dataset-viewer endpoints. Every split is read and converted on first
 * use and memoised.
 */
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { MockDatasetRepo } from './mock-hub.ts'
import { gatedRepo, hubError, json, once, repoInfo, repoTree, resolveFile, revisionNotFound, sha1Hex, storedFile } from './mock-hub-repo.ts'
import type { HubRepo, Reply, StoredFile } from './mock-hub-repo.ts'
import { features, inferColumns, rowsToParquet } from './mock-hub-parquet.ts'
import type { Column } from './mock-hub-parquet.ts'

/** The Parquet conversion's branch. */
export const PARQUET_REF = 'refs/convert/parquet'

/** The dataset-viewer's maximum `length` of a `/rows` page. */
export const VIEWER_MAX_ROWS = 100

/** What a dataset handler needs to know about the request. */
export interface DatasetRequest {
  /** true when the request carries `Authorization: Bearer <the valid token>` */
  authorized: boolean
  /** the mock's base URL, no trailing slash */
  base: string
}

/** One split's rows and inferred columns. */
export interface SplitTable {
  /** the jsonl rows, in file order */
  rows: Record<string, unknown>[]
  /** the columns, with types inferred from all rows */
  columns: Column[]
}

/** A dataset served by the mock. */
export interface DatasetMirror {
  /** its repository ('main' = README + raw files, 'refs/convert/parquet' = the conversion) */
  repo: HubRepo
  /** the options it was made from */
  src: MockDatasetRepo
  /** config → split names (train, validation, test first) */
  configs(): Promise<Map<string, string[]>>
  /** the rows of one split; undefined when the config or split does not exist */
  table(config: string, split: string): Promise<SplitTable | undefined>
}

/** Split names in the Hub's usual order. */
function splitOrder(a: string, b: string): number {
  const rank = (s: string) => { const i = ['train', 'validation', 'test'].indexOf(s); return i < 0 ? 3 : i }
  return rank(a) - rank(b) || a.localeCompare(b)
}

/** The generated dataset card (with `configs` listing the raw files when they are served). */
function readme(id: string, configs: Map<string, string[]>, raw: boolean): string {
  const lines = ['---', `pretty_name: ${id}`]
  if (raw) {
    lines.push('configs:')
    for (const [c, splits] of configs) {
      lines.push(`- config_name: ${c}`, '  data_files:')
      for (const s of splits) lines.push(`  - split: ${s}`, `    path: ${c}/${s}.jsonl`)
    }
  }
  return [...lines, '---', `# ${id}`, '', 'A mock Hub mirror served by tests/support/mock-hub.ts.', ''].join('\n')
}

/** A dataset repo over `<src.hfDataDir>/<id>`. */
export function datasetMirror(id: string, src: MockDatasetRepo): DatasetMirror {
  const root = join(src.hfDataDir, id)
  const sha = sha1Hex(`dataset:${id}`)
  const parquetSha = sha1Hex(`${PARQUET_REF}:${id}`)
  const configs = once(async () => {
    const out = new Map<string, string[]>()
    for (const d of (await readdir(root, { withFileTypes: true })).filter(e => e.isDirectory()).map(e => e.name).sort()) {
      const splits = (await readdir(join(root, d))).filter(f => f.endsWith('.jsonl')).map(f => f.slice(0, -6)).sort(splitOrder)
      if (splits.length > 0) out.set(d, splits)
    }
    return out
  })
  const tables = new Map<string, Promise<SplitTable>>()
  const shards = new Map<string, Promise<StoredFile>>()
  async function table(config: string, split: string): Promise<SplitTable | undefined> {
    if (!(await configs()).get(config)?.includes(split)) return undefined
    const key = `${config}/${split}`
    let t = tables.get(key)
    if (!t) {
      t = readFile(join(root, config, `${split}.jsonl`), 'utf8').then(text => {
        const rows = text.split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>)
        return { rows, columns: inferColumns(rows) }
      })
      tables.set(key, t)
    }
    return t
  }
  function shard(config: string, split: string): Promise<StoredFile> {
    const path = `${config}/${split}/0000.parquet`
    let s = shards.get(path)
    if (!s) {
      s = table(config, split).then(t => storedFile(path, rowsToParquet(t!.rows, t!.columns)))
      shards.set(path, s)
    }
    return s
  }
  const mainFiles = once(async () => {
    const cfg = await configs()
    const files = new Map<string, () => Promise<StoredFile>>()
    const card = new TextEncoder().encode(readme(id, cfg, src.rawFiles === true))
    files.set('README.md', async () => storedFile('README.md', card))
    if (src.rawFiles) {
      for (const [c, splits] of cfg) {
        for (const s of splits) {
          const path = `${c}/${s}.jsonl`
          files.set(path, once(async () => storedFile(path, new Uint8Array(await readFile(join(root, path))))))
        }
      }
    }
    return files
  })
  const parquetFiles = once(async () => {
    const files = new Map<string, () => Promise<StoredFile>>()
    for (const [c, splits] of await configs()) for (const s of splits) files.set(`${c}/${s}/0000.parquet`, () => shard(c, s))
    return files
  })
  const repo: HubRepo = {
    type: 'dataset',
    id,
    gated: src.gated === true,
    sha,
    async revision(rev) {
      if (rev === 'main' || rev === 'refs/heads/main' || rev === sha) return { commit: sha, files: await mainFiles() }
      if (src.parquet !== false && (rev === PARQUET_REF || rev === parquetSha)) return { commit: parquetSha, files: await parquetFiles() }
      return undefined
    },
  }
  return { repo, src, configs, table }
}

/** `/api/datasets/{id}/parquet[/{config}[/{split}[/{n}.parquet]]]`. */
async function parquetApi(m: DatasetMirror, rest: string[], req: DatasetRequest): Promise<Reply> {
  if (m.repo.gated && !req.authorized) return gatedRepo(m.repo)
  const cfg = await m.configs()
  if (m.src.parquet === false) return hubError(404, 'EntryNotFound', `dataset ${m.repo.id} has no Parquet conversion`)
  const enc = encodeURIComponent
  const urls = (c: string, s: string) => [`${req.base}/api/datasets/${m.repo.id}/parquet/${enc(c)}/${enc(s)}/0.parquet`]
  const bySplit = (c: string) => Object.fromEntries(cfg.get(c)!.map(s => [s, urls(c, s)]))
  const [config, split, file] = rest
  if (config === undefined) return json(200, Object.fromEntries([...cfg.keys()].map(c => [c, bySplit(c)])))
  if (!cfg.has(config)) return hubError(404, 'EntryNotFound', `config ${config} not found in ${m.repo.id}`)
  if (split === undefined) return json(200, bySplit(config))
  if (!cfg.get(config)!.includes(split)) return hubError(404, 'EntryNotFound', `split ${split} not found in ${m.repo.id}/${config}`)
  if (file === undefined && rest.length === 2) return json(200, urls(config, split))
  if (file !== '0.parquet' || rest.length !== 3) return hubError(404, 'EntryNotFound', `Entry not found: ${rest.join('/')}`)
  const location = `${req.base}/datasets/${m.repo.id}/resolve/${enc(PARQUET_REF)}/${enc(config)}/${enc(split)}/0000.parquet`
  return { status: 302, headers: { location, 'content-type': 'text/plain; charset=utf-8' }, body: new TextEncoder().encode(`Found. Redirecting to ${location}`) }
}

/** `/api/datasets/{id}/…` after the id: info, `revision/{rev}`, `tree/{rev}[/{dir}]`, `parquet…`. */
export async function datasetApi(m: DatasetMirror, rest: string[], query: URLSearchParams, req: DatasetRequest): Promise<Reply> {
  const [head, rev, ...path] = rest
  if (head === 'parquet') return parquetApi(m, rest.slice(1), req)
  if (head === 'tree' && rev !== undefined) return repoTree(m.repo, rev, path.join('/'), query.get('recursive') === 'true')
  if (head === undefined || (head === 'revision' && rev !== undefined && path.length === 0)) {
    const r = rev ?? 'main'
    if (!(await m.repo.revision(r))) return revisionNotFound(r)
    const cfg = await m.configs()
    const configs = [...cfg].map(([c, splits]) => ({ config_name: c, data_files: splits.map(s => ({ split: s, path: `${c}/${s}.jsonl` })) }))
    const cardData = { pretty_name: m.repo.id, ...(m.src.rawFiles ? { configs } : {}) }
    return repoInfo(m.repo, r, query.get('blobs') === 'true', { tags: [], cardData })
  }
  return hubError(404, 'EntryNotFound', `Not found: /api/datasets/${m.repo.id}/${rest.join('/')}`)
}

/** `/datasets/{id}/resolve/{rev}/{path}`. */
export async function datasetResolve(m: DatasetMirror, rev: string, path: string, range: string | undefined, req: DatasetRequest): Promise<Reply> {
  if (m.repo.gated && !req.authorized) return gatedRepo(m.repo)
  return resolveFile(m.repo, rev, path, range)
}

/** A dataset-viewer error: `{"error": …}` with X-Error-Code. */
function viewerError(status: number, code: string, message: string): Reply {
  return json(status, { error: message }, { 'x-error-code': code })
}

/** An integer query parameter within [min, max], its default when absent, or an error reply. */
function intParam(query: URLSearchParams, name: string, dflt: number, min: number, max: number): number | Reply {
  const raw = query.get(name)
  if (raw === null || raw === '') return dflt
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) {
    return viewerError(422, 'InvalidParameter', `Parameter '${name}' must be an integer between ${min} and ${max}`)
  }
  return n
}

/** The dataset-viewer's `features` list. */
function featureList(columns: readonly Column[]): unknown[] {
  const f = features(columns)
  return columns.map((c, i) => ({ feature_idx: i, name: c.name, type: f[c.name] }))
}

/** dataset-viewer `/{route}?dataset=…`: splits, rows, first-rows, info, parquet, is-valid. */
export async function viewer(route: string, query: URLSearchParams, mirrors: Map<string, DatasetMirror>, req: DatasetRequest): Promise<Reply> {
  const dataset = query.get('dataset')
  const config = query.get('config') ?? undefined
  const split = query.get('split') ?? undefined
  const needsSplit = route === 'rows' || route === 'first-rows'
  if (!dataset || (needsSplit && (!config || !split))) {
    const names = needsSplit ? "'dataset', 'config' and 'split'" : "'dataset'"
    return viewerError(422, 'MissingRequiredParameter', `Parameter ${names} ${needsSplit ? 'are' : 'is'} required`)
  }
  const m = mirrors.get(dataset)
  const hidden = 'The dataset does not exist, or is not accessible without authentication (private or gated). Please check the spelling of the dataset name or retry with authentication.'
  if (!m) return req.authorized ? viewerError(404, 'ExternalAuthenticatedError', hidden) : viewerError(401, 'ExternalUnauthenticatedError', hidden)
  if (m.repo.gated && !req.authorized) return viewerError(401, 'ExternalUnauthenticatedError', hidden)
  const cfg = await m.configs()
  if (config !== undefined && !cfg.has(config)) return viewerError(404, 'ResponseNotFound', 'Not found.')
  const pairs = [...cfg].filter(([c]) => config === undefined || c === config).flatMap(([c, ss]) => ss.map(s => ({ dataset, config: c, split: s })))
  if (route === 'is-valid') return json(200, { preview: true, viewer: true, search: false, filter: false, statistics: false })
  if (route === 'splits') return json(200, { splits: pairs, pending: [], failed: [] })
  if (route === 'parquet') {
    if (m.src.parquet === false) return viewerError(404, 'ResponseNotFound', 'Not found.')
    const parquet_files = await Promise.all(pairs.map(async p => {
      const path = `${p.config}/${p.split}/0000.parquet`
      const size = (await (await m.repo.revision(PARQUET_REF))!.files.get(path)!()).bytes.byteLength
      const url = `${req.base}/datasets/${dataset}/resolve/${encodeURIComponent(PARQUET_REF)}/${encodeURIComponent(p.config)}/${encodeURIComponent(p.split)}/0000.parquet`
      return { ...p, url, filename: '0000.parquet', size }
    }))
    return json(200, { parquet_files, pending: [], failed: [], partial: false })
  }
  if (route === 'info') {
    const infos: Record<string, unknown> = {}
    for (const [c, splits] of cfg) {
      if (config !== undefined && c !== config) continue
      const tables = await Promise.all(splits.map(s => m.table(c, s)))
      const splitInfo = Object.fromEntries(splits.map((s, i) => [s, { name: s, num_bytes: 0, num_examples: tables[i]!.rows.length, dataset_name: dataset.split('/').pop() }]))
      infos[c] = {
        description: '', citation: '', homepage: '', license: '', features: features(tables[0]!.columns), builder_name: 'json',
        dataset_name: dataset.split('/').pop(), config_name: c, version: { version_str: '0.0.0', major: 0, minor: 0, patch: 0 },
        splits: splitInfo, download_size: 0, dataset_size: 0,
      }
    }
    return json(200, { dataset_info: config === undefined ? infos : infos[config], partial: false })
  }
  if (!needsSplit) return viewerError(404, 'ResponseNotFound', 'Not found.')
  const t = await m.table(config!, split!)
  if (!t) return viewerError(404, 'ResponseNotFound', 'Not found.')
  const page = (offset: number, length: number) => t.rows.slice(offset, offset + length).map((row, i) => ({ row_idx: offset + i, row, truncated_cells: [] }))
  if (route === 'first-rows') {
    return json(200, { dataset, config, split, features: featureList(t.columns), rows: page(0, VIEWER_MAX_ROWS), truncated: t.rows.length > VIEWER_MAX_ROWS })
  }
  const offset = intParam(query, 'offset', 0, 0, Number.MAX_SAFE_INTEGER)
  if (typeof offset !== 'number') return offset
  const length = intParam(query, 'length', VIEWER_MAX_ROWS, 0, VIEWER_MAX_ROWS)
  if (typeof length !== 'number') return length
  return json(200, { features: featureList(t.columns), rows: page(offset, length), num_rows_total: t.rows.length, num_rows_per_page: VIEWER_MAX_ROWS, partial: false })
}
