import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'

/** The real Hub-layout mirror in the shared folder beside the repo (read-only). */
const SHARED = join(import.meta.dirname, '..', '..', '..', 'shared', 'hf-data')
const present = existsSync(SHARED)
if (!present) console.log(`skipping hf-data mirror tests: ${SHARED} is absent`)

describe.skipIf(!present)('mirrorSource over ../shared/hf-data', () => {
  const source = mirrorSource(nodeFileAccess(SHARED))

  it('loads ARC-Easy test: 2376 rows, first row as the Hub serves it', async () => {
    const rows = await source.loadSplit({ path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'test' })
    expect(rows).toHaveLength(2376)
    expect(rows[0]).toEqual({
      id: 'Mercury_417466',
      question: 'Which statement best explains why photosynthesis is the foundation of most food webs?',
      choices: {
        text: [
          'Sunlight is the source of energy for nearly all ecosystems.',
          'Most ecosystems are found on land instead of in water.',
          'Carbon dioxide is more available than other gases.',
          'The producers in all ecosystems are plants.',
        ],
        label: ['A', 'B', 'C', 'D'],
      },
      answerKey: 'A',
    })
  })

  it('loads mmlu anatomy test: 135 rows with an int answer', async () => {
    const rows = await source.loadSplit({ path: 'cais/mmlu', name: 'anatomy', split: 'test' })
    expect(rows).toHaveLength(135)
    expect(rows[0].subject).toBe('anatomy')
    expect(typeof rows[0].answer).toBe('number')
    expect(rows[0].choices).toHaveLength(4)
  })

  it('loads piqa validation (default config): 1838 rows', async () => {
    const rows = await source.loadSplit({ path: 'baber/piqa', name: undefined, split: 'validation' })
    expect(rows).toHaveLength(1838)
    expect(Object.keys(rows[0])).toEqual(expect.arrayContaining(['goal', 'sol1', 'sol2']))
  })

  it('reports the missing ARC train split with the splits that exist', async () => {
    const ref = { path: 'allenai/ai2_arc', name: 'ARC-Easy', split: 'train' }
    expect(await source.hasSplit(ref)).toBe(false)
    await expect(source.loadSplit(ref)).rejects.toMatchObject({
      code: 'DATASET_SPLIT_MISSING',
      message: `dataset allenai/ai2_arc config ARC-Easy has no split 'train' in data dir ${SHARED} (splits there: test, validation)`,
    })
  })
})
