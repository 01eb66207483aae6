import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers'
import type { PreTrainedModel } from '@huggingface/transformers'
import { configureTransformers } from '../../../src/backends/transformers/init.ts'
import { causalLmFromModel, leftPad } from '../../../src/backends/transformers/transformers-lm.ts'
import { argmaxAt, tokenScoreAt } from '../../../src/backends/transformers/causal-lm.ts'
import type { CausalLm, LogitsBlock } from '../../../src/backends/transformers/causal-lm.ts'

const DEMO = resolve('public/models/demo')
const HAVE_DEMO = existsSync(join(DEMO, 'onnx', 'model.onnx'))

/** Last-position-first rows of an unpadded single-sequence forward. */
async function directRows(model: PreTrainedModel, input: number[]): Promise<Float32Array[]> {
  const out = await model.forward({
    input_ids: new Tensor('int64', BigInt64Array.from(input, BigInt), [1, input.length]),
    attention_mask: new Tensor('int64', new BigInt64Array(input.length).fill(1n), [1, input.length]),
  })
  const logits = out.logits as Tensor
  const v = logits.dims[2]
  const data = logits.data as Float32Array
  return Array.from({ length: input.length }, (_, i) => data.slice(i * v, (i + 1) * v))
}

function maxDiff(block: LogitsBlock, b: number, fromEnd: number, want: Float32Array): number {
  const off = (b * block.rows + block.rows - fromEnd) * block.vocab
  const data = block.data ?? new Float32Array(0)
  let d = data.length > 0 ? 0 : Infinity
  for (let k = 0; k < block.vocab; k++) d = Math.max(d, Math.abs(data[off + k] - want[k]))
  return d
}

describe('leftPad', () => {
  it('pads on the left with a zero mask', () => {
    const { ids, mask, width } = leftPad([[5, 6, 7], [8]], 0)
    expect(width).toBe(3)
    expect([...ids]).toEqual([5n, 6n, 7n, 0n, 0n, 8n])
    expect([...mask]).toEqual([1n, 1n, 1n, 0n, 0n, 1n])
  })

  it('rounds the width up to a multiple (WebGPU: few distinct shapes)', () => {
    const { ids, mask, width } = leftPad([[5, 6, 7], [8]], 0, 4)
    expect(width).toBe(4)
    expect([...ids]).toEqual([0n, 5n, 6n, 7n, 0n, 0n, 0n, 8n])
    expect([...mask]).toEqual([0n, 1n, 1n, 1n, 0n, 0n, 0n, 1n])
    expect(leftPad([[1, 2, 3, 4]], 0, 4).width).toBe(4)
    expect(leftPad([Array(17).fill(1)], 0, 16).width).toBe(32)
  })
})

describe.skipIf(!HAVE_DEMO)('causalLmFromModel on the demo model', () => {
  let model: PreTrainedModel
  let lm: CausalLm
  const rows = [[10, 20, 30, 40, 50, 60, 70, 80, 90], [11, 22], [300, 301, 302, 303, 304], [7]]

  beforeAll(async () => {
    configureTransformers({ allowRemote: false, logLevel: 'error' })
    model = await AutoModelForCausalLM.from_pretrained(DEMO, { device: 'cpu', dtype: 'fp32' })
    lm = causalLmFromModel(model, 0, 0)
  })
  afterAll(async () => { await model?.dispose() })

  it('left-padded batch logits equal unpadded single-row logits (num_logits_to_keep honoured)', async () => {
    const direct = await Promise.all(rows.map((r) => directRows(model, r)))
    let worst = 0
    const kept = await lm.forward(rows, 3, (block) => {
      rows.forEach((r, b) => {
        for (let j = 1; j <= Math.min(3, r.length); j++) worst = Math.max(worst, maxDiff(block, b, j, direct[b][r.length - j]))
      })
      return block.rows
    })
    expect(kept).toBeGreaterThanOrEqual(3)
    expect(worst).toBeLessThan(1e-5)
  })

  it('scores targets on the device (scoring graph) with the JavaScript path\'s numbers and argmax', async () => {
    const targets = [[[5, 77], [9]], [[1]], [[300], [2], [8]], []]
    const viaJs = causalLmFromModel(model, 0, 0, { scoreOnDevice: false })
    const read = (block: LogitsBlock) => targets.map((row, b) => row.map((tokens, back) => ({
      logprobs: tokens.map((t) => tokenScoreAt(block, b, back + 1, t).logprob), argmax: argmaxAt(block, b, back + 1),
    })))
    const scored = await lm.forward(rows, 3, (block) => ({ onDevice: block.data === undefined, values: read(block) }), targets)
    const plain = await viaJs.forward(rows, 3, read, targets)
    expect(scored.onDevice).toBe(true)
    scored.values.forEach((row, b) => row.forEach((pos, back) => {
      expect(pos.argmax).toBe(plain[b][back].argmax)
      pos.logprobs.forEach((lp, s) => expect(Math.abs(lp - plain[b][back].logprobs[s])).toBeLessThan(1e-9))
    }))
  })

  it('KV-cached decode steps equal full forwards of the grown sequences', async () => {
    const forced = [[1, 2, 3, 4, 5], [100, 101, 102, 103, 104], [5, 4, 3, 2, 1], [60, 61, 62, 63, 64]]
    const seqs = rows.map((r) => [...r])
    let worst = 0
    const check = async (block: LogitsBlock) => {
      for (let b = 0; b < seqs.length; b++) worst = Math.max(worst, maxDiff(block, b, 1, (await directRows(model, seqs[b])).at(-1)!))
    }
    const blocks: LogitsBlock[] = []
    const copy = (block: LogitsBlock) => { blocks.push({ ...block, data: block.data?.slice() }); return 0 }
    const { session } = await lm.startDecode(rows, copy)
    await check(blocks[0])
    for (let step = 0; step < 5; step++) {
      const toks = forced.map((f) => f[step])
      toks.forEach((t, b) => seqs[b].push(t))
      await session.step(toks, copy)
      await check(blocks.at(-1)!)
    }
    await session.dispose()
    expect(worst).toBeLessThan(1e-4)
  })
})
