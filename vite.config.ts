/**
 * Vite config for the web app: a static page plus one module worker that runs transformers.js / onnxruntime-web.
 * COOP/COEP make the page cross-origin isolated, so ORT's wasm can use threads (SharedArrayBuffer).
 */
import { createHash } from 'node:crypto'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { defineConfig } from 'vite'
import type { Plugin } from 'vite'

/** Cross-origin isolation headers for the dev server and `vite preview`. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

/** Files under a folder, as '/'-separated paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? filesUnder(p).map((f) => `${name}/${f}`) : [name]
  })
}

/** Pyodide's runtime files the eval worker loads (from the npm package; no CDN): served and emitted as pyodide/… */
export const PYODIDE_FILES = ['pyodide.asm.mjs', 'pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json'] as const
const pyodideDir = resolve(import.meta.dirname, 'node_modules/pyodide')

/**
 * Serves (dev) and emits (build) Pyodide's runtime files under pyodide/, so Python hooks run offline from the app's
 * own assets. They are not precached (most runs never load them): the service worker keeps them once used.
 */
function pyodideAssets(): Plugin {
  return {
    name: 'evalz-pyodide-assets',
    configureServer(server) {
      server.middlewares.use((req, res, next) => {
        const name = req.url?.split('?')[0].match(/\/pyodide\/([^/]+)$/)?.[1]
        if (name === undefined || !(PYODIDE_FILES as readonly string[]).includes(name)) return next()
        const type = name.endsWith('.wasm') ? 'application/wasm' : name.endsWith('.mjs') ? 'text/javascript' : name.endsWith('.json') ? 'application/json' : 'application/zip'
        res.setHeader('Content-Type', type)
        res.end(readFileSync(join(pyodideDir, name)))
      })
    },
    generateBundle() {
      for (const name of PYODIDE_FILES) this.emitFile({ type: 'asset', fileName: `pyodide/${name}`, source: readFileSync(join(pyodideDir, name)) })
    },
  }
}

/**
 * Builds workers/service-worker.ts as /sw.js and writes into it the list of files to precache — every file the
 * build emits (pages, scripts, the eval worker, ORT's wasm) and the public folder (demo model, demo datasets) —
 * and a build id made from their names.
 */
function serviceWorker(): Plugin {
  let publicDir = ''
  return {
    name: 'evalz-service-worker',
    apply: 'build',
    enforce: 'post',
    configResolved(config) {
      publicDir = config.publicDir
    },
    buildStart() {
      this.emitFile({ type: 'chunk', id: resolve(import.meta.dirname, 'workers/service-worker.ts'), fileName: 'sw.js' })
    },
    generateBundle: {
      order: 'post',
      handler(_options, bundle) {
        // Pyodide's files are cached by the service worker when first used, not precached
        const built = Object.keys(bundle).filter((f) => f !== 'sw.js' && !f.endsWith('.map') && !f.startsWith('pyodide/'))
        const pub = publicDir === '' ? [] : filesUnder(publicDir)
        const files = [...new Set([...built, ...pub])].sort()
        const list = files.map((f) => (f === 'index.html' ? './' : f))
        const sw = bundle['sw.js']
        if (sw?.type !== 'chunk') throw new Error('evalz-service-worker: sw.js was not built')
        // built file names carry content hashes; public files do not, so their bytes go into the id
        const hash = createHash('sha256').update(files.join('\n'))
        for (const f of pub) hash.update(readFileSync(join(publicDir, f)))
        const id = hash.digest('hex').slice(0, 16)
        sw.code = sw.code
          .replace(/(["'`])__EVALZ_PRECACHE__\1/, JSON.stringify(JSON.stringify(list)))
          .replace(/__EVALZ_BUILD_ID__/, id)
        if (!sw.code.includes(id) || sw.code.includes('__EVALZ_PRECACHE__')) throw new Error('evalz-service-worker: placeholders not found in sw.js')
      },
    },
  }
}

export default defineConfig({
  plugins: [pyodideAssets(), serviceWorker()],
  // 'mpa': no index.html fallback, so a missing /models or /datasets file is a real 404 (transformers.js and the
  // dataset mirror probe for optional files).
  appType: 'mpa',
  server: { headers: isolation },
  preview: { headers: isolation },
  worker: { format: 'es' },
  optimizeDeps: {
    // the worker is not reachable from index.html by the dependency crawler; list it so its deps are
    // pre-bundled up front instead of triggering a reload on first use
    entries: ['index.html', 'workers/*.worker.ts'],
    exclude: ['onnxruntime-web', '@huggingface/transformers', 'pyodide'],
  },
  build: { target: 'es2022' },
})
