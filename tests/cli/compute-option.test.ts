import { describe, expect, it } from 'vitest'
import { parseCommand } from '../../src/cli/args.ts'
import { resolveModel } from '../../src/cli/model-source.ts'
import { harnessFailure, harnessThrow } from '../rejection.ts'

const HUB = { endpoint: 'http://127.0.0.1:9', token: undefined, offline: true, cacheDir: '/nonexistent-evalz-cache' }
const quiet = { write: () => {}, isTTY: false }

describe('--compute exact|int8', () => {
  it('defaults to exact and takes int8', () => {
    const run = (extra: string[]) => parseCommand(['run', '--model', 'm', '--tasks', 't', ...extra])
    expect(run([])).toMatchObject({ args: { compute: 'exact' } })
    expect(run(['--compute', 'int8'])).toMatchObject({ args: { compute: 'int8' } })
  })

  it('refuses other values and int8 for a model that is not a quantised checkpoint, in one line', async () => {
    const bad = harnessThrow(() => parseCommand(['run', '--model', 'm', '--tasks', 't', '--compute', 'fp16']))
    expect(bad.message).toBe("--compute 'fp16' is invalid (valid: exact, int8)")
    const folder = await harnessFailure(resolveModel({ model: 'public/models/demo', dtype: undefined, adapter: undefined, compute: 'int8' }, HUB, quiet))
    expect(folder.message).toContain('--compute int8 applies to a quantised .gguf checkpoint')
  })
})
