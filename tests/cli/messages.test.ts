/**
 * One-line messages that name the file or the fix (issue 17), through `main` in process as the CLI prints them:
 * a broken config.json named, --tokenizer errors that say --tokenizer, --adapter on an ONNX folder, every unknown
 * task in one line, and a credential in --hub-endpoint (or any URL in an error) never echoed.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { main } from '../../src/cli/main.ts'
import { redactCredentials } from '../../src/cli/credentials.ts'
import { servedAsLocal } from '../../src/cli/browser-device.ts'
import { progressReporter } from '../../src/cli/progress.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const DEMO = join(ROOT, 'public/models/demo')
const DATA = join(ROOT, 'public/datasets')
const tmp = mkdtempSync(join(tmpdir(), 'evalz-messages-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

/** Runs the CLI in process; returns the exit code and what it wrote to stderr. */
async function evalz(...argv: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = ''
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((t: string | Uint8Array) => {
    stderr += String(t)
    return true
  })
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
  try {
    const code = await main(['run', '--cache-dir', join(tmp, 'cache'), ...argv])
    return { code, stderr }
  } finally {
    err.mockRestore()
    out.mockRestore()
  }
}

/** A copy of the demo model folder with `file` replaced by `text`. */
function demoWith(name: string, file: string, text: string): string {
  const dir = join(tmp, name)
  cpSync(DEMO, dir, { recursive: true })
  writeFileSync(join(dir, file), text)
  return dir
}

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n')
  expect(lines, stderr).toHaveLength(1)
  return lines[0] as string
}

describe('messages that name the file or the fix', () => {
  it('an invalid config.json (or tokenizer_config.json) is named with what is wrong, before anything loads', async () => {
    for (const [file, text, why] of [['config.json', '{bad', /config\.json is not valid JSON \(/], ['config.json', '[1]', /config\.json must hold a JSON object, not an array/],
      ['tokenizer_config.json', '', /tokenizer_config\.json is not valid JSON/]] as const) {
      const dir = demoWith(`bad-${file}-${text.length}`, file, text)
      const r = await evalz('--model', dir, '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
      expect(r.code).toBe(1)
      const line = oneLine(r.stderr)
      expect(line).toContain(`model folder '${dir}'`)
      expect(line).toMatch(why)
      expect(line).toContain('repair it or download it again')
    }
  })

  it('--tokenizer errors say --tokenizer, never "model folder"', async () => {
    const missing = join(tmp, 'no-such-tokenizer')
    let r = await evalz('--model', DEMO, '--tokenizer', missing, '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
    expect(oneLine(r.stderr)).toBe(`evalz: error: --tokenizer folder '${missing}' does not exist (a tokenizer folder has tokenizer.json, tokenizer_config.json and config.json)`)
    const bad = demoWith('bad-tokenizer', 'config.json', '{')
    r = await evalz('--model', DEMO, '--tokenizer', bad, '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
    expect(oneLine(r.stderr)).toMatch(/^evalz: error: --tokenizer folder '.*bad-tokenizer': config\.json is not valid JSON/)
    r = await evalz('--model', DEMO, '--tokenizer', join(DEMO, 'config.json'), '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
    expect(oneLine(r.stderr)).toMatch(/^evalz: error: --tokenizer '.*config\.json' is a file; pass its folder/)
    expect(r.stderr).not.toContain('model folder')
  })

  it('--adapter on an ONNX model folder, or naming one, says what --adapter takes (exit 2)', async () => {
    let r = await evalz('--model', DEMO, '--adapter', join(tmp, 'anything'), '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/--adapter needs the base model's own weights, but '.*demo' is a transformers\.js ONNX folder .*pass the base checkpoint \(a safetensors folder or a \.gguf file\)/)
    const base = join(tmp, 'st-base')
    cpSync(DEMO, base, { recursive: true, filter: src => !src.includes('onnx') })
    writeFileSync(join(base, 'model.safetensors'), '')
    r = await evalz('--model', base, '--adapter', DEMO, '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1')
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/--adapter '.*demo' is a transformers\.js ONNX model folder, not a LoRA adapter; pass the folder PEFT save_pretrained wrote/)
  })

  it('names every unknown task in one line (exit 2)', async () => {
    const r = await evalz('--model', DEMO, '--tasks', 'nope1,demo_capitals,hellaswg,nope2', '--data-dir', DATA)
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toMatch(/^evalz: error: 3 unknown tasks: 'nope1', 'hellaswg' \(did you mean 'hellaswag'\?\), 'nope2'/)
  })

  it('asking for a YAML without `task:` (a base config) by its file name names the file and the missing key', async () => {
    const dir = join(tmp, 'base-config')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, 'notask.yaml'), 'dataset_path: x\noutput_type: multiple_choice\n')
    const r = await evalz('--model', DEMO, '--include-path', dir, '--tasks', 'notask', '--data-dir', DATA)
    expect(r.code).toBe(2)
    const line = oneLine(r.stderr)
    expect(line).toContain(join(dir, 'notask.yaml'))
    expect(line).toContain('no `task:` key')
    expect(line).toContain('add `task: notask`')
  })

  it('--tasks takes a task YAML file as lm-eval does: loaded on its own, its include resolved beside it', async () => {
    const dir = join(tmp, 'task-file')
    mkdirSync(dir, { recursive: true })
    writeFileSync(join(dir, '_base.yaml'), 'dataset_path: evalz/demo-capitals\noutput_type: multiple_choice\ntest_split: test\n'
      + 'doc_to_text: "Question: What is the capital of {{country}}?\\nAnswer:"\ndoc_to_target: answer\ndoc_to_choice: choices\n')
    writeFileSync(join(dir, 'my_capitals.yaml'), 'include: _base.yaml\ntask: my_capitals\n')
    // a broken neighbour is never read: only the named file (and what it includes) is
    writeFileSync(join(dir, 'broken.yaml'), 'task: [unclosed\n')
    const out = join(tmp, 'task-file-out')
    const r = await evalz('--model', DEMO, '--tasks', join(dir, 'my_capitals.yaml'), '--data-dir', DATA, '--limit', '2', '--output', out)
    expect(r.stderr).not.toContain('broken.yaml')
    expect(r.code).toBe(0)
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { results: Record<string, unknown> }
    expect(Object.keys(results.results)).toEqual(['my_capitals'])
    // a .yaml entry that is no file is still a task name (and unknown)
    const missing = await evalz('--model', DEMO, '--tasks', join(dir, 'nope.yaml'), '--data-dir', DATA)
    expect(missing.code).toBe(2)
  })

  it('a credential in --hub-endpoint or HF_ENDPOINT is refused and never echoed', async () => {
    for (const endpoint of ['https://user:s3cret@127.0.0.1:9/', 'https://s3cret@127.0.0.1:9', 'https://user:s3cret@[bad']) {
      const r = await evalz('--model', 'owner/name', '--tasks', 'demo_capitals', '--hub-endpoint', endpoint)
      expect(r.code).toBe(2)
      expect(oneLine(r.stderr)).toMatch(/--hub-endpoint 'https:\/\/\*\*\*@/)
      expect(r.stderr).not.toContain('s3cret')
    }
    vi.stubEnv('HF_ENDPOINT', 'https://user:s3cret@127.0.0.1:9')
    try {
      const r = await evalz('--model', 'owner/name', '--tasks', 'demo_capitals')
      expect(r.stderr).toContain('carries a credential')
      expect(r.stderr).not.toContain('s3cret')
    } finally {
      vi.unstubAllEnvs()
    }
  })

  it('a credential inside any URL of an error is redacted as the CLI prints it', async () => {
    const r = await evalz('--model-api', 'http://user:s3cret@127.0.0.1:9/v1', '--model', 'm', '--tokenizer', DEMO,
      '--tasks', 'demo_capitals', '--data-dir', DATA, '--limit', '1', '--max-retries', '0')
    expect(r.code).not.toBe(0)
    expect(r.stderr).not.toContain('s3cret')
    expect(redactCredentials('fetch https://a:b@h/x and s3://k@bucket/p, not mail@x.y')).toBe('fetch https://***@h/x and s3://***@bucket/p, not mail@x.y')
  })

  it('--device wasm errors name the folder the user passed, not the page\'s served name', () => {
    const origin = 'http://127.0.0.1:4321'
    expect(servedAsLocal(`could not load model __cli__: ${origin}/models/__cli__/onnx/model.onnx is 12 bytes`, origin, '/home/u/m'))
      .toBe('could not load model /home/u/m: /home/u/m/onnx/model.onnx is 12 bytes')
  })
})

describe('input sizes are reported', () => {
  it('a task whose longest request passes 1,000,000 characters gets one note with its size and how it is bounded', () => {
    let text = ''
    const report = progressReporter({ isTTY: false, write: t => { text += t } }, () => 0)
    report({ type: 'planned', totalRequests: 8, tasks: [
      { task: 'big', docs: 2, requests: 4, numFewshot: 0, longestRequestChars: 52_428_848 },
      { task: 'small', docs: 2, requests: 4, numFewshot: 0, longestRequestChars: 900 },
    ] })
    const notes = text.split('\n').filter(l => l.includes('characters'))
    expect(notes).toEqual([expect.stringMatching(/^evalz: big: a request is 52,428,848 characters; contexts past the model's max length are left-truncated/)])
  })
})
