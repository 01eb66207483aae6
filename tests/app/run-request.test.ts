import { describe, expect, it } from 'vitest'
import { RUN_DEFAULTS, runInfoFor, runRequestProblems } from '../../src/app/run-request.ts'
import type { RunRequest } from '../../src/protocol/run-request.ts'

const OK: RunRequest = { ...RUN_DEFAULTS, runId: 'r1', limit: 3, numFewshot: undefined }

describe('runRequestProblems', () => {
  it('accepts the defaults', () => {
    expect(runRequestProblems(OK)).toEqual([])
    expect(runRequestProblems({ ...OK, limit: undefined, numFewshot: 0 })).toEqual([])
  })

  it('names every bad field', () => {
    const bad = { ...OK, runId: '', model: '../etc', device: 'gpu', tasks: [], limit: 0, numFewshot: -1, batchSize: 1.5, seed: 0.5, bootstrapIters: -1 } as unknown as RunRequest
    const problems = runRequestProblems(bad)
    expect(problems).toHaveLength(9)
    expect(problems.join('\n')).toMatch(/model '\.\.\/etc'/)
    expect(problems.join('\n')).toMatch(/device 'gpu' is invalid; use auto, webgpu or wasm/)
    expect(problems.join('\n')).toMatch(/limit 0 is invalid/)
  })
})

describe('runInfoFor', () => {
  it('describes the run as lm-eval model args', () => {
    expect(runInfoFor(OK, '0.1.0', 1700000000.5)).toEqual({
      model: 'transformers.js', modelArgs: 'pretrained=demo,dtype=fp32', batchSize: 1, limit: 3, numFewshot: undefined,
      bootstrapIters: 100000, fewshotSeed: 1234, evalzVersion: '0.1.0', startTime: 1700000000.5, tokenizer: undefined,
    })
  })
})

describe('a model identity given by the caller (the CLI\'s --device path)', () => {
  const identity = { pretrained: 'public/models/demo', name: '/abs/public/models/demo', sha256: 'a'.repeat(64), numParameters: 12 }
  it('names the model, its weights and their count in the run description', () => {
    const info = runInfoFor({ ...OK, identity }, '0.1.0', 1)
    expect(info).toMatchObject({ modelArgs: 'pretrained=public/models/demo,dtype=fp32', modelName: '/abs/public/models/demo', modelSha256: 'a'.repeat(64), numParameters: 12 })
  })
  it('is checked with the rest of the request', () => {
    expect(runRequestProblems({ ...OK, identity: { ...identity, sha256: 'xyz', numParameters: -1 } })).toEqual([
      "identity.sha256 'xyz' is not a sha256 (64 hex digits)", 'identity.numParameters -1 is invalid; use an integer ≥ 0',
    ])
  })
})

describe('a model converted in the page', () => {
  it('is recorded as the CLI records a conversion: checkpoint hashes, description and stored weight dtype', () => {
    const converted = { format: 'safetensors', base_sha256: 'b'.repeat(64), description: 'tiny: safetensors llama (F16 matrices stored as float16)', weight_dtype: 'float16' }
    const stored = { id: 'tiny-12345678', name: 'tiny', files: [], totalBytes: 0, addedAt: 0, weightsSha256: 'c'.repeat(64), converted }
    const info = runInfoFor({ ...OK, model: stored.id, modelSource: 'stored' }, '0.1.0', 1, stored.name, stored)
    expect(info.modelOrigin).toEqual({ kind: 'checkpoint', sha: 'b'.repeat(64), detail: converted })
    expect(runInfoFor(OK, '0.1.0', 1).modelOrigin).toBeUndefined()
  })
})
