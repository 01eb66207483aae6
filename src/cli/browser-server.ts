/**
 * The local web server behind `evalz run --device webgpu|wasm`: a Vite dev server on the evalz package root
 * (cross-origin isolated, so ORT's wasm runs threaded) that also serves the user's model folder as
 * /models/__cli__/ and the user's dataset mirror as /datasets/.
 */
import { createReadStream, statSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { HarnessError } from '../core/errors.ts'

/** The model folder name the page asks the worker for; the server maps it to the user's --model folder. */
export const CLI_MODEL_ID = '__cli__'

/** What to serve besides the app. */
export interface BrowserServerOptions {
  /** absolute path of the model folder, served as /models/__cli__/ */
  readonly modelDir: string
  /** absolute path of a Hub-mirror folder served as /datasets/; undefined = the app's public/datasets */
  readonly dataDir: string | undefined
}

/** A started server. */
export interface BrowserServer {
  /** origin, e.g. 'http://127.0.0.1:41234' (no trailing slash) */
  readonly origin: string
  close(): Promise<void>
}

/** The evalz package root (the folder holding package.json, vite.config.ts and cli.html). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Cross-origin isolation, as vite.config.ts sets it for the app. */
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

const TYPES: Record<string, string> = {
  '.json': 'application/json', '.jsonl': 'application/x-ndjson', '.csv': 'text/csv', '.txt': 'text/plain',
  '.onnx': 'application/octet-stream', '.parquet': 'application/octet-stream', '.onnx_data': 'application/octet-stream',
}

/** Starts Vite on 127.0.0.1 with a free port; throws a one-line HarnessError when vite is not installed. */
export async function startBrowserServer(opts: BrowserServerOptions): Promise<BrowserServer> {
  const vite = await importOrExplain<typeof import('vite')>('vite')
  const mounts: [string, string][] = [[`/models/${CLI_MODEL_ID}/`, opts.modelDir]]
  if (opts.dataDir !== undefined) mounts.push(['/datasets/', opts.dataDir])
  const server = await vite.createServer({
    root: PACKAGE_ROOT,
    configFile: join(PACKAGE_ROOT, 'vite.config.ts'),
    logLevel: 'error',
    clearScreen: false,
    // own pre-bundle cache, so a running `npm start` or e2e test is not disturbed
    cacheDir: join(PACKAGE_ROOT, 'node_modules/.vite-cli'),
    // the CLI page's deps are pre-bundled up front (merged with the app's entries), so no reload mid-run
    optimizeDeps: { entries: ['cli.html'] },
    server: { host: '127.0.0.1', port: 0, strictPort: false, hmr: false, watch: null, headers: ISOLATION },
    plugins: [{
      name: 'evalz-cli-files',
      configureServer(s) {
        s.middlewares.use((req, res, next) => serveMounted(mounts, req, res, next))
      },
    }],
  })
  try {
    await server.listen()
  } catch (e) {
    await server.close().catch(() => undefined)
    throw e
  }
  const address = server.httpServer?.address()
  if (!address || typeof address === 'string') {
    await server.close()
    throw new HarnessError('BACKEND_ERROR', 'the local web server did not report a port')
  }
  return { origin: `http://127.0.0.1:${address.port}`, close: () => server.close() }
}

/** Serves GET/HEAD under a mount from its folder (404 for anything missing or outside it); else `next()`. */
function serveMounted(mounts: readonly [string, string][], req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = new URL(req.url ?? '/', 'http://x')
  const mount = mounts.find(([prefix]) => url.pathname.startsWith(prefix))
  if (!mount || (req.method !== 'GET' && req.method !== 'HEAD')) return next()
  const [prefix, dir] = mount
  let rel: string
  try {
    rel = decodeURIComponent(url.pathname.slice(prefix.length))
  } catch {
    return send(res, 400)
  }
  const file = resolve(dir, rel)
  if (rel === '' || rel.includes('\0') || !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) return send(res, 404)
  let size: number
  try {
    const st = statSync(file)
    if (!st.isFile()) return send(res, 404)
    size = st.size
  } catch {
    return send(res, 404)
  }
  res.writeHead(200, {
    ...ISOLATION,
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(size),
    'Cache-Control': 'no-store',
  })
  if (req.method === 'HEAD') return void res.end()
  createReadStream(file).on('error', () => res.destroy()).pipe(res)
}

function send(res: ServerResponse, status: number): void {
  res.writeHead(status, { ...ISOLATION, 'Content-Type': 'text/plain' })
  res.end(status === 404 ? 'not found' : 'bad request')
}

/** Imports an optional package (a devDependency of evalz), or says in one line how to get it. */
export async function importOrExplain<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T
  } catch (e) {
    const code = (e as { code?: unknown }).code
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new HarnessError('BACKEND_ERROR', `--device webgpu and wasm need the package '${name}' (run npm install in the evalz folder, dev dependencies included)`, { package: name })
    }
    throw e
  }
}
