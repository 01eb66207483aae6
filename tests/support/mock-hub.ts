/**
 * A mock Hugging Face Hub for tests, listening on 127.0.0.1 in the test's own process: model repos served from
 * local transformers.js folders, dataset repos from a Hub-mirror folder (jsonl converted to Parquet on first use),
 * and the dataset-viewer endpoints, all on one origin with CORS for cross-origin-isolated pages. It logs every
 * request and can inject faults (a dropped body, a 500, a stall). Response shapes follow
 * ../shared/reference/browser-stack.md §4; repo-level details live in tests/support/mock-hub-*.ts.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { datasetApi, datasetMirror, datasetResolve, viewer } from './mock-hub-datasets.ts'
import type { DatasetMirror, DatasetRequest } from './mock-hub-datasets.ts'
import { gatedRepo, hubError, modelInfoExtra, modelRepo, repoInfo, repoNotFound, repoTree, resolveFile } from './mock-hub-repo.ts'
import type { HubRepo, Reply } from './mock-hub-repo.ts'

/** A model repo served from a local folder. */
export interface MockModelRepo {
  /** local transformers.js model folder to serve, e.g. public/models/demo */
  dir: string
  /** true = files need `Authorization: Bearer <token>` (401 GatedRepo without) */
  gated?: boolean
  /** commit sha of 'main', 40 hex; default: sha1 of the repo id */
  sha?: string
}

/** A dataset repo served from a Hub-mirror folder. */
export interface MockDatasetRepo {
  /** a Hub-mirror folder like ../shared/hf-data, holding `<id>/<config or default>/<split>.jsonl` */
  hfDataDir: string
  /** true = files, the Parquet listing and the dataset-viewer need the token */
  gated?: boolean
  /** true = also serve each jsonl as the raw repo file `<config>/<split>.jsonl` at 'main' */
  rawFiles?: boolean
  /** false = no Parquet conversion (listing 404, only the dataset-viewer serves rows); default true */
  parquet?: boolean
}

/** What the mock serves. */
export interface MockHubOptions {
  /** repo id (e.g. 'onnx-community/demo') → repo */
  models?: Record<string, MockModelRepo>
  /** dataset id (e.g. 'allenai/ai2_arc') → source; rows come from `<hfDataDir>/<id>/<config>/<split>.jsonl` */
  datasets?: Record<string, MockDatasetRepo>
  /** the valid HF token for gated repos; undefined = gated repos can never be read */
  token?: string
}

/** One request the mock saw. */
export interface MockRequest {
  /** HTTP method, e.g. 'GET' */
  method: string
  /** URL path and query as sent, e.g. '/api/models/x/y?blobs=true' */
  path: string
  /** the Range header, if any */
  range?: string
  /** the Authorization header, if any */
  authorization?: string
  /** status sent; 0 while unanswered (a stall) or when the connection was dropped before the headers */
  status: number
}

/** A fault injected into matching requests (OPTIONS preflights are never faulted). */
export interface MockFault {
  /** tested against the request's path and query */
  path: RegExp
  /**
   * drop-mid-file: headers and about half of the body, then the connection is cut;
   * status-500-once: a 500 instead of the real answer; stall: no answer until the client gives up or close()
   */
  mode: 'drop-mid-file' | 'status-500-once' | 'stall'
  /** how many matching requests get the fault (count); default 1 */
  times?: number
}

/** A running mock Hub. */
export interface MockHub {
  /** 'http://127.0.0.1:PORT' (no trailing slash); serves both the Hub and the dataset-viewer endpoints */
  url: string
  /** every request seen, in arrival order */
  requests: MockRequest[]
  /** injects a fault into the next `times` requests whose path matches */
  fault(f: MockFault): void
  /** stops listening and destroys open sockets (stalled requests included) */
  close(): Promise<void>
}

/** Headers a browser page may read from the mock's responses. */
const EXPOSED = 'Content-Range, Content-Length, ETag, Accept-Ranges, X-Error-Code, X-Error-Message, X-Repo-Commit, X-Linked-Size, X-Linked-ETag, Link'

/** Headers on every response (CORS for a cross-origin-isolated page). */
const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': EXPOSED,
  'cross-origin-resource-policy': 'cross-origin',
}

/** The answer to a CORS preflight. */
const PREFLIGHT: Record<string, string> = {
  ...CORS,
  'access-control-allow-headers': 'Authorization, Range, Accept, Content-Type',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-max-age': '600',
  'access-control-allow-private-network': 'true',
}

/** dataset-viewer routes served at the root. */
const VIEWER_ROUTES = new Set(['splits', 'rows', 'first-rows', 'info', 'parquet', 'is-valid'])

/** A fault with its remaining count. */
interface ArmedFault {
  /** the path pattern */
  path: RegExp
  /** the mode */
  mode: MockFault['mode']
  /** matching requests still to fault (count) */
  left: number
}

/** Splits `segs` into a known repo id (one or two segments) and the rest. */
function splitId<T>(segs: string[], repos: Map<string, T>): { repo?: T; id: string; rest: string[] } {
  const two = segs.slice(0, 2).join('/')
  if (segs.length >= 2 && repos.has(two)) return { repo: repos.get(two), id: two, rest: segs.slice(2) }
  if (segs.length >= 1 && repos.has(segs[0])) return { repo: repos.get(segs[0]), id: segs[0], rest: segs.slice(1) }
  return { id: two, rest: segs.slice(2) }
}

/** `resolve/{rev}/{path…}` → rev and path; a revision given unencoded as 'refs/x/y' spans three segments. */
function revAndPath(rest: string[]): { rev: string; path: string } | undefined {
  if (rest[0] !== 'resolve') return undefined
  const n = rest[1] === 'refs' && rest.length >= 5 ? 3 : 1
  const path = rest.slice(1 + n).join('/')
  return path === '' ? undefined : { rev: rest.slice(1, 1 + n).join('/'), path }
}

/** Starts a mock Hub on 127.0.0.1 (a free port) serving `opts`; nothing is read until a request needs it. */
export async function startMockHub(opts: MockHubOptions): Promise<MockHub> {
  const models = new Map<string, HubRepo>()
  for (const [id, m] of Object.entries(opts.models ?? {})) {
    if (!existsSync(m.dir)) throw new Error(`mock hub: model folder ${m.dir} for ${id} does not exist; pass an existing folder`)
    models.set(id, modelRepo(id, m.dir, m.gated === true, m.sha))
  }
  const datasets = new Map<string, DatasetMirror>()
  for (const [id, d] of Object.entries(opts.datasets ?? {})) {
    if (!existsSync(`${d.hfDataDir}/${id}`)) throw new Error(`mock hub: ${d.hfDataDir}/${id} for dataset ${id} does not exist; pass a Hub-mirror folder holding it`)
    datasets.set(id, datasetMirror(id, d))
  }
  const requests: MockRequest[] = []
  const faults: ArmedFault[] = []
  const sockets = new Set<Socket>()
  let base = ''

  async function route(url: URL, range: string | undefined, authorized: boolean): Promise<Reply> {
    const segs = url.pathname.split('/').slice(1).map(decodeURIComponent)
    const req: DatasetRequest = { authorized, base }
    if (segs[0] === 'api' && (segs[1] === 'models' || segs[1] === 'datasets')) {
      if (segs[1] === 'datasets') {
        const { repo, rest } = splitId(segs.slice(2), datasets)
        return repo ? datasetApi(repo, rest, url.searchParams, req) : repoNotFound(authorized)
      }
      const { repo, rest } = splitId(segs.slice(2), models)
      if (!repo) return repoNotFound(authorized)
      const [head, rev, ...dir] = rest
      if (head === undefined || (head === 'revision' && rev !== undefined && dir.length === 0)) {
        return repoInfo(repo, rev ?? 'main', url.searchParams.get('blobs') === 'true', await modelInfoExtra(repo, rev ?? 'main'))
      }
      if (head === 'tree' && rev !== undefined) return repoTree(repo, rev, dir.join('/'), url.searchParams.get('recursive') === 'true')
      return hubError(404, 'EntryNotFound', `Not found: ${url.pathname}`)
    }
    if (segs.length === 1 && VIEWER_ROUTES.has(segs[0])) return viewer(segs[0], url.searchParams, datasets, req)
    if (segs[0] === 'datasets') {
      const { repo, rest } = splitId(segs.slice(1), datasets)
      const rp = revAndPath(rest)
      if (!repo) return rp ? repoNotFound(authorized) : hubError(404, 'EntryNotFound', `Not found: ${url.pathname}`)
      return rp ? datasetResolve(repo, rp.rev, rp.path, range, req) : hubError(404, 'EntryNotFound', `Not found: ${url.pathname}`)
    }
    const { repo, rest } = splitId(segs, models)
    const rp = revAndPath(rest) ?? (repo ? undefined : revAndPath(segs.slice(1)))
    if (!rp) return hubError(404, 'EntryNotFound', `Not found: ${url.pathname}`)
    if (!repo) return repoNotFound(authorized)
    if (repo.gated && !authorized) return gatedRepo(repo)
    return resolveFile(repo, rp.rev, rp.path, range)
  }

  /** Sends `reply`, or half of it and then cuts the connection. */
  function send(res: ServerResponse, log: MockRequest, reply: Reply, drop: boolean): void {
    log.status = reply.status
    res.writeHead(reply.status, { ...CORS, ...reply.headers })
    const body = reply.body ?? new Uint8Array(0)
    if (!drop) return void res.end(body)
    const socket = res.socket
    res.flushHeaders()
    const half = body.subarray(0, Math.floor(body.byteLength / 2))
    if (half.byteLength > 0 && res.req.method !== 'HEAD') res.write(half)
    socket?.end(() => socket.destroy())
  }

  function takeFault(path: string): ArmedFault['mode'] | undefined {
    for (const f of faults) {
      f.path.lastIndex = 0
      if (f.left > 0 && f.path.test(path)) {
        f.left--
        return f.mode
      }
    }
    return undefined
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = req.url ?? '/'
    const log: MockRequest = { method: req.method ?? 'GET', path, status: 0 }
    if (req.headers.range !== undefined) log.range = req.headers.range
    if (req.headers.authorization !== undefined) log.authorization = req.headers.authorization
    requests.push(log)
    if (req.method === 'OPTIONS') return send(res, log, { status: 204, headers: PREFLIGHT }, false)
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return send(res, log, { ...hubError(405, 'MethodNotAllowed', `method ${req.method} not allowed; use GET or HEAD`), headers: { allow: 'GET, HEAD, OPTIONS' } }, false)
    }
    const fault = takeFault(path)
    if (fault === 'stall') return
    if (fault === 'status-500-once') return send(res, log, hubError(500, 'InternalError', 'Internal Error (mock fault)'), false)
    const authorized = opts.token !== undefined && req.headers.authorization === `Bearer ${opts.token}`
    let reply: Reply
    try {
      reply = await route(new URL(path, base), req.headers.range, authorized)
    } catch (e) {
      if (e instanceof URIError) reply = hubError(400, 'BadRequest', `malformed URL path ${path}; percent-encode each segment`)
      else reply = hubError(500, 'InternalError', `mock hub failed on ${path}: ${e instanceof Error ? e.message : String(e)}`)
    }
    send(res, log, reply, fault === 'drop-mid-file')
  }

  const server = createServer((req, res) => void handle(req, res))
  server.on('connection', s => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => ok())
  })
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: base,
    requests,
    fault(f) {
      faults.push({ path: f.path, mode: f.mode, left: f.times ?? 1 })
    },
    async close() {
      const closed = new Promise<void>(ok => server.close(() => ok()))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}
