/** Parsing of `evalz serve` and of `evalz run --model-api` with its companions. */
import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/cli/args.ts'
import { harnessThrow } from '../rejection.ts'

describe('evalz run --model-api', () => {
  it('takes the API options with lm-eval spellings', () => {
    const cmd = parseCommand(['run', '--model', 'demo', '--tasks', 'arc_easy', '--base_url', 'http://h/v1', '--num_concurrent', '4', '--api-key', 'k', '--max-retries', '2', '--api-timeout', '1.5'])
    expect(cmd).toMatchObject({ command: 'run', args: { modelApi: 'http://h/v1', concurrency: 4, apiKey: 'k', maxRetries: 2, apiTimeout: 1.5 } })
  })
  it('says API options need --model-api', () => {
    expect(harnessThrow(() => parseCommand(['run', '--model', 'demo', '--tasks', 'x', '--concurrency', '2'])).message)
      .toBe('--concurrency goes with --model-api URL (an OpenAI-compatible server); add it or drop it')
  })
  it('refuses a bad timeout', () => {
    expect(harnessThrow(() => parseCommand(['run', '--model', 'd', '--tasks', 'x', '--model-api', 'http://h/v1', '--api-timeout', '0'])).message).toContain('--api-timeout must be')
  })
})

describe('evalz serve', () => {
  it('defaults to 127.0.0.1:8000', () => {
    expect(parseCommand(['serve', '--model', 'public/models/demo'])).toMatchObject({ command: 'serve', args: { host: '127.0.0.1', port: 8000, servedModelName: undefined } })
  })
  it('takes host, port, name and key', () => {
    const cmd = parseCommand(['serve', '--model', 'm', '--host', '0.0.0.0', '--port', '0', '--served_model_name', 'x', '--api-key', 'k'])
    expect(cmd).toMatchObject({ args: { host: '0.0.0.0', port: 0, servedModelName: 'x', apiKey: 'k' } })
  })
  it('needs --model and a valid port', () => {
    expect(harnessThrow(() => parseCommand(['serve'])).message).toContain('evalz serve needs --model')
    expect(harnessThrow(() => parseCommand(['serve', '--model', 'm', '--port', '70000'])).message).toContain('--port must be 0–65535')
  })
})
