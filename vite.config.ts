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
        const built = Object.keys(bundle).filter((f) => f !== 'sw.js' && !f.endsWith('.map'))
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
  plugins: [serviceWorker()],
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
    exclude: ['onnxruntime-web', '@huggingface/transformers'],
  },
  build: { target: 'es2022' },
})
