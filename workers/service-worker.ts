/**
 * The app's service worker (production builds only): keeps the app shell, the worker, ORT's wasm files and the
 * app-served demo model and datasets in Cache Storage, so a page loaded once works with the network off. Models
 * and datasets from the Hub are not its business: the eval worker keeps those in IndexedDB.
 *
 * - install: precache the build's files (the list is written into this file by vite.config.ts) under a cache
 *   named after the build, then activate at once; activate deletes other builds' caches.
 * - same-origin GETs only (the Hub and everything cross-origin pass through untouched):
 *   pages → network first, the cached page when offline; everything else → cache first, then the network (a
 *   successful answer is cached, so /models/ and /datasets/ files used once are there offline).
 */
/// <reference lib="webworker" />
export {}

declare const self: ServiceWorkerGlobalScope

/** Written by the build: URLs relative to this file's folder. */
const PRECACHE: readonly string[] = JSON.parse('__EVALZ_PRECACHE__') as string[]
/** Written by the build: distinguishes builds, so a new build's files replace the old ones. */
const BUILD_ID = '__EVALZ_BUILD_ID__'
const CACHE = `evalz-app-${BUILD_ID}`
const scope = new URL('./', self.location.href)
/** URL paths of the precached files */
const PRECACHED = new Set(PRECACHE.map((p) => new URL(p, scope).pathname))

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE)
    await cache.addAll(PRECACHE.map((p) => new URL(p, scope).href))
    await self.skipWaiting()
  })())
})

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('evalz-app-') && name !== CACHE) await caches.delete(name)
    await self.clients.claim()
  })())
})

self.addEventListener('fetch', (event) => {
  const req = event.request
  const url = new URL(req.url)
  if (req.method !== 'GET' || url.origin !== scope.origin) return
  const range = req.headers.get('range')
  // ranges only of precached files (always in the cache once installed); other ranges go to the network untouched
  if (range !== null) return void (PRECACHED.has(url.pathname) && event.respondWith(rangeFromCache(req, range)))
  event.respondWith(req.mode === 'navigate' ? networkFirst(req) : cacheFirst(req))
})

/** The network's page (cached for later), else the cached page for this URL or the app's index. */
async function networkFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE)
  try {
    const res = await fetch(req)
    if (res.ok) await cache.put(req, res.clone())
    return res
  } catch (e) {
    const hit = (await cache.match(req, { ignoreSearch: true })) ?? (await cache.match(new URL('./', scope).href))
    if (hit) return hit
    throw e
  }
}

/**
 * A byte range (transformers.js probes files with `Range: bytes=0-0`) cut from the cached file, else the network's
 * answer as it is.
 */
async function rangeFromCache(req: Request, range: string): Promise<Response> {
  const hit = await (await caches.open(CACHE)).match(req.url)
  const m = /^bytes=(\d+)-(\d*)$/.exec(range)
  if (!hit || !m) return fetch(req)
  const blob = await hit.blob()
  const start = Number(m[1])
  const end = Math.min(m[2] === '' ? blob.size - 1 : Number(m[2]), blob.size - 1)
  if (start > end) return new Response(null, { status: 416, headers: { 'content-range': `bytes */${blob.size}` } })
  const headers = new Headers(hit.headers)
  headers.set('content-range', `bytes ${start}-${end}/${blob.size}`)
  headers.set('content-length', String(end - start + 1))
  return new Response(blob.slice(start, end + 1), { status: 206, headers })
}

/** The cached answer, else the network's (cached when it is a complete 200). */
async function cacheFirst(req: Request): Promise<Response> {
  const cache = await caches.open(CACHE)
  const hit = await cache.match(req)
  if (hit) return hit
  const res = await fetch(req)
  if (res.status === 200 && res.type === 'basic') await cache.put(req, res.clone())
  return res
}
