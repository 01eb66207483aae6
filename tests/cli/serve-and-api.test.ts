/**
 * `evalz serve` + `evalz run --model-api` against the local run of the same model: every log-likelihood within
 * 1e-4, identical generations and rolling perplexities; the key never reaches files, URLs or output; a server
 * without prompt log-probabilities runs the generation tasks and says so in one line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseCommand } from '../../src/cli/args.ts'
import type { RunArgs, ServeArgs } from '../../src/cli/args.ts'
import { runCommand } from '../../src/cli/run-command.ts'
import { startServe } from '../../src/cli/serve-command.ts'
import type { RunningServer } from '../../src/cli/serve-command.ts'
import { harnessFailure } from '../rejection.ts'
import { createApiClient } from '../../src/backends/openai-api/api-client.ts'
import { streamChatCompletion } from '../../src/backends/openai-api/chat-stream.ts'

const ROOT = resolve(import.meta.dirname, '../..')
/** ../shared beside the repo (or beside a worktrees folder) */
const HF_DATA = [resolve(ROOT, '../shared/hf-data'), resolve(ROOT, '../../shared/hf-data')].find(existsSync)
const KEY = 'sk-evalz-test-4c1d8e2f9a'

interface Run { out: string; stdout: string; stderr: string }

async function run(argv: string[]): Promise<Run> {
  const out = mkdtempSync(join(tmpdir(), 'evalz-api-run-'))
  const cmd = parseCommand(['run', ...argv, '--output', out, '--log-samples', '--cache-dir', join(out, 'cache')])
  const stdout: string[] = []
  const stderr: string[] = []
  await runCommand((cmd as { args: RunArgs }).args, { stdout: t => stdout.push(t), progress: { isTTY: false, write: t => stderr.push(t) } })
  return { out, stdout: stdout.join(''), stderr: stderr.join('') }
}

type Sample = { doc_id: number; filter: string; resps: unknown[][]; evalz_tokens?: unknown }
function samples(dir: string, task: string): Sample[] {
  return readFileSync(join(dir, `samples_${task}.jsonl`), 'utf8').trim().split('\n').map(l => JSON.parse(l) as Sample)
}

/** Compares every response: numbers within 1e-4, greedy flags and texts equal. */
function expectSameResponses(local: string, api: string, task: string): number {
  const a = samples(local, task)
  const b = samples(api, task)
  expect(b.length).toBe(a.length)
  let checked = 0
  a.forEach((s, i) => {
    expect(b[i].doc_id).toBe(s.doc_id)
    s.resps.forEach((r, j) => {
      const x = r[0]
      const y = b[i].resps[j][0]
      if (Array.isArray(x)) {
        expect(Math.abs(Number(x[0]) - Number((y as unknown[])[0])), `${task} doc ${s.doc_id} choice ${j}`).toBeLessThan(1e-4)
        expect((y as unknown[])[1]).toBe(x[1])
      } else if (typeof x === 'number' || task === 'demo_stories') {
        // rolling log-likelihoods (written as their Python repr)
        expect(Math.abs(Number(x) - Number(y))).toBeLessThan(1e-4)
      } else {
        expect(y).toBe(x)
      }
      checked++
    })
  })
  return checked
}

describe('evalz serve + --model-api', () => {
  let server: RunningServer
  let open: RunningServer
  const progress = { isTTY: false, write: () => {} }
  beforeAll(async () => {
    const serve = (extra: string[]) => startServe((parseCommand(['serve', '--model', 'public/models/demo', '--port', '0', ...extra]) as { args: ServeArgs }).args, progress)
    server = await serve(['--api-key', KEY])
    open = await serve([])
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await open?.close()
  })

  it('gives the local run\'s numbers on every demo request kind, with the key kept out of everything', async () => {
    const common = ['--tasks', 'demo', '--data-dir', 'public/datasets', '--batch-size', '4']
    const local = await run(['--model', 'public/models/demo', ...common])
    const api = await run(['--model-api', server.url, '--model', 'demo', '--tokenizer', 'public/models/demo', '--api-key', KEY, '--concurrency', '2', ...common])
    let checked = 0
    for (const task of ['demo_capitals', 'demo_cloze', 'demo_stories', 'demo_arith']) checked += expectSameResponses(local.out, api.out, task)
    expect(checked).toBeGreaterThan(100)
    const results = JSON.parse(readFileSync(join(api.out, 'results.json'), 'utf8'))
    expect(results.config.model).toBe('local-completions')
    expect(results.config.model_args).toContain(`model=demo,base_url=${server.url}/completions`)
    expect(results.evalz.model_origin).toMatchObject({ kind: 'api', base_url: server.url, model: 'demo', owned_by: 'evalz', max_model_len: 2048, prompt_logprobs: true })
    expect(results.evalz.device).toBe('api')
    // the key: not in any file written, nor stdout/stderr
    const files = readdirSync(api.out).filter(f => f.endsWith('.json') || f.endsWith('.jsonl'))
    for (const f of files) expect(readFileSync(join(api.out, f), 'utf8')).not.toContain(KEY)
    expect(api.stdout + api.stderr).not.toContain(KEY)
  }, 120_000)

  it('refuses a wrong key in one line without echoing it', async () => {
    const err = await harnessFailure(run(['--model-api', server.url, '--model', 'demo', '--tokenizer', 'public/models/demo', '--api-key', 'sk-wrong-0000', '--tasks', 'demo_capitals', '--data-dir', 'public/datasets']))
    expect(err.message).toContain('HTTP 401')
    expect(err.message).not.toContain('sk-wrong-0000')
  })

  it('names the served models for a wrong --model', async () => {
    const err = await harnessFailure(run(['--model-api', open.url, '--model', 'llama', '--tokenizer', 'public/models/demo', '--tasks', 'demo_capitals', '--data-dir', 'public/datasets']))
    expect(err.message).toContain("--model 'llama' is not served at")
    expect(err.message).toContain('(served: demo)')
  })

  it('streams a chat reply (SSE) equal to the unstreamed one', async () => {
    const client = createApiClient({ baseUrl: open.url })
    const messages = [{ role: 'user', content: 'What is the capital of France?' }]
    const deltas: string[] = []
    const streamed = await streamChatCompletion(client, { model: 'demo', messages, maxTokens: 12, temperature: 0 }, d => deltas.push(d))
    const whole = await client.postJson('/chat/completions', { model: 'demo', messages, max_tokens: 12, temperature: 0 }) as { choices: { message: { content: string }; finish_reason: string }[] }
    expect(streamed.text).toBe(whole.choices[0].message.content)
    expect(streamed.finishReason).toBe(whole.choices[0].finish_reason)
    expect(deltas.length).toBeGreaterThan(1)
    expect(deltas.join('')).toBe(streamed.text)
    const refused = await harnessFailure(client.postJson('/chat/completions', { model: 'demo', messages, temperature: 0.7 }))
    expect(refused.message).toContain('evalz serve decodes greedily')
  })

  it.skipIf(HF_DATA === undefined)('arc_easy and gsm8k (../shared/hf-data): log-likelihoods within 1e-4, identical generations', async () => {
    const common = ['--tasks', 'arc_easy,gsm8k', '--data-dir', HF_DATA!, '--limit', '3']
    const local = await run(['--model', 'public/models/demo', ...common])
    const api = await run(['--model-api', open.url, '--model', 'demo', '--tokenizer', 'public/models/demo', ...common])
    expect(expectSameResponses(local.out, api.out, 'arc_easy')).toBe(3 * 4)
    expect(expectSameResponses(local.out, api.out, 'gsm8k')).toBe(6)
  }, 180_000)
})

describe('a server without prompt log-probabilities (llama-server)', () => {
  it('runs the generation tasks and names the skipped ones in one line', async () => {
    // a stand-in that answers like llama-server: no echo of prompt logprobs, generation as asked
    const http = createServer((req, res) => {
      let body = ''
      req.on('data', c => { body += c })
      req.on('end', () => {
        res.setHeader('Content-Type', 'application/json')
        if (req.url === '/v1/models') return res.end(JSON.stringify({ object: 'list', data: [{ id: 'model.gguf', object: 'model', owned_by: 'llamacpp', meta: { n_params: 1 } }] }))
        const prompts = (JSON.parse(body) as { prompt: unknown[] }).prompt
        res.end(JSON.stringify({ object: 'text_completion', choices: prompts.map((_, index) => ({ index, text: ' 4', logprobs: null, finish_reason: 'stop' })) }))
      })
    })
    await new Promise<void>(r => http.listen(0, '127.0.0.1', r))
    try {
      const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/v1`
      const r = await run(['--model-api', url, '--model', 'any', '--tokenizer', 'public/models/demo', '--tasks', 'demo_arith,demo_capitals', '--data-dir', 'public/datasets'])
      const lines = r.stderr.split('\n').filter(l => l.includes('no log-probabilities'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain('skipping demo_capitals')
      expect(existsSync(join(r.out, 'samples_demo_arith.jsonl'))).toBe(true)
      expect(existsSync(join(r.out, 'samples_demo_capitals.jsonl'))).toBe(false)
      const only = await harnessFailure(run(['--model-api', url, '--model', 'any', '--tokenizer', 'public/models/demo', '--tasks', 'demo_capitals', '--data-dir', 'public/datasets']))
      expect(only.code).toBe('API_UNSUPPORTED')
    } finally {
      http.close()
    }
  }, 60_000)
})
