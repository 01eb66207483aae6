/**
 * Share links: a payload (src/core/share) as JSON → deflate-raw (CompressionStream) → base64url, placed in the
 * URL's fragment as `<app URL>#share=<payload>`, which browsers never send to a server. Decoding is strict:
 * alphabet, compressed data, a 2 MB cap on the decompressed size, then checkSharePayload.
 */
import type { RunRequest } from '../protocol/run-request.ts'
import type { ChatRunOptions } from '../core/fewshot/chat-context.ts'
import type { ShareOptions, SharePayload } from '../core/share/share-payload.ts'
import type { ShareSource } from '../core/share/share-builder.ts'
import type { DocIdFilter, SpotCheckPick } from '../core/share/spot-check.ts'
import { MAX_PAYLOAD_BYTES, SHARE_ERROR_CODE } from '../core/share/share-payload.ts'
import { buildSharePayload, payloadBytes } from '../core/share/share-builder.ts'
import { checkSharePayload } from '../core/share/payload-check.ts'
import { spotCheckDocIds } from '../core/share/spot-check.ts'
import { HarnessError } from '../core/errors.ts'

/** The fragment parameter that holds the payload: `#share=<payload>`. */
export const SHARE_PARAM = 'share'

/** Longest encoded payload read, in base64url chars (what 2 MB of incompressible data would need, plus slack). */
export const MAX_ENCODED_CHARS = Math.ceil(((MAX_PAYLOAD_BYTES + 4096) * 4) / 3)

/** A built link and its size. */
export interface ShareLink {
  /** the whole link, `<app URL>#share=<payload>` */
  readonly url: string
  /** the link's length in characters (what chat apps and browsers limit) */
  readonly length: number
  /** the encoded payload alone, base64url chars */
  readonly encoded: string
  /** the payload's JSON size before compression, bytes */
  readonly jsonBytes: number
}

/** A run request made from a link: RunRequest plus the settings RunRequest does not hold yet. */
export type SharedRunRequest = RunRequest & {
  /** the link's chat-template settings; absent for plain prompts */
  readonly chat?: ChatRunOptions
  /** spot-check: only these docs per task (see DocIdFilter) */
  readonly docIds?: DocIdFilter
}

/** Where the re-run's model comes from on this device (after the page resolved the link's model entry). */
export interface RerunModel {
  /** id for the new run */
  readonly runId: string
  /** app folder name or stored model id */
  readonly model: string
  /** 'app' for the app's own models, 'stored' for a stored (downloaded or dropped) model */
  readonly modelSource: 'app' | 'stored'
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
const DECODE = new Map([...ALPHABET].map((c, i) => [c, i]))

function refuse(message: string, detail?: Record<string, unknown>): never {
  throw new HarnessError(SHARE_ERROR_CODE, `share link: ${message}`, detail)
}

/** base64url without padding (RFC 4648 §5). */
export function base64UrlEncode(bytes: Uint8Array): string {
  let out = ''
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0)
    const chars = i + 2 < bytes.length ? 4 : i + 1 < bytes.length ? 3 : 2
    for (let c = 0; c < chars; c++) out += ALPHABET[(n >> (18 - 6 * c)) & 63]
  }
  return out
}

/** Strict base64url decoding: only the url-safe alphabet, no padding, no stray bits. */
export function base64UrlDecode(text: string): Uint8Array {
  const bad = [...text].findIndex(c => !DECODE.has(c))
  if (bad >= 0) refuse(`the payload has ${JSON.stringify(text[bad])} at position ${bad}, which is not base64url (A–Z a–z 0–9 - _); copy the whole link again`, { position: bad })
  if (text.length % 4 === 1) refuse(`the payload's length ${text.length} is not a base64url length (it was cut off); copy the whole link again`)
  const out = new Uint8Array(Math.floor((text.length * 3) / 4))
  let o = 0
  for (let i = 0; i < text.length; i += 4) {
    const group = text.slice(i, i + 4)
    let n = 0
    for (let c = 0; c < 4; c++) n = (n << 6) | (c < group.length ? DECODE.get(group[c])! : 0)
    const bytes = group.length - 1
    for (let b = 0; b < bytes; b++) out[o++] = (n >> (16 - 8 * b)) & 255
    if (group.length < 4 && (n & ((1 << (8 * (3 - bytes))) - 1)) !== 0) refuse('the payload ends in stray bits (it was cut off or edited); copy the whole link again')
  }
  return out
}

/** Runs bytes through a (de)compression stream; refuses once the output passes `max` bytes. */
async function transform(bytes: Uint8Array, stream: CompressionStream | DecompressionStream, max: number): Promise<Uint8Array> {
  const writer = stream.writable.getWriter()
  const writing = writer.write(bytes as Uint8Array<ArrayBuffer>).then(() => writer.close())
  writing.catch(() => undefined)
  const reader = stream.readable.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.length
    if (total > max) {
      await reader.cancel().catch(() => undefined)
      refuse(`the payload unpacks to more than ${max / 1048576} MB, the most a link may carry; it is not an evalz link or was edited`, { max })
    }
    chunks.push(value)
  }
  await writing
  const out = new Uint8Array(total)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.length
  }
  return out
}

/**
 * A payload as the base64url text of its deflate-raw compressed JSON.
 * @example await encodeSharePayload(payload) // 'q1YqyUxXslIqS8wpTVWqBQA'
 */
export async function encodeSharePayload(payload: SharePayload): Promise<string> {
  const json = new TextEncoder().encode(JSON.stringify(payload))
  return base64UrlEncode(await transform(json, new CompressionStream('deflate-raw'), Number.MAX_SAFE_INTEGER))
}

/**
 * The payload of an encoded link text, checked strictly; throws HarnessError(SHARE_ERROR_CODE) with one line
 * naming what is wrong (alphabet, truncated data, size, JSON, version, field).
 */
export async function decodeSharePayload(encoded: string): Promise<SharePayload> {
  if (encoded === '') refuse('the payload is empty; copy the whole link again')
  if (encoded.length > MAX_ENCODED_CHARS) refuse(`the payload is ${encoded.length} chars, more than the ${MAX_ENCODED_CHARS} a link may carry`, { length: encoded.length })
  const compressed = base64UrlDecode(encoded)
  let json: Uint8Array
  try {
    json = await transform(compressed, new DecompressionStream('deflate-raw'), MAX_PAYLOAD_BYTES)
  } catch (e) {
    if (e instanceof HarnessError) throw e
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0]
    return refuse(`the compressed payload is truncated or corrupt (${why}); copy the whole link again`)
  }
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json))
  } catch (e) {
    return refuse(`the payload is not UTF-8 JSON (${(e instanceof Error ? e.message : String(e)).split('\n')[0]}); it is not an evalz link or was edited`)
  }
  return checkSharePayload(value, 'link')
}

/** The encoded payload in a link or fragment ('…#share=…', '#share=…'); undefined when it has none. */
export function sharePayloadText(urlOrHash: string): string | undefined {
  const at = urlOrHash.indexOf('#')
  const fragment = at >= 0 ? urlOrHash.slice(at + 1) : urlOrHash
  for (const part of fragment.split('&')) {
    const eq = part.indexOf('=')
    if (eq >= 0 && part.slice(0, eq) === SHARE_PARAM) return part.slice(eq + 1)
  }
  return undefined
}

/** The checked payload of a link; undefined when the link has no `#share=`. Opening a link starts nothing. */
export async function readShareLink(urlOrHash: string): Promise<SharePayload | undefined> {
  const text = sharePayloadText(urlOrHash)
  return text === undefined ? undefined : decodeSharePayload(text)
}

/**
 * The link for a payload: `appUrl` without its fragment, then `#share=<payload>`; reports the length.
 * @example (await shareLinkFor('https://evalz.app/', payload)).length // 2841
 */
export async function shareLinkFor(appUrl: string, payload: SharePayload): Promise<ShareLink> {
  const encoded = await encodeSharePayload(payload)
  const base = appUrl.split('#')[0]
  const url = `${base}#${SHARE_PARAM}=${encoded}`
  return { url, length: url.length, encoded, jsonBytes: payloadBytes(payload) }
}

/** Builds (allow-list) and encodes the link of a stored run; see buildSharePayload for what can fail. */
export async function createShareLink(appUrl: string, source: ShareSource, options: ShareOptions): Promise<ShareLink & { readonly payload: SharePayload }> {
  const payload = buildSharePayload(source, options)
  return { ...(await shareLinkFor(appUrl, payload)), payload }
}

/**
 * The request that re-runs a link's evaluation on this device (samples logged, for the comparison); with `picks`,
 * only those docs (a spot-check; the evaluator must support `docIds`).
 */
export function rerunRequest(payload: SharePayload, target: RerunModel, picks?: readonly SpotCheckPick[]): SharedRunRequest {
  const { run } = payload
  return {
    runId: target.runId,
    model: target.model,
    modelSource: target.modelSource,
    device: run.device,
    tasks: [...run.tasks],
    limit: run.limit ?? undefined,
    numFewshot: run.numFewshot ?? undefined,
    batchSize: run.batchSize,
    seed: run.seed,
    bootstrapIters: run.bootstrapIters,
    logSamples: true,
    ...(run.chat === undefined ? {} : { chat: { ...run.chat } }),
    ...(picks === undefined ? {} : { docIds: spotCheckDocIds(picks) }),
  }
}
