/**
 * A tiny static file server for the e2e tests: serves a built app folder on 127.0.0.1 (random port) with the
 * cross-origin isolation headers a static host needs for threaded wasm (COOP/COEP), content types by extension,
 * Content-Length, and a plain 404 for missing files (no index.html fallback, so optional-file probes see 404).
 */
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server, ServerResponse } from 'node:http'
import { extname, join, normalize, sep } from 'node:path'

/** A running static server. */
export interface StaticServer {
  /** base URL, e.g. 'http://127.0.0.1:41234/' */
  readonly url: string
  /** paths requested so far (URL pathnames, in order) */
  readonly requested: readonly string[]
  /** stops listening and closes open connections */
  close(): Promise<void>
}

/** Content types by lowercase file extension (with the dot). */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.jsonl': 'application/jsonl',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.onnx_data': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.parquet': 'application/octet-stream',
  '.csv': 'text/csv; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
}

/** Headers every response carries: cross-origin isolation (COOP/COEP) and no caching. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}

/** Serves `root` on 127.0.0.1 at a random free port; '/' and folder paths serve their index.html. */
export async function serveStatic(root: string): Promise<StaticServer> {
  const base = normalize(root)
  const requested: string[] = []
  const server: Server = createServer((req, res) => {
    void (async () => {
      const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
      requested.push(pathname)
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { ...ISOLATION, Allow: 'GET, HEAD', 'Content-Length': 0 }).end()
        return
      }
      let file = normalize(join(base, pathname))
      if (file !== base && !file.startsWith(base.endsWith(sep) ? base : base + sep)) return notFound(res)
      let info = await stat(file).catch(() => undefined)
      if (info?.isDirectory()) {
        file = join(file, 'index.html')
        info = await stat(file).catch(() => undefined)
      }
      if (!info?.isFile()) return notFound(res)
      const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
      res.writeHead(200, { ...ISOLATION, 'Content-Type': type, 'Content-Length': info.size })
      if (req.method === 'HEAD') return void res.end()
      createReadStream(file).on('error', () => res.destroy()).pipe(res)
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { ...ISOLATION, 'Content-Length': 0 })
      res.end()
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('static server did not report a port')
  return {
    url: `http://127.0.0.1:${address.port}/`,
    requested,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    }),
  }
}

/** A plain-text 404. */
function notFound(res: ServerResponse): void {
  const body = 'not found\n'
  res.writeHead(404, { ...ISOLATION, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}
