/**
 * Vite config for the web app: a static page plus one module worker that runs transformers.js / onnxruntime-web.
 * COOP/COEP make the page cross-origin isolated, so ORT's wasm can use threads (SharedArrayBuffer).
 */
import { defineConfig } from 'vite'

/** Cross-origin isolation headers for the dev server and `vite preview`. */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export default defineConfig({
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
