import { describe, expect, it } from 'vitest'
import { noHubSource } from '../../src/data/no-hub-source.ts'
import { failure } from '../rejection.ts'

const arc = { path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' }

describe('noHubSource', () => {
  it('throws HUB_UNAVAILABLE from loadSplit and hasSplit, naming the dataset and the mirror path', async () => {
    const source = noHubSource()
    for (const p of [source.loadSplit(arc), source.hasSplit(arc)]) {
      const err = await failure(p)
      expect(err.code).toBe('HUB_UNAVAILABLE')
      expect(err.message).toBe(
        'this run needs dataset allenai/ai2_arc (config ARC-Easy) from the Hugging Face Hub, which this version cannot' +
          ' download yet; pass --data-dir DIR with a local mirror (DIR/allenai/ai2_arc/ARC-Easy/test.jsonl)',
      )
    }
  })

  it('names the task when told which task needs the ref', async () => {
    const source = noHubSource((r) => (r.path === 'allenai/ai2_arc' ? 'arc_easy' : undefined))
    const err = await failure(source.loadSplit(arc))
    expect(err.message).toMatch(/^task 'arc_easy' needs dataset allenai\/ai2_arc \(config ARC-Easy\) from the Hugging Face Hub/)
    expect(err.detail).toMatchObject({ task: 'arc_easy', path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' })
    const piqa = await failure(source.loadSplit({ path: 'baber/piqa', name: undefined, split: 'validation' }))
    expect(piqa.message).toMatch(/^this run needs dataset baber\/piqa from the .*\(DIR\/baber\/piqa\/default\/validation\.jsonl\)$/)
  })
})
