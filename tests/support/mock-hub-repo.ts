/**
 * Test support for tests/support/mock-hub.ts: a Hub repository as the mock sees it (revisions → lazily loaded
 * files), the replies the Hub gives for it (`resolve` with Range/HEAD, `/api/{type}s/{id}` info, `/tree`), and
 * the model repository read from a local transformers.js folder.
 */
import { createHash } from 'node:crypto'
import { readFile, readdir } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'

/** What a handler answers; the server adds CORS and fault handling and sends it. */
export interface Reply {
  /** HTTP status code */
  status: number
  /** response headers (lower-case names) */
  headers: Record<string, string>
  /** response body; omitted = empty (HEAD bodies are dropped by the server) */
  body?: Uint8Array
}

/** A file's bytes and the hashes the Hub derives from them. */
export interface StoredFile {
  /** the file's content */
  bytes: Uint8Array
  /** git blob oid of what git stores (the file, or its LFS pointer), 40 hex */
  oid: string
  /** LFS info when the Hub would keep the file in LFS; undefined for a plain git file */
  lfs?: { sha256: string; size: number; pointerSize: number }
}

/** One revision of a repository. */
export interface RepoRevision {
  /** the commit sha of the revision, 40 hex (sent as X-Repo-Commit) */
  commit: string
  /** repository path (no leading slash) → loader of the file (memoised by the loader's owner) */
  files: Map<string, () => Promise<StoredFile>>
}

/** A repository the mock serves. */
export interface HubRepo {
  /** 'model' or 'dataset' */
  type: 'model' | 'dataset'
  /** repo id, e.g. 'allenai/ai2_arc' */
  id: string
  /** true when files need the token */
  gated: boolean
  /** commit sha of 'main', 40 hex */
  sha: string
  /** the revision named `rev` (a branch, a ref like 'refs/convert/parquet', or a commit sha); undefined = unknown */
  revision(rev: string): Promise<RepoRevision | undefined>
}

/** Files larger than this (bytes) are stored as LFS objects, whatever their extension. */
export const LFS_THRESHOLD_BYTES = 10_000

/** Extensions the Hub's default .gitattributes sends to LFS at any size. */
const LFS_EXTENSIONS = ['.onnx', '.onnx_data', '.parquet', '.safetensors', '.bin', '.gguf']

/** Fixed timestamp of every mock commit. */
export const MOCK_DATE = '2025-01-01T00:00:00.000Z'

/** Hex sha1 of a string or bytes. */
export function sha1Hex(data: string | Uint8Array): string {
  return createHash('sha1').update(data).digest('hex')
}

/** A StoredFile for `bytes` at `path`: LFS when large or binary, like the Hub. */
export function storedFile(path: string, bytes: Uint8Array): StoredFile {
  const isLfs = bytes.byteLength > LFS_THRESHOLD_BYTES || LFS_EXTENSIONS.some(e => path.endsWith(e))
  if (!isLfs) return { bytes, oid: gitOid(bytes) }
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  const pointer = new TextEncoder().encode(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${bytes.byteLength}\n`)
  return { bytes, oid: gitOid(pointer), lfs: { sha256, size: bytes.byteLength, pointerSize: pointer.byteLength } }
}

/** The git blob id of `bytes`. */
function gitOid(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex')
}

/** Memoises an async loader. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined
  return () => (p ??= load())
}

/** A JSON reply. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Reply {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: new TextEncoder().encode(JSON.stringify(body)) }
}

/** A Hub error: `{"error": message}` with X-Error-Code and X-Error-Message. */
export function hubError(status: number, code: string, message: string): Reply {
  return json(status, { error: message }, { 'x-error-code': code, 'x-error-message': message })
}

/** The reply for a repo the caller may not see: 404 with the valid token, else 401 (anti-enumeration). */
export function repoNotFound(authorized: boolean): Reply {
  return hubError(authorized ? 404 : 401, 'RepoNotFound', 'Repository not found')
}

/** The reply for a gated repo asked for without the token. */
export function gatedRepo(repo: HubRepo): Reply {
  return hubError(401, 'GatedRepo', `Access to ${repo.type} ${repo.id} is restricted. You must have access to it and be authenticated to access it. Please log in.`)
}

/** The reply for an unknown revision. */
export function revisionNotFound(rev: string): Reply {
  return hubError(404, 'RevisionNotFound', `Invalid rev id: ${rev}`)
}

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` → inclusive range; 'unsatisfiable'; undefined when absent or unsupported. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header?.trim() ?? '')
  if (!m || (m[1] === '' && m[2] === '')) return undefined
  if (m[1] === '') {
    const n = Number(m[2])
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(m[1])
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1)
  return start >= size || start > end ? 'unsatisfiable' : { start, end }
}

/** Content type by extension. */
function contentType(path: string): string {
  if (path.endsWith('.json')) return 'application/json'
  if (/\.(jsonl|md|txt|jinja|yaml|yml)$/.test(path)) return 'text/plain; charset=utf-8'
  return 'application/octet-stream'
}

/** `GET/HEAD {type prefix}/{id}/resolve/{rev}/{path}`: the file, whole (200) or a Range (206), or the Hub's errors. */
export async function resolveFile(repo: HubRepo, rev: string, path: string, range: string | undefined): Promise<Reply> {
  const revision = await repo.revision(rev)
  if (!revision) return revisionNotFound(rev)
  const load = revision.files.get(path)
  if (!load) return hubError(404, 'EntryNotFound', `Entry not found: ${path}`)
  const file = await load()
  const size = file.bytes.byteLength
  const etag = `"${file.lfs?.sha256 ?? file.oid}"`
  const headers: Record<string, string> = {
    'content-type': contentType(path),
    'accept-ranges': 'bytes',
    etag,
    'x-repo-commit': revision.commit,
  }
  if (file.lfs) Object.assign(headers, { 'x-linked-size': String(size), 'x-linked-etag': etag })
  const r = parseRange(range, size)
  if (r === 'unsatisfiable') return { status: 416, headers: { ...headers, 'content-range': `bytes */${size}` } }
  if (!r) return { status: 200, headers: { ...headers, 'content-length': String(size) }, body: file.bytes }
  const body = file.bytes.subarray(r.start, r.end + 1)
  return { status: 206, headers: { ...headers, 'content-length': String(body.byteLength), 'content-range': `bytes ${r.start}-${r.end}/${size}` }, body }
}

/** A `siblings` entry: `{rfilename}`, or with blobs also size, blobId and lfs. */
async function sibling(path: string, load: () => Promise<StoredFile>, blobs: boolean): Promise<Record<string, unknown>> {
  if (!blobs) return { rfilename: path }
  const f = await load()
  return { rfilename: path, size: f.bytes.byteLength, blobId: f.oid, ...(f.lfs ? { lfs: f.lfs } : {}) }
}

/** `GET /api/{type}s/{id}[/revision/{rev}][?blobs=true]`: the repo info with `extra` fields (type-specific). */
export async function repoInfo(repo: HubRepo, rev: string, blobs: boolean, extra: Record<string, unknown>): Promise<Reply> {
  const revision = await repo.revision(rev)
  if (!revision) return revisionNotFound(rev)
  const paths = [...revision.files.keys()].sort()
  const siblings = await Promise.all(paths.map(p => sibling(p, revision.files.get(p)!, blobs)))
  const author = repo.id.includes('/') ? repo.id.split('/')[0] : undefined
  return json(200, {
    _id: sha1Hex(`_id:${repo.type}:${repo.id}`).slice(0, 24),
    id: repo.id,
    ...(author === undefined ? {} : { author }),
    sha: revision.commit,
    lastModified: MOCK_DATE,
    createdAt: MOCK_DATE,
    private: false,
    gated: repo.gated ? 'auto' : false,
    disabled: false,
    downloads: 0,
    likes: 0,
    ...extra,
    siblings,
  })
}

/** `GET /api/{type}s/{id}/tree/{rev}[/{dir}][?recursive=true]`: files and folders under `dir`. */
export async function repoTree(repo: HubRepo, rev: string, dir: string, recursive: boolean): Promise<Reply> {
  const revision = await repo.revision(rev)
  if (!revision) return revisionNotFound(rev)
  const prefix = dir === '' ? '' : `${dir.replace(/\/+$/, '')}/`
  const under = [...revision.files.keys()].filter(p => p.startsWith(prefix)).sort()
  if (prefix !== '' && under.length === 0) return hubError(404, 'EntryNotFound', `Entry not found: ${dir}`)
  const entries: Record<string, unknown>[] = []
  const dirs = new Set<string>()
  for (const path of under) {
    const parts = path.slice(prefix.length).split('/')
    const depth = recursive ? parts.length - 1 : Math.min(parts.length - 1, 1)
    for (let i = 1; i <= depth; i++) {
      const d = prefix + parts.slice(0, i).join('/')
      if (!dirs.has(d)) {
        dirs.add(d)
        entries.push({ type: 'directory', oid: sha1Hex(`tree ${revision.commit} ${d}`), size: 0, path: d })
      }
    }
    if (!recursive && parts.length > 1) continue
    const f = await revision.files.get(path)!()
    const lfs = f.lfs ? { lfs: { oid: f.lfs.sha256, size: f.lfs.size, pointerSize: f.lfs.pointerSize } } : {}
    entries.push({ type: 'file', oid: f.oid, size: f.bytes.byteLength, path, ...lfs })
  }
  return json(200, entries)
}

/** Every file under `dir`, as repository paths with '/' separators. */
async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries.filter(e => e.isFile()).map(e => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
}

/** A model repo serving the files of a local folder at 'main' and at its commit sha. */
export function modelRepo(id: string, dir: string, gated: boolean, sha: string | undefined): HubRepo {
  const commit = sha ?? sha1Hex(id)
  const files = once(async () => {
    const map = new Map<string, () => Promise<StoredFile>>()
    for (const path of await walk(dir)) map.set(path, once(async () => storedFile(path, new Uint8Array(await readFile(join(dir, path))))))
    return map
  })
  return {
    type: 'model',
    id,
    gated,
    sha: commit,
    async revision(rev) {
      return rev === 'main' || rev === 'refs/heads/main' || rev === commit ? { commit, files: await files() } : undefined
    },
  }
}

/** The `config` field of a model's info: architectures and model_type of its config.json, when present. */
export async function modelInfoExtra(repo: HubRepo, rev: string): Promise<Record<string, unknown>> {
  const extra: Record<string, unknown> = { tags: ['transformers.js', 'onnx', 'text-generation'], pipeline_tag: 'text-generation', library_name: 'transformers.js' }
  const load = (await repo.revision(rev))?.files.get('config.json')
  if (!load) return extra
  try {
    const cfg = JSON.parse(new TextDecoder().decode((await load()).bytes)) as Record<string, unknown>
    extra.config = { architectures: cfg.architectures, model_type: cfg.model_type }
  } catch {
    // a config.json that is not JSON is served as is; the info just lacks `config`
  }
  return extra
}
