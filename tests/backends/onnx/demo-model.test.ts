import { createHash } from 'node:crypto'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { llamaConfigFromHf } from '../../../src/backends/onnx/llama-config.ts'
import { readOnnxModel } from '../../../src/backends/onnx/onnx-proto.ts'
import { writeDemoModel } from '../../../scripts/demo-model/build.ts'
import { writeDemoDatasets } from '../../../scripts/demo-model/demo-datasets.ts'

const ROOT = join(import.meta.dirname, '../../..')
const DEMO = join(ROOT, 'public/models/demo')
const DATASETS = join(ROOT, 'public/datasets')
const temps: string[] = []

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...await listFiles(p))
    else out.push(p)
  }
  return out.sort()
}

async function hashes(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  for (const f of await listFiles(dir)) out[relative(dir, f)] = createHash('sha256').update(await readFile(f)).digest('hex')
  return out
}

async function readJsonl(path: string): Promise<Record<string, unknown>[]> {
  return (await readFile(join(DATASETS, path), 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
}

afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true })
})

describe('demo model build', () => {
  it('rebuilding gives byte-identical files to the committed ones', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'evalz-demo-'))
    temps.push(tmp)
    await writeDemoModel(tmp)
    const committed = await hashes(DEMO)
    expect(Object.keys(committed)).toEqual(['config.json', 'generation_config.json', 'onnx/model.onnx', 'tokenizer.json', 'tokenizer_config.json'])
    expect(await hashes(tmp)).toEqual(committed)
  })

  it('regenerating the demo datasets gives byte-identical files', async () => {
    const tmp = await mkdtemp(join(tmpdir(), 'evalz-datasets-'))
    temps.push(tmp)
    await writeDemoDatasets(tmp)
    const committed = await hashes(join(DATASETS, 'evalz'))
    expect(await hashes(join(tmp, 'evalz'))).toEqual(committed)
  })

  it('has the requested architecture, special ids and size', async () => {
    const config = JSON.parse(await readFile(join(DEMO, 'config.json'), 'utf8')) as Record<string, unknown>
    expect(config).toMatchObject({
      model_type: 'llama', architectures: ['LlamaForCausalLM'], hidden_size: 64, intermediate_size: 192,
      num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16, max_position_embeddings: 2048,
      rope_theta: 10000, rms_norm_eps: 1e-5, tie_word_embeddings: false, torch_dtype: 'float32',
      bos_token_id: 0, eos_token_id: 0, pad_token_id: 0, 'transformers.js_config': { dtype: 'fp32' },
    })
    const tokenizer = JSON.parse(await readFile(join(DEMO, 'tokenizer.json'), 'utf8')) as { model: { vocab: Record<string, number> } }
    const vocabSize = Object.keys(tokenizer.model.vocab).length
    expect(config.vocab_size).toBe(vocabSize)
    expect(vocabSize).toBeGreaterThanOrEqual(400)
    expect(vocabSize).toBeLessThanOrEqual(600)
    const c = llamaConfigFromHf(config)
    const onnx = await readFile(join(DEMO, 'onnx/model.onnx'))
    expect(onnx.length).toBeLessThanOrEqual(1024 * 1024)
    const initializers = readOnnxModel(new Uint8Array(onnx)).initializers
    const params = initializers.filter((t) => t.name.startsWith('model.')).reduce((a, t) => a + t.dims.reduce((x, y) => x * y, 1), 0)
    const perLayer = 2 * 64 + 64 * 64 * 2 + 64 * 32 * 2 + 3 * 64 * 192
    expect(params).toBe(c.vocabSize * 64 + 2 * perLayer + 64)
    // untied head, stored transposed for MatMul
    expect(initializers.find((t) => t.name === 'lm_head.weight')?.dims).toEqual([64, c.vocabSize])
  })
})

describe('demo datasets', () => {
  it('capitals: ~8 train / ~40 test rows with 4 distinct choices and a varying answer index', async () => {
    const train = await readJsonl('evalz/demo-capitals/default/train.jsonl')
    const test = await readJsonl('evalz/demo-capitals/default/test.jsonl')
    expect(train.length).toBe(8)
    expect(test.length).toBe(40)
    const all = [...train, ...test]
    for (const row of all) {
      expect(Object.keys(row)).toEqual(['country', 'choices', 'answer'])
      const choices = row.choices as string[]
      expect(new Set(choices).size).toBe(4)
      expect([0, 1, 2, 3]).toContain(row.answer)
    }
    expect(new Set(all.map((r) => r.country)).size).toBe(all.length)
    for (const k of [0, 1, 2, 3]) expect(test.filter((r) => r.answer === k).length).toBeGreaterThanOrEqual(8)
    const france = train.find((r) => r.country === 'France')!
    expect((france.choices as string[])[france.answer as number]).toBe('Paris')
  })

  it('arith: answers are the correct results of the questions', async () => {
    const train = await readJsonl('evalz/demo-arith/default/train.jsonl')
    const test = await readJsonl('evalz/demo-arith/default/test.jsonl')
    expect(train.length).toBe(8)
    expect(test.length).toBe(30)
    const ops = new Set<string>()
    for (const row of [...train, ...test]) {
      const m = /^What is (\d+) (plus|minus|times) (\d+)\?$/.exec(row.question as string)
      expect(m, String(row.question)).not.toBeNull()
      const [a, op, b] = [Number(m![1]), m![2]!, Number(m![3])]
      ops.add(op)
      const want = op === 'plus' ? a + b : op === 'minus' ? a - b : a * b
      expect(row.answer).toBe(String(want))
    }
    expect([...ops].sort()).toEqual(['minus', 'plus', 'times'])
  })

  it('cloze and stories: plain text rows, some stories multi-line', async () => {
    const cloze = await readJsonl('evalz/demo-cloze/default/test.jsonl')
    const stories = await readJsonl('evalz/demo-stories/default/test.jsonl')
    expect(cloze.length).toBeGreaterThanOrEqual(30)
    expect(stories.length).toBe(12)
    for (const row of [...cloze, ...stories]) expect(Object.keys(row)).toEqual(['text'])
    for (const row of cloze) expect(row.text).toMatch(/^[A-Z][^\n]* \S+$/)
    expect(stories.filter((r) => (r.text as string).includes('\n')).length).toBeGreaterThanOrEqual(3)
  })
})
