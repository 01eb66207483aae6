import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chooseDtype, filesForDtype, formatSize, hubModelInfo, parseHubModelId, resolveHubModel,
} from '../../src/data/hub-model.ts'
import type { HubModelInfo } from '../../src/data/hub-model.ts'
import { failure } from '../rejection.ts'
import { startMockHub } from '../support/mock-hub.ts'
import type { MockHub } from '../support/mock-hub.ts'

const TOKEN = 'hf_modelTESTtoken987'
const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')

let hub: MockHub
let tmp: string

/** Writes files (path → size in bytes, filled with a pattern) under a new folder. */
function folder(name: string, files: Record<string, number | string>): string {
  const dir = join(tmp, name)
  for (const [path, v] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), typeof v === 'string' ? v : new Uint8Array(v).map((_, i) => (i * 13 + path.length) & 0xff))
  }
  return dir
}

const BASE = { 'config.json': '{"model_type":"llama"}', 'tokenizer.json': '{}', 'tokenizer_config.json': '{}' }

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'evalz-hub-model-'))
  hub = await startMockHub({
    token: TOKEN,
    models: {
      'evalz/demo': { dir: DEMO },
      'evalz/gated': { dir: DEMO, gated: true },
      'evalz/many': {
        dir: folder('many', {
          ...BASE, 'generation_config.json': '{}', 'chat_template.jinja': '{{ messages }}', 'README.md': '# many',
          'onnx/model.onnx': 300, 'onnx/model.onnx_data': 5000, 'onnx/model.onnx_data_1': 4000, 'onnx/model.onnx_data_2': 100,
          'onnx/model.onnx_data_10': 7,
          'onnx/model_quantized.onnx': 2500, 'onnx/model_fp16.onnx': 1200, 'onnx/model_q4f16.onnx': 900, 'onnx/model_q4.onnx': 1100,
          'onnx/model_weird.onnx': 10, 'onnx/decoder_model.onnx': 10,
        }),
      },
      'evalz/f16-only': { dir: folder('f16', { ...BASE, 'onnx/model_fp16.onnx': 1200, 'onnx/model_q4f16.onnx': 900 }) },
      'evalz/gguf-only': { dir: folder('gguf', { ...BASE, 'model-q4_k_m.gguf': 2000, 'model.safetensors': 100 }) },
      'evalz/no-tokenizer': { dir: folder('notok', { 'config.json': '{}', 'onnx/model.onnx': 100 }) },
    },
  })
})

afterAll(async () => {
  await hub?.close()
  rmSync(tmp, { recursive: true, force: true })
})

function resolve(repo: string, revision = 'main', token?: string): Promise<HubModelInfo> {
  return resolveHubModel({ endpoint: `${hub.url}/`, repo, revision, token })
}

describe('parseHubModelId', () => {
  it('accepts owner/name with an optional @revision (branch, tag, sha, refs/pr/N)', () => {
    expect(parseHubModelId('HuggingFaceTB/SmolLM2-135M-Instruct')).toEqual({ repo: 'HuggingFaceTB/SmolLM2-135M-Instruct', revision: 'main' })
    expect(parseHubModelId('onnx-community/Qwen2.5-0.5B@v1.0')).toEqual({ repo: 'onnx-community/Qwen2.5-0.5B', revision: 'v1.0' })
    expect(parseHubModelId('a_b/c.d@refs/pr/12')).toEqual({ repo: 'a_b/c.d', revision: 'refs/pr/12' })
    const sha = 'a'.repeat(40)
    expect(parseHubModelId(`x/y@${sha}`)).toEqual({ repo: 'x/y', revision: sha })
  })

  it('rejects paths, URLs, bare names and malformed ids with undefined', () => {
    for (const bad of [
      'gpt2', './models/demo', '/abs/path', 'models/demo/onnx', 'https://huggingface.co/x/y', 'x/y@', 'x/y@a/../b', '../y', 'x/..',
      'x/y z', 'x--z/y', 'x/y@rev@2', '', '/', 'x/', 'C:\\models\\demo', 'x/y.', '-x/y',
    ]) {
      expect(parseHubModelId(bad), bad).toBeUndefined()
    }
  })
})

describe('resolveHubModel', () => {
  it('resolves the demo repo: commit sha, sizes, LFS sha256 and its one fp32 dtype', async () => {
    const info = await resolve('evalz/demo')
    expect(info.repo).toBe('evalz/demo')
    expect(info.revision).toBe('main')
    expect(info.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(info.files.map(f => f.path)).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
    const onnx = readFileSync(join(DEMO, 'onnx/model.onnx'))
    const file = info.files.find(f => f.path === 'onnx/model.onnx')!
    expect(file.size).toBe(onnx.byteLength)
    expect(file.sha256).toBe(createHash('sha256').update(onnx).digest('hex'))
    expect(info.files.find(f => f.path === 'config.json')!.sha256).toBeUndefined()
    expect(info.files.find(f => f.path === 'config.json')!.etag).toMatch(/^[0-9a-f]{40}$/)
    expect(info.dtypes).toEqual([{ dtype: 'fp32', suffix: '', files: ['onnx/model.onnx'], bytes: onnx.byteLength }])
    expect(info.formats).toEqual(['onnx'])
    // the same commit by sha
    expect((await resolve('evalz/demo', info.sha)).sha).toBe(info.sha)
    expect(hub.requests.at(-1)!.path).toBe(`/api/models/evalz/demo/revision/${info.sha}?blobs=true`)
  })

  it('lists every dtype with its external data chunks in numeric order, and ignores unknown suffixes', async () => {
    const info = await resolve('evalz/many')
    expect(info.dtypes.map(d => d.dtype)).toEqual(['fp32', 'fp16', 'q8', 'q4', 'q4f16'])
    const fp32 = info.dtypes[0]
    expect(fp32.files).toEqual(['onnx/model.onnx', 'onnx/model.onnx_data', 'onnx/model.onnx_data_1', 'onnx/model.onnx_data_2', 'onnx/model.onnx_data_10'])
    expect(fp32.bytes).toBe(300 + 5000 + 4000 + 100 + 7)
    expect(info.dtypes.find(d => d.dtype === 'q8')).toEqual({ dtype: 'q8', suffix: '_quantized', files: ['onnx/model_quantized.onnx'], bytes: 2500 })
  })

  it('filesForDtype: config and tokenizer files (optional ones when listed), then the weights', async () => {
    const info = await resolve('evalz/many')
    expect(filesForDtype(info, 'q4').map(f => f.path)).toEqual([
      'config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'chat_template.jinja', 'onnx/model_q4.onnx',
    ])
    expect(filesForDtype(info, 'fp32').map(f => f.path).slice(-2)).toEqual(['onnx/model.onnx_data_2', 'onnx/model.onnx_data_10'])
    const demo = await resolve('evalz/demo')
    expect(filesForDtype(demo, 'fp32').map(f => f.path)).toEqual(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json', 'onnx/model.onnx'])
    const e = await failure((async () => filesForDtype(await resolve('evalz/no-tokenizer'), 'fp32'))())
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toBe('model repo evalz/no-tokenizer (revision main) lacks tokenizer.json, so transformers.js cannot load it')
  })

  it('names a missing repo and a missing revision in one line', async () => {
    const missing = await failure(resolve('evalz/nope'))
    expect(missing.code).toBe('MODEL_NOT_FOUND')
    expect(missing.message).toBe(`model repo evalz/nope not found on ${hub.url} (check the id; private repos need a token)`)
    // with a valid token the Hub says 404 instead of 401: same message
    expect((await failure(resolve('evalz/nope', 'main', TOKEN))).message).toBe(missing.message)
    const rev = await failure(resolve('evalz/demo', 'v9'))
    expect(rev.code).toBe('MODEL_NOT_FOUND')
    expect(rev.message).toMatch(/^revision 'v9' not found in model repo evalz\/demo on http:\/\/127\.0\.0\.1:\d+ \(/)
    for (const m of [missing.message, rev.message]) expect(m).not.toContain('\n')
  })

  it('a gated repo lists its files without a token (like the Hub); the token goes in the header only', async () => {
    const info = await resolve('evalz/gated', 'main', TOKEN)
    expect(info.dtypes.map(d => d.dtype)).toEqual(['fp32'])
    const seen = hub.requests.filter(r => r.path.startsWith('/api/models/evalz/gated'))
    expect(seen.at(-1)!.authorization).toBe(`Bearer ${TOKEN}`)
    expect(hub.requests.some(r => r.path.includes(TOKEN))).toBe(false)
  })

  it('asks for a token on 401/403 GatedRepo and names the repo page', async () => {
    const gatedFetch = (async () => new Response('{"error":"restricted"}', { status: 401, headers: { 'x-error-code': 'GatedRepo' } })) as typeof fetch
    const anon = await failure(resolveHubModel({ endpoint: hub.url, repo: 'evalz/gated', revision: 'main', fetch: gatedFetch }))
    expect(anon.code).toBe('MODEL_NOT_FOUND')
    expect(anon.message).toBe(`model repo evalz/gated is gated or private: give a Hugging Face token (HF_TOKEN, --hf-token or the app's token field) and accept its terms at ${hub.url}/evalz/gated`)
    const forbidden = (async () => new Response('', { status: 403 })) as typeof fetch
    const withToken = await failure(resolveHubModel({ endpoint: hub.url, repo: 'evalz/gated', revision: 'main', token: TOKEN, fetch: forbidden }))
    expect(withToken.message).toBe(`the Hugging Face token cannot access model repo evalz/gated (gated or private): accept its terms at ${hub.url}/evalz/gated or use a token that has access`)
    expect(withToken.message).not.toContain(TOKEN)
  })

  it('a network failure names the endpoint and suggests --offline; a 500 is HUB_UNAVAILABLE', async () => {
    const down = await failure(resolveHubModel({ endpoint: 'http://127.0.0.1:9', repo: 'evalz/demo', revision: 'main', token: TOKEN }))
    expect(down.code).toBe('HUB_UNAVAILABLE')
    expect(down.message).toMatch(/^could not reach http:\/\/127\.0\.0\.1:9 \(.+\); if model evalz\/demo was downloaded before, run with --offline to use the cache$/)
    expect(down.message).not.toContain(TOKEN)
    hub.fault({ path: /^\/api\/models\/evalz\/demo\//, mode: 'status-500-once' })
    const e500 = await failure(resolve('evalz/demo'))
    expect(e500.code).toBe('HUB_UNAVAILABLE')
    expect(e500.message).toBe(`${hub.url} answered HTTP 500 for model repo evalz/demo; try again later`)
  })

  it('cancels with CANCELLED when the signal aborts', async () => {
    const ctl = new AbortController()
    ctl.abort()
    const e = await failure(resolveHubModel({ endpoint: hub.url, repo: 'evalz/demo', revision: 'main', signal: ctl.signal }))
    expect(e.code).toBe('CANCELLED')
  })
})

describe('chooseDtype', () => {
  it('defaults to fp32 when the repo has it, else q8 on cpu/wasm', async () => {
    const many = await resolve('evalz/many')
    expect(chooseDtype(many, { device: 'cpu', shaderF16: false })).toBe('fp32')
    expect(chooseDtype(many, { device: 'wasm', shaderF16: false })).toBe('fp32')
    const noFp32 = hubModelInfo('x/y', 'main', 'a'.repeat(40), [
      { path: 'onnx/model_quantized.onnx', size: 10 }, { path: 'onnx/model_q4.onnx', size: 5 },
    ])
    expect(chooseDtype(noFp32, { device: 'cpu', shaderF16: false })).toBe('q8')
    expect(chooseDtype(many, { device: 'webgpu', shaderF16: true })).toBe('fp32')
    expect(chooseDtype(await resolve('evalz/demo'), { device: 'wasm', shaderF16: false })).toBe('fp32')
  })

  it('picks fp16/q4f16 only with shader-f16', async () => {
    const f16 = await resolve('evalz/f16-only')
    expect(chooseDtype(f16, { device: 'webgpu', shaderF16: true })).toBe('fp16')
    const e = await failure((async () => chooseDtype(f16, { device: 'webgpu', shaderF16: false }))())
    expect(e.code).toBe('BACKEND_ERROR')
    expect(e.message).toBe('model repo evalz/f16-only has only f16 weights (fp16 (1.2 kB), q4f16 (900 B)), which need a WebGPU adapter with shader-f16')
    const without = hubModelInfo('x/y', 'main', 'a'.repeat(40), [
      { path: 'onnx/model_fp16.onnx', size: 10 }, { path: 'onnx/model_q4.onnx', size: 5 },
    ])
    expect(chooseDtype(without, { device: 'webgpu', shaderF16: false })).toBe('q4')
  })

  it('honours a requested dtype; an absent one lists the available dtypes with sizes', async () => {
    const many = await resolve('evalz/many')
    expect(chooseDtype(many, { device: 'cpu', shaderF16: false, requested: 'fp16' })).toBe('fp16')
    const absent = await failure((async () => chooseDtype(many, { device: 'cpu', shaderF16: false, requested: 'int8' }))())
    expect(absent.code).toBe('MODEL_NOT_FOUND')
    expect(absent.message).toBe('model repo evalz/many (revision main) has no int8 weights (onnx/model_int8.onnx); available: fp32 (9.4 kB), fp16 (1.2 kB), q8 (2.5 kB), q4 (1.1 kB), q4f16 (900 B)')
    const unknown = await failure((async () => chooseDtype(many, { device: 'cpu', shaderF16: false, requested: 'fp8' }))())
    expect(unknown.code).toBe('USAGE')
    expect(unknown.message).toBe("dtype 'fp8' is unknown (valid: fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4)")
    const noF16 = await failure((async () => chooseDtype(many, { device: 'webgpu', shaderF16: false, requested: 'q4f16' }))())
    expect(noF16.code).toBe('BACKEND_ERROR')
    expect(noF16.message).toBe('dtype q4f16 needs a WebGPU adapter with shader-f16, which this one lacks; choose one of: fp32 (9.4 kB), q8 (2.5 kB), q4 (1.1 kB)')
  })

  it('a repo without onnx/model*.onnx names its formats and the GGUF/safetensors route', async () => {
    const gguf = await resolve('evalz/gguf-only')
    expect(gguf.formats).toEqual(['gguf', 'safetensors'])
    const e = await failure((async () => chooseDtype(gguf, { device: 'cpu', shaderF16: false }))())
    expect(e.code).toBe('MODEL_INVALID')
    expect(e.message).toBe('model repo evalz/gguf-only (revision main) has no transformers.js weights onnx/model*.onnx; it has gguf, safetensors files: import a GGUF file (--model file.gguf) or a safetensors folder instead, or pick an ONNX export of the model')
  })
})

describe('formatSize', () => {
  it('uses decimal units like the Hub', () => {
    expect([0, 999, 1000, 684174, 1_234_567_890, 12_500_000].map(formatSize)).toEqual(['0 B', '999 B', '1 kB', '684 kB', '1.2 GB', '12.5 MB'])
  })
})
