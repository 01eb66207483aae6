import { describe, expect, it } from 'vitest'
import { configMismatchMessage, dataPresence } from '../../src/core/data-presence.ts'

const ARC = { path: 'allenai/ai2_arc', config: 'ARC-Easy', splits: ['test', 'train'] }

describe('dataPresence', () => {
  it('is present when every split is under the task\'s config, absent when nothing is local', () => {
    expect(dataPresence(ARC, ['ARC-Easy/test.jsonl', 'ARC-Easy/train.parquet', 'ARC-Challenge/test.jsonl'])).toEqual({ state: 'present' })
    expect(dataPresence(ARC, [])).toEqual({ state: 'absent' })
    // no config: the mirror's 'default' folder
    expect(dataPresence({ path: 'my/data', config: undefined, splits: ['test'] }, ['default/test.csv'])).toEqual({ state: 'present' })
  })

  it('names a dataset stored under another config', () => {
    expect(dataPresence(ARC, ['default/test.jsonl'])).toEqual({
      state: 'other-config', configs: ['default'], message: "local allenai/ai2_arc has config 'default'; the task wants 'ARC-Easy'",
    })
    expect(dataPresence({ path: 'my/data', config: undefined, splits: ['test'] }, ['b/test.jsonl', 'a/test.jsonl'])).toMatchObject({
      message: "local my/data has configs 'a', 'b'; the task wants 'default'",
    })
  })

  it('names the splits a stored config lacks', () => {
    expect(dataPresence(ARC, ['ARC-Easy/test.jsonl', 'ARC-Easy/validation.jsonl'])).toEqual({
      state: 'missing-splits', missing: ['train'], message: "local allenai/ai2_arc (config 'ARC-Easy') lacks split 'train'; it has 'test', 'validation'",
    })
  })

  it('words one and several configs', () => {
    expect(configMismatchMessage('x/y', ['c'], 'd')).toBe("local x/y has config 'c'; the task wants 'd'")
  })
})
