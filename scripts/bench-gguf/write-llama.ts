/**
 * Writes a random-weight Llama of TinyLlama-1.1B's shape (hidden 2048, MLP 5632, 22 layers, 32 heads, 4 KV heads)
 * with llama.cpp's llama-spm vocabulary (32000 tokens) as a GGUF, streamed to disk tensor by tensor, in the tensor
 * types llama.cpp's Q4_0 or Q4_K_M presets choose (Q4_K_M: Q6_K for the output head and for attn_v / ffn_down of
 * the layers llama.cpp gives more bits). For benchmarks: never commit the file.
 * Usage: node bin/run-ts.js scripts/bench-gguf/write-llama.ts OUT.gguf Q4_0|Q4_K_M [--layers N]
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { bytesSource, readGgufHeader } from '../../src/backends/gguf/gguf-file.ts'
import { VT, ggufHeader } from '../../tests/backends/gguf/fixtures/gguf-writer.ts'
import type { MetaEntry } from '../../tests/backends/gguf/fixtures/gguf-writer.ts'
import { BLOCK_SCALE, QTYPES, entry, randomBlocks } from '../../tests/backends/gguf/fixtures/quantize-gguf.ts'
import type { QType } from '../../tests/backends/gguf/fixtures/quantize-gguf.ts'

const VOCAB = resolve(import.meta.dirname, '../../../shared/models/llama.cpp-vocab/ggml-vocab-llama-spm.gguf')

/** A tensor to write: name, ggml dims and storage. */
interface Planned {
  name: string
  dims: number[]
  type: QType
}

/** llama.cpp's use_more_bits(i, n): the first and last eighth of the layers and every third one between. */
function moreBits(i: number, n: number): boolean {
  return i < n / 8 || i >= (7 * n) / 8 || (i - Math.floor(n / 8)) % 3 === 2
}

/** Writes the GGUF; returns its size in bytes. */
export async function writeBenchLlama(out: string, preset: 'Q4_0' | 'Q4_K_M', layers = 22): Promise<number> {
  const vocabFile = await readGgufHeader(bytesSource(new Uint8Array(readFileSync(VOCAB))))
  const meta: Record<string, MetaEntry> = {}
  for (const [k, v] of vocabFile.metadata) if (k.startsWith('tokenizer.')) meta[k] = entry(v, k)
  const vocab = (vocabFile.metadata.get('tokenizer.ggml.tokens') as string[]).length
  const [hidden, ffn, heads, kvHeads] = [2048, 5632, 32, 4]
  Object.assign(meta, {
    'general.architecture': entry('llama'), 'general.name': entry(`random-llama-1.1B-${preset}`),
    'llama.context_length': entry(2048), 'llama.embedding_length': entry(hidden), 'llama.feed_forward_length': entry(ffn),
    'llama.attention.head_count': entry(heads), 'llama.attention.head_count_kv': entry(kvHeads), 'llama.block_count': entry(layers),
    'llama.rope.freq_base': { type: VT.F32, value: 10000 }, 'llama.attention.layer_norm_rms_epsilon': { type: VT.F32, value: 1e-5 },
  })
  const base: QType = preset === 'Q4_0' ? 'Q4_0' : 'Q4_K'
  const kv = (hidden / heads) * kvHeads
  const planned: Planned[] = [
    { name: 'token_embd.weight', dims: [hidden, vocab], type: base },
    { name: 'output_norm.weight', dims: [hidden], type: 'F32' },
    { name: 'output.weight', dims: [hidden, vocab], type: 'Q6_K' },
  ]
  for (let i = 0; i < layers; i++) {
    const more = preset === 'Q4_K_M' && moreBits(i, layers) ? 'Q6_K' : base
    planned.push(
      { name: `blk.${i}.attn_norm.weight`, dims: [hidden], type: 'F32' },
      { name: `blk.${i}.attn_q.weight`, dims: [hidden, hidden], type: base },
      { name: `blk.${i}.attn_k.weight`, dims: [hidden, kv], type: base },
      { name: `blk.${i}.attn_v.weight`, dims: [hidden, kv], type: more },
      { name: `blk.${i}.attn_output.weight`, dims: [hidden, hidden], type: base },
      { name: `blk.${i}.ffn_norm.weight`, dims: [hidden], type: 'F32' },
      { name: `blk.${i}.ffn_gate.weight`, dims: [hidden, ffn], type: base },
      { name: `blk.${i}.ffn_up.weight`, dims: [hidden, ffn], type: base },
      { name: `blk.${i}.ffn_down.weight`, dims: [ffn, hidden], type: more },
    )
  }
  const bytesOf = (p: Planned) => {
    const n = p.dims.reduce((a, b) => a * b, 1)
    return (n / QTYPES[p.type].elements) * QTYPES[p.type].bytes
  }
  const header = ggufHeader(meta, planned.map((p) => ({ name: p.name, dims: p.dims, type: QTYPES[p.type].id, bytes: bytesOf(p) })))
  const fd = openSync(out, 'w')
  let size = 0
  const write = (b: Uint8Array) => {
    writeSync(fd, b)
    size += b.length
  }
  try {
    write(header)
    planned.forEach((p, i) => {
      const n = p.dims.reduce((a, b) => a * b, 1)
      const data = p.type === 'F32'
        ? new Uint8Array(Float32Array.from({ length: n }, (_, j) => 0.9 + ((j * 37) % 21) / 100).buffer)
        : randomBlocks(p.type, n, i * 7919 + 1, BLOCK_SCALE[p.type])
      write(data)
      if (data.length % 32 !== 0) write(new Uint8Array(32 - (data.length % 32)))
    })
  } finally {
    closeSync(fd)
  }
  return size
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [out, preset] = process.argv.slice(2)
  if (!out || (preset !== 'Q4_0' && preset !== 'Q4_K_M')) {
    console.error('usage: write-llama.ts OUT.gguf Q4_0|Q4_K_M [--layers N]')
    process.exit(2)
  }
  const layersAt = process.argv.indexOf('--layers')
  const size = await writeBenchLlama(resolve(out), preset, layersAt > 0 ? Number(process.argv[layersAt + 1]) : 22)
  console.log(`wrote ${out}: ${(size / 1e9).toFixed(3)} GB`)
}
