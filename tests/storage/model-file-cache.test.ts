/**
 * transformers.js itself loads a stored model through modelFileCache, with every fetch refused: the keys it
 * asks for ('<localModelPath><id>/<file>', then '<host>/<id>/resolve/main/<file>') are served from IndexedDB.
 */
import 'fake-indexeddb/auto'
import { IDBFactory } from 'fake-indexeddb'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { AutoModelForCausalLM, AutoTokenizer, env } from '@huggingface/transformers'
import { describe, expect, it } from 'vitest'
import { openEvalzDb } from '../../src/storage/db.ts'
import { addModelFiles, modelFileCache } from '../../src/storage/model-store.ts'

const DEMO = join(import.meta.dirname, '..', '..', 'public', 'models', 'demo')

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap(n => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]))
}

describe('modelFileCache as transformers.js env.customCache', () => {
  it('loads the stored demo tokenizer and model with no network request', async () => {
    const db = await openEvalzDb({ factory: new IDBFactory() })
    const files = walk(DEMO).map(p => ({ path: `demo/${relative(DEMO, p).split('\\').join('/')}`, blob: new Blob([readFileSync(p)]) }))
    const model = await addModelFiles(db, files)
    const cache = modelFileCache(db, () => [model])
    const asked: string[] = []
    const fetched: string[] = []
    env.allowLocalModels = false
    env.allowRemoteModels = true
    env.useFSCache = false
    env.useBrowserCache = false
    env.useCustomCache = true
    env.customCache = {
      async match(key: string) {
        asked.push(key)
        return cache.match(key)
      },
      put: (key: string, res: Response) => cache.put(key, res),
    }
    env.fetch = (async (url: string) => {
      fetched.push(String(url))
      throw new Error(`no network in this test: ${url}`)
    }) as typeof env.fetch
    const tok = await AutoTokenizer.from_pretrained(model.id)
    expect(tok.encode(' Paris').length).toBeGreaterThan(0)
    const lm = await AutoModelForCausalLM.from_pretrained(model.id, { dtype: 'fp32' })
    await lm.dispose()
    expect(fetched).toEqual([])
    expect(asked.some(k => k.endsWith(`${model.id}/onnx/model.onnx`))).toBe(true)
    db.close()
  })
})
