/**
 * --num-workers: documents dealt round-robin to worker processes (a document's choices stay together) and the
 * answers merged in request order — the sample files are byte-identical to one process's.
 */
import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommand } from '../../src/cli/args.ts'
import type { RunArgs } from '../../src/cli/args.ts'
import { runCommand } from '../../src/cli/run-command.ts'
import { shardByDocument } from '../../src/cli/worker-pool.ts'
import type { ModelRequest } from '../../src/core/requests.ts'
import { harnessFailure } from '../rejection.ts'

const ll = (context: string, continuation: string): ModelRequest => ({ kind: 'loglikelihood', context, continuation })

describe('shardByDocument', () => {
  it('keeps a document\'s choices together and deals documents round-robin', () => {
    const reqs = [ll('q1', ' a'), ll('q1', ' b'), ll('q2', ' a'), ll('q2', ' b'), ll('q3', ' a'), ll('q1', ' c')]
    expect(shardByDocument(reqs, 2)).toEqual([[0, 1, 4], [2, 3, 5]])
  })
  it('deals one-request documents (rolling, generation) one by one', () => {
    const reqs: ModelRequest[] = [0, 1, 2, 3, 4].map(i => ({ kind: 'loglikelihood_rolling', text: `t${i}` }))
    expect(shardByDocument(reqs, 3)).toEqual([[0, 3], [1, 4], [2]])
  })
})

async function run(extra: string[]): Promise<string> {
  const out = mkdtempSync(join(tmpdir(), 'evalz-workers-'))
  const cmd = parseCommand(['run', '--model', 'public/models/demo', '--tasks', 'demo', '--data-dir', 'public/datasets', '--limit', '10', '--output', out, '--log-samples', ...extra])
  await runCommand((cmd as { args: RunArgs }).args, { stdout: () => {}, progress: { isTTY: false, write: () => {} } })
  return out
}

describe('--num-workers 2', () => {
  it('writes samples identical to one worker on every request kind', async () => {
    const one = await run([])
    const two = await run(['--num-workers', '2'])
    const files = readdirSync(one).filter(f => f.startsWith('samples_'))
    expect(files).toHaveLength(4)
    for (const f of files) expect(readFileSync(join(two, f), 'utf8'), f).toBe(readFileSync(join(one, f), 'utf8'))
    const results = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')).results
    expect(results(two)).toEqual(results(one))
  }, 180_000)

  it('is refused with --model-api, in one line', async () => {
    const err = await harnessFailure(run(['--model-api', 'http://127.0.0.1:9/v1', '--num-gpus', '2']))
    expect(err.message).toContain('--num-workers (use --concurrency) cannot be used with --model-api')
  })
})
