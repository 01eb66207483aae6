/**
 * Registers the app's service worker (workers/service-worker.ts, built as sw.js) in production builds, so the
 * page works offline once loaded. Development servers do not get one (it would cache files being edited).
 */

/** Registers sw.js next to the page; resolves false where service workers are unavailable or this is a dev build. */
export async function registerServiceWorker(): Promise<boolean> {
  // MODE, not PROD: PROD follows NODE_ENV, which a build started from a test runner leaves at 'test'
  if (import.meta.env.MODE !== 'production' || !('serviceWorker' in navigator)) return false
  try {
    await navigator.serviceWorker.register(new URL(`${import.meta.env.BASE_URL}sw.js`, location.href).href)
    return true
  } catch {
    // no offline copy (e.g. a private window that refuses service workers); the app still works online
    return false
  }
}
