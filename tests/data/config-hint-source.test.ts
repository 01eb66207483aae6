/** configHintSource: a split the source cannot give, whose dataset is stored under other configs, says so in one line. */
import { describe, expect, it } from 'vitest'
import { configHintSource } from '../../src/data/config-hint-source.ts'
import { HarnessError } from '../../src/core/errors.ts'
import type { DocSource } from '../../src/core/source.ts'
import type { FileAccess } from '../../src/data/file-access.ts'

const LOCAL: FileAccess = {
  description: 'stored datasets',
  async read() { return undefined },
  async list(dir) { return dir === 'allenai/ai2_arc' ? ['default'] : undefined },
}

function source(has: boolean | Error): DocSource {
  return {
    description: 'the Hub',
    async hasSplit() {
      if (has instanceof Error) throw has
      return has
    },
    async loadSplit() { throw new HarnessError('HUB_UNAVAILABLE', 'could not reach https://huggingface.co/api/datasets/allenai/ai2_arc') },
  }
}

const EASY = { path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' }
const FIX = 'set Config in the Data panel'

describe('configHintSource', () => {
  it('turns an unreachable Hub or a missing split into the config mismatch', async () => {
    const message = "local allenai/ai2_arc has config 'default'; the task wants 'ARC-Easy'; set Config in the Data panel"
    const unreachable = configHintSource(source(new HarnessError('HUB_UNAVAILABLE', 'could not reach the Hub')), LOCAL, FIX)
    await expect(unreachable.hasSplit(EASY)).rejects.toMatchObject({ code: 'DATASET_CONFIG_MISMATCH', message })
    await expect(configHintSource(source(false), LOCAL, FIX).hasSplit(EASY)).rejects.toMatchObject({ code: 'DATASET_CONFIG_MISMATCH', message })
    await expect(unreachable.loadSplit(EASY)).rejects.toMatchObject({ code: 'DATASET_CONFIG_MISMATCH' })
  })

  it('passes everything else through', async () => {
    expect(await configHintSource(source(true), LOCAL, FIX).hasSplit(EASY)).toBe(true)
    // nothing local under the path: the source's own answer
    expect(await configHintSource(source(false), LOCAL, FIX).hasSplit({ ...EASY, path: 'other/data' })).toBe(false)
    await expect(configHintSource(source(new Error('offline')), LOCAL, FIX).hasSplit({ ...EASY, path: 'other/data' })).rejects.toThrow('offline')
    // the config is local (a split is missing there): not a mismatch
    expect(await configHintSource(source(false), LOCAL, FIX).hasSplit({ ...EASY, name: undefined })).toBe(false)
  })
})
