/**
 * Issue 16's app acceptance, on the production build in Debian Chromium: "Model → Server" evaluates a model served
 * by `evalz serve` (127.0.0.1, port 0: another origin, so CORS) with an API key kept by the worker. arc_easy and
 * gsm8k (their rows from a mock Hub over ../shared/hf-data) give the CLI's local run of the same model: every
 * log-likelihood within 1e-4 and identical generations. The key shows up in no page, URL, stored run or file; a
 * refused key, a server that is down and one that does not allow the page's origin each get one line.
 * Skipped, saying why, without /usr/bin/chromium or ../shared/hf-data.
 */
import { existsSync } from 'node:fs'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { CHROMIUM, HAS_CHROMIUM, ROOT, serveProductionApp, launchChromium, openPage } from './production-app.ts'
import type { ProductionApp } from './production-app.ts'
import { showView, startRun, storedRuns, waitForRun } from './app-driver.ts'
import { compareRuns, parseSamples, runCli } from './cli-reference.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'
import { parseCommand } from '../../src/cli/args.ts'
import type { ServeArgs } from '../../src/cli/args.ts'
import { startServe } from '../../src/cli/serve-command.ts'
import { createApiClient } from '../../src/backends/openai-api/api-client.ts'
import { streamChatCompletion } from '../../src/backends/openai-api/chat-stream.ts'
import type { RunningServer } from '../../src/cli/serve-command.ts'

const HF_DATA = join(ROOT, '../shared/hf-data')
const READY = HAS_CHROMIUM && existsSync(join(HF_DATA, 'allenai/ai2_arc/ARC-Easy/test.jsonl')) && existsSync(join(HF_DATA, 'openai/gsm8k/main'))
const WHY = HAS_CHROMIUM ? `${HF_DATA} has no ARC-Easy or GSM8K` : `${CHROMIUM} not found`
const KEY = 'sk-e2e-served-5b9d0c7e'
const TASKS = ['arc_easy', 'gsm8k']
const LIMIT = 3

/** A server that answers /v1/models but sends no CORS headers: a browser page on another origin cannot read it. */
async function startServerWithoutCors(): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'application/json')
    res.end(JSON.stringify({ object: 'list', data: [{ id: 'demo', object: 'model', owned_by: 'other' }] }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, server }
}

/** Fills Model → Server and clicks "Use server" (the key field only when `key` is given). */
async function useServer(page: Page, url: string, key?: string): Promise<void> {
  await page.getByTestId('server-url').fill(url)
  await page.getByTestId('server-model').fill('demo')
  if (key !== undefined) await page.getByTestId('server-key').fill(key)
  await page.getByTestId('server-connect').click()
}

/** The one-line error the server panel shows after "Use server", once it names `url`. */
async function serverError(page: Page, url: string): Promise<string> {
  const error = page.getByTestId('server-error')
  await expect.poll(async () => (await error.count()) > 0 ? await error.textContent() : '', { timeout: 30_000 }).toContain(url)
  return (await error.textContent()) ?? ''
}

/** The Hub endpoint the app has stored (its IndexedDB 'settings' record), '' before one is. */
async function storedHubEndpoint(page: Page): Promise<string> {
  return page.evaluate(async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === 'evalz')) return ''
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const r = indexedDB.open('evalz')
      r.onsuccess = () => resolve(r.result)
      r.onerror = () => reject(r.error)
    })
    try {
      if (!db.objectStoreNames.contains('settings')) return ''
      const hub = await new Promise<{ endpoint?: string } | undefined>((resolve, reject) => {
        const r = db.transaction('settings').objectStore('settings').get('hub')
        r.onsuccess = () => resolve(r.result as { endpoint?: string } | undefined)
        r.onerror = () => reject(r.error)
      })
      return hub?.endpoint ?? ''
    } finally {
      db.close()
    }
  })
}

/** A base URL on a port that nothing listens on (one just freed). */
async function closedPortUrl(): Promise<string> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as AddressInfo).port
  await new Promise((r) => server.close(r))
  return `http://127.0.0.1:${port}/v1`
}

describe.skipIf(!READY)(`a served model in the app${READY ? '' : ` (skipped: ${WHY})`}`, () => {
  let app: ProductionApp
  let hub: MockHub
  let browser: Browser
  let page: Page
  let served: RunningServer
  let noCors: { url: string; server: Server }
  const problems: string[] = []

  beforeAll(async () => {
    const args = (parseCommand(['serve', '--model', 'public/models/demo', '--port', '0', '--api-key', KEY]) as { args: ServeArgs }).args
    served = await startServe(args, { isTTY: false, write: () => {} })
    noCors = await startServerWithoutCors()
    hub = await startMockHub({ datasets: { 'allenai/ai2_arc': { hfDataDir: HF_DATA }, 'openai/gsm8k': { hfDataDir: HF_DATA } } })
    app = await serveProductionApp()
    browser = await launchChromium()
    // failed requests are not problems here: the app probes dataset mirrors and the Hub, and some servers are down on purpose
    ;({ page } = await openPage(browser, problems, { failedRequests: false }))
    await page.goto(app.server.url)
    await showView(page, 'run')
  }, 180_000)

  afterAll(async () => {
    await browser?.close()
    await app?.close()
    await hub?.close()
    await served?.close()
    await new Promise((r) => noCors?.server.close(r))
  })

  afterEach(() => {
    expect(problems.splice(0)).toEqual([])
  })

  it('runs arc_easy and gsm8k on the server with the CLI\'s local numbers, keeping the key out of everything', async () => {
    // the datasets come from the (mock) Hub, as a user's would
    await page.getByTestId('hub-settings').locator('summary').click()
    // the field shows the stored endpoint once the worker answers; typing before that would be overwritten
    await expect.poll(() => page.getByTestId('hub-endpoint').inputValue(), { timeout: 30_000 }).not.toBe('')
    await page.getByTestId('hub-endpoint').fill(hub.url)
    await page.getByTestId('hub-endpoint').press('Tab')
    // the worker stores it asynchronously: a run started before would ask the real Hub
    await expect.poll(() => storedHubEndpoint(page), { timeout: 30_000 }).toBe(hub.url)
    await page.getByTestId('server-panel').locator('summary').click()
    await useServer(page, served.url, KEY)
    await expect.poll(() => page.getByTestId('server-status').textContent(), { timeout: 30_000 }).toContain(`Using demo at ${served.url}`)
    // the key field empties once the worker holds the key
    await expect.poll(() => page.getByTestId('server-key').inputValue()).toBe('')

    const known = await startRun(page, { tasks: TASKS, limit: LIMIT, device: 'wasm' })
    const run = await waitForRun(page, known, 240_000)
    expect(run.device?.device).toBe('server')
    const results = JSON.parse(run.resultsJson) as { config: { model: string; model_args: string }; evalz: { model_origin: unknown } }
    expect(results.config.model).toBe('local-completions')
    expect(results.config.model_args).toContain(`model=demo,base_url=${served.url}/completions`)
    expect(results.evalz.model_origin).toMatchObject({ kind: 'api', base_url: served.url, model: 'demo', owned_by: 'evalz', prompt_logprobs: true })
    expect(parseSamples(run.samplesJsonl.arc_easy!)).toHaveLength(LIMIT)
    expect(parseSamples(run.samplesJsonl.gsm8k!).length).toBeGreaterThanOrEqual(LIMIT)

    const local = await runCli(ROOT, { tasks: TASKS, limit: LIMIT, dataDir: HF_DATA })
    expect(compareRuns(run, local, TASKS, 1e-4)).toEqual([])

    // the key: in no page, URL, stored run or its files
    expect(await page.content()).not.toContain(KEY)
    expect(page.url()).not.toContain(KEY)
    expect(JSON.stringify(await storedRuns(page))).not.toContain(KEY)

    // after a reload the served model is still the one selected (the stored settings name it)
    await page.reload()
    await showView(page, 'run')
    const servedChoice = page.locator('[data-testid="model-list"] [data-source="server"] input[type=radio]')
    await expect.poll(() => servedChoice.isChecked().catch(() => false), { timeout: 30_000 }).toBe(true)
  }, 420_000)

  it('chats with the served model through /v1/chat/completions: the server\'s own greedy reply', async () => {
    const text = 'Once upon a time'
    const client = createApiClient({ baseUrl: served.url, apiKey: KEY })
    const expected = (await streamChatCompletion(client, { model: 'demo', messages: [{ role: 'user', content: text }], maxTokens: 12, temperature: 0 }, () => {})).text
    expect(expected).not.toBe('')
    await showView(page, 'chat')
    const option = `server:demo@${served.url}`
    const select = page.getByTestId('chat-model')
    await expect.poll(() => select.locator(`option[value="${option}"]`).count(), { timeout: 30_000 }).toBe(1)
    await select.selectOption(option)
    await page.getByTestId('chat-raw').setChecked(false)
    for (const [id, value] of [['chat-temperature', '0'], ['chat-max-tokens', '12']]) {
      await page.getByTestId(id).fill(value)
      await page.getByTestId(id).dispatchEvent('change')
    }
    await page.getByTestId('chat-input').fill(text)
    await page.getByTestId('chat-send').click()
    const replies = page.locator('[data-testid=chat-message][data-role=assistant][data-streaming=false]')
    const settled = async () => (await replies.count()) >= 1 && (await page.getByTestId('chat-stop').isDisabled())
    await expect.poll(settled, { timeout: 60_000 }).toBe(true)
    expect(await replies.last().getAttribute('data-text')).toBe(expected)
    // it was the server that answered (the demo model here would give the same greedy text)
    await expect.poll(() => page.getByTestId('chat-stats').textContent()).toContain(' · server · ')
    expect(await page.getByTestId('chat-prompt').textContent()).toBe(`user: ${text}`)
    expect(await page.content()).not.toContain(KEY)
  }, 120_000)

  it('says in one line that the server refused the key, without echoing it', async () => {
    await showView(page, 'run')
    await useServer(page, served.url, 'sk-wrong-1111')
    const line = await serverError(page, 'HTTP 401')
    expect(line).toContain('enter the right one under Model → Server')
    expect(line).not.toContain('sk-wrong-1111')
    expect(line).not.toContain('\n')
    // Chromium logs the refused request itself
    problems.splice(0, problems.length, ...problems.filter((p) => !p.includes('401')))
  }, 60_000)

  it('says in one line when the server is down or does not allow this page (CORS)', async () => {
    await showView(page, 'run')
    const down = await closedPortUrl()
    for (const url of [noCors.url, down]) {
      await useServer(page, url)
      const line = await serverError(page, `GET ${url}/models`)
      expect(line).toContain(`GET ${url}/models failed`)
      expect(line).toContain('CORS')
      expect(line).not.toContain('\n')
    }
    // Chromium logs the blocked and refused requests itself
    const origins = [new URL(noCors.url).host, new URL(down).host]
    problems.splice(0, problems.length, ...problems.filter((p) => !origins.some((o) => p.includes(o)) && !p.includes('CORS')))
  }, 60_000)
})
