import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AutoModelForCausalLM, AutoTokenizer, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import { combinedSha256, convertCheckpoint, parameters } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import type { CheckpointConversion } from '../../../src/backends/checkpoint/checkpoint-conversion.ts'
import type { ModelFolderOptions } from '../../../src/backends/checkpoint/model-folder.ts'
import type { LlamaWeights } from '../../../src/backends/onnx/llama-config.ts'
import { llamaForward } from '../../../src/backends/reference/llama-forward.ts'
import { bytesSource } from '../../../src/backends/safetensors/byte-source.ts'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { loadTransformersBackend } from '../../../src/backends/transformers/transformers-backend.ts'
import { HarnessError } from '../../../src/core/errors.ts'
import { filesOpener } from '../safetensors/write-safetensors.ts'
import { TINY, loraAdapter, memorySink, safetensorsFolder, tinyWeights, writeFiles } from './convert-files.ts'

const IDS = [[5, 77, 300, 12, 9, 401, 3], [100, 0, 511, 42, 42, 7, 250]]
const STORIES = resolve('../shared/models/stories260K')
const HAVE_STORIES = existsSync(join(STORIES, 'stories260K.gguf'))
if (!HAVE_STORIES) console.warn(`skipping GGUF conversion tests: no ${STORIES}/stories260K.gguf`)

const tmp = mkdtempSync(join(tmpdir(), 'evalz-convert-'))
const models: PreTrainedModel[] = []
let dirs = 0

beforeAll(() => configureTransformers({ allowRemote: false, logLevel: 'error' }))
afterAll(async () => {
  for (const m of models) await m.dispose()
  rmSync(tmp, { recursive: true, force: true })
})

const IDENTITY = { format: 'safetensors' as const, base_sha256: 'b'.repeat(64) }

/** Converts in memory, writes the folder to disk, loads it with transformers.js (onnxruntime-node, cpu). */
async function convertAndLoad(conv: CheckpointConversion, opts: ModelFolderOptions = {}) {
  const { sink, files } = memorySink()
  const result = await convertCheckpoint(conv, sink, opts)
  const dir = join(tmp, `m${dirs++}`)
  writeFiles(dir, files)
  const model = await AutoModelForCausalLM.from_pretrained(dir, { device: 'cpu', dtype: 'fp32' })
  models.push(model)
  return { result, files, dir, model }
}

async function logitsOf(model: PreTrainedModel, ids: number[][]): Promise<Float32Array> {
  const n = ids[0]!.length
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(ids.flat(), BigInt), [ids.length, n]),
    attention_mask: new Tensor('int64', new BigInt64Array(ids.length * n).fill(1n), [ids.length, n]),
  })
  return (out.logits as Tensor).data as Float32Array
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length)
  let d = 0
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!))
  return d
}

function safetensorsConversion(w: LlamaWeights, adapter?: Map<string, Uint8Array>): CheckpointConversion {
  return {
    source: { format: 'safetensors', open: filesOpener(safetensorsFolder(w)), name: 'tiny' },
    ...(adapter ? { adapter: { open: filesOpener(adapter), name: 'my-lora' } } : {}),
    identity: adapter ? { ...IDENTITY, adapter_sha256: 'a'.repeat(64) } : IDENTITY,
  }
}

describe('safetensors folder → transformers.js model folder', () => {
  const w = tinyWeights()
  const reference = llamaForward(TINY, w, { inputIds: IDS }).logits

  it('loads in transformers.js and gives the reference forward\'s logits', async () => {
    const { result, files, model } = await convertAndLoad(safetensorsConversion(w))
    expect(maxDiff(await logitsOf(model, IDS), reference)).toBeLessThan(1e-4)
    expect(result.files).toEqual(['onnx/model.onnx', 'config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json'])
    expect(result.description).toBe(`tiny: safetensors llama, ${parameters(TINY)} parameters`)
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')))
    expect(config).toMatchObject({
      _name_or_path: 'tiny', model_type: 'llama', bos_token_id: 0, eos_token_id: 0, pad_token_id: 0,
      'transformers.js_config': { dtype: 'fp32' },
      evalz: { format: 'safetensors', base_sha256: 'b'.repeat(64), source: result.description },
    })
    expect(config.evalz.adapter_sha256).toBeUndefined()
  })

  it('merges a LoRA adapter: the logits become the merged model\'s', async () => {
    const adapter = loraAdapter()
    const merged = llamaForward(TINY, adapter.merged(w), { inputIds: IDS }).logits
    expect(maxDiff(merged, reference)).toBeGreaterThan(0.05)
    const { result, files, model } = await convertAndLoad(safetensorsConversion(w, adapter.files))
    expect(maxDiff(await logitsOf(model, IDS), merged)).toBeLessThan(1e-4)
    expect(result.description).toMatch(/^tiny: safetensors llama, .* parameters \+ LoRA my-lora \(r 2, alpha 6, q_proj, v_proj; 4 matrices merged\)$/)
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')))
    expect(config.evalz).toMatchObject({ base_sha256: 'b'.repeat(64), adapter_sha256: 'a'.repeat(64) })
    expect(config._name_or_path).toBe('tiny+my-lora')
  })

  it('loads from external data chunks (model.onnx_data, _1, …) with the same logits', async () => {
    const { result, files, model } = await convertAndLoad(safetensorsConversion(w), { externalData: 'always', maxChunkBytes: 40_000 })
    expect(result.externalChunks).toBeGreaterThan(2)
    expect(result.files).toContain(`onnx/model.onnx_data_${result.externalChunks - 1}`)
    const config = JSON.parse(new TextDecoder().decode(files.get('config.json')))
    expect(config['transformers.js_config']).toEqual({ dtype: 'fp32', use_external_data_format: result.externalChunks })
    expect(files.get('onnx/model.onnx')!.length).toBeLessThan(result.weightBytes / 2)
    expect(maxDiff(await logitsOf(model, IDS), reference)).toBeLessThan(1e-4)
  })

  it('refuses a folder without tokenizer.json in one line, before reading weights', async () => {
    const reads: string[] = []
    const files = safetensorsFolder(w, { tokenizer: false })
    const open = filesOpener(files, undefined)
    const logged = async (name: string) => { reads.push(name); return open(name) }
    const err = await convertCheckpoint({ source: { format: 'safetensors', open: logged, name: 'tiny' }, identity: IDENTITY }, memorySink().sink).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HarnessError)
    expect((err as HarnessError).message).toBe("safetensors folder 'tiny' has no tokenizer.json; copy tokenizer.json (and tokenizer_config.json) of the base model into it")
    expect(reads).toEqual(['tokenizer.json'])
  })

  it('takes chat_template.jinja and special_tokens_map.json when tokenizer_config.json lacks them', async () => {
    const files = safetensorsFolder(w)
    const { chat_template: _t, eos_token: _e, ...rest } = JSON.parse(new TextDecoder().decode(files.get('tokenizer_config.json')))
    files.set('tokenizer_config.json', new TextEncoder().encode(JSON.stringify(rest)))
    files.set('chat_template.jinja', new TextEncoder().encode('{{ messages[0].content }}'))
    files.set('special_tokens_map.json', new TextEncoder().encode(JSON.stringify({ eos_token: '<|im_end|>', bos_token: 'ignored' })))
    const { sink, files: out } = memorySink()
    await convertCheckpoint({ source: { format: 'safetensors', open: filesOpener(files), name: 'tiny' }, identity: IDENTITY }, sink)
    const config = JSON.parse(new TextDecoder().decode(out.get('tokenizer_config.json')))
    expect(config).toMatchObject({ chat_template: '{{ messages[0].content }}', eos_token: '<|im_end|>', bos_token: rest.bos_token })
  })

  it('names unsupported architectures in one line', async () => {
    const files = safetensorsFolder(w)
    files.set('config.json', new TextEncoder().encode(JSON.stringify({ ...JSON.parse(new TextDecoder().decode(files.get('config.json'))), model_type: 'gpt_neox' })))
    const err = await convertCheckpoint({ source: { format: 'safetensors', open: filesOpener(files), name: 'tiny' }, identity: IDENTITY }, memorySink().sink).catch((e: unknown) => e) as HarnessError
    expect(err.code).toBe('MODEL_INVALID')
    expect(err.message).toMatch(/^config\.json: model_type "gpt_neox" .*is not supported; supported model types: llama, mistral, qwen2$/)
  })
})

describe('combinedSha256', () => {
  it('is the file\'s own hash for one file, else the hash of sorted name:hash lines', () => {
    expect(combinedSha256([{ name: 'm.gguf', sha256: 'ab' }])).toBe('ab')
    const lines = 'a.json:11\nb.safetensors:22\n'
    expect(combinedSha256([{ name: 'b.safetensors', sha256: '22' }, { name: 'a.json', sha256: '11' }]))
      .toBe(createHash('sha256').update(lines).digest('hex'))
  })
})

describe.skipIf(!HAVE_STORIES)('GGUF stories260K → transformers.js model folder', () => {
  const golden = HAVE_STORIES
    ? JSON.parse(readFileSync(join(STORIES, 'greedy-from-bos.json'), 'utf8')) as {
      generated_ids: number[], generated_text: string, first_step_logits_top5: [number, number][]
    }
    : undefined
  let dir: string
  let model: PreTrainedModel
  let description: string

  beforeAll(async () => {
    const bytes = readFileSync(join(STORIES, 'stories260K.gguf'))
    const sha = createHash('sha256').update(bytes).digest('hex')
    const loaded = await convertAndLoad({ source: { format: 'gguf', file: bytesSource(bytes), name: 'stories260K.gguf' }, identity: { format: 'gguf', base_sha256: sha } })
    dir = loaded.dir
    model = loaded.model
    description = loaded.result.description
  })

  it('describes the source', () => {
    expect(description).toBe('stories260K.gguf: gguf llama, 0.29M parameters (F32)')
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))
    expect(config.evalz).toMatchObject({ format: 'gguf', base_sha256: '270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d' })
    expect([config.bos_token_id, config.eos_token_id]).toEqual([1, 2])
  })

  it('first-step logits from BOS: the golden top-5 within 1e-3', async () => {
    const row = await logitsOf(model, [[1]])
    const top = [...row].map((v, id) => [id, v] as [number, number]).sort((a, b) => b[1] - a[1]).slice(0, 5)
    expect(top.map(([id]) => id)).toEqual(golden!.first_step_logits_top5.map(([id]) => id))
    for (const [i, [, v]] of golden!.first_step_logits_top5.entries()) expect(Math.abs(top[i]![1] - v)).toBeLessThan(1e-3)
  })

  it('the project\'s transformers backend decodes greedily from BOS to the golden first 32 ids', async () => {
    const be = await loadTransformersBackend({ model: dir, device: 'cpu' })
    try {
      const [res] = await be.generateUntil([{ kind: 'generate_until', context: '', gen: { until: [], max_gen_toks: 32, do_sample: false, temperature: 0 } }], { batchSize: 1 })
      expect(res!.contextTokens).toEqual([1])
      expect(res!.generatedTokens).toEqual(golden!.generated_ids.slice(0, 32))
    } finally {
      await be.dispose()
    }
  })

  it('its tokenizer decodes the golden ids to the golden text and round-trips that text', async () => {
    const tok = await AutoTokenizer.from_pretrained(dir)
    const text = golden!.generated_text
    expect(tok.decode(golden!.generated_ids, { skip_special_tokens: true })).toBe(text)
    const ids = tok.encode(text)
    expect(ids[0]).toBe(1)
    expect(tok.decode(ids, { skip_special_tokens: true })).toBe(text)
  })
})
