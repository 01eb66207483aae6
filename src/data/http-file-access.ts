/**
 * FileAccess over HTTP(S): a mirror served as static files under a base URL (the browser's way in).
 */
import { HarnessError } from '../core/errors.ts'
import { relSegments } from './file-access.ts'
import type { FileAccess } from './file-access.ts'

/**
 * Reads `<baseUrl>/<relPath>` with GET (each path segment URL-encoded). 404 → undefined; any other failure (a
 * network error, another non-2xx status) throws a one-line HarnessError DATASET_NOT_FOUND naming the URL.
 * Cannot list folders. `baseUrl` may be relative ('/datasets') where fetch accepts relative URLs.
 */
export function httpFileAccess(baseUrl: string, fetchFn: typeof fetch = fetch): FileAccess {
  const base = baseUrl.replace(/\/+$/, '')
  function urlOf(relPath: string): string {
    const segments = relSegments(relPath)
    if (!segments) {
      throw new HarnessError('DATASET_NOT_FOUND', `bad mirror path '${relPath}' (expected a relative path without '.', '..' or '\\')`, {
        relPath,
      })
    }
    return segments.length === 0 ? `${base}/` : `${base}/${segments.map(encodeURIComponent).join('/')}`
  }
  return {
    description: `data URL ${baseUrl}`,
    pathOf: urlOf,
    async read(relPath) {
      const url = urlOf(relPath)
      let res: Response
      try {
        res = await fetchFn(url)
      } catch (e) {
        throw new HarnessError('DATASET_NOT_FOUND', `could not fetch ${url}: ${oneLine(e)}`, { url })
      }
      if (res.status === 404) {
        await res.body?.cancel()
        return undefined
      }
      if (!res.ok) {
        await res.body?.cancel()
        throw new HarnessError('DATASET_NOT_FOUND', `could not fetch ${url}: HTTP ${res.status} ${res.statusText}`.trim(), {
          url,
          status: res.status,
        })
      }
      try {
        return new Uint8Array(await res.arrayBuffer())
      } catch (e) {
        throw new HarnessError('DATASET_NOT_FOUND', `could not fetch ${url}: ${oneLine(e)}`, { url })
      }
    },
  }
}

function oneLine(e: unknown): string {
  const cause = e instanceof Error && e.cause instanceof Error ? ` (${e.cause.message})` : ''
  return ((e instanceof Error ? e.message : String(e)) + cause).split('\n')[0]
}
